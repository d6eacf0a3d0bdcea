//! HTTP handlers, registered through utoipa-actix-web so that the router and
//! the OpenAPI spec cannot diverge.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod access_log;
pub mod assessments;
pub mod caseload;
pub mod clients;
pub mod code_sets;
pub mod consents;
pub mod contact_requests;
pub mod events;
pub mod export;
pub mod external_ids;
pub mod follow_ups;
pub mod handovers;
pub mod health;
pub mod me;
pub mod organisations;
pub mod plans;
pub mod problem_types;
pub mod professionals;
pub mod referrals;
pub mod relationships;
pub mod responsibility;
pub mod sign_in_identities;
pub mod statutory_disclosure;
pub mod teams;
pub mod webhooks;

/// Registers every handler under `/api/v1` on `$cfg`: a utoipa-actix-web
/// `ServiceConfig` where the OpenAPI document is made (so that the router
/// and the spec cannot diverge), a plain actix-web one in each worker (which
/// would otherwise build, and throw away, the whole document once more per
/// worker: about 11 MB each that the allocator keeps).
///
/// actix-web tries the routes in this order, matching a regular expression
/// for each one with a path parameter: the read every screen of a client
/// makes comes first (measured: a seventh of a client read's time on the
/// workers went into the routes tried before it).
macro_rules! api_v1_services {
    ($cfg:expr) => {
        $cfg.service($crate::routes::clients::get_client)
            .service($crate::routes::me::me)
            .service($crate::routes::caseload::get_caseload)
            .service($crate::routes::code_sets::list_code_sets)
            .service($crate::routes::code_sets::get_code_set)
            .service($crate::routes::problem_types::list_problem_types)
            .service($crate::routes::organisations::create_organisation)
            .service($crate::routes::organisations::list_organisations)
            .service($crate::routes::organisations::get_organisation)
            .service($crate::routes::organisations::update_organisation)
            .service($crate::routes::professionals::create_professional)
            .service($crate::routes::professionals::list_professionals)
            .service($crate::routes::professionals::get_professional)
            .service($crate::routes::professionals::update_professional)
            .service($crate::routes::professionals::deactivate_professional)
            .service($crate::routes::clients::create_client)
            .service($crate::routes::clients::lookup_client)
            .service($crate::routes::statutory_disclosure::statutory_disclosure)
            .service($crate::routes::clients::list_clients)
            .service($crate::routes::clients::update_client)
            .service($crate::routes::external_ids::list_client_external_ids)
            .service($crate::routes::external_ids::set_client_external_id)
            .service($crate::routes::external_ids::remove_client_external_id)
            .service($crate::routes::external_ids::list_professional_external_ids)
            .service($crate::routes::external_ids::set_professional_external_id)
            .service($crate::routes::relationships::list_relationships)
            .service($crate::routes::relationships::open_relationship)
            .service($crate::routes::relationships::make_primary)
            .service($crate::routes::relationships::end_relationship)
            .service($crate::routes::responsibility::get_responsibility)
            .service($crate::routes::responsibility::get_responsibility_history)
            .service($crate::routes::responsibility::set_work_pair)
            .service($crate::routes::responsibility::clear_work_pair)
            .service($crate::routes::responsibility::ask_for_responsibility)
            .service($crate::routes::responsibility::list_requests)
            .service($crate::routes::responsibility::agree_to_request)
            .service($crate::routes::responsibility::refuse_request)
            .service($crate::routes::responsibility::withdraw_request)
            .service($crate::routes::handovers::propose_handover)
            .service($crate::routes::handovers::list_handovers)
            .service($crate::routes::handovers::get_handover)
            .service($crate::routes::handovers::accept_handover)
            .service($crate::routes::handovers::decline_handover)
            .service($crate::routes::handovers::cancel_handover)
            .service($crate::routes::consents::record_consent)
            .service($crate::routes::consents::list_consents)
            .service($crate::routes::consents::withdraw_consent)
            .service($crate::routes::access_log::client_access_log)
            .service($crate::routes::export::export_client)
            .service($crate::routes::teams::create_team)
            .service($crate::routes::teams::list_teams)
            .service($crate::routes::teams::get_team)
            .service($crate::routes::teams::update_team)
            .service($crate::routes::teams::add_member)
            .service($crate::routes::teams::remove_member)
            .service($crate::routes::referrals::create_referral)
            .service($crate::routes::referrals::get_referral)
            .service($crate::routes::referrals::send_referral)
            .service($crate::routes::referrals::accept_referral)
            .service($crate::routes::referrals::return_referral)
            .service($crate::routes::referrals::withdraw_referral)
            .service($crate::routes::referrals::team_referrals)
            .service($crate::routes::assessments::get_assessment)
            .service($crate::routes::assessments::start_assessment)
            .service($crate::routes::assessments::complete_assessment)
            .service($crate::routes::assessments::cancel_assessment)
            .service($crate::routes::contact_requests::receive_contact_request)
            .service($crate::routes::contact_requests::team_contact_requests)
            .service($crate::routes::contact_requests::invite)
            .service($crate::routes::contact_requests::close)
            .service($crate::routes::plans::create_plan)
            .service($crate::routes::plans::list_plans)
            .service($crate::routes::plans::current_plan)
            .service($crate::routes::plans::get_plan)
            .service($crate::routes::plans::update_plan)
            .service($crate::routes::plans::discard_plan)
            .service($crate::routes::plans::publish_plan)
            .service($crate::routes::plans::get_plan_summary)
            .service($crate::routes::follow_ups::own_follow_ups)
            .service($crate::routes::follow_ups::list_follow_ups)
            .service($crate::routes::follow_ups::add_follow_up)
            .service($crate::routes::follow_ups::complete_follow_up)
            .service($crate::routes::follow_ups::cancel_follow_up)
            .service($crate::routes::access_log::search_access_log)
            .service($crate::routes::access_log::search_disclosures)
            .service($crate::routes::sign_in_identities::list_sign_in_identities)
            .service($crate::routes::sign_in_identities::set_sign_in_identity)
            .service($crate::routes::sign_in_identities::remove_sign_in_identity)
            .service($crate::routes::events::read_events)
            .service($crate::routes::webhooks::create_subscription)
            .service($crate::routes::webhooks::list_subscriptions)
            .service($crate::routes::webhooks::get_subscription)
            .service($crate::routes::webhooks::disable_subscription)
            .service($crate::routes::webhooks::enable_subscription)
            .service($crate::routes::webhooks::rotate_secret)
            .service($crate::routes::webhooks::list_deliveries)
            .service($crate::routes::webhooks::retry_delivery)
    };
}
pub(crate) use api_v1_services;

/// Health checks, outside the versioned API (see `api_v1_services!`).
macro_rules! operation_services {
    ($cfg:expr) => {
        $cfg.service($crate::routes::health::live)
            .service($crate::routes::health::ready)
    };
}
pub(crate) use operation_services;

/// Everything under `/api/v1`, documented.
pub fn api_v1(cfg: &mut ServiceConfig) {
    api_v1_services!(cfg);
}

/// Health checks, documented.
pub fn operations(cfg: &mut ServiceConfig) {
    operation_services!(cfg);
}

#[cfg(test)]
mod tests {
    /// Each route module stands alone: what two of them share (response
    /// types, cards, inputs) lives in `views/` or `inputs.rs`, and views
    /// never reach up into the routes.
    #[test]
    fn no_route_module_imports_another_and_no_view_imports_a_route() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for (folder, forbidden) in [
            ("routes", &["crate::routes::", "super::"][..]),
            ("views", &["crate::routes::"][..]),
        ] {
            for entry in std::fs::read_dir(format!("{src}/{folder}")).expect("folder") {
                let path = entry.expect("entry").path();
                if path.file_name().is_some_and(|name| name == "mod.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                for needle in forbidden {
                    assert!(
                        !text.contains(needle),
                        "{} reaches another route module through `{needle}`",
                        path.display()
                    );
                }
            }
        }
    }
}

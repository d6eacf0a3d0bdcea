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
pub mod export;
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
pub mod statutory_disclosure;
pub mod teams;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(me::me)
        .service(caseload::get_caseload)
        .service(code_sets::list_code_sets)
        .service(code_sets::get_code_set)
        .service(problem_types::list_problem_types)
        .service(organisations::create_organisation)
        .service(organisations::list_organisations)
        .service(organisations::get_organisation)
        .service(organisations::update_organisation)
        .service(professionals::create_professional)
        .service(professionals::list_professionals)
        .service(professionals::get_professional)
        .service(professionals::update_professional)
        .service(professionals::deactivate_professional)
        .service(clients::create_client)
        .service(clients::lookup_client)
        .service(statutory_disclosure::statutory_disclosure)
        .service(clients::list_clients)
        .service(clients::get_client)
        .service(clients::update_client)
        .service(relationships::list_relationships)
        .service(relationships::open_relationship)
        .service(relationships::make_primary)
        .service(relationships::end_relationship)
        .service(responsibility::get_responsibility)
        .service(responsibility::get_responsibility_history)
        .service(responsibility::set_work_pair)
        .service(responsibility::clear_work_pair)
        .service(responsibility::ask_for_responsibility)
        .service(responsibility::list_requests)
        .service(responsibility::agree_to_request)
        .service(responsibility::refuse_request)
        .service(responsibility::withdraw_request)
        .service(handovers::propose_handover)
        .service(handovers::list_handovers)
        .service(handovers::get_handover)
        .service(handovers::accept_handover)
        .service(handovers::decline_handover)
        .service(handovers::cancel_handover)
        .service(consents::record_consent)
        .service(consents::list_consents)
        .service(consents::withdraw_consent)
        .service(access_log::client_access_log)
        .service(export::export_client)
        .service(teams::create_team)
        .service(teams::list_teams)
        .service(teams::get_team)
        .service(teams::update_team)
        .service(teams::add_member)
        .service(teams::remove_member)
        .service(referrals::create_referral)
        .service(referrals::get_referral)
        .service(referrals::send_referral)
        .service(referrals::accept_referral)
        .service(referrals::return_referral)
        .service(referrals::withdraw_referral)
        .service(referrals::team_referrals)
        .service(assessments::get_assessment)
        .service(assessments::start_assessment)
        .service(assessments::complete_assessment)
        .service(assessments::cancel_assessment)
        .service(contact_requests::receive_contact_request)
        .service(contact_requests::team_contact_requests)
        .service(contact_requests::invite)
        .service(contact_requests::close)
        .service(plans::create_plan)
        .service(plans::list_plans)
        .service(plans::current_plan)
        .service(plans::get_plan)
        .service(plans::update_plan)
        .service(plans::discard_plan)
        .service(plans::publish_plan)
        .service(plans::get_plan_summary)
        .service(follow_ups::own_follow_ups)
        .service(follow_ups::list_follow_ups)
        .service(follow_ups::add_follow_up)
        .service(follow_ups::complete_follow_up)
        .service(follow_ups::cancel_follow_up)
        .service(access_log::search_access_log)
        .service(access_log::search_disclosures);
}

/// Health checks, outside the versioned API.
pub fn operations(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready);
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

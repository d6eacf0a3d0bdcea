//! HTTP handlers, registered through utoipa-actix-web so that the router and
//! the OpenAPI spec cannot diverge.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod clients;
pub mod code_sets;
pub mod health;
pub mod me;
pub mod organisations;
pub mod professionals;
pub mod relationships;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(me::me)
        .service(code_sets::list_code_sets)
        .service(code_sets::get_code_set)
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
        .service(clients::list_clients)
        .service(clients::get_client)
        .service(clients::update_client)
        .service(relationships::list_relationships)
        .service(relationships::open_relationship)
        .service(relationships::make_primary)
        .service(relationships::end_relationship);
}

/// Health checks, outside the versioned API.
pub fn operations(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready);
}

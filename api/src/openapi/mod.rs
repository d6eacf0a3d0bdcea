//! The published contract. Paths are collected from the registered handlers;
//! this module adds the security scheme, shared error responses and tags.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{
    AuthorizationCode, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::error::{FieldError, Problem};

mod bounds;
mod idempotency;
mod links;
mod problems;

pub use bounds::{bound_pages, bound_requests};
pub use idempotency::declare_idempotency_keys;
pub use links::{declare_conditional_gets, link_responses, tidy_summaries};
pub use problems::document_problems;
use problems::{RULE_VIOLATION_DESCRIPTION, RULE_VIOLATION_RESPONSE, checks_domain_rules};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kyky API",
        description = "Shared backend for Finnish work-ability support (työkyvyn tuki): one named \
responsible worker (asiakasvastaava) per client, escorted handovers (saattaen vaihtaen), consent \
gating, work-ability teams, support plans and an access log the client can read.\n\n\
Authenticate with a bearer JWT (`Authorize` above). Errors are RFC 9457 problem+json: branch on \
`type`. Access to client data is by relationship to the client; without one a client is 404.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers(
        (url = "/", description = "This Kyky server: paths are relative to where this document is served"),
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::routes::caseload::CaseloadSort,
        crate::routes::handovers::HandoverDirection
    )),
    tags(
        (name = "me", description = "The caller"),
        (name = "code-sets", description = "Codes with fi/sv/en labels"),
        (name = "organisations", description = "Organisations (toimija)"),
        (name = "professionals", description = "Professionals (ammattilainen) and system accounts"),
        (name = "clients", description = "Clients (asiakas) and client relationships (asiakkuus)"),
        (name = "responsibility", description = "The responsible worker (vastuutyöntekijä), work pair (työpari) and requests for responsibility"),
        (name = "handovers", description = "Escorted handovers (saattaen vaihtaen): pending → accepted | declined | cancelled | expired (when a deadline was set)"),
        (name = "teams", description = "Work-ability teams (työkyvyn tuen tiimi): members across organisations, meeting cadence"),
        (name = "referrals", description = "Referrals (lähete) to work-ability teams: draft → sent → accepted | returned | withdrawn"),
        (name = "assessments", description = "Health and work-ability assessments: open → in_progress → completed | cancelled"),
        (name = "contact-requests", description = "Low-threshold entry: contact requests without a referral, and their triage"),
        (name = "plans", description = "The work-ability support plan (työkyvyn tuen suunnitelma): draft → published → superseded; services and the overlap rule"),
        (name = "follow-ups", description = "Follow-ups (seuranta): the plan's date and agreed tasks, each owned by a professional and moving with the responsibility; your own list across clients"),
        (name = "caseload", description = "The responsible worker's caseload and waiting work"),
        (name = "consents", description = "Consent (suostumus): purposes, organisations covered, withdrawal"),
        (name = "events", description = "The event feed for integrations: changes to the clients you may see, in order, resumable from a cursor"),
        (name = "webhooks", description = "Webhook subscriptions (Standard Webhooks 1.0): signed deliveries of events, retried for over a day, with a delivery log"),
        (name = "audit", description = "Access log (käyttöloki) and disclosure log (luovutusloki)"),
        (name = "operations", description = "Health checks"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Shared error responses: (status, component name, description).
const COMMON: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "The request breaks the contract's schema: `errors` names each field",
    ),
    (
        "401",
        "Unauthorized",
        "Missing, expired or invalid bearer token",
    ),
    ("403", "Forbidden", "Your roles do not allow this operation"),
    (
        "404",
        "NotFound",
        "No such resource, or no relationship that gives you access to it",
    ),
    ("413", "PayloadTooLarge", "The body is too large"),
    ("422", RULE_VIOLATION_RESPONSE, RULE_VIOLATION_DESCRIPTION),
    (
        "415",
        "UnsupportedMediaType",
        "The body must be application/json",
    ),
    (
        "429",
        "TooManyRequests",
        "This token used up its requests for now: wait `Retry-After` seconds",
    ),
    (
        "500",
        "InternalError",
        "Unexpected failure; logged with the request id",
    ),
    (
        "503",
        "Unavailable",
        "The database is not reachable: wait `Retry-After` seconds and try again",
    ),
];

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// The scope an organisation's provider grants Kyky's app roles under.
const ORGANISATION_IDP_SCOPE: &str = "api://kyky/.default";

/// Tokens from an organisation's identity provider, by the OAuth 2.0 flows
/// people (authorization code) and integrations (client credentials) use.
/// The URLs are Entra ID's (multi-tenant form); each organisation's own
/// provider has its own, listed in Kyky's trusted issuers.
fn organisation_idp() -> SecurityScheme {
    let scopes = || {
        Scopes::from_iter([(
            ORGANISATION_IDP_SCOPE,
            "Kyky, with the app roles (Kyky role codes) granted to the person or application",
        )])
    };
    let entra = "https://login.microsoftonline.com/organizations/oauth2/v2.0";
    SecurityScheme::OAuth2(OAuth2::with_description(
        [
            Flow::AuthorizationCode(AuthorizationCode::new(
                format!("{entra}/authorize"),
                format!("{entra}/token"),
                scopes(),
            )),
            Flow::ClientCredentials(ClientCredentials::new(format!("{entra}/token"), scopes())),
        ],
        "A token from your organisation's identity provider, one of the issuers the deployment trusts: people sign in with the authorization code flow, integrations (Sofia CRM and the like) with client credentials. The URLs shown are Entra ID's; your organisation's provider has its own. The person or application is the professional their (issuer, subject) is linked to; an issuer's roles claim bounds their roles. Send the token as `Authorization: Bearer <token>`.",
    ))
}

/// Adds the bearer scheme and, to each operation, the error responses it can give.
pub fn finish(api: &mut utoipa::openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "A JWT: one of your organisation's identity provider (see `organisation_idp`), or in the demo and development one of Kyky's own, with `sub` = professional id, `exp`, `iat`, `roles`. In Swagger UI, paste a demo token here.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme("organisation_idp", organisation_idp());
    for (status, name, description) in COMMON {
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let mut response = ResponseBuilder::new()
            .description(*description)
            .content("application/problem+json", problem);
        if *status == "503" {
            response = response.header(
                "Retry-After",
                utoipa::openapi::header::HeaderBuilder::new()
                    .schema(utoipa::openapi::schema::Object::with_type(
                        utoipa::openapi::schema::Type::String,
                    ))
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            );
        }
        if *status == "429" {
            for (name, description) in [
                ("Retry-After", "Seconds to wait before trying again"),
                (
                    "RateLimit",
                    "The token's budget: `limit=600, remaining=0, reset=5` (IETF draft-ietf-httpapi-ratelimit-headers-07)",
                ),
                ("RateLimit-Policy", "The limit per window: `600;w=60`"),
            ] {
                response = response.header(
                    name,
                    utoipa::openapi::header::HeaderBuilder::new()
                        .schema(utoipa::openapi::schema::Object::with_type(
                            utoipa::openapi::schema::Type::String,
                        ))
                        .description(Some(description))
                        .build(),
                );
            }
        }
        if *status == "401" {
            response = response.header(
                "WWW-Authenticate",
                utoipa::openapi::header::HeaderBuilder::new()
                    .schema(utoipa::openapi::schema::Object::with_type(
                        utoipa::openapi::schema::Type::String,
                    ))
                    .description(Some("Bearer challenge"))
                    .build(),
            );
        }
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(response.build()));
    }
    for (path, item) in &mut api.paths.paths {
        let has_path_params = path.contains('{');
        let examples = demo_examples(path);
        for operation in operations(item) {
            // Public operations say so: `security: []`.
            let security = operation.security.get_or_insert_with(Vec::new);
            let secured = !security.is_empty();
            if security.contains(&SecurityRequirement::new("bearer", Vec::<String>::new())) {
                security.push(SecurityRequirement::new(
                    "organisation_idp",
                    [ORGANISATION_IDP_SCOPE],
                ));
            }
            let has_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = operation.request_body.is_some();
            let parameter_names: Vec<&str> = operation
                .parameters
                .iter()
                .flatten()
                .map(|p| p.name.as_str())
                .collect();
            let has_rules = checks_domain_rules(has_body, &parameter_names);
            for parameter in operation.parameters.iter_mut().flatten() {
                let demo = examples.iter().find(|(name, _)| *name == parameter.name);
                if let (ParameterIn::Path, Some((_, id))) = (&parameter.parameter_in, demo) {
                    *parameter = ParameterBuilder::from(parameter.clone())
                        .example(Some(serde_json::json!(id.to_string())))
                        .build();
                }
            }
            for (status, name, _) in COMMON {
                let applies = match *status {
                    "400" => has_input,
                    "401" | "403" | "429" => secured,
                    "404" => has_path_params,
                    "413" | "415" => has_body,
                    "422" => has_rules,
                    _ => true,
                };
                if applies {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
                }
            }
        }
    }
}

/// Path ids of the demo data (`kyky serve --demo`), so that "Try it out" in
/// Swagger UI reaches a record without hunting for ids.
fn demo_examples(path: &str) -> Vec<(&'static str, uuid::Uuid)> {
    use crate::demo;
    let mut examples = Vec::new();
    for (prefix, id) in [
        ("/api/v1/clients/{id}", demo::MATTI),
        ("/api/v1/teams/{id}", demo::TEAM),
        ("/api/v1/organisations/{id}", demo::EMPLOYMENT_ESPOO),
        ("/api/v1/professionals/{id}", demo::SOCIAL_COUNSELLOR),
    ] {
        if path.starts_with(prefix) {
            examples.push(("id", id));
        }
    }
    if path.contains("{professional_id}") {
        examples.push(("professional_id", demo::PHYSICIAN));
    }
    examples
}

/// The HTTP methods an OpenAPI path item may hold operations under.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every operation of a contract document, with its path.
pub(super) fn json_operations(
    document: &serde_json::Value,
) -> impl Iterator<Item = (&String, &serde_json::Map<String, serde_json::Value>)> {
    document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter_map(move |method| item.get(*method)?.as_object().map(|op| (path, op)))
        })
}

/// Every operation of a contract document, to change.
pub(super) fn json_operations_mut(
    document: &mut serde_json::Value,
) -> impl Iterator<Item = &mut serde_json::Map<String, serde_json::Value>> {
    document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(key, _)| METHODS.contains(&key.as_str()))
                .filter_map(|(_, op)| op.as_object_mut())
        })
}

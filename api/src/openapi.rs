//! The published contract. Paths are collected from the registered handlers;
//! this module adds the security scheme, shared error responses and tags.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::error::{FieldError, Problem};

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
        (name = "audit", description = "Access log (käyttöloki) and disclosure log (luovutusloki)"),
        (name = "operations", description = "Health checks"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

const RULE_VIOLATION_RESPONSE: &str = "RuleViolation";
const RULE_VIOLATION_DESCRIPTION: &str = "The request fits the schema, but a value breaks a rule of the domain (`rule-violation`): `errors` names each field";

/// Whether an operation takes input the domain checks beyond the schema: a
/// body, or a list cursor (422 `rule-violation` when either breaks a rule).
fn checks_domain_rules(has_body: bool, parameters: &[&str]) -> bool {
    has_body || parameters.contains(&"cursor")
}

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
    ("503", "Unavailable", "The database is not reachable"),
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
                    "JWT with `sub` = professional id, `exp`, `iat`, `roles`",
                ))
                .build(),
        ),
    );
    for (status, name, description) in COMMON {
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let mut response = ResponseBuilder::new()
            .description(*description)
            .content("application/problem+json", problem);
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
fn json_operations(
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
fn json_operations_mut(
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

/// Text without control characters (tab and line breaks allowed).
const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// Such text with at least one visible character.
const NON_BLANK_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// Longest free text a request may carry where a field sets no limit.
const MAX_TEXT: u64 = 4000;
/// Most items a request's list may carry where a field sets no limit.
const MAX_ITEMS: u64 = 100;

/// Bounds everything a request may carry: every string gets a length limit
/// and a pattern (no control characters; non-blank where it may not be
/// empty), every array a `maxItems`. The server validates bodies against
/// this same document, so the bounds hold on both sides.
pub fn bound_requests(document: &mut serde_json::Value) {
    let mut reachable = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for (_, operation) in json_operations(document) {
        if let Some(body) = operation.get("requestBody") {
            refs_in(&body["content"]["application/json"]["schema"], &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        if reachable.insert(name.clone()) {
            refs_in(&document["components"]["schemas"][&name], &mut pending);
        }
    }
    let Some(schemas) = document["components"]["schemas"].as_object_mut() else {
        return;
    };
    for name in &reachable {
        if let Some(schema) = schemas.get_mut(name) {
            bound(schema);
        }
    }
    for operation in json_operations_mut(document) {
        // Looked up without inserting: indexing mutably would add a body.
        if let Some(schema) = operation
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(|c| c.get_mut("application/json"))
            .and_then(|j| j.get_mut("schema"))
        {
            bound(schema);
        }
    }
}

/// Bounds every page the server answers with: at most `MAX_PAGE_SIZE`
/// items, and a `next_cursor` of a cursor's form (true by construction:
/// `PageRequest` cuts the page and seals the cursor).
pub fn bound_pages(document: &mut serde_json::Value) {
    let Some(schemas) = document
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(properties) = schema
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        if !properties.contains_key("next_cursor") {
            continue;
        }
        if let Some(items) = properties
            .get_mut("items")
            .and_then(serde_json::Value::as_object_mut)
        {
            items.insert(
                "maxItems".into(),
                serde_json::json!(kyky_domain::page::MAX_PAGE_SIZE),
            );
        }
        if let Some(cursor) = properties
            .get_mut("next_cursor")
            .and_then(serde_json::Value::as_object_mut)
        {
            cursor.insert("maxLength".into(), serde_json::json!(43));
            cursor.insert(
                "pattern".into(),
                serde_json::json!(crate::cursor::CURSOR_PATTERN),
            );
        }
    }
}

fn refs_in(schema: &serde_json::Value, found: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(fields) => {
            if let Some(name) = fields
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            fields.values().for_each(|v| refs_in(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs_in(v, found)),
        _ => {}
    }
}

fn has_type(schema: &serde_json::Map<String, serde_json::Value>, kind: &str) -> bool {
    match schema.get("type") {
        Some(serde_json::Value::String(t)) => t == kind,
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == kind),
        _ => false,
    }
}

fn bound(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(fields) => {
            if has_type(fields, "string")
                && !fields.contains_key("enum")
                && !fields.contains_key("format")
            {
                fields
                    .entry("maxLength")
                    .or_insert_with(|| serde_json::json!(MAX_TEXT));
                if !fields.contains_key("pattern") {
                    let non_blank = fields
                        .get("minLength")
                        .and_then(serde_json::Value::as_u64)
                        .is_some_and(|min| min >= 1);
                    let pattern = if non_blank { NON_BLANK_TEXT } else { TEXT };
                    fields.insert("pattern".into(), serde_json::json!(pattern));
                }
            }
            // Closed objects: serde refuses unknown fields (deny_unknown_fields),
            // and so does the schema, tagged enums' variants included.
            if has_type(fields, "object") && fields.contains_key("properties") {
                fields
                    .entry("additionalProperties")
                    .or_insert(serde_json::Value::Bool(false));
            }
            if has_type(fields, "array") {
                fields
                    .entry("maxItems")
                    .or_insert_with(|| serde_json::json!(MAX_ITEMS));
            }
            // `properties` holds names, not schemas, at its own level.
            for (key, value) in fields.iter_mut() {
                if key == "properties" {
                    if let Some(properties) = value.as_object_mut() {
                        properties.values_mut().for_each(bound);
                    }
                } else if key != "example" && key != "examples" && key != "enum" {
                    bound(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(bound),
        _ => {}
    }
}

/// Names the problem types in the contract: `Problem.type` points at the
/// catalogue, each shared error response shows an example of each type of
/// its status, and an operation's own error responses show the types their
/// description names (`(plan-not-draft)`).
pub fn document_problems(document: &mut serde_json::Value) {
    use crate::problems::CATALOGUE;
    let example = |p: &crate::problems::ProblemType| {
        serde_json::json!({
            "summary": p.title,
            "value": {
                "type": format!("{}{}", crate::error::PROBLEM_BASE, p.slug),
                "title": p.title,
                "status": p.status,
                "detail": p.when,
            }
        })
    };
    let slugs: Vec<&str> = CATALOGUE.iter().map(|p| p.slug).collect();
    document["components"]["schemas"]["Problem"]["properties"]["type"]["description"] = serde_json::json!(
        format!(
            "Stable identifier of the rule that failed, `{}<slug>`: branch on this, never on `detail`. \
             The catalogue, with when each is answered and what to do: `GET /api/v1/problem-types`. \
             Slugs: {}.",
            crate::error::PROBLEM_BASE,
            slugs.join(", ")
        )
    );
    let shared: &[(&str, &[&str])] = &[
        ("BadRequest", &["validation", "malformed-request"]),
        ("Unauthorized", &["unauthorized"]),
        ("Forbidden", &["forbidden"]),
        ("NotFound", &["not-found"]),
        ("PayloadTooLarge", &["payload-too-large"]),
        (RULE_VIOLATION_RESPONSE, &["rule-violation"]),
        ("UnsupportedMediaType", &["unsupported-media-type"]),
        ("TooManyRequests", &["rate-limited"]),
        ("InternalError", &["internal"]),
        ("Unavailable", &["unavailable"]),
    ];
    for (name, types) in shared {
        let examples: serde_json::Map<String, serde_json::Value> = types
            .iter()
            .filter_map(|slug| crate::problems::find(slug))
            .map(|p| (p.slug.to_owned(), example(p)))
            .collect();
        let response = document
            .get_mut("components")
            .and_then(|c| c.get_mut("responses"))
            .and_then(|r| r.get_mut(*name));
        if let Some(content) = response.and_then(problem_content) {
            content.insert("examples".into(), serde_json::Value::Object(examples));
        }
    }
    for operation in json_operations_mut(document) {
        let parameter_names: Vec<String> = operation
            .get("parameters")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("name").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
            .collect();
        let parameter_names: Vec<&str> = parameter_names.iter().map(String::as_str).collect();
        let has_rules =
            checks_domain_rules(operation.get("requestBody").is_some(), &parameter_names);
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            // An operation's own 422 (an unknown reference, say) lists the
            // domain rules' type too.
            if status == "422"
                && has_rules
                && let Some(description) = response.get_mut("description")
            {
                let text = description.as_str().unwrap_or_default();
                if !text.contains("rule-violation") {
                    *description = serde_json::json!(format!(
                        "{}. {RULE_VIOLATION_DESCRIPTION}",
                        text.trim_end_matches('.')
                    ));
                }
            }
            let description = response["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let Some(content) = problem_content(response) else {
                continue;
            };
            let mut examples: serde_json::Map<String, serde_json::Value> = CATALOGUE
                .iter()
                .filter(|p| p.status.to_string() == *status && description.contains(p.slug))
                .map(|p| (p.slug.to_owned(), example(p)))
                .collect();
            if examples.is_empty() {
                // The one type of this status when the catalogue has just one.
                let of_status: Vec<_> = CATALOGUE
                    .iter()
                    .filter(|p| p.status.to_string() == *status)
                    .collect();
                if let [only] = of_status.as_slice() {
                    examples.insert(only.slug.to_owned(), example(only));
                }
            }
            if !examples.is_empty() {
                content.remove("example");
                content.insert("examples".into(), serde_json::Value::Object(examples));
            }
        }
    }
}

/// The problem+json content of a response, if it has one (looked up without
/// inserting: indexing a JSON value mutably would create what is missing).
fn problem_content(
    response: &mut serde_json::Value,
) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
    response
        .get_mut("content")?
        .get_mut("application/problem+json")?
        .as_object_mut()
}

/// Where each kind of record lives, by the schema a response gives it.
const RECORD_PATHS: &[(&str, &str)] = &[
    ("ClientView", "/api/v1/clients/{id}"),
    ("HandoverView", "/api/v1/handovers/{id}"),
    ("ReferralView", "/api/v1/referrals/{id}"),
    ("AssessmentView", "/api/v1/assessments/{id}"),
    ("PlanView", "/api/v1/plans/{id}"),
    ("ConsentView", "/api/v1/consents/{id}"),
    ("RequestView", "/api/v1/responsibility-requests/{id}"),
    ("FollowUpView", "/api/v1/follow-ups/{id}"),
    ("ContactRequestView", "/api/v1/contact-requests/{id}"),
    ("TeamView", "/api/v1/teams/{id}"),
    ("OrganisationView", "/api/v1/organisations/{id}"),
    ("ProfessionalView", "/api/v1/professionals/{id}"),
];

/// OpenAPI links from every response that returns a record to the
/// operations on that record (`id` from the response body), so clients and
/// schemathesis' stateful phase walk create → read → change → workflow.
pub fn link_responses(document: &mut serde_json::Value) {
    // (path, operationId) of every operation whose only path parameter is `id`.
    let mut targets: Vec<(String, String)> = Vec::new();
    for (path, operation) in json_operations(document) {
        if path.matches('{').count() != 1 || !path.contains("{id}") {
            continue;
        }
        if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
            targets.push((path.clone(), id.to_owned()));
        }
    }
    for operation in json_operations_mut(document) {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            if !status.starts_with('2') {
                continue;
            }
            let schema = response
                .get("content")
                .and_then(|c| c.get("application/json"))
                .and_then(|j| j.get("schema"))
                .and_then(|s| s.get("$ref"))
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            let Some(base) = schema.and_then(|schema| {
                RECORD_PATHS
                    .iter()
                    .find(|(name, _)| *name == schema)
                    .map(|(_, base)| *base)
            }) else {
                continue;
            };
            let links: serde_json::Map<String, serde_json::Value> = targets
                .iter()
                .filter(|(path, _)| path.starts_with(base))
                .map(|(_, operation_id)| {
                    (
                        operation_id.clone(),
                        serde_json::json!({
                            "operationId": operation_id,
                            "parameters": {"id": "$response.body#/id"},
                        }),
                    )
                })
                .collect();
            if !links.is_empty()
                && let Some(response) = response.as_object_mut()
            {
                response.insert("links".into(), serde_json::Value::Object(links));
            }
        }
    }
}

/// Declares `If-None-Match` and its 304 on every GET whose answer carries an
/// `ETag`, so front-end caches know they may revalidate.
pub fn declare_conditional_gets(document: &mut serde_json::Value) {
    let items = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut());
    for item in items {
        let Some(get) = item
            .get_mut("get")
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        let etagged = get
            .get("responses")
            .and_then(|r| r.get("200"))
            .and_then(|ok| ok.get("headers"))
            .and_then(|h| h.get("ETag"))
            .is_some();
        if !etagged {
            continue;
        }
        let parameter = serde_json::json!({
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "description": "The ETag you hold: 304 without a body when it is still current",
            "schema": {"type": "string"},
        });
        if let Some(parameters) = get
            .entry("parameters")
            .or_insert_with(|| serde_json::json!([]))
            .as_array_mut()
        {
            parameters.push(parameter);
        }
        if let Some(responses) = get
            .get_mut("responses")
            .and_then(serde_json::Value::as_object_mut)
        {
            responses.insert(
                "304".into(),
                serde_json::json!({
                    "description": "Not modified: the ETag sent in If-None-Match is current",
                    "headers": {"ETag": {"description": "The current version", "schema": {"type": "string"}}},
                }),
            );
        }
    }
}

/// Longest summary Swagger UI shows on one line.
const SUMMARY_CHARS: usize = 80;

/// One-line summaries: the first sentence of a handler's first doc
/// paragraph, without Markdown (Swagger UI shows summaries literally); the
/// whole paragraph moves to the description, which renders Markdown.
pub fn tidy_summaries(document: &mut serde_json::Value) {
    for operation in json_operations_mut(document) {
        let Some(summary) = operation.get("summary").and_then(|s| s.as_str()) else {
            continue;
        };
        let paragraph = summary.replace('\n', " ");
        let short = one_line(&paragraph);
        if short == paragraph {
            continue;
        }
        let description = operation
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default();
        let description = if description.is_empty() {
            paragraph
        } else {
            format!("{paragraph}\n\n{description}")
        };
        operation.insert("summary".into(), serde_json::json!(short));
        operation.insert("description".into(), serde_json::json!(description));
    }
}

/// The first sentence (up to `. ` or `: `), without backticks, cut at a
/// word to fit one line.
fn one_line(paragraph: &str) -> String {
    let end = [". ", ": "]
        .iter()
        .filter_map(|stop| paragraph.find(stop))
        .min()
        .unwrap_or(paragraph.len());
    let first = paragraph[..end].trim_end_matches('.').replace('`', "");
    if first.chars().count() <= SUMMARY_CHARS {
        return first;
    }
    let mut cut = String::new();
    for word in first.split(' ') {
        if cut.chars().count() + word.chars().count() + 2 > SUMMARY_CHARS {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_first_sentence_on_one_line_without_markdown() {
        assert_eq!(
            one_line("Replace a client's fields. Needs `If-Match` with the ETag."),
            "Replace a client's fields"
        );
        assert_eq!(
            one_line("Publish a draft: it becomes the plan"),
            "Publish a draft"
        );
        assert_eq!(one_line("Get `me`"), "Get me");
        let long = "word ".repeat(40);
        let cut = one_line(long.trim());
        assert!(
            cut.chars().count() <= SUMMARY_CHARS && cut.ends_with('…'),
            "{cut}"
        );
    }
}

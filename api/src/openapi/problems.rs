//! Which problem types each operation can answer with, each with its example.

use super::json_operations_mut;

pub(super) const RULE_VIOLATION_RESPONSE: &str = "RuleViolation";

pub(super) const RULE_VIOLATION_DESCRIPTION: &str = "The request fits the schema, but a value breaks a rule of the domain (`rule-violation`): `errors` names each field";

/// Whether an operation takes input the domain checks beyond the schema: a
/// body, or a list cursor (422 `rule-violation` when either breaks a rule).
pub(super) fn checks_domain_rules(has_body: bool, parameters: &[&str]) -> bool {
    has_body || parameters.contains(&"cursor")
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

//! `Idempotency-Key` on every POST, in the contract: the header, and the
//! 409 and 422 a key can answer.

use super::problems::RULE_VIOLATION_DESCRIPTION;

const IN_USE: &str =
    "a request with the same Idempotency-Key is still running (`idempotency-key-in-use`)";
const REUSED: &str =
    "the Idempotency-Key was used for a different request (`idempotency-key-reused`)";

fn problem_response(description: String) -> serde_json::Value {
    serde_json::json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// Adds to `response` (made when absent) that it also answers `also`.
fn also_answers(
    responses: &mut serde_json::Map<String, serde_json::Value>,
    status: &str,
    also: &str,
    otherwise: &str,
) {
    let response = responses
        .entry(status)
        .or_insert_with(|| problem_response(String::new()));
    if response.get("$ref").is_some() {
        *response = problem_response(otherwise.to_owned());
    }
    let before = response["description"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_owned();
    response["description"] = serde_json::json!(if before.is_empty() {
        format!("{}{}", also[..1].to_uppercase(), &also[1..])
    } else {
        format!("{before}; or {also}")
    });
}

pub fn declare_idempotency_keys(document: &mut serde_json::Value) {
    let Some(paths) = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operation) = item
            .get_mut("post")
            .filter(|_| path.starts_with("/api/v1/"))
        else {
            continue;
        };
        let parameter = serde_json::json!({
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "A key of your own for this request (a UUID, say). Retrying the same request with the same key within 24 hours answers the first response again (status, body, `Location`; with `Idempotent-Replayed: true`) without doing the work twice. Keys are yours alone.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
            "example": "4f6cf35f-4a8c-4f4e-9d6b-3c3f4d2c1a7e"
        });
        match operation
            .get_mut("parameters")
            .and_then(serde_json::Value::as_array_mut)
        {
            Some(parameters) => parameters.push(parameter),
            None => operation["parameters"] = serde_json::json!([parameter]),
        }
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(serde_json::Value::as_object_mut)
        {
            also_answers(responses, "409", IN_USE, "");
            also_answers(responses, "422", REUSED, RULE_VIOLATION_DESCRIPTION);
        }
    }
}

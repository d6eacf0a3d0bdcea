//! Links between operations, conditional GETs and one-line summaries.

use super::{json_operations, json_operations_mut};

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
    ("SubscriptionView", "/api/v1/webhook-subscriptions/{id}"),
    (
        "SubscriptionWithSecret",
        "/api/v1/webhook-subscriptions/{id}",
    ),
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

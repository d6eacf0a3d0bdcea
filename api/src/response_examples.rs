//! An example body for every success response of the contract, built from
//! its schema: a field's own `example` where it has one, the demo data's ids
//! (`kyky serve --demo`) for references, and plausible Finnish values for the
//! rest. A test validates every example against its schema, so an example
//! never shows what the server would not send.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::demo;

/// Deep enough for every view; deeper levels are left out, not invented.
const MAX_DEPTH: usize = 8;

/// A value for a string field with no `example`, by the field's name.
fn text_for(name: &str) -> &'static str {
    match name {
        "first_name" => "Matti",
        "last_name" => "Meikäläinen",
        "name" => "Espoon työkyvyn tuen tiimi",
        "email" => "matti.meikalainen@example.fi",
        "phone" => "+358 40 123 4567",
        "personal_identity_code" => "010594Y9021",
        "personal_identity_code_masked" => "010594Y9***",
        "reason" => "Terveydentilan ja työkyvyn arvio",
        "summary" => "Asiakas on työtoiminnassa kolmena päivänä viikossa.",
        "municipality" | "city" => "Espoo",
        "street_address" => "Kauppamiehentie 6 A 12",
        "postal_code" => "02150",
        "business_id" => "0101263-6",
        "next_cursor" => "AZOq3kzbfT6fECo7TF1ufwAAAAAAAAAAAAAAAAAAAAA",
        "request_id" => "01937a8e-4c2b-7d3e-9f10-2a3b4c5d6e7f",
        _ => "Esimerkki",
    }
}

/// The demo record a reference of this name points at.
fn id_for(name: &str) -> Uuid {
    match name {
        "client_id" => demo::MATTI,
        "team_id" => demo::TEAM,
        "organisation_id"
        | "from_organisation_id"
        | "provider_organisation_id"
        | "hosting_organisation_id" => demo::EMPLOYMENT_ESPOO,
        "to_organisation_id" => demo::HEALTH_CARE,
        "work_pair_id" => demo::OWN_COACH,
        n if n.ends_with("_by")
            || n.starts_with("professional")
            || n.contains("professional_id") =>
        {
            demo::SOCIAL_COUNSELLOR
        }
        _ => Uuid::from_u128(0x0193_7a8e_4c2b_7d3e_9f10_2a3b_4c5d_6e7f),
    }
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => document["components"]["schemas"]
            .get(name)
            .map_or(schema, |target| resolve(document, target)),
        None => schema,
    }
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_nullable(document: &Value, schema: &Value) -> bool {
    types(schema).contains(&"null")
        || ["oneOf", "anyOf"].iter().any(|key| {
            schema
                .get(*key)
                .and_then(Value::as_array)
                .is_some_and(|options| {
                    options
                        .iter()
                        .any(|o| types(resolve(document, o)) == ["null"])
                })
        })
}

/// An example value of `schema` for a field called `name`.
fn example_of(document: &Value, schema: &Value, name: &str, depth: usize) -> Option<Value> {
    let schema = resolve(document, schema);
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return Some(first.clone());
    }
    if depth > MAX_DEPTH {
        return None;
    }
    // What may be null is shown null: a record as it is when new, with no
    // decision, deadline or reason that contradict its state.
    if depth > 0 && is_nullable(document, schema) {
        return Some(Value::Null);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            // The first option that is not `null`.
            return options
                .iter()
                .filter(|o| types(resolve(document, o)) != ["null"])
                .find_map(|o| example_of(document, o, name, depth + 1));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            if let Some(Value::Object(fields)) = example_of(document, part, name, depth + 1) {
                merged.extend(fields);
            }
        }
        return Some(Value::Object(merged));
    }
    let kinds = types(schema);
    let kind = kinds
        .iter()
        .find(|t| **t != "null")
        .copied()
        .unwrap_or("object");
    Some(match kind {
        "object" => {
            let mut fields = Map::new();
            for (field, property) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(value) = example_of(document, property, field, depth + 1) {
                    fields.insert(field.clone(), value);
                }
            }
            Value::Object(fields)
        }
        "array" => {
            let item = schema
                .get("items")
                .and_then(|items| example_of(document, items, singular(name), depth + 1));
            Value::Array(item.into_iter().collect())
        }
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(1)
                .min(
                    schema
                        .get("maximum")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MAX)
                )
        ),
        "number" => json!(1.0),
        "boolean" => json!(name == "active"),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!(id_for(name).to_string()),
            Some("date-time") => json!("2026-11-30T09:15:00Z"),
            Some("date") => json!("2026-12-15"),
            Some("email") => json!("aino.virtanen@espoo.fi"),
            _ => json!(text_for(name)),
        },
    })
}

/// `items` → `item`, `services` → `service`: names for an array's items.
fn singular(name: &str) -> &str {
    name.strip_suffix('s').unwrap_or(name)
}

/// Gives every JSON success response without an example one built from its schema.
pub fn give_response_examples(document: &mut Value) {
    let mut examples: Vec<(String, String, String, Value)> = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            for (status, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let Some(json) = response
                    .get("content")
                    .and_then(|c| c.get("application/json"))
                else {
                    continue;
                };
                if !status.starts_with('2')
                    || json.get("example").is_some()
                    || json.get("examples").is_some()
                {
                    continue;
                }
                if let Some(example) = json
                    .get("schema")
                    .and_then(|schema| example_of(document, schema, "", 0))
                {
                    examples.push((path.clone(), method.clone(), status.clone(), example));
                }
            }
        }
    }
    for (path, method, status, example) in examples {
        // Looked up without inserting: indexing mutably would add what is missing.
        if let Some(json) = document
            .get_mut("paths")
            .and_then(|p| p.get_mut(&path))
            .and_then(|i| i.get_mut(&method))
            .and_then(|o| o.get_mut("responses"))
            .and_then(|r| r.get_mut(&status))
            .and_then(|r| r.get_mut("content"))
            .and_then(|c| c.get_mut("application/json"))
            .and_then(Value::as_object_mut)
        {
            json.insert("example".into(), example);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_success_response_has_an_example_its_schema_accepts() {
        let document = crate::server::openapi();
        let components = document["components"].clone();
        let mut checked = 0;
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    let json = &response["content"]["application/json"];
                    if !status.starts_with('2') || json.is_null() {
                        continue;
                    }
                    let example = json
                        .get("example")
                        .unwrap_or_else(|| panic!("{method} {path} {status}: no example"));
                    let mut root = json!({
                        "$schema": "https://json-schema.org/draft/2020-12/schema",
                        "components": components,
                    });
                    root.as_object_mut()
                        .unwrap()
                        .extend(json["schema"].as_object().unwrap().clone());
                    let validator = jsonschema::options()
                        .should_validate_formats(true)
                        .build(&root)
                        .unwrap();
                    let errors: Vec<String> = validator
                        .iter_errors(example)
                        .map(|e| format!("{} at {}", e, e.instance_path()))
                        .collect();
                    assert!(errors.is_empty(), "{method} {path} {status}: {errors:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 60, "only {checked} responses checked");
    }
}

//! Bounds every request and page declares: lengths, sizes, patterns and
//! closed objects.

use super::{json_operations, json_operations_mut};

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

//! Descriptions of the fields that mean the same in every schema (`id`,
//! `items`, `created_at`, `decided_by`, a person's names), written once so
//! that every schema says them alike. A field's own doc comment wins: this
//! fills only properties that have none.

/// Fields with one meaning wherever they appear.
const FIELDS: &[(&str, &str)] = &[
    (
        "id",
        "Identifier: a UUID v7, so ids sort by the time they were made.",
    ),
    ("items", "This page's entries, in the list's order."),
    ("kind", "Which kind it is; the other fields depend on it."),
    ("at", "When it happened (RFC 3339, UTC)."),
    ("created_at", "When it was created (RFC 3339, UTC)."),
    ("updated_at", "When it last changed (RFC 3339, UTC)."),
    ("first_name", "Given name, as the person uses it."),
    ("last_name", "Family name."),
    ("email", "E-mail address."),
    (
        "phone",
        "Phone number: digits, spaces and hyphens, an optional leading `+`.",
    ),
    (
        "personal_identity_code",
        "The henkilötunnus (Finnish personal identity code). Sent only in a body, never in a URL; never logged.",
    ),
    (
        "personal_identity_code_masked",
        "The henkilötunnus with its last four characters hidden (`010594Y9***`).",
    ),
    ("birth_date", "Birth date, read from the henkilötunnus."),
    ("client_id", "The client it concerns."),
    ("organisation_id", "The organisation."),
    ("professional_id", "The professional."),
    (
        "request_id",
        "The `X-Request-Id` of the request that did it.",
    ),
    ("street_address", "Street and house (and flat) number."),
    ("postal_code", "Finnish postal code, five digits."),
    ("city", "Post office (postitoimipaikka)."),
];

/// Past participles of the events whose time (`<event>_at`) and actor
/// (`<event>_by`: a professional's id) records carry.
const EVENTS: &[&str] = &[
    "answered",
    "cancelled",
    "closed",
    "completed",
    "created",
    "deactivated",
    "decided",
    "exported",
    "given",
    "joined",
    "opened",
    "proposed",
    "published",
    "received",
    "recorded",
    "requested",
    "sent",
    "started",
    "superseded",
    "triaged",
    "withdrawn",
];

/// The description a property of this name gets when it has none.
fn describe(name: &str, nullable: bool) -> Option<String> {
    if let Some((_, text)) = FIELDS.iter().find(|(field, _)| *field == name) {
        return Some((*text).to_owned());
    }
    if name == "expires_at" {
        let never = if nullable {
            "; null: it does not lapse"
        } else {
            ""
        };
        return Some(format!(
            "When it lapses unless acted on (RFC 3339, UTC){never}."
        ));
    }
    let until = if nullable { "; null until then" } else { "" };
    if let Some(event) = name.strip_suffix("_at").filter(|e| EVENTS.contains(e)) {
        return Some(format!("When it was {event} (RFC 3339, UTC){until}."));
    }
    // `superseded_by` names a plan version, not a professional.
    if let Some(event) = name
        .strip_suffix("_by")
        .filter(|e| EVENTS.contains(e) && *e != "superseded")
    {
        return Some(format!("The professional who {event} it{until}."));
    }
    None
}

fn nullable(property: &serde_json::Value) -> bool {
    match property.get("type") {
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => property
            .get("oneOf")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|options| {
                options
                    .iter()
                    .any(|o| o.get("type") == Some(&"null".into()))
            }),
    }
}

fn describe_properties(schema: &mut serde_json::Value) {
    let Some(fields) = schema.as_object_mut() else {
        return;
    };
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = fields
            .get_mut(key)
            .and_then(serde_json::Value::as_array_mut)
        {
            options.iter_mut().for_each(describe_properties);
        }
    }
    let Some(properties) = fields
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        // A bare `$ref` takes its description from the schema it names.
        if property.contains_key("description") || property.contains_key("$ref") {
            continue;
        }
        let text = describe(name, nullable(&serde_json::Value::Object(property.clone())));
        if let Some(text) = text {
            property.insert("description".into(), serde_json::json!(text));
        }
    }
}

/// Describes the conventional fields of every schema in the contract.
pub fn describe_conventional_fields(document: &mut serde_json::Value) {
    if let Some(schemas) = document
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(serde_json::Value::as_object_mut)
    {
        schemas.values_mut().for_each(describe_properties);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_get_their_time_and_actor_and_other_names_nothing() {
        assert_eq!(
            describe("decided_at", true).as_deref(),
            Some("When it was decided (RFC 3339, UTC); null until then.")
        );
        assert_eq!(
            describe("recorded_by", false).as_deref(),
            Some("The professional who recorded it.")
        );
        assert_eq!(describe("superseded_by", true), None);
        assert_eq!(describe("package", false), None);
    }

    #[test]
    fn a_field_keeps_its_own_description() {
        let mut document = serde_json::json!({"components": {"schemas": {"X": {"properties": {
            "id": {"type": "string", "description": "Own words."},
            "created_at": {"type": "string"},
            "client": {"$ref": "#/components/schemas/Y"}
        }}}}});
        describe_conventional_fields(&mut document);
        let properties = &document["components"]["schemas"]["X"]["properties"];
        assert_eq!(properties["id"]["description"], "Own words.");
        assert_eq!(
            properties["created_at"]["description"],
            "When it was created (RFC 3339, UTC)."
        );
        assert!(properties["client"].get("description").is_none());
    }
}

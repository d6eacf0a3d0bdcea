//! The published contract, enforced: every JSON request body is validated
//! against the schema the contract declares for its operation before it is
//! deserialised, so what the schema refuses the server refuses, with the
//! field named. Rules a schema cannot say (a henkilötunnus check
//! character, a date in the future, a reference to a record that must exist)
//! stay in the domain and the handlers.

use std::collections::HashMap;

use actix_web::http::Method;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

use crate::error::FieldError;

/// The request-body validators of every operation, by method and path template.
pub struct Contract {
    bodies: HashMap<(Method, String), Validator>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("bodies", &self.bodies.len())
            .finish()
    }
}

/// Points the local references (`#/components/…`) of a body's schema at
/// the shared components resource.
fn refer_to(schema: &mut Value, resource: &str) {
    match schema {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                match value {
                    Value::String(target) if key == "$ref" && target.starts_with('#') => {
                        *target = format!("{resource}{target}");
                    }
                    _ => refer_to(value, resource),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| refer_to(item, resource)),
        _ => {}
    }
}

const METHODS: [(&str, Method); 5] = [
    ("get", Method::GET),
    ("put", Method::PUT),
    ("post", Method::POST),
    ("delete", Method::DELETE),
    ("patch", Method::PATCH),
];

impl Contract {
    /// Compiles the request-body schemas of `spec`. The components are one
    /// shared resource that every body's schema refers to, not a copy per
    /// operation (which held tens of megabytes).
    pub fn of(document: &Value) -> Result<Self, String> {
        const COMPONENTS: &str = "urn:kyky:contract";
        let components = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": document.get("components").cloned().unwrap_or(Value::Null),
        });
        let registry = jsonschema::Registry::new()
            .add(COMPONENTS, components)
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| format!("components: {e}"))?;
        let mut bodies = HashMap::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (name, method) in &METHODS {
                let schema = &item[*name]["requestBody"]["content"]["application/json"]["schema"];
                if schema.is_null() {
                    continue;
                }
                let mut root = json!({"$schema": "https://json-schema.org/draft/2020-12/schema"});
                if let (Some(root), Some(schema)) = (root.as_object_mut(), schema.as_object()) {
                    root.extend(schema.clone());
                }
                refer_to(&mut root, COMPONENTS);
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .with_registry(&registry)
                    .build(&root)
                    .map_err(|e| format!("{name} {path}: {e}"))?;
                bodies.insert((method.clone(), path.clone()), validator);
            }
        }
        Ok(Self { bodies })
    }

    /// The fields of `body` that break the schema of the operation at
    /// `method` and `path` (its template, e.g. `/api/v1/clients/{id}`).
    pub fn check(&self, method: &Method, path: &str, body: &Value) -> Vec<FieldError> {
        let Some(validator) = self.bodies.get(&(method.clone(), path.to_owned())) else {
            return Vec::new();
        };
        let mut errors: Vec<FieldError> = validator
            .iter_errors(body)
            .map(|e| field_error(&e))
            .collect();
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        errors.dedup_by(|a, b| a.field == b.field);
        errors
    }
}

/// `goals[0].text` for `/goals/0/text`; `body` for the whole.
fn field_path(error: &ValidationError<'_>) -> String {
    let mut path = String::new();
    for segment in error.instance_path() {
        match segment {
            LocationSegment::Property(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&name);
            }
            LocationSegment::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// One broken rule as `{field, message}`, never echoing the value (it may
/// be a henkilötunnus).
fn field_error(error: &ValidationError<'_>) -> FieldError {
    let path = field_path(error);
    let (field, message) = match error.kind() {
        ValidationErrorKind::Required { property } => (
            join(&path, property.as_str().unwrap_or_default()),
            "is required".to_owned(),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => (
            join(&path, unexpected.first().map_or("", String::as_str)),
            "is not a field of this body".to_owned(),
        ),
        // Every allowed value, so a form can say which (codes are never
        // personal data).
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_owned))
                .collect();
            (path, format!("must be one of: {}", allowed.join(", ")))
        }
        _ => (path, error.masked().to_string()),
    };
    FieldError {
        field: if field.is_empty() {
            "body".to_owned()
        } else {
            field
        },
        message,
    }
}

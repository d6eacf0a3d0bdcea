//! Request extractors that answer bad input with problem+json naming the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, Header};
use actix_web::{FromRequest, HttpRequest, web};
use kyky_domain::version::Expected;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::contract::Contract;
use crate::cursor::CursorSeal;
use crate::error::{ApiError, ApiResult, FieldError, field_errors};

/// Largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// A JSON body, deserialized with the path of any bad field and then validated.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .is_some_and(|mime| {
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        })
}

/// serde's message without its " at line L column C" suffix.
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// One error per field, the most precise: `address.postal_code` rather than
/// `address` when both name the same mistake.
fn deepest(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors.dedup_by(|a, b| a.field == b.field);
    let fields: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    errors.retain(|e| {
        !fields.iter().any(|other| {
            other.len() > e.field.len()
                && other.starts_with(&e.field)
                && matches!(other.as_bytes()[e.field.len()], b'.' | b'[')
        })
    });
    errors
}

/// The body as JSON, or 400 saying it is not.
fn parse(body: &[u8]) -> ApiResult<serde_json::Value> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::malformed(format!("the body is not valid JSON: {error}")))
}

fn deserialize<T: DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = strip_position(&error.into_inner().to_string()).to_owned();
        // serde reports a missing field at its parent; name the field itself.
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            Some(missing) if path == "." => missing.to_owned(),
            Some(missing) => format!("{path}.{missing}"),
            None if path == "." => "body".to_owned(),
            None => path,
        };
        ApiError::field(field, message)
    })
}

/// Whether `c` is a control character text may not carry: C0 controls but
/// tab and line breaks, DEL, and C1 controls (an escape sequence such as
/// `\u001b[31m` would otherwise reach an export, a CSV or a terminal).
fn forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The path (in `serde_path_to_error`'s notation) of the first string in
/// `value` that carries a forbidden control character.
fn control_character_at(value: &serde_json::Value, path: &mut String) -> bool {
    match value {
        serde_json::Value::String(text) => text.chars().any(forbidden_control),
        serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let len = path.len();
            path.push('[');
            path.push_str(&i.to_string());
            path.push(']');
            let found = control_character_at(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        serde_json::Value::Object(fields) => fields.iter().any(|(name, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(name);
            let found = forbidden_control_in_name(name) || control_character_at(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

fn forbidden_control_in_name(name: &str) -> bool {
    name.chars().any(char::is_control)
}

/// Writes `1.0` as `1`: JSON has one number type, and JSON Schema counts an
/// integral float as an integer, so the server must take it where it wants
/// one. Past 2^53 a float is not exact, and is left for serde to refuse.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        serde_json::Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                #[allow(clippy::cast_possible_truncation)]
                let integer = float as i64;
                *number = integer.into();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(integral_floats_as_integers);
        }
        _ => {}
    }
}

/// Refuses a body whose text carries control characters, naming the field.
fn refuse_control_characters(value: &serde_json::Value) -> ApiResult<()> {
    let mut path = String::new();
    if control_character_at(value, &mut path) {
        let field = if path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        return Err(ApiError::field(
            field,
            "must not contain control characters (tab and line breaks are allowed)",
        ));
    }
    Ok(())
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        // The contract's schema for this operation, checked before serde.
        let contract = req.app_data::<web::Data<Contract>>().cloned();
        let pattern = req.match_pattern();
        let method = req.method().clone();
        Box::pin(async move {
            let body = body.await.map_err(|_| {
                ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload-too-large",
                    "Payload too large",
                    format!("the body may be at most {MAX_JSON_BYTES} bytes"),
                )
            })?;
            // No body at all is a malformed request, whatever it claims to be.
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::malformed(
                    "the request needs a JSON body (an empty object `{}` where nothing else is needed)",
                ));
            }
            if !json {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "send the body as application/json",
                ));
            }
            let mut value = parse(&body)?;
            refuse_control_characters(&value)?;
            integral_floats_as_integers(&mut value);
            let mut errors = match (contract, &pattern) {
                (Some(contract), Some(pattern)) => contract.check(&method, pattern, &value),
                _ => Vec::new(),
            };
            let value: T = match deserialize(value) {
                Ok(value) => value,
                Err(_) if !errors.is_empty() => return Err(ApiError::validation(errors)),
                Err(error) => return Err(error),
            };
            // The domain's own rules too, so every bad field is named at once;
            // where both name a field, the domain's message says more.
            if let Err(invalid) = value.validate() {
                let mut domain = field_errors(&invalid);
                if errors.is_empty() && !breaks_schema_rule(&invalid) {
                    return Err(ApiError::rules(deepest(domain)));
                }
                if errors.is_empty() {
                    // A rule the schema should state but does not: still 400,
                    // so contract tests find the gap.
                    tracing::warn!(
                        path = pattern.as_deref().unwrap_or_default(),
                        "the contract accepts what validation refuses"
                    );
                }
                domain.append(&mut errors);
                errors = domain;
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(deepest(errors)));
            }
            Ok(Self(value))
        })
    }
}

/// `validator` codes of rules the contract's schema states too (lengths,
/// ranges, formats, patterns); every other code is a rule of the domain.
const SCHEMA_RULE_CODES: &[&str] = &[
    "length",
    "range",
    "email",
    "regex",
    "required",
    "blank",
    "phone",
    "postal_code",
    "time",
];

/// Whether `errors` include a rule the schema states (see `SCHEMA_RULE_CODES`).
fn breaks_schema_rule(errors: &validator::ValidationErrors) -> bool {
    errors.errors().values().any(|kind| match kind {
        validator::ValidationErrorsKind::Field(list) => list
            .iter()
            .any(|e| SCHEMA_RULE_CODES.contains(&e.code.as_ref())),
        validator::ValidationErrorsKind::Struct(inner) => breaks_schema_rule(inner),
        validator::ValidationErrorsKind::List(items) => {
            items.values().any(|i| breaks_schema_rule(i))
        }
    })
}

/// Cursor pagination parameters shared by every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page, as given (opaque; valid only for
    /// the same list and caller); omit for the first page.
    #[param(pattern = "^[A-Za-z0-9_-]{43}$", min_length = 43, max_length = 43)]
    pub cursor: Option<String>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Uuid>,
    seal: CursorSeal,
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to learn whether a next page exists.
    pub fn fetch(self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Cuts the fetched rows to the page and computes `next_cursor`.
    pub fn finish<T>(self, mut rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        let limit = self.limit as usize;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last().map(|last| self.cursor_after(id(last)))
        });
        (rows, next.flatten())
    }

    /// Pages a list loaded whole (a client's few consents, say) in id order,
    /// which for time-ordered ids is oldest first.
    pub fn of_loaded<T>(
        self,
        mut rows: Vec<T>,
        id: impl Fn(&T) -> Uuid,
    ) -> (Vec<T>, Option<String>) {
        rows.sort_by_key(|row| id(row));
        let fetch = usize::try_from(self.fetch()).unwrap_or(usize::MAX);
        let rows = rows
            .into_iter()
            .filter(|row| self.after.is_none_or(|after| id(row) > after))
            .take(fetch)
            .collect();
        self.finish(rows, id)
    }

    /// Pages a list loaded whole in the order it is given (newest first,
    /// soonest first): the page starts after the cursor's row, or at the
    /// start when that row has left the list.
    pub fn of_ordered<T>(self, rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        let start = self
            .after
            .and_then(|after| rows.iter().position(|row| id(row) == after))
            .map_or(0, |i| i + 1);
        let fetch = usize::try_from(self.fetch()).unwrap_or(usize::MAX);
        let rows = rows.into_iter().skip(start).take(fetch).collect();
        self.finish(rows, id)
    }

    /// The opaque cursor that continues after the row `last`.
    pub fn cursor_after(self, last: Uuid) -> String {
        self.seal.seal(last)
    }
}

impl PageParams {
    /// Checks the limit and opens the cursor with `seal`: a cursor this list
    /// did not give this caller is refused like any malformed one.
    pub fn validate(&self, seal: CursorSeal) -> ApiResult<PageRequest> {
        let mut errors = Vec::new();
        let limit = kyky_domain::page::page_size(self.limit).unwrap_or_else(|message| {
            errors.push(FieldError {
                field: "limit".into(),
                message: message.into(),
            });
            1
        });
        let cursor = match self.cursor.as_deref() {
            Some(cursor) if !crate::cursor::is_well_formed(cursor) => {
                errors.push(FieldError {
                    field: "cursor".into(),
                    message: "not a cursor: give next_cursor as it was returned".into(),
                });
                None
            }
            cursor => cursor,
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        // Well-formed but not sealed for this list and caller (another
        // caller's, an older key's, forged): all answer alike.
        let after =
            match cursor {
                None => None,
                Some(cursor) => Some(seal.open(cursor).ok_or_else(|| {
                    ApiError::rule("cursor", "not a cursor returned by this list")
                })?),
            };
        Ok(PageRequest { limit, after, seal })
    }
}

/// The versions the caller edited, from `If-Match`: a list of strong ETags
/// or `*` (RFC 9110: `If-Match` compares strongly, so a weak tag never
/// matches). 428 without the header.
pub fn if_match(req: &HttpRequest) -> ApiResult<Expected> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Err(ApiError::precondition_required());
    }
    let parsed = header::IfMatch::parse(req)
        .map_err(|_| ApiError::field("If-Match", "not a list of entity tags, nor *"))?;
    Ok(match parsed {
        header::IfMatch::Any => Expected::Any,
        header::IfMatch::Items(tags) => Expected::OneOf(
            tags.iter()
                .filter(|tag| !tag.weak)
                .filter_map(|tag| tag.tag().parse::<i64>().ok())
                .collect(),
        ),
    })
}

/// The ETag of a stored version: a strong tag, so that `If-Match` compares
/// it strongly.
pub fn etag(version: i64) -> header::ETag {
    header::ETag(header::EntityTag::new_strong(version.to_string()))
}

/// A JSON response carrying the representation's version as its `ETag`.
pub fn json_with_etag(
    mut response: actix_web::HttpResponseBuilder,
    version: i64,
    body: impl serde::Serialize,
) -> actix_web::HttpResponse {
    response.insert_header(etag(version));
    response.json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::CursorKey;

    #[test]
    fn control_characters_are_refused_with_the_field_named() {
        let refused = |body: &str| {
            refuse_control_characters(&serde_json::from_str(body).unwrap())
                .err()
                .map(|e| e.problem().errors[0].field.clone())
        };
        assert_eq!(
            refused(r#"{"first_name": "Ma\u0000tti"}"#).as_deref(),
            Some("first_name")
        );
        assert_eq!(
            refused(r#"{"goals": [{"text": "ok"}, {"text": "\u001b[31mred"}]}"#).as_deref(),
            Some("goals[1].text")
        );
        assert_eq!(refused(r#"{"a": {"b": "\u0085"}}"#).as_deref(), Some("a.b"));
        assert_eq!(refused(r#"{"note": "rivi\nrivi\tsarake\r\n"}"#), None);
        assert_eq!(refused(r#"{"name": "Ääkköset ja emoji 🙂"}"#), None);
    }

    #[test]
    fn integral_floats_are_read_as_integers() {
        let mut value = serde_json::json!({"week": 1.0, "minutes": [90.0, 1.5], "big": 1e300});
        integral_floats_as_integers(&mut value);
        assert_eq!(value["week"], serde_json::json!(1));
        assert!(value["week"].is_i64());
        assert_eq!(value["minutes"], serde_json::json!([90, 1.5]));
        assert!(value["big"].is_f64());
    }

    #[test]
    fn position_suffix_is_stripped() {
        assert_eq!(
            strip_position("invalid type: integer `5`, expected a string at line 1 column 9"),
            "invalid type: integer `5`, expected a string"
        );
    }

    #[test]
    fn pages_report_a_next_cursor_only_when_more_rows_exist() {
        let seal = CursorKey::new([7; 32]).seal("test", Uuid::now_v7());
        let request = PageRequest {
            limit: 2,
            after: None,
            seal,
        };
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let (page, next) = request.finish(ids.clone(), |id| *id);
        assert_eq!(page, ids[..2]);
        assert_eq!(next.as_deref().and_then(|c| seal.open(c)), Some(ids[1]));
        let (page, next) = request.finish(ids[..2].to_vec(), |id| *id);
        assert_eq!(page.len(), 2);
        assert_eq!(next, None);
    }
}

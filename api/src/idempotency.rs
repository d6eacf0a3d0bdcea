//! `Idempotency-Key` (IETF draft) on every POST: a retry of the same request
//! with the same key within 24 hours gets the first response again (status,
//! body, `Location`, `ETag`) without the work being done twice; the key with
//! a different request is 422, and while the first is still running 409.
//! Keys are the caller's own: another caller's same key is another key.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use kyky_persistence::idempotency::{self, Claim, StoredResponse};
use sha2::{Digest, Sha256};

use crate::auth::Bearer;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// Longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;
/// The headers a replay repeats.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// The key as sent: a structured-field string (`"…"`, as the draft writes
/// it) or the bare token most clients send; printable ASCII, 1–255 long.
fn key_of(value: &HeaderValue) -> Result<String, ApiError> {
    let refused = || {
        ApiError::validation(vec![FieldError {
            field: "Idempotency-Key".into(),
            message: format!("1–{MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID"),
        }])
    };
    let text = value.to_str().map_err(|_| refused())?;
    let key = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let printable = key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_KEY_LENGTH || !printable {
        return Err(refused());
    }
    Ok(key.to_owned())
}

/// What the request asks: method, path with query, body.
fn fingerprint(request: &ServiceRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(request.method().as_str());
    hash.update([0]);
    hash.update(request.uri().to_string());
    hash.update([0]);
    hash.update(body);
    format!("{:x}", hash.finalize())
}

fn replay(request: ServiceRequest, stored: StoredResponse) -> ServiceResponse<BoxBody> {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.insert_header(("idempotent-replayed", "true"));
    request.into_response(response.body(stored.body))
}

pub async fn idempotency(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let keyed = request.method() == Method::POST && request.path().starts_with("/api/v1/");
    let Some(value) = request.headers().get(HEADER).filter(|_| keyed).cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let key = key_of(&value)?;
    // Without a valid token the request is refused as it would be anyway.
    let Ok(bearer) = request.extract::<Bearer>().await else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let body = request.extract::<web::Bytes>().await?;
    request.set_payload(Payload::from(body.clone()));
    let hash = fingerprint(&request, &body);
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let (caller, now) = (bearer.caller_key, state.now());
    let claimed = {
        let key = key.clone();
        state
            .blocking(move |db| {
                Ok(db.transaction(|conn| idempotency::claim(conn, caller, &key, &hash, now))?)
            })
            .await?
    };
    match claimed {
        Claim::Replay(stored) => return Ok(replay(request, stored)),
        Claim::Mismatch => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "This Idempotency-Key was used for a different request",
                "send a new Idempotency-Key with a new request",
            )
            .into());
        }
        Claim::InProgress => {
            return Err(ApiError::conflict(
                "idempotency-key-in-use",
                "A request with this Idempotency-Key is still running",
                "wait for the first request's answer, then retry with the same key",
            )
            .into());
        }
        Claim::Claimed => {}
    }
    let answered = next
        .call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body);
    let release = |state: web::Data<AppState>, key: String| async move {
        // Nothing to replay: a retry runs again.
        let _ = state
            .blocking(
                move |db| Ok(db.transaction(|conn| idempotency::release(conn, caller, &key))?),
            )
            .await;
    };
    let response = match answered {
        Ok(response) if !response.status().is_server_error() => response,
        other => {
            release(state, key).await;
            return other;
        }
    };
    let (request, response) = response.into_parts();
    let status = response.status();
    let headers: Vec<(String, String)> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let (head, body) = response.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(body).await else {
        release(state, key).await;
        return Err(ApiError::internal().into());
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    state
        .blocking(move |db| {
            Ok(db.transaction(|conn| idempotency::finish(conn, caller, &key, &stored))?)
        })
        .await?;
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

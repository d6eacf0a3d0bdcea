//! HTTP semantics front-end caches rely on: `If-None-Match` on GETs answers
//! 304, and a request for a path with a method the contract does not declare
//! is 405 with `Allow`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ETag, Header, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Answers a GET whose `If-None-Match` names the response's current ETag
/// with 304 Not Modified and no body (weak comparison, as RFC 9110 says for
/// `If-None-Match`). The read itself happened and is in the access log.
pub async fn not_modified(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let wanted = (request.method() == Method::GET)
        .then(|| IfNoneMatch::parse(request.request()).ok())
        .flatten();
    let response = next.call(request).await?.map_into_boxed_body();
    let Some(wanted) = wanted else {
        return Ok(response);
    };
    if response.status() != StatusCode::OK {
        return Ok(response);
    }
    let current = response
        .headers()
        .get(header::ETAG)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<header::EntityTag>().ok());
    let Some(current) = current else {
        return Ok(response);
    };
    let matches = match &wanted {
        IfNoneMatch::Any => true,
        IfNoneMatch::Items(tags) => tags.iter().any(|tag| tag.weak_eq(&current)),
    };
    if !matches {
        return Ok(response);
    }
    let (request, _) = response.into_parts();
    let mut not_modified = HttpResponse::NotModified();
    not_modified.insert_header(ETag(current));
    Ok(ServiceResponse::new(request, not_modified.finish()))
}

/// The paths of the contract and the methods each declares.
#[derive(Debug, Clone, Default)]
pub struct DeclaredMethods {
    paths: Vec<(Vec<Option<String>>, Vec<String>)>,
}

impl DeclaredMethods {
    pub fn of(document: &serde_json::Value) -> Self {
        let paths = document["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = ["get", "put", "post", "delete", "patch"]
                    .into_iter()
                    .filter(|method| item.get(*method).is_some())
                    .map(str::to_uppercase)
                    .collect();
                (segments, methods)
            })
            .collect();
        Self { paths }
    }

    /// The methods declared for the path a request names, if it is one of the contract's.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut methods: Vec<&str> = self
            .paths
            .iter()
            .filter(|(segments, _)| {
                segments.len() == asked.len()
                    && segments
                        .iter()
                        .zip(&asked)
                        .all(|(segment, part)| segment.as_deref().is_none_or(|s| s == *part))
            })
            .flat_map(|(_, methods)| methods.iter().map(String::as_str))
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then(|| methods.join(", "))
    }
}

/// The methods of a path the contract names literally (no template), e.g.
/// `/api/v1/clients/lookup`: a request for it with another method may have
/// been routed to a templated path (`/api/v1/clients/{id}`) and failed there.
impl DeclaredMethods {
    pub fn literal(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.paths
            .iter()
            .find(|(segments, _)| {
                segments.len() == asked.len()
                    && segments
                        .iter()
                        .zip(&asked)
                        .all(|(segment, part)| segment.as_deref() == Some(*part))
            })
            .map(|(_, methods)| methods.join(", "))
    }
}

/// 405 with `Allow` when `request` names a literal path of the contract
/// with a method it does not declare.
pub fn literal_method_not_allowed(
    request: &actix_web::HttpRequest,
    declared: &DeclaredMethods,
) -> Option<HttpResponse> {
    let allow = declared.literal(request.path())?;
    if allow.split(", ").any(|m| m == request.method().as_str()) {
        return None;
    }
    Some(method_not_allowed(request, &allow))
}

fn method_not_allowed(request: &actix_web::HttpRequest, allow: &str) -> HttpResponse {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!(
            "{} is not an operation of this path; it allows {allow}",
            request.method()
        ),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// What an unrouted request gets: 405 with `Allow` when the path is the
/// contract's but the method is not, else 404.
pub fn unrouted(request: &actix_web::HttpRequest, declared: &DeclaredMethods) -> HttpResponse {
    // A literal path (`/clients/lookup`) answers for itself, not for the
    // template it also matches (`/clients/{id}`).
    match declared
        .literal(request.path())
        .or_else(|| declared.allowed(request.path()))
    {
        Some(allow) => method_not_allowed(request, &allow),
        None => ApiError::not_found("route").error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_of_the_contract_lists_its_methods() {
        let declared = DeclaredMethods {
            paths: vec![
                (
                    vec![Some("clients".into()), None],
                    vec!["GET".into(), "PUT".into()],
                ),
                (vec![Some("clients".into())], vec!["POST".into()]),
            ],
        };
        assert_eq!(declared.allowed("/clients/42").as_deref(), Some("GET, PUT"));
        assert_eq!(declared.allowed("/clients").as_deref(), Some("POST"));
        assert_eq!(declared.allowed("/clients/42/x"), None);
        assert_eq!(declared.allowed("/teams"), None);
    }
}

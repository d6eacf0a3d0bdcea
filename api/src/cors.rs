//! Cross-origin calls from front-ends served on other origins (a
//! municipality's e-service calling Kyky from the browser).
//!
//! Only the configured origins are allowed (none by default). Preflights
//! answer the methods and request headers the contract uses; responses
//! expose the headers a front-end reads. A request from any other origin is
//! still served, without CORS headers, so the browser keeps its response
//! from the page (curl and server-to-server calls are unaffected).

use actix_cors::Cors;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName};

/// Request headers a front-end sends.
const REQUEST_HEADERS: [HeaderName; 6] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    HeaderName::from_static("idempotency-key"),
    HeaderName::from_static("x-request-id"),
];

/// Response headers a front-end reads.
const EXPOSED_HEADERS: [HeaderName; 6] = [
    header::ETAG,
    header::LOCATION,
    header::RETRY_AFTER,
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("ratelimit"),
    HeaderName::from_static("ratelimit-policy"),
];

/// The CORS policy for these allowed origins (`https://host[:port]`).
pub fn policy(allowed_origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(REQUEST_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(3600);
    for origin in allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

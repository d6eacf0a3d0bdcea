//! Builds the actix application and server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::conditional::{DeclaredMethods, literal_method_not_allowed, not_modified, unrouted};
use crate::contract::Contract;
use crate::error::ApiError;
use crate::extract::MAX_JSON_BYTES;
use crate::openapi::{
    ApiDoc, bound_requests, declare_conditional_gets, document_problems, finish, link_responses,
    tidy_summaries,
};
use crate::rate_limit::rate_limit;
use crate::routes;
use crate::state::AppState;
use crate::telemetry::request_id;

/// Registers every documented route on a utoipa-aware app.
fn documented<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    app.service(scope("/api/v1").configure(routes::api_v1))
        .configure(routes::operations)
}

/// The OpenAPI document, generated from the same registrations the server
/// uses, then bounded, with its problem types and links. Kept as JSON: the
/// last steps walk it generically, and utoipa's `Link` does not read back.
pub fn openapi() -> serde_json::Value {
    let (_, mut api) =
        documented(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    finish(&mut api);
    let mut document = serde_json::to_value(&api).unwrap_or_default();
    bound_requests(&mut document);
    crate::openapi::bound_pages(&mut document);
    crate::openapi::declare_idempotency_keys(&mut document);
    document_problems(&mut document);
    link_responses(&mut document);
    declare_conditional_gets(&mut document);
    tidy_summaries(&mut document);
    crate::field_glossary::describe_conventional_fields(&mut document);
    crate::response_examples::give_response_examples(&mut document);
    document
}

/// A JSON document written once at start-up and shared by every worker: the
/// contract is large (a deep copy per worker cost megabytes), and serving it
/// is then a copy of bytes, not a serialization per request.
#[derive(Clone)]
struct JsonDocument(web::Bytes);

impl JsonDocument {
    fn of(document: &serde_json::Value) -> Self {
        Self(web::Bytes::from(
            serde_json::to_vec(document).unwrap_or_default(),
        ))
    }

    fn response(&self) -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok()
            .content_type(actix_web::http::header::ContentType::json())
            .body(self.0.clone())
    }
}

/// Starts serving on `listener`. Workers stop gracefully on SIGTERM / Ctrl-C.
pub fn run(listener: TcpListener, state: AppState, workers: usize) -> std::io::Result<Server> {
    let spec = openapi();
    // Swagger UI reads the contract without `servers`: its one relative
    // entry ("/", which Redocly requires) would show as a one-choice box,
    // and without it Swagger UI calls the origin it was served from.
    let swagger_ui_spec = {
        let mut document = spec.clone();
        if let Some(fields) = document.as_object_mut() {
            fields.remove("servers");
        }
        document
    };
    // The published contract (`/api-docs/openapi.json`) and Swagger UI's copy.
    let (published, swagger_ui_spec) =
        (JsonDocument::of(&spec), JsonDocument::of(&swagger_ui_spec));
    let allowed_origins = state.cors_allowed_origins.clone();
    let metrics = state.metrics;
    let declared = std::sync::Arc::new(DeclaredMethods::of(&spec));
    let contract = web::Data::new(
        Contract::of(&spec).map_err(|e| std::io::Error::other(format!("the contract: {e}")))?,
    );
    let rate_limits = web::Data::from(state.rate_limits.clone());
    let auth = web::Data::from(state.auth.clone());
    let db = web::Data::new(state.db.clone());
    if let Some(dispatcher) = state.dispatcher() {
        actix_web::rt::spawn(dispatcher.run());
    }
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .service(web::scope("/api/v1").configure(|cfg| {
                crate::routes::api_v1_services!(cfg);
            }))
            .configure(|cfg| {
                crate::routes::operation_services!(cfg);
            })
            .app_data(data.clone())
            .app_data(contract.clone())
            .app_data(rate_limits.clone())
            .app_data(auth.clone())
            .app_data(db.clone())
            .app_data(web::PayloadConfig::new(MAX_JSON_BYTES))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|error, _| ApiError::field("query", error.to_string()).into()),
            )
            .app_data(web::PathConfig::default().error_handler({
                let declared = declared.clone();
                move |error, request| match literal_method_not_allowed(request, &declared) {
                    // `PUT /clients/lookup` reached `PUT /clients/{id}`: not a bad id, a bad method.
                    Some(response) => {
                        actix_web::error::InternalError::from_response(error, response).into()
                    }
                    None => ApiError::field("path", error.to_string()).into(),
                }
            }))
            .app_data(
                web::JsonConfig::default()
                    .error_handler(|error, _| ApiError::malformed(error.to_string()).into()),
            )
            .route("/api-docs/openapi.json", {
                let published = published.clone();
                web::get().to(move || {
                    let published = published.clone();
                    async move { published.response() }
                })
            })
            .route("/api-docs/swagger-ui.json", {
                let swagger_ui_spec = swagger_ui_spec.clone();
                web::get().to(move || {
                    let swagger_ui_spec = swagger_ui_spec.clone();
                    async move { swagger_ui_spec.response() }
                })
            })
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    // A reload keeps the pasted token; the filter box finds operations.
                    .config(
                        Config::new(["/api-docs/swagger-ui.json"])
                            .persist_authorization(true)
                            .filter(true)
                            .try_it_out_enabled(true)
                            .display_request_duration(true),
                    ),
            )
            .route(
                "/swagger-ui",
                web::get().to(|| async { redirect("/swagger-ui/") }),
            )
            .route("/", web::get().to(|| async { redirect("/swagger-ui/") }))
            .default_service(web::to({
                let declared = declared.clone();
                move |request: HttpRequest| {
                    let declared = declared.clone();
                    async move { unrouted(&request, &declared) }
                }
            }))
            .wrap(from_fn(crate::idempotency::idempotency))
            .wrap(from_fn(not_modified))
            .wrap(from_fn(rate_limit))
            .wrap(crate::cors::policy(&allowed_origins))
            .wrap(from_fn(request_id))
            .wrap(actix_web::middleware::Condition::new(
                metrics,
                from_fn(crate::metrics::record),
            ))
    })
    .workers(workers.max(1))
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}

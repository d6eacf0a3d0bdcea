//! Prometheus metrics on an address of their own (`--metrics-bind`): not on
//! the public API's address, so a deployment shows them only to what can
//! reach that address (its monitoring network).
//!
//! Requests by route (the pattern, never the ids in a path) and status,
//! latency histograms by route, the connection pool, and the access-log
//! writer's batches.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, web};
use kyky_persistence::Db;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

const REQUESTS: &str = "kyky_http_requests_total";
const DURATION: &str = "kyky_http_request_duration_seconds";

/// Installs the process's recorder; metrics recorded before this are lost.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(DURATION.to_owned()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ],
        )?
        .set_buckets_for_metric(
            Matcher::Full("kyky_access_log_batch_entries".to_owned()),
            &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1000.0],
        )?
        .install_recorder()
}

/// Counts each request and times it, by method, route pattern and status.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let response = next.call(request).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// The metrics endpoint, `GET /metrics` on `listener`, one worker.
pub fn serve(listener: TcpListener, handle: PrometheusHandle, db: Db) -> std::io::Result<Server> {
    let scrape = web::Data::new((handle, db));
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(scrape.clone())
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .listen(listener)?
    .run())
}

async fn metrics(scrape: web::Data<(PrometheusHandle, Db)>) -> HttpResponse {
    let (handle, db) = scrape.get_ref();
    let pool = db.pool_status();
    metrics::gauge!("kyky_db_pool_connections", "state" => "in_use").set(pool.in_use);
    metrics::gauge!("kyky_db_pool_connections", "state" => "idle").set(pool.idle);
    #[expect(clippy::cast_precision_loss, reason = "waiting requests are few")]
    metrics::gauge!("kyky_db_pool_waiting").set(pool.waiting as f64);
    metrics::gauge!("kyky_db_pool_max_connections").set(pool.max_size);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

//! Prometheus metrics, on an address of their own.

use kyky_api::demo;
use kyky_domain::Role;
use reqwest::StatusCode;

use crate::helpers::{
    Running, SECRET, TestDatabase, free_port, mint, serve_demo, wait_until_ready,
};

/// The sample of `metric` whose labels include every one of `labels`.
pub(crate) fn sample(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{metric}{{")) || line.starts_with(&format!("{metric} "))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_on_their_own_address() {
    let database = TestDatabase::new();
    let (port, metrics_port) = (free_port(), free_port());
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let _server = Running(serve_demo(
        &database.url,
        port,
        &["--metrics-bind", &metrics_bind, "--webhook-tick", "20ms"],
    ));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_ready(&http, &base).await;
    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let counsellor = mint(&auth, demo::SOCIAL_COUNSELLOR, &[Role::Professional]);
    for _ in 0..3 {
        let list = http
            .get(format!("{base}/api/v1/clients"))
            .bearer_auth(&counsellor)
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), StatusCode::OK);
    }
    let client = uuid::Uuid::now_v7();
    let unknown = http
        .get(format!("{base}/api/v1/clients/{client}"))
        .bearer_auth(&counsellor)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Not on the API's address.
    let public = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);

    let scraped = http
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = scraped.text().await.unwrap();
    let route = |pattern: &str| format!("route=\"{pattern}\"");
    assert_eq!(
        sample(
            &text,
            "kyky_http_requests_total",
            &[
                &route("/api/v1/clients"),
                "status=\"200\"",
                "method=\"GET\""
            ]
        ),
        Some(3.0),
        "{text}"
    );
    // By the route's pattern: no id (and so no client) in a label.
    assert_eq!(
        sample(
            &text,
            "kyky_http_requests_total",
            &[&route("/api/v1/clients/{id}"), "status=\"404\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains(&client.to_string()));
    assert_eq!(
        sample(
            &text,
            "kyky_http_request_duration_seconds_count",
            &[&route("/api/v1/clients")]
        ),
        Some(3.0)
    );
    assert!(text.contains("kyky_http_request_duration_seconds_bucket{"));
    assert!(sample(&text, "kyky_db_pool_max_connections", &[]).is_some_and(|n| n >= 1.0));
    assert!(sample(&text, "kyky_db_pool_connections", &["state=\"idle\""]).is_some());
    // The list's reads went through the access log's batches.
    assert!(
        sample(&text, "kyky_access_log_batch_entries_count", &[]).is_some_and(|n| n >= 3.0),
        "{text}"
    );
    // The webhook queue, measured on each round of the dispatcher (every
    // 20 ms here, once the server is ready): empty.
    let mut pending = None;
    for _ in 0..250 {
        let text = http
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        pending = sample(&text, "kyky_webhook_deliveries_pending", &[]);
        if pending.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(pending, Some(0.0));
}

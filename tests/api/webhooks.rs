//! Webhooks (Standard Webhooks 1.0): a receiver started by the test gets
//! signed deliveries, failures are retried on the schedule (the clock moved,
//! not slept through), and an organisation is sent only what its
//! integration account may read.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    Espoo, Spawn, TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of,
    spawn_with,
};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver on a local port, answering `status`.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<AtomicU16>,
}

impl Receiver {
    pub fn start() -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/kyky", listener.local_addr().unwrap());
        let (got_in, status_in) = (got.clone(), status.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    let (got, status) = (got_in.clone(), status_in.clone());
                    App::new().default_service(web::to(
                        move |request: HttpRequest, body: String| {
                            let (got, status) = (got.clone(), status.clone());
                            async move {
                                let header = |name: &str| {
                                    request
                                        .headers()
                                        .get(name)
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or_default()
                                        .to_owned()
                                };
                                got.lock().unwrap().push(Received {
                                    id: header("webhook-id"),
                                    timestamp: header("webhook-timestamp"),
                                    signature: header("webhook-signature"),
                                    body,
                                });
                                let code = actix_web::http::StatusCode::from_u16(
                                    status.load(Ordering::SeqCst),
                                )
                                .unwrap();
                                HttpResponse::build(code).finish()
                            }
                        },
                    ))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run()
                .await
            })
        });
        Self { url, got, status }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most ten seconds) until `count` requests have come.
    pub async fn until(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Verifies a delivery as any Standard Webhooks library does: some `v1,`
/// signature in the header is the HMAC-SHA256 of `id.timestamp.body` under
/// the secret's key.
pub fn verifies(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.signature.split(' ').any(|s| s == expected)
}

async fn dispatching(schedule: &[i64]) -> Espoo {
    let mut spawn = Spawn::new();
    spawn.webhooks.dispatch = true;
    if !schedule.is_empty() {
        spawn.webhooks.schedule = kyky_domain::webhook::RetrySchedule::new(
            schedule
                .iter()
                .map(|s| chrono::Duration::seconds(*s))
                .collect(),
        )
        .unwrap();
    }
    Espoo::with_app(spawn_with(spawn).await).await
}

/// Waits until every active subscription's fan-out has passed every event
/// recorded so far: each subscription moves on its own, so a delivery to
/// one says nothing of another's.
async fn fanned_out(app: &TestApp) {
    #[derive(diesel::QueryableByName)]
    struct Behind {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        behind: i64,
    }
    let started = Instant::now();
    loop {
        let behind = app
            .db
            .run(|conn| {
                use diesel::RunQueryDsl;
                diesel::sql_query(
                    "SELECT COUNT(*) AS behind FROM webhook_subscriptions s
                     WHERE s.status = 'active' AND EXISTS (
                         SELECT 1 FROM domain_events e
                         WHERE e.tx > s.after_tx OR (e.tx = s.after_tx AND e.seq > s.after_seq))",
                )
                .get_result::<Behind>(conn)
                .map_err(kyky_persistence::StoreError::from)
            })
            .unwrap()
            .behind;
        if behind == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "fan-out stalled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn subscribe(app: &TestApp, account: &Worker, url: &str, types: &[&str]) -> Value {
    expect_status(
        app.post(
            "/api/v1/webhook-subscriptions",
            &account.token,
            &json!({"url": url, "event_types": types, "description": "Sofia CRM"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

async fn deliveries(app: &TestApp, account: &Worker, subscription: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(
            &format!("/api/v1/webhook-subscriptions/{subscription}/deliveries?limit=100"),
            &account.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// Polls the delivery log until `done` holds (ten seconds at most).
async fn log_until(
    app: &TestApp,
    account: &Worker,
    subscription: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = deliveries(app, account, subscription).await;
        if done(&log) || Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn an_accepted_handover_is_delivered_signed() {
    let e = dispatching(&[]).await;
    let crm = e.app.integration_in(e.sanna.organisation_id).await;
    let receiver = Receiver::start();
    let subscription = subscribe(&e.app, &crm, &receiver.url, &["handover.accepted"]).await;
    let secret = subscription["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let hetu = fresh_hetu();
    let client = id_of(&e.app.client(&e.sanna, &hetu).await);
    expect_status(
        e.app
            .put(
                &format!("/api/v1/clients/{client}/external-ids/sofia-crm"),
                &crm.token,
                None,
                &json!({"value": "A-1001"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let handover = e.hand_to_aino(client).await;

    let got = receiver.until(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let delivery = &got[0];
    assert!(verifies(secret, delivery), "{delivery:?}");
    let body = delivery.json();
    assert_eq!(body["type"], "handover.accepted");
    assert_eq!(body["data"]["subject_id"], handover.to_string());
    assert_eq!(body["data"]["client_id"], client.to_string());
    // The CRM finds its own record by the id it gave the client.
    assert_eq!(
        body["data"]["client_external_ids"][0]["system"],
        "sofia-crm"
    );
    assert_eq!(body["data"]["client_external_ids"][0]["value"], "A-1001");
    assert!(!delivery.body.contains(&hetu));
    // A signature by another secret does not verify.
    assert!(!verifies(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        delivery
    ));

    let id = subscription["id"].as_str().unwrap();
    let log = log_until(&e.app, &crm, id, |log| {
        log.first().is_some_and(|d| d["status"] == "succeeded")
    })
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["id"], delivery.id);
    assert_eq!(log[0]["attempts"][0]["response_status"], 200);
    // Delivering is reading: the account's entry is in the client's access log.
    let access = expect_status(
        e.app
            .get(
                &format!("/api/v1/clients/{client}/access-log?limit=100"),
                &e.aino.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(access["items"].as_array().unwrap().iter().any(|entry| {
        entry["operation"] == "webhook.deliver" && entry["professional_id"] == crm.id.to_string()
    }));
}

#[actix_web::test]
async fn a_failing_target_is_retried_on_the_schedule_then_the_subscription_is_disabled() {
    // Two retries, after 60 s and after 600 s (±10 %).
    let e = dispatching(&[60, 600]).await;
    let crm = e.app.integration_in(e.sanna.organisation_id).await;
    let receiver = Receiver::start();
    receiver.status.store(500, Ordering::SeqCst);
    let subscription = subscribe(&e.app, &crm, &receiver.url, &["client.created"]).await;
    let id = subscription["id"].as_str().unwrap();
    e.client().await;

    let attempts = |n: usize| {
        move |log: &[Value]| {
            log.first()
                .is_some_and(|d| d["attempts"].as_array().unwrap().len() >= n)
        }
    };
    let log = log_until(&e.app, &crm, id, attempts(1)).await;
    let first = &log[0];
    assert_eq!(first["status"], "pending");
    assert_eq!(first["attempts"][0]["response_status"], 500);
    let tried: chrono::DateTime<chrono::Utc> = first["attempts"][0]["attempted_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let next: chrono::DateTime<chrono::Utc> =
        first["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = (next - tried).num_seconds();
    assert!((53..=67).contains(&wait), "next attempt after {wait} s");

    // Not before its time: nothing more while the clock stands.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 1);

    e.app.clock.advance(chrono::Duration::seconds(70));
    let log = log_until(&e.app, &crm, id, attempts(2)).await;
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(log[0]["status"], "pending");

    e.app.clock.advance(chrono::Duration::seconds(700));
    let log = log_until(&e.app, &crm, id, |log| {
        log.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(log[0]["status"], "failed", "{log:?}");
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 3);
    let ids: Vec<String> = receiver.received().iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one webhook-id for every attempt: {ids:?}"
    );

    let disabled = expect_status(
        e.app
            .get(&format!("/api/v1/webhook-subscriptions/{id}"), &crm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["status"], "disabled");
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed 3 times")
    );

    // Fixed: retried by hand, enabled again, delivered.
    receiver.status.store(204, Ordering::SeqCst);
    expect_status(
        e.app
            .post(
                &format!("/api/v1/webhook-subscriptions/{id}/enable"),
                &crm.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let delivery = log[0]["id"].as_str().unwrap();
    expect_status(
        e.app
            .post(
                &format!("/api/v1/webhook-subscriptions/{id}/deliveries/{delivery}/retry"),
                &crm.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let log = log_until(&e.app, &crm, id, |log| {
        log.first().is_some_and(|d| d["status"] == "succeeded")
    })
    .await;
    assert_eq!(log[0]["status"], "succeeded");
}

#[actix_web::test]
async fn an_organisation_is_sent_only_events_of_clients_its_account_may_read() {
    let e = dispatching(&[]).await;
    let kela = e.app.organisation("Kela", "kela").await;
    let kela_crm = e.app.integration_in(kela).await;
    let own_crm = e.app.integration_in(e.sanna.organisation_id).await;
    let (kela_hook, own_hook) = (Receiver::start(), Receiver::start());
    subscribe(&e.app, &kela_crm, &kela_hook.url, &[]).await;
    subscribe(&e.app, &own_crm, &own_hook.url, &[]).await;

    let client = e.client().await;
    own_hook.until(2).await; // client.created, relationship.opened
    // Kela's subscription, too, has passed them (sending nothing) before the
    // consent: it is decided when each subscription reads the events.
    fanned_out(&e.app).await;
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [kela], "method": "written"});
    expect_status(
        e.app
            .post(
                &format!("/api/v1/clients/{client}/consents"),
                &e.sanna.token,
                &body,
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let own = own_hook.until(3).await;
    let types: Vec<String> = own
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        ["client.created", "relationship.opened", "consent.given"]
    );
    // Kela could not read the client until the consent covered it: of what
    // happened before, nothing; from the consent on, the events.
    let kela_got = kela_hook.until(1).await;
    let kela_types: Vec<String> = kela_got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kela_types, ["consent.given"]);

    // Another client of Sanna's: Kela is sent nothing of it.
    e.client().await;
    own_hook.until(5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(kela_hook.received().len(), 1);
}

#[actix_web::test]
async fn a_rotated_secret_and_the_old_one_both_sign_during_the_overlap() {
    let e = dispatching(&[]).await;
    let crm = e.app.integration_in(e.sanna.organisation_id).await;
    let receiver = Receiver::start();
    let subscription = subscribe(&e.app, &crm, &receiver.url, &["client.created"]).await;
    let (id, old) = (
        subscription["id"].as_str().unwrap(),
        subscription["secret"].as_str().unwrap(),
    );
    let rotated = expect_status(
        e.app
            .post(
                &format!("/api/v1/webhook-subscriptions/{id}/rotate-secret"),
                &crm.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    e.client().await;
    let got = receiver.until(1).await;
    assert!(verifies(new, &got[0]) && verifies(old, &got[0]), "{got:?}");

    // After the overlap only the new one signs.
    e.app.clock.advance(chrono::Duration::hours(25));
    e.client().await;
    let got = receiver.until(2).await;
    assert!(verifies(new, &got[1]) && !verifies(old, &got[1]), "{got:?}");
}

#[actix_web::test]
async fn who_may_subscribe_and_to_what() {
    let e = Espoo::with_app(
        spawn_with({
            let mut spawn = Spawn::new();
            spawn.webhooks.allow_private_targets = false;
            spawn
        })
        .await,
    )
    .await;
    let crm = e.app.integration_in(e.sanna.organisation_id).await;
    for url in [
        "http://crm.espoo.fi/hooks",
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest",
        "https://localhost/x",
        "https://[::1]/x",
    ] {
        let problem = expect_problem(
            e.app
                .post(
                    "/api/v1/webhook-subscriptions",
                    &crm.token,
                    &json!({"url": url}),
                )
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule-violation",
        )
        .await;
        assert_eq!(fields(&problem), ["url"], "{url}");
    }
    let made = subscribe(&e.app, &crm, "https://crm.espoo.fi/hooks", &[]).await;
    let id = made["id"].as_str().unwrap();
    // A professional is no integration account.
    expect_problem(
        e.app
            .post(
                "/api/v1/webhook-subscriptions",
                &e.sanna.token,
                &json!({"url": "https://crm.espoo.fi/h"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Another organisation's account is told the subscription does not exist.
    let kela = e.app.organisation("Kela", "kela").await;
    let kela_crm = e.app.integration_in(kela).await;
    expect_problem(
        e.app
            .get(
                &format!("/api/v1/webhook-subscriptions/{id}"),
                &kela_crm.token,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let listed = expect_status(
        e.app
            .get("/api/v1/webhook-subscriptions", &kela_crm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    // An admin subscribes naming the account; the secret is never shown again.
    let by_admin = expect_status(
        e.app
            .post(
                "/api/v1/webhook-subscriptions",
                &e.app.admin_token,
                &json!({"url": "https://crm.espoo.fi/other", "integration_account_id": crm.id}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        by_admin["organisation_id"],
        e.sanna.organisation_id.to_string()
    );
    let listed = expect_status(
        e.app.get("/api/v1/webhook-subscriptions", &crm.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains("whsec_"));
    // The admin sees every organisation's.
    let everything = expect_status(
        e.app
            .get("/api/v1/webhook-subscriptions", &e.app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(everything["items"].as_array().unwrap().len(), 2);
}

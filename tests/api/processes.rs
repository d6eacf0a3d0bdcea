//! Several `kyky serve` processes on one PostgreSQL database, as behind a
//! load balancer.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kyky_domain::Role;
use reqwest::StatusCode;

use crate::helpers::{
    Running, SECRET, TestDatabase, free_port, is_postgres, mint, wait_until_ready,
};

#[tokio::test]
async fn processes_started_together_on_one_new_database_all_come_up() {
    if !is_postgres() {
        // SQLite is the single-process embedded default.
        return;
    }
    let database = TestDatabase::new();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    // Started at the same instant, all three find the schema missing; the
    // migration lock lets one migrate while the others wait.
    let _running: Vec<Running> = ports
        .iter()
        .map(|port| {
            Running(
                Command::new(env!("CARGO_BIN_EXE_kyky"))
                    .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
                    .env("KYKY_JWT_SECRET", SECRET)
                    .env("KYKY_DATABASE_URL", &database.url)
                    .stdout(Stdio::null())
                    .stderr(crate::helpers::server_log(*port))
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let http = reqwest::Client::new();
    for port in ports {
        wait_until_ready(&http, &format!("http://127.0.0.1:{port}")).await;
    }
}

#[tokio::test]
async fn serve_without_migrating_refuses_a_database_behind_and_serves_one_migrated() {
    let database = TestDatabase::new();
    let kyky = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kyky"));
        command
            .args(args)
            .env("KYKY_JWT_SECRET", SECRET)
            .env("KYKY_DATABASE_URL", &database.url);
        command
    };
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let refused = kyky(&["serve", "--no-migrate", "--bind", &bind])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("pending") && said.contains("kyky migrate"),
        "{said}"
    );

    assert!(kyky(&["migrate"]).output().unwrap().status.success());
    let _serving = Running(
        kyky(&["serve", "--bind", &bind])
            .env("KYKY_NO_MIGRATE", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until_ready(&reqwest::Client::new(), &format!("http://{bind}")).await;
}

#[test]
fn a_port_in_use_is_named_when_serve_cannot_listen() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("kyky-port-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_kyky"))
        .args(["serve", "--bind", &address])
        .env("KYKY_JWT_SECRET", SECRET)
        .env(
            "KYKY_DATABASE_URL",
            format!("sqlite://{}", dir.join("kyky.db").display()),
        )
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("cannot listen on {address}")),
        "{said}"
    ); // Its log went to a pipe, not a terminal: plain text, no colour codes.
    assert!(said.contains("database ready"), "{said}");
    assert!(!said.contains('\u{1b}'), "colour codes in {said:?}");
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_kyky_is_refused_at_start() {
    let database = TestDatabase::new();
    let kyky = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kyky"))
            .args(args)
            .env("KYKY_JWT_SECRET", SECRET)
            .env("KYKY_DATABASE_URL", &database.url)
            .output()
            .unwrap()
    };
    assert!(kyky(&["migrate"]).status.success());
    let db = kyky_persistence::Db::connect(&database.url, 1).unwrap();
    db.run(|conn| {
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000000')",
            ),
            conn,
        )
        .map_err(kyky_persistence::StoreError::from)
    })
    .unwrap();
    drop(db);
    let bind = format!("127.0.0.1:{}", free_port());
    for args in [
        vec!["serve", "--bind", &bind],
        vec!["serve", "--no-migrate", "--bind", &bind],
        vec!["migrate"],
    ] {
        let refused = kyky(&args);
        assert!(!refused.status.success(), "{args:?} started");
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(
            said.contains("newer Kyky") && said.contains("20990101000000"),
            "{args:?}: {said}"
        );
    }
}

#[tokio::test]
async fn serve_started_before_its_database_answers_503_then_serves_once_it_is_up() {
    if !is_postgres() {
        return;
    }
    let database = TestDatabase::new();
    // Kyky is pointed at an address where no database listens yet.
    let database_port = free_port();
    let (server, url) = rerouted(&database.url, database_port);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _kyky = Running(
        Command::new(env!("CARGO_BIN_EXE_kyky"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("KYKY_JWT_SECRET", SECRET)
            .env("KYKY_DATABASE_URL", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let mut live = false;
    for _ in 0..50 {
        let answer = http.get(format!("{base}/health/live")).send().await;
        if answer.is_ok_and(|a| a.status() == StatusCode::OK) {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(live, "the process is live while its database is down");
    let ready = http
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let token = mint(&auth, uuid::Uuid::now_v7(), &[Role::Professional]);
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(me.headers()["retry-after"], "1");
    assert_eq!(me.headers()["content-type"], "application/problem+json");

    // The database comes up: Kyky migrates it and serves, without a restart.
    let _path_to_database = Cuttable::forward(database_port, server);
    wait_until_ready(&http, &base).await;
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "an unknown professional, now that the database answers"
    );
}

#[tokio::test]
async fn concurrent_accepts_of_one_handover_over_two_processes_have_one_winner() {
    use kyky_api::demo::{OWN_COACH, SOCIAL_COUNSELLOR};
    use serde_json::json;
    const ACCEPTS: usize = 12;
    if !is_postgres() {
        return;
    }
    let database = TestDatabase::new();
    let ports = [free_port(), free_port()];
    // One process loads the demo data first; the second joins it.
    let _first = Running(crate::helpers::serve_demo(&database.url, ports[0], &[]));
    let http = reqwest::Client::new();
    let bases = ports.map(|port| format!("http://127.0.0.1:{port}"));
    wait_until_ready(&http, &bases[0]).await;
    let _second = Running(crate::helpers::serve_demo(&database.url, ports[1], &[]));
    wait_until_ready(&http, &bases[1]).await;

    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let counsellor = mint(&auth, SOCIAL_COUNSELLOR, &[Role::Professional]);
    let coach = mint(&auth, OWN_COACH, &[Role::Professional]);
    let client: serde_json::Value = http
        .post(format!("{}/api/v1/clients", bases[0]))
        .bearer_auth(&counsellor)
        .json(
            &json!({"personal_identity_code": crate::helpers::fresh_hetu(),
            "relationship_basis": "client_contact", "first_name": "Kilpa", "last_name": "Testi"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let proposed = http
        .post(format!(
            "{}/api/v1/clients/{}/handovers",
            bases[1],
            client["id"].as_str().unwrap()
        ))
        .bearer_auth(&counsellor)
        .json(&json!({"to_professional_id": OWN_COACH, "summary": "Siirto", "reason": "Vaihto"}))
        .send()
        .await
        .unwrap();
    assert_eq!(proposed.status(), StatusCode::CREATED);
    let handover = proposed.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let accepts = (0..ACCEPTS).map(|n| {
        let url = format!("{}/api/v1/handovers/{handover}/accept", bases[n % 2]);
        let (http, coach) = (http.clone(), coach.clone());
        async move {
            http.post(url)
                .bearer_auth(coach)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures::future::join_all(accepts).await;
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "one accept wins: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "the others are told it was already decided: {statuses:?}"
    );
    let responsibility: serde_json::Value = http
        .get(format!(
            "{}/api/v1/clients/{}/responsibility",
            bases[0],
            client["id"].as_str().unwrap()
        ))
        .bearer_auth(&coach)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(responsibility["responsible"]["id"], OWN_COACH.to_string());
}

/// Three processes on one PostgreSQL, all dispatching: each event is
/// delivered once, whichever process recorded it.
#[tokio::test]
async fn three_processes_deliver_each_event_once() {
    use kyky_api::demo::{SOCIAL_COUNSELLOR, SOFIA_INTEGRATION};
    use serde_json::json;
    const CLIENTS: usize = 12;
    if !is_postgres() {
        return;
    }
    let database = TestDatabase::new();
    let ports = [free_port(), free_port(), free_port()];
    let settings = ["--webhook-allow-private-targets", "--webhook-tick", "20ms"];
    let http = reqwest::Client::new();
    let bases = ports.map(|port| format!("http://127.0.0.1:{port}"));
    let _first = Running(crate::helpers::serve_demo(
        &database.url,
        ports[0],
        &settings,
    ));
    wait_until_ready(&http, &bases[0]).await;
    let _others = [1, 2].map(|n| {
        Running(crate::helpers::serve_demo(
            &database.url,
            ports[n],
            &settings,
        ))
    });
    for base in &bases[1..] {
        wait_until_ready(&http, base).await;
    }

    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let counsellor = mint(&auth, SOCIAL_COUNSELLOR, &[Role::Professional]);
    let sofia = mint(&auth, SOFIA_INTEGRATION, &[Role::Integration]);
    let receiver = crate::webhooks::Receiver::start();
    let subscribed = http
        .post(format!("{}/api/v1/webhook-subscriptions", bases[0]))
        .bearer_auth(&sofia)
        .json(&json!({"url": receiver.url, "event_types": ["client.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(subscribed.status(), StatusCode::CREATED);
    let secret = subscribed.json::<serde_json::Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let creations = (0..CLIENTS).map(|n| {
        let (http, token) = (http.clone(), counsellor.clone());
        let url = format!("{}/api/v1/clients", bases[n % 3]);
        async move {
            let body = json!({"personal_identity_code": crate::helpers::fresh_hetu(),
                "relationship_basis": "client_contact", "first_name": "Kerta", "last_name": "Testi"});
            let created = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert_eq!(created.status(), StatusCode::CREATED);
            created.json::<serde_json::Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    });
    let mut clients = futures::future::join_all(creations).await;
    receiver.until(CLIENTS).await;
    // Long enough for a second delivery of any event to arrive, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.received();
    let mut delivered: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["client_id"].as_str().unwrap().to_owned())
        .collect();
    delivered.sort();
    clients.sort();
    assert_eq!(delivered, clients, "each client's event once");
    assert!(got.iter().all(|r| crate::webhooks::verifies(&secret, r)));
}

/// A PostgreSQL URL sent by way of `port` on this machine instead: the
/// server's own `host:port`, and the URL through `port`.
fn rerouted(url: &str, port: u16) -> (String, String) {
    let (before_host, rest) = url.split_once('@').unwrap();
    let (server, path) = rest.split_once('/').unwrap();
    (
        server.to_owned(),
        format!("{before_host}@127.0.0.1:{port}/{path}"),
    )
}

/// A TCP path to the database that can be cut (every connection dropped,
/// new ones closed at once, as while a server restarts) and restored.
struct Cuttable {
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Cuttable {
    fn forward(port: u16, target: String) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let (gate, kept) = (open.clone(), streams.clone());
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                let Ok(inbound) = inbound else { return };
                if !gate.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let Ok(outbound) = std::net::TcpStream::connect(&target) else {
                    continue;
                };
                kept.lock()
                    .unwrap()
                    .extend([inbound.try_clone().unwrap(), outbound.try_clone().unwrap()]);
                for (mut from, mut to) in [
                    (inbound.try_clone().unwrap(), outbound.try_clone().unwrap()),
                    (outbound, inbound),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Self { open, streams }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// A demo server reaching its database by a path that can be cut, and a
/// token of the demo's social counsellor. (Fields drop in this order: the
/// server before the path, the database last.)
struct BehindACut {
    _kyky: Running,
    path_to_database: Cuttable,
    _database: TestDatabase,
    base: String,
    metrics: String,
    counsellor: String,
}

async fn behind_a_cut() -> BehindACut {
    let database = TestDatabase::new();
    let database_port = free_port();
    let (server, url) = rerouted(&database.url, database_port);
    let path_to_database = Cuttable::forward(database_port, server);
    let (port, metrics_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{port}");
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let kyky = Running(crate::helpers::serve_demo(
        &url,
        port,
        &[
            "--rate-limit-professional",
            "0",
            "--metrics-bind",
            &metrics_bind,
        ],
    ));
    wait_until_ready(&reqwest::Client::new(), &base).await;
    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let counsellor = mint(
        &auth,
        kyky_api::demo::SOCIAL_COUNSELLOR,
        &[Role::Professional],
    );
    BehindACut {
        _kyky: kyky,
        path_to_database,
        _database: database,
        base,
        metrics: format!("http://{metrics_bind}/metrics"),
        counsellor,
    }
}

impl BehindACut {
    /// The server's count of connections it found the database had closed.
    async fn connections_lost(&self) -> f64 {
        let text = reqwest::get(&self.metrics)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        crate::metrics::sample(&text, "kyky_db_connections_lost_total", &[]).unwrap_or(0.0)
    }
}

#[tokio::test]
async fn a_database_restarting_under_load_gives_503s_never_500s_and_kyky_recovers() {
    use serde_json::json;
    const CLIENTS: usize = 8;
    if !is_postgres() {
        return;
    }
    let setup = behind_a_cut().await;
    let (path_to_database, base, counsellor) =
        (&setup.path_to_database, &setup.base, &setup.counsellor);
    let http = reqwest::Client::new();

    // Clients read and register until told to stop, noting every status.
    let statuses = Arc::new(Mutex::new(Vec::<StatusCode>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (http, base, token) = (http.clone(), base.clone(), counsellor.clone());
            let (statuses, stop) = (statuses.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let answer = if n % 2 == 0 {
                        http.get(format!("{base}/api/v1/caseload"))
                            .bearer_auth(&token)
                            .send()
                            .await
                    } else {
                        http.post(format!("{base}/api/v1/clients"))
                            .bearer_auth(&token)
                            .json(
                                &json!({"personal_identity_code": crate::helpers::fresh_hetu(),
                                "relationship_basis": "client_contact",
                                "first_name": "Katko", "last_name": "Testi"}),
                            )
                            .send()
                            .await
                    };
                    statuses.lock().unwrap().push(answer.unwrap().status());
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    path_to_database.cut();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let during_cut = statuses.lock().unwrap().len();
    path_to_database.restore();
    // Recovery: the load is answered again, without a restart.
    let mut recovered = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answers = statuses.lock().unwrap();
        if answers.len() > during_cut + CLIENTS
            && answers[answers.len() - CLIENTS..]
                .iter()
                .all(StatusCode::is_success)
        {
            recovered = true;
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    let statuses = statuses.lock().unwrap();
    let count = |wanted: StatusCode| statuses.iter().filter(|s| **s == wanted).count();
    assert!(
        recovered,
        "requests succeed again once the database is back"
    );
    assert!(
        count(StatusCode::SERVICE_UNAVAILABLE) > 0,
        "503 while it is down"
    );
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::SERVICE_UNAVAILABLE),
        "only successes and 503s: {:?}",
        statuses
            .iter()
            .filter(|s| !s.is_success() && **s != StatusCode::SERVICE_UNAVAILABLE)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn after_a_cut_one_request_finds_the_pooled_connections_gone_not_one_each() {
    const CLIENTS: usize = 8;
    if !is_postgres() {
        return;
    }
    let setup = behind_a_cut().await;
    let http = reqwest::Client::new();
    let read = || {
        http.get(format!("{}/api/v1/caseload", setup.base))
            .bearer_auth(&setup.counsellor)
            .send()
    };
    // Concurrent reads leave several connections in the pool, just used.
    for _ in 0..3 {
        let answers = futures::future::join_all((0..CLIENTS).map(|_| read())).await;
        assert!(
            answers
                .iter()
                .all(|a| a.as_ref().unwrap().status().is_success())
        );
    }
    assert!(setup.connections_lost().await == 0.0);
    // The database restarts between requests: every pooled connection is
    // gone, and the pool does not know it yet.
    setup.path_to_database.cut();
    setup.path_to_database.restore();
    let mut statuses = Vec::new();
    for _ in 0..CLIENTS {
        statuses.push(read().await.unwrap().status());
    }
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
            .count()
            <= 1,
        "once one request has found a connection gone, the others are lent \
         connections checked first: {statuses:?}"
    );
    assert!(
        setup.connections_lost().await >= 1.0,
        "operators see the connections the database dropped"
    );
}

//! Starts the real server on a free port with a fresh database and talks HTTP.
//!
//! SQLite by default (a new file per test). With `KYKY_TEST_DATABASE_URL`
//! pointing at a PostgreSQL server, each test gets its own new database there.

use kyky_api::webhook_dispatcher::WebhookSettings;
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use chrono::{Duration, NaiveDate, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use kyky_api::auth::Auth;
use kyky_api::rate_limit::RateLimitConfig;
use kyky_api::state::AppState;
use kyky_domain::clock::{Clock, ShiftedClock};
use kyky_domain::entities::{OrganisationFields, ProfessionalFields};
use kyky_domain::{Hetu, OrganisationKind, ProfessionalTitle, Role};
use kyky_persistence::{Db, organisations, professionals};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const SECRET: &str = "kyky-test-secret-that-is-long-enough-for-hs256";

/// A database of its own for one test, removed when dropped: a PostgreSQL
/// database on the server `KYKY_TEST_DATABASE_URL` names, otherwise a new
/// SQLite file. Without removal a full run leaves gigabytes behind.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    Postgres { admin_url: String, name: String },
    Sqlite { path: std::path::PathBuf },
}

impl TestDatabase {
    pub fn new() -> Self {
        match std::env::var("KYKY_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("kyky_test_{}", Uuid::now_v7().simple());
                let mut admin =
                    PgConnection::establish(&admin_url).expect("connect to KYKY_TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    place: Place::Postgres { admin_url, name },
                }
            }
            _ => {
                let dir = std::env::temp_dir().join("kyky-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{}.db", Uuid::now_v7()));
                Self {
                    url: format!("sqlite://{}", path.display()),
                    place: Place::Sqlite { path },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Best effort: a failed removal must not hide the test's own result.
        match &self.place {
            Place::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
            Place::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("KYKY_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
}

/// A running server and what tests need to talk to it.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: Db,
    pub auth: Auth,
    /// An admin of the "Kyky operations" organisation, made at start.
    pub admin: Uuid,
    pub admin_token: String,
    /// The server's clock: `advance` it to see the future without sleeping.
    pub clock: Arc<ShiftedClock>,
    handle: ServerHandle,
    /// Last: removed once the server has stopped.
    _database: Option<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The server runs on its own thread and System: waiting for it to
        // stop releases its connections before the database is removed.
        futures::executor::block_on(self.handle.stop(false));
    }
}

pub struct Spawn {
    pub db: Db,
    /// Where `db` points, removed with the app; `None` for a database the
    /// test brought itself.
    pub database: Option<TestDatabase>,
    pub auth: Auth,
    pub migrate: bool,
    /// Unlimited unless a test is about the limit.
    pub rate_limits: RateLimitConfig,
    pub cors_allowed_origins: Vec<String>,
    /// No dispatcher unless a test is about webhooks (its statements would
    /// count in the round-trip tests); any target allowed.
    pub webhooks: WebhookSettings,
}

impl Spawn {
    pub fn new() -> Self {
        let database = TestDatabase::new();
        let db = Db::connect(&database.url, 4).expect("database url");
        Self {
            db,
            database: Some(database),
            auth: Auth::hs256(SECRET.as_bytes()).expect("secret"),
            migrate: true,
            rate_limits: RateLimitConfig {
                professional_per_minute: 0,
                integration_per_minute: 0,
            },
            cors_allowed_origins: Vec::new(),
            webhooks: WebhookSettings {
                dispatch: false,
                tick: std::time::Duration::from_millis(20),
                allow_private_targets: true,
                ..WebhookSettings::default()
            },
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Spawn::new()).await
}

pub async fn spawn_with(spawn: Spawn) -> TestApp {
    let Spawn {
        db,
        database,
        auth,
        migrate,
        rate_limits,
        cors_allowed_origins,
        webhooks,
    } = spawn;
    let mut admin = Uuid::nil();
    if migrate {
        db.migrate().expect("migrations");
        admin = db
            .transaction(|conn| {
                let now = Utc::now();
                let org = organisations::insert(
                    conn,
                    Uuid::now_v7(),
                    &OrganisationFields {
                        name: "Kyky operations".into(),
                        kind: OrganisationKind::Other,
                        business_id: None,
                        municipality: None,
                        external_refs: vec![],
                    },
                    now,
                )?;
                let fields = professional_fields("Admin", ProfessionalTitle::Other, &[Role::Admin]);
                professionals::insert(conn, Uuid::now_v7(), org.id, &fields, now).map(|p| p.id)
            })
            .expect("seed admin");
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let shifted = Arc::new(ShiftedClock::default());
    let clock: Arc<dyn Clock> = shifted.clone();
    let state = AppState::new(db.clone(), auth.clone(), clock, rate_limits)
        .with_cors_allowed_origins(cors_allowed_origins)
        .with_webhooks(webhooks);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = kyky_api::server::run(listener, state, 2).expect("server");
            tx.send(server.handle()).expect("handle");
            server.await
        })
    });
    let handle = rx.recv().expect("server started");
    // Only a public key (RS256/ES256 tests): those tests sign their own tokens.
    let admin_roles = [Role::Admin].into_iter().collect();
    let admin_token = auth
        .mint(admin, &admin_roles, Utc::now(), Duration::hours(1))
        .unwrap_or_default();
    TestApp {
        address,
        http: reqwest::Client::new(),
        db,
        auth,
        admin,
        admin_token,
        clock: shifted,
        handle,
        _database: database,
    }
}

pub fn professional_fields(
    name: &str,
    title: ProfessionalTitle,
    roles: &[Role],
) -> ProfessionalFields {
    ProfessionalFields {
        first_name: name.into(),
        last_name: "Testinen".into(),
        title,
        email: None,
        phone: None,
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
    }
}

pub fn mint(auth: &Auth, professional: Uuid, roles: &[Role]) -> String {
    let roles: BTreeSet<Role> = roles.iter().copied().collect();
    auth.mint(professional, &roles, Utc::now(), Duration::hours(1))
        .expect("mint")
}

/// A synthetic henkilötunnus in the test range 900–999, unique per `n`.
pub fn test_hetu(n: u32) -> String {
    let date = NaiveDate::from_ymd_opt(1960, 1, 1).expect("date")
        + chrono::Days::new(u64::from(n % 15000));
    // The date and the individual number from different digits of `n`, so
    // that 1.5 million values of `n` give as many codes.
    let individual = 900 + u16::try_from(n / 15000 % 100).expect("small");
    Hetu::from_parts(date, individual)
        .expect("hetu")
        .as_str()
        .to_owned()
}

/// A unique test henkilötunnus.
pub fn fresh_hetu() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    // From a random start per test process, consecutive: no two calls in a
    // process give the same code. (Each drawn at random from 1.5 million,
    // a test registering a hundred clients met a code it had drawn already
    // about once in 300 runs, and linked instead of registering.)
    static NEXT: std::sync::OnceLock<AtomicU32> = std::sync::OnceLock::new();
    let next = NEXT.get_or_init(|| {
        AtomicU32::new(u32::try_from(Uuid::now_v7().as_u128() % 1_500_000).expect("small"))
    });
    test_hetu(next.fetch_add(1, Ordering::Relaxed) % 1_500_000)
}

/// A professional able to work with clients, and their token.
#[derive(Debug, Clone)]
pub struct Worker {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, token: &str, etag: Option<&str>, body: &Value) -> Response {
        let mut request = self.request(Method::PUT, path, token).json(body);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, token: &str, etag: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, token)
            .header("If-Match", etag)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Creates an organisation as the admin and returns its id.
    pub async fn organisation(&self, name: &str, kind: &str) -> Uuid {
        let response = self
            .post(
                "/api/v1/organisations",
                &self.admin_token,
                &json!({"name": name, "kind": kind}),
            )
            .await;
        let body = expect_status(response, StatusCode::CREATED).await;
        id_of(&body)
    }

    /// Creates a professional of `organisation_id` as the admin; returns a token for them.
    pub async fn worker_in(&self, organisation_id: Uuid, title: &str) -> Worker {
        let response = self
            .post(
                "/api/v1/professionals",
                &self.admin_token,
                &json!({"organisation_id": organisation_id, "first_name": "Testi", "last_name": "Työntekijä", "title": title}),
            )
            .await;
        let body = expect_status(response, StatusCode::CREATED).await;
        let id = id_of(&body);
        Worker {
            id,
            organisation_id,
            token: mint(&self.auth, id, &[Role::Professional]),
        }
    }

    /// A professional in a new organisation.
    pub async fn worker(&self, kind: &str, title: &str) -> Worker {
        let organisation = self
            .organisation(&format!("Org {}", Uuid::now_v7()), kind)
            .await;
        self.worker_in(organisation, title).await
    }

    /// Creates (or links) a client as `worker`; returns the response body.
    /// GETs `path` as `worker`, expects 200 and reads the answer as `T`.
    pub async fn get_as<T: serde::de::DeserializeOwned>(&self, path: &str, worker: &Worker) -> T {
        read_as(expect_status(self.get(path, &worker.token).await, StatusCode::OK).await)
    }

    /// POSTs `body` to `path` as `worker`, expects `status` and reads the
    /// answer as `T`.
    pub async fn post_as<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        worker: &Worker,
        body: &Value,
        status: StatusCode,
    ) -> T {
        read_as(expect_status(self.post(path, &worker.token, body).await, status).await)
    }

    /// A work-ability team of `kind` hosted by `host`, with `member` in it
    /// as its nurse.
    pub async fn team(&self, kind: &str, host: Uuid, member: Option<Uuid>) -> Uuid {
        let team = id_of(
            &expect_status(
                self.post(
                    "/api/v1/teams",
                    &self.admin_token,
                    &json!({"name": format!("Työkykytiimi {kind} {}", Uuid::now_v7()),
                        "hosting_organisation_id": host, "kind": kind,
                        "cadence": {"frequency": "weekly", "weekday": "thursday",
                            "start_time": "13:00", "duration_minutes": 90}}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await,
        );
        if let Some(member) = member {
            expect_status(
                self.post(
                    &format!("/api/v1/teams/{team}/members"),
                    &self.admin_token,
                    &json!({"professional_id": member, "role": "nurse"}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
        team
    }

    pub async fn client(&self, worker: &Worker, hetu: &str) -> Value {
        let response = self
            .post(
                "/api/v1/clients",
                &worker.token,
                &json!({"personal_identity_code": hetu, "relationship_basis": "client_contact", "first_name": "Matti", "last_name": "Meikäläinen"}),
            )
            .await;
        assert!(
            response.status().is_success(),
            "create client: {}",
            response.status()
        );
        response.json().await.expect("json")
    }
}

/// A port nothing listens on, for a server the test starts as a process.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits (up to 10 s) until the server at `base` answers ready.
pub async fn wait_until_ready(http: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if http
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server at {base} did not start");
}

/// An answer read as the typed view a test expects; the answer is shown
/// when it does not fit.
pub fn read_as<T: serde::de::DeserializeOwned>(body: Value) -> T {
    match serde_json::from_value(body.clone()) {
        Ok(typed) => typed,
        Err(error) => panic!("the answer does not fit the view: {error}; answer: {body}"),
    }
}

/// Espoo (seed 000): Sanna, a social counsellor in municipal employment
/// services, is the responsible worker; Aino is a social counsellor and
/// Olli an own coach in the same organisation; the work-ability team's
/// public health nurse works in health care.
pub struct Espoo {
    pub app: TestApp,
    pub sanna: Worker,
    pub aino: Worker,
    pub olli: Worker,
    pub nurse: Worker,
}

impl Espoo {
    pub async fn spawn() -> Self {
        Self::with_app(spawn_app().await).await
    }

    /// Sanna's organisation and the nurse's in `app`.
    pub async fn with_app(app: TestApp) -> Self {
        let sanna = app
            .worker("municipal_employment_services", "social_counsellor")
            .await;
        let aino = app
            .worker_in(sanna.organisation_id, "social_counsellor")
            .await;
        let olli = app.worker_in(sanna.organisation_id, "own_coach").await;
        let nurse = app.worker("health_care", "public_health_nurse").await;
        Self {
            app,
            sanna,
            aino,
            olli,
            nurse,
        }
    }

    /// Sanna hands `client` to Aino, and Aino accepts: the handover.
    pub async fn hand_to_aino(&self, client: Uuid) -> Uuid {
        let body =
            json!({"to_professional_id": self.aino.id, "summary": "Siirto", "reason": "Lomalle"});
        let handover = id_of(
            &expect_status(
                self.app
                    .post(
                        &format!("/api/v1/clients/{client}/handovers"),
                        &self.sanna.token,
                        &body,
                    )
                    .await,
                StatusCode::CREATED,
            )
            .await,
        );
        expect_status(
            self.app
                .post(
                    &format!("/api/v1/handovers/{handover}/accept"),
                    &self.aino.token,
                    &json!({}),
                )
                .await,
            StatusCode::OK,
        )
        .await;
        handover
    }

    /// A new client of Sanna's.
    pub async fn client(&self) -> Uuid {
        id_of(&self.app.client(&self.sanna, &fresh_hetu()).await)
    }
}

pub fn id_of(body: &Value) -> Uuid {
    body["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .expect("id in body")
}

/// `from` proposes handing `client` over to `to`, with no package; the new
/// handover's id.
pub async fn propose_handover(app: &TestApp, from: &Worker, client: Uuid, to: Uuid) -> Uuid {
    id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/clients/{client}/handovers"),
                &from.token,
                &json!({"to_professional_id": to, "summary": "Siirto", "reason": "Vaihto"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    )
}

/// Asserts the status and returns the JSON body.
pub async fn expect_status(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    }
}

/// Asserts a problem+json response with this status and problem type slug.
pub async fn expect_problem(response: Response, status: StatusCode, slug: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_status(response, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(
        body["type"],
        format!("https://kyky.fi/problems/{slug}"),
        "body: {body}"
    );
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
    body
}

/// The fields named by a validation problem.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts the real `kyky serve --demo` on `database_url` at `port`, its
/// output discarded, with `extra` arguments.
/// Where a server a test starts writes its log: a file named by its port
/// under `KYKY_TEST_SERVER_LOGS` when that is set (CI shows their errors
/// when a test fails), else nowhere.
pub fn server_log(port: u16) -> std::process::Stdio {
    std::env::var_os("KYKY_TEST_SERVER_LOGS").map_or_else(std::process::Stdio::null, |dir| {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::File::create(dir.join(format!("kyky-{port}.log"))))
            .map_or_else(|_| std::process::Stdio::null(), std::process::Stdio::from)
    })
}

pub fn serve_demo(database_url: &str, port: u16, extra: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_kyky"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("KYKY_JWT_SECRET", SECRET)
        .env("KYKY_DATABASE_URL", database_url)
        .stdout(std::process::Stdio::null())
        .stderr(server_log(port))
        .spawn()
        .expect("the kyky binary starts")
}

/// Every event the token's caller may see after `after` (from the start
/// when `None`), read in pages of `limit` until caught up; and the cursor
/// to resume from.
pub async fn read_feed(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut cursor = after.map(str::to_owned);
    loop {
        let after = cursor
            .as_deref()
            .map_or_else(String::new, |c| format!("&after={c}"));
        let page = expect_status(
            app.get(&format!("/api/v1/events?limit={limit}{after}"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        events.extend(page["items"].as_array().expect("items").iter().cloned());
        cursor = Some(
            page["next_cursor"]
                .as_str()
                .expect("next_cursor")
                .to_owned(),
        );
        if page["more"] == false {
            return (events, cursor.unwrap_or_default());
        }
    }
}

/// `read_feed` from `after` until it holds at least `count` events about
/// `client` (on PostgreSQL an event shows once every transaction that began
/// before it has ended: at once unless another test's transaction is still
/// running), at most ten seconds; the events about the client and the
/// cursor after them.
pub async fn read_feed_until(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
    client: Uuid,
    count: usize,
) -> (Vec<Value>, String) {
    let about = |events: &[Value]| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["client_id"] == client.to_string())
            .cloned()
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (mut seen, mut cursor) = read_feed(app, token, after, 100).await;
    seen = about(&seen);
    while seen.len() < count && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let (more, next) = read_feed(app, token, Some(&cursor), 100).await;
        seen.extend(about(&more));
        cursor = next;
    }
    (seen, cursor)
}

impl TestApp {
    /// An integration account (a system such as Sofia CRM) of `organisation_id`.
    pub async fn integration_in(&self, organisation_id: Uuid) -> Worker {
        let body = json!({"organisation_id": organisation_id, "first_name": "Sofia", "last_name": "CRM",
            "title": "other", "roles": ["integration"]});
        let created = expect_status(
            self.post("/api/v1/professionals", &self.admin_token, &body)
                .await,
            StatusCode::CREATED,
        )
        .await;
        let id = id_of(&created);
        Worker {
            id,
            organisation_id,
            token: mint(&self.auth, id, &[Role::Integration]),
        }
    }
}

/// Stops the process when dropped, also when the test fails.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

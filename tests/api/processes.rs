//! Several `kyky serve` processes on one PostgreSQL database, as behind a
//! load balancer.

use std::process::{Child, Command, Stdio};

use crate::helpers::{SECRET, TestDatabase, free_port, is_postgres, wait_until_ready};

/// Stops the process when dropped, also when the test fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
                    .stderr(Stdio::null())
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

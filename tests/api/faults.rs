//! Faults a deployment meets, against the real `kyky` binary: the process
//! killed under write load, and stopped while it answers.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::RunQueryDsl;
use kyky_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    SECRET, TestDatabase, free_port, fresh_hetu, is_postgres, mint, serve_demo, wait_until_ready,
};

/// The load is one professional's: no per-token limit in its way.
const UNLIMITED: &[&str] = &["--rate-limit-professional", "0"];

fn counsellor_token() -> String {
    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    mint(
        &auth,
        kyky_api::demo::SOCIAL_COUNSELLOR,
        &[Role::Professional],
    )
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// Asserts SQLite finds its file whole (`PRAGMA integrity_check`).
fn assert_sqlite_intact(database_url: &str) {
    let db = kyky_persistence::Db::connect(database_url, 1).unwrap();
    let check = db
        .run(|conn| {
            diesel::sql_query("PRAGMA integrity_check")
                .get_result::<Check>(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap();
    assert_eq!(check.integrity_check, "ok");
}

/// `kyky serve --demo` without a per-token limit on a free port, once it
/// answers ready; with its base URL.
async fn started(database_url: &str, http: &reqwest::Client) -> (std::process::Child, String) {
    let port = free_port();
    let server = serve_demo(database_url, port, UNLIMITED);
    let base = format!("http://127.0.0.1:{port}");
    wait_until_ready(http, &base).await;
    (server, base)
}

#[tokio::test]
async fn every_write_answered_before_kill_9_is_there_after_restart() {
    const WRITERS: usize = 8;
    let database = TestDatabase::new();
    let http = reqwest::Client::new();
    let (mut server, base) = started(&database.url, &http).await;
    let token = counsellor_token();

    // Writers register clients until the server is gone; each keeps the
    // ids it was answered 201 for.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (http, base, token, acknowledged) = (
                http.clone(),
                base.clone(),
                token.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let body = json!({"personal_identity_code": fresh_hetu(),
                        "relationship_basis": "client_contact",
                        "first_name": "Kaatuu", "last_name": "Testi"});
                    let Ok(answer) = http
                        .post(format!("{base}/api/v1/clients"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                    else {
                        return;
                    };
                    assert_ne!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
                    if answer.status() != StatusCode::CREATED {
                        continue;
                    }
                    let Ok(created) = answer.json::<serde_json::Value>().await else {
                        return;
                    };
                    let id = created["id"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged: BTreeSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(
        acknowledged.len() >= WRITERS,
        "the load wrote: {}",
        acknowledged.len()
    );

    if !is_postgres() {
        assert_sqlite_intact(&database.url);
    }

    let (mut server, base) = started(&database.url, &http).await;
    for id in &acknowledged {
        let read = http
            .get(format!("{base}/api/v1/clients/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            read.status(),
            StatusCode::OK,
            "client {id} was answered 201"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn sigterm_lets_the_requests_in_flight_finish_and_exits_0() {
    const READERS: usize = 16;
    let database = TestDatabase::new();
    let http = reqwest::Client::new();
    let (mut server, base) = started(&database.url, &http).await;
    let token = counsellor_token();

    // Readers ask for the client list until the server stops taking
    // requests; each answer that arrives is whole.
    let answered = Arc::new(Mutex::new(Vec::<StatusCode>::new()));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (http, base, token, answered) =
                (http.clone(), base.clone(), token.clone(), answered.clone());
            tokio::spawn(async move {
                loop {
                    let Ok(answer) = http
                        .get(format!("{base}/api/v1/clients"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    else {
                        return;
                    };
                    let status = answer.status();
                    let Ok(body) = answer.bytes().await else {
                        return;
                    };
                    if status == StatusCode::OK {
                        serde_json::from_slice::<serde_json::Value>(&body).expect("a whole answer");
                    }
                    answered.lock().unwrap().push(status);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let mut exit = None;
    for _ in 0..150 {
        if let Some(status) = server.try_wait().unwrap() {
            exit = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(exit) = exit else {
        server.kill().unwrap();
        panic!("kyky did not stop within 15 s of SIGTERM");
    };
    for reader in readers {
        reader.await.unwrap();
    }
    assert!(exit.success(), "kyky exits 0 on SIGTERM: {exit:?}");
    let answered = answered.lock().unwrap();
    assert!(answered.len() > READERS, "the load ran: {}", answered.len());
    assert!(
        answered.iter().all(|status| *status == StatusCode::OK),
        "every answer before the stop is whole and 200: {:?}",
        answered
            .iter()
            .filter(|s| **s != StatusCode::OK)
            .collect::<Vec<_>>()
    );
}

/// Starts `kyky serve` on `database_url` with its files limited to `blocks`
/// KiB, as on a full disk (writes past it fail; the signal that would end
/// the process is ignored, as a full disk sends none).
fn serve_on_a_small_disk(database_url: &str, port: u16, blocks: u64) -> std::process::Child {
    std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" serve --bind 127.0.0.1:{port} \
                 --rate-limit-professional 0"
            ),
            env!("CARGO_BIN_EXE_kyky"),
        ])
        .env("KYKY_JWT_SECRET", SECRET)
        .env("KYKY_DATABASE_URL", database_url)
        .stdout(std::process::Stdio::null())
        .stderr(crate::helpers::server_log(port))
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_full_disk_answers_503_changes_nothing_and_the_server_stays_up() {
    if is_postgres() {
        // The file-size limit stands in for SQLite's disk; PostgreSQL's
        // disk is the server's own.
        return;
    }
    let database = TestDatabase::new();
    let http = reqwest::Client::new();
    let token = counsellor_token();
    // The demo data first, on a disk with room.
    let (mut server, _) = started(&database.url, &http).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let path = database.url.trim_start_matches("sqlite://").to_owned();
    let largest = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{path}{suffix}")).ok())
        .map(|file| file.len())
        .max()
        .unwrap();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve_on_a_small_disk(&database.url, port, largest / 1024 + 256);
    wait_until_ready(&http, &base).await;
    let mut created = Vec::new();
    let mut refused = None;
    for _ in 0..2000 {
        let answer = http
            .post(format!("{base}/api/v1/clients"))
            .bearer_auth(&token)
            .json(&json!({"personal_identity_code": fresh_hetu(),
                "relationship_basis": "client_contact", "first_name": "Täysi", "last_name": "Levy"}))
            .send()
            .await
            .unwrap();
        match answer.status() {
            StatusCode::CREATED => {
                let body: serde_json::Value = answer.json().await.unwrap();
                created.push(body["id"].as_str().unwrap().to_owned());
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(answer);
                break;
            }
            other => panic!("a write on a full disk answered {other}"),
        }
    }
    let refused = refused.expect("the disk filled up");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(refused.headers()["retry-after"], "1");
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("cannot store"),
        "{problem}"
    );
    assert!(
        !created.is_empty(),
        "writes succeeded until the disk was full"
    );
    // The server stays up.
    let live = http
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    server.kill().unwrap();
    server.wait().unwrap();

    assert_sqlite_intact(&database.url);
    // With room again, everything answered 201 is there.
    let (mut server, base) = started(&database.url, &http).await;
    for id in &created {
        let read = http
            .get(format!("{base}/api/v1/clients/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

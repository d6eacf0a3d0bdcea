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

#[tokio::test]
async fn every_write_answered_before_kill_9_is_there_after_restart() {
    const WRITERS: usize = 8;
    let database = TestDatabase::new();
    let port = free_port();
    let mut server = serve_demo(&database.url, port, UNLIMITED);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_ready(&http, &base).await;
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
        let db = kyky_persistence::Db::connect(&database.url, 1).unwrap();
        let check = db
            .run(|conn| {
                diesel::sql_query("PRAGMA integrity_check")
                    .get_result::<Check>(conn)
                    .map_err(kyky_persistence::StoreError::from)
            })
            .unwrap();
        assert_eq!(check.integrity_check, "ok");
    }

    let port = free_port();
    let mut server = serve_demo(&database.url, port, UNLIMITED);
    let base = format!("http://127.0.0.1:{port}");
    wait_until_ready(&http, &base).await;
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
    let port = free_port();
    let mut server = serve_demo(&database.url, port, UNLIMITED);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_ready(&http, &base).await;
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

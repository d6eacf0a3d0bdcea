//! An answered read's access-log entry is stored before the answer leaves:
//! the real `kyky` binary is killed with SIGKILL right after answering, and
//! the entry is in the database.

use diesel::RunQueryDsl;
use kyky_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    SECRET, TestDatabase, free_port, fresh_hetu, mint, serve_demo, wait_until_ready,
};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test]
async fn an_answered_reads_log_entry_survives_kill_9() {
    let database = TestDatabase::new();
    let url = database.url.clone();
    let port = free_port();
    let mut server = serve_demo(&url, port, &[]);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_ready(&http, &base).await;

    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let token = mint(
        &auth,
        kyky_api::demo::SOCIAL_COUNSELLOR,
        &[Role::Professional],
    );
    let created: serde_json::Value = http
        .post(format!("{base}/api/v1/clients"))
        .bearer_auth(&token)
        .json(
            &json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact",
            "first_name": "Kesto", "last_name": "Testi"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = created["id"].as_str().unwrap().to_owned();
    // The first read reads the client's access facts; the second is
    // answered from the facts the process keeps, its entry checked and
    // stored by the log writer alone.
    let mut request_ids = Vec::new();
    for read in ["first", "kept"] {
        let request_id = format!("kill-9-{read}-{}", uuid::Uuid::now_v7().simple());
        let answer = http
            .get(format!("{base}/api/v1/clients/{client}"))
            .bearer_auth(&token)
            .header("X-Request-Id", &request_id)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        request_ids.push(request_id);
    }
    // The answers are in; the process dies at once, without a chance to flush.
    server.kill().unwrap();
    server.wait().unwrap();

    let db = kyky_persistence::Db::connect(&url, 1).unwrap();
    for request_id in request_ids {
        let stored = db
            .run(|conn| {
                diesel::sql_query(format!(
                    "SELECT COUNT(*) AS n FROM access_log \
                     WHERE request_id = '{request_id}' AND operation = 'client.read' AND outcome = 'allowed'"
                ))
                .get_result::<Count>(conn)
                .map_err(kyky_persistence::StoreError::from)
            })
            .unwrap();
        assert_eq!(
            stored.n, 1,
            "the answered read's entry is stored: {request_id}"
        );
    }
}

//! No henkilötunnus in any log line: runs the real `kyky` binary with debug
//! logging, drives every operation that carries a henkilötunnus — valid,
//! invalid, duplicate, lookup, statutory disclosure — and scans what it logged.

use std::process::{Command, Stdio};

use kyky_api::demo;
use kyky_domain::{Hetu, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{SECRET, free_port, fresh_hetu, mint, wait_until_ready};

/// Every 11-character token in `text` that parses as a henkilötunnus.
fn codes_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    (0..bytes.len().saturating_sub(10))
        .filter(|&i| (i == 0 || !word(bytes[i - 1])) && bytes.get(i + 11).is_none_or(|&b| !word(b)))
        .filter_map(|i| std::str::from_utf8(&bytes[i..i + 11]).ok())
        .filter(|candidate| Hetu::parse(candidate).is_ok())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_scanner_finds_codes_but_not_uuids() {
    let code = fresh_hetu();
    assert_eq!(
        codes_in(&format!("client {code} created")),
        std::slice::from_ref(&code)
    );
    assert_eq!(codes_in(&format!("x=\"{code}\",")), [code]);
    assert!(codes_in("id=01a20b0c-f505-7691-98b8-e6b3e4e3e7b4 path=/api/v1/clients").is_empty());
}

#[tokio::test]
async fn no_henkilotunnus_appears_in_any_log_line() {
    let dir = std::env::temp_dir().join(format!("kyky-logs-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let log_path = dir.join("kyky.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_kyky"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("KYKY_JWT_SECRET", SECRET)
        .env(
            "KYKY_DATABASE_URL",
            format!("sqlite://{}", dir.join("kyky.db").display()),
        )
        .env("KYKY_LOG", "debug")
        .env("KYKY_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_ready(&http, &base).await;

    let auth = kyky_api::auth::Auth::hs256(SECRET.as_bytes()).unwrap();
    let counsellor = mint(&auth, demo::SOCIAL_COUNSELLOR, &[Role::Professional]);
    let kela = mint(&auth, demo::KELA_EXPERT, &[Role::Professional]);
    let hetu = fresh_hetu();
    let mut used = vec![hetu.clone()];
    let send = |token: &str, path: &str, body: serde_json::Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let person = |code: &str| json!({"personal_identity_code": code, "relationship_basis": "client_contact", "first_name": "Loki", "last_name": "Testi"});
    assert_eq!(
        send(&counsellor, "/api/v1/clients", person(&hetu))
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        send(&counsellor, "/api/v1/clients", person(&hetu))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&kela, "/api/v1/clients", person(&hetu.to_lowercase()))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let lookup = json!({"personal_identity_code": hetu});
    assert_eq!(
        send(&counsellor, "/api/v1/clients/lookup", lookup)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let statutory = json!({"personal_identity_code": hetu, "legal_basis": "kela_information_right", "reason": "Etuuden ratkaiseminen 2026-1"});
    assert_eq!(
        send(&kela, "/api/v1/clients/statutory-disclosure", statutory)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // A wrong check character and an unknown one are refused without echoing them.
    let mut wrong = hetu.clone();
    wrong.replace_range(10..11, if hetu.ends_with('A') { "B" } else { "A" });
    used.push(wrong.clone());
    assert_eq!(
        send(&counsellor, "/api/v1/clients", person(&wrong))
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unknown = fresh_hetu();
    used.push(unknown.clone());
    let lookup = json!({"personal_identity_code": unknown});
    assert_eq!(
        send(&counsellor, "/api/v1/clients/lookup", lookup)
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let list = http
        .get(format!("{base}/api/v1/clients"))
        .bearer_auth(&counsellor)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);

    server.kill().unwrap();
    server.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().count() > 10,
        "the server logged too little to judge:\n{log}"
    );
    assert!(log.contains("request finished"), "request logging is on");
    let found = codes_in(&log);
    assert!(found.is_empty(), "henkilötunnus in the log: {found:?}");
    for code in &used {
        assert!(
            !log.to_uppercase().contains(&code.to_uppercase()[..10]),
            "a code's prefix is in the log"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Starting on a new SQLite file logs no ERROR and, written to a file, no
/// colour codes: an operator reads an error line as something to act on.
/// (The pool once opened connections while the migrations held the file:
/// `ERROR r2d2: database is locked` on about one start in four.)
#[tokio::test]
async fn a_clean_start_logs_no_error_and_no_colour() {
    const STARTS: usize = 16;
    let dir = std::env::temp_dir().join(format!("kyky-starts-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let http = reqwest::Client::new();
    for start in 0..STARTS {
        let port = free_port();
        let log_path = dir.join(format!("kyky-{start}.log"));
        let mut server = Command::new(env!("CARGO_BIN_EXE_kyky"))
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .env("KYKY_JWT_SECRET", SECRET)
            .env(
                "KYKY_DATABASE_URL",
                format!(
                    "sqlite://{}",
                    dir.join(format!("kyky-{start}.db")).display()
                ),
            )
            .env_remove("KYKY_LOG_FORMAT")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap();
        wait_until_ready(&http, &format!("http://127.0.0.1:{port}")).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let log = std::fs::read_to_string(&log_path).unwrap();
        assert!(log.contains("INFO"), "start {start} logged:\n{log}");
        assert!(
            !log.contains("ERROR"),
            "start {start} logged an error:\n{log}"
        );
        assert!(!log.contains('\u{1b}'), "start {start} logged colour codes");
    }
    let _ = std::fs::remove_dir_all(dir);
}

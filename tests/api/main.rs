//! Black-box tests: each starts the real server and speaks HTTP to it.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly at the first surprise"
)]

mod auth;
mod bola;
mod clients;
mod consents;
mod contact_requests;
mod durability;
mod errors;
mod events;
mod external_ids;
mod faults;
mod handovers;
mod helpers;
mod http_semantics;
mod idempotency;
mod logs;
mod metrics;
mod non_disclosure;
mod openapi;
mod operations;
mod organisations;
mod plans;
mod processes;
mod professionals;
mod referrals;
mod relationships;
mod request_facts;
mod round_trips;
mod schema;
mod security;
mod sign_in;
mod teams;
mod views;
mod webhooks;
mod workers_day;

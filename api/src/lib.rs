//! Kyky's HTTP API: actix-web handlers, JWT auth, problem+json errors and the
//! OpenAPI contract. The `kyky` binary is in `main.rs`.

pub mod auth;
pub mod cli;
pub mod conditional;
pub mod contract;
pub mod cors;
pub mod cursor;
pub mod demo;
pub mod error;
pub mod extract;
pub mod field_glossary;
pub mod idempotency;
pub mod inputs;
pub mod metrics;
pub mod openapi;
pub mod problems;
pub mod rate_limit;
pub mod response_examples;
pub mod routes;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod trusted_issuers;
pub mod validation;
pub mod views;
pub mod webhook_dispatcher;

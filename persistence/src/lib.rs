//! Kyky's storage: diesel over SQLite (embedded default) and PostgreSQL
//! (production) with one code path. Transactions live here: the domain
//! decides, a repository stores the decision and its audit entries together.

pub mod access_log;
pub mod assessment_flow;
pub mod assessments;
pub mod caseload;
mod checkpointer;
pub mod client_facts;
pub mod client_flow;
pub mod client_scope;
pub mod clients;
mod connection;
pub mod consent_flow;
pub mod consents;
pub mod contact_requests;
mod convert;
pub mod db;
pub mod disclosures;
pub mod error;
pub mod event_flow;
pub mod events;
pub mod external_ids;
pub mod fact_cache;
pub mod follow_up_flow;
pub mod follow_ups;
pub mod handover_flow;
pub mod handovers;
pub mod idempotency;
pub mod instance_secrets;
mod log_writer;
pub mod organisations;
pub mod plan_flow;
pub mod plans;
pub mod professionals;
pub mod referral_flow;
pub mod referrals;
pub mod relationships;
pub mod request_facts;
pub mod request_flow;
pub mod requests;
pub mod responsibility;
mod schema;
pub mod sign_in_identities;
pub mod sql_types;
mod stamps;
pub mod teams;
mod typed_null;
pub mod webhook_deliveries;
pub mod webhook_flow;
pub mod webhooks;

pub use access_log::AuditContext;
pub use client_scope::ClientScope;
pub use db::{Db, DbConnection};
pub use error::{StoreError, StoreResult};
pub use log_writer::Confirmed;
pub use stamps::StampAt;

//! Response types: what the API answers, built from the data layer's read
//! models by plain conversions. Route modules import from here, never from
//! one another.

pub mod access_log;
pub mod assessments;
pub mod cards;
pub mod caseload;
pub mod clients;
pub mod code_sets;
pub mod consents;
pub mod contact_requests;
pub mod events;
pub mod export;
pub mod external_ids;
pub mod follow_ups;
pub mod handovers;
pub mod me;
pub mod organisations;
pub mod plans;
pub mod problem_types;
pub mod professionals;
pub mod referrals;
pub mod relationships;
pub mod responsibility;
pub mod sign_in_identities;
pub mod teams;
pub mod webhooks;

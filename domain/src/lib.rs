//! Kyky's domain: the rules of work-ability support (työkyvyn tuki), free of
//! storage and HTTP so that every rule is unit-tested here.

pub mod access;
pub mod actor;
pub mod assessment;
pub mod catalogue;
pub mod clock;
pub mod codes;
pub mod consent;
pub mod contact;
pub mod contact_request;
pub mod entities;
pub mod event;
pub mod follow_up;
pub mod handover;
pub mod hetu;
pub mod page;
pub mod plan;
pub mod plan_summary;
pub mod referral;
pub mod relationship;
pub mod request;
pub mod team;
pub mod version;
pub mod webhook;

pub use access::{AccessBasis, Actor};
pub use codes::{CodeSet, Language, OrganisationKind, ProfessionalTitle, Role};
pub use hetu::{Hetu, HetuError};
pub use relationship::{Relationship, RelationshipBasis, RelationshipError};

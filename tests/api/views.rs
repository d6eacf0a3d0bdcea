//! The API's answers as the tests read them: typed, so that a test names the
//! fields it relies on, and an answer that lacks one fails to parse instead
//! of comparing `null` with something.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

/// A page of any list.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The items' ids, in the order listed.
    pub fn ids(&self) -> Vec<Uuid>
    where
        T: HasId,
    {
        self.items.iter().map(HasId::id).collect()
    }
}

/// A record with an id.
pub trait HasId {
    fn id(&self) -> Uuid;
}

/// Anything the API made, read for its id only.
#[derive(Debug, Deserialize)]
pub struct Made {
    pub id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct OrganisationRef {
    pub id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct ProfessionalCard {
    pub id: Uuid,
    pub organisation: OrganisationRef,
}

#[derive(Debug, Deserialize)]
pub struct FollowUp {
    pub id: Uuid,
    pub client_id: Uuid,
    pub source: String,
    pub owner: ProfessionalCard,
    pub description: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub overdue: bool,
    pub note: Option<String>,
    pub moves: Vec<FollowUpMove>,
}

impl HasId for FollowUp {
    fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(Debug, Deserialize)]
#[expect(clippy::struct_field_names, reason = "the contract's field names")]
pub struct FollowUpMove {
    pub from_owner_id: Uuid,
    pub to_owner_id: Uuid,
    pub handover_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
pub struct FollowUpBrief {
    pub id: Uuid,
    pub source: String,
}

impl HasId for FollowUpBrief {
    fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(Debug, Deserialize)]
pub struct Handover {
    pub id: Uuid,
    pub status: String,
    pub from: ProfessionalCard,
    pub to_professional: Option<ProfessionalCard>,
    pub follow_ups: Vec<FollowUpBrief>,
}

#[derive(Debug, Deserialize)]
pub struct AccessLogEntry {
    pub professional_id: Uuid,
    pub operation: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub resource_id: Option<Uuid>,
}

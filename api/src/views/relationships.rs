//! What the API answers about client relationships.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::RelationshipBasis;
use kyky_persistence::relationships::{self, RelationshipRecord};
use kyky_persistence::{DbConnection, StoreError, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::cards::Directory;
use crate::views::cards::OrganisationRef;

/// A client relationship.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelationshipView {
    pub id: Uuid,
    pub organisation: OrganisationRef,
    /// The primary relationship (pääasiakkuus): exactly one among the active ones.
    pub is_primary: bool,
    /// Whether the relationship continues (it has not ended).
    pub active: bool,
    /// First day of the relationship (ISO 8601 date).
    pub started_on: NaiveDate,
    /// Last day of the relationship; null while it continues.
    pub ended_on: Option<NaiveDate>,
    /// Professional who recorded it.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Why the organisation works with the client (`relationship-bases`).
    pub basis: RelationshipBasis,
    /// The reason in the recorder's words.
    pub reason: Option<String>,
    /// False while the organisation declared the relationship itself and no
    /// consent covers it: it then sees only what it entered.
    pub shares_record: bool,
}

pub fn views(
    conn: &mut DbConnection,
    records: Vec<RelationshipRecord>,
) -> StoreResult<Vec<RelationshipView>> {
    let places = records
        .iter()
        .map(|r| r.relationship.organisation_id)
        .collect();
    let directory = Directory::load(conn, vec![], vec![], places, vec![])?;
    records
        .into_iter()
        .map(|record| {
            let r = record.relationship;
            Ok(RelationshipView {
                id: r.id,
                organisation: directory.organisation(r.organisation_id)?,
                is_primary: r.is_primary && r.ended_on.is_none(),
                active: r.ended_on.is_none(),
                started_on: r.started_on,
                ended_on: r.ended_on,
                created_by: r.created_by,
                created_at: record.created_at,
                basis: r.basis,
                reason: record.reason,
                shares_record: r.shares_record,
            })
        })
        .collect()
}

pub fn view_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<RelationshipView> {
    let record = relationships::get(conn, id)?;
    views(conn, vec![record])?.pop().ok_or(StoreError::NotFound)
}

/// A page of client relationships.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipPage {
    pub items: Vec<RelationshipView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

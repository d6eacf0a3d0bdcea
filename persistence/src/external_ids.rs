//! Identifiers from an organisation's own system, per organisation: rows in,
//! domain types out; a page's subjects' ids in one query.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::convert::{naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::external_ids as ext;
use crate::sql_types::{DbId, DbTime, among};

/// What an external id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Client,
    Professional,
}

impl SubjectKind {
    fn code(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Professional => "professional",
        }
    }
}

/// A client or professional as one organisation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    pub organisation_id: Uuid,
    pub kind: SubjectKind,
    pub subject_id: Uuid,
}

/// One identifier in one organisation's system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId {
    pub system: String,
    pub value: String,
    pub updated_at: DateTime<Utc>,
}

/// The organisation's identifier of the subject in `system`, set to
/// `value` (replacing the one it had). Another subject with that value in
/// that system: `UniqueViolation`.
pub fn set(
    conn: &mut DbConnection,
    named: Named,
    system: &str,
    value: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<ExternalId> {
    let Named {
        organisation_id,
        kind,
        subject_id,
    } = named;
    remove(conn, named, system)?;
    diesel::insert_into(ext::table)
        .values((
            ext::id.eq(DbId(Uuid::now_v7())),
            ext::organisation_id.eq(DbId(organisation_id)),
            ext::subject_kind.eq(kind.code()),
            ext::subject_id.eq(DbId(subject_id)),
            ext::system.eq(system),
            ext::value.eq(value),
            ext::set_by.eq(DbId(by)),
            ext::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(ExternalId {
        system: system.to_owned(),
        value: value.to_owned(),
        updated_at: now,
    })
}

/// Removes the organisation's identifier of the subject in `system`;
/// whether there was one.
pub fn remove(conn: &mut DbConnection, named: Named, system: &str) -> StoreResult<bool> {
    let Named {
        organisation_id,
        kind,
        subject_id,
    } = named;
    let removed = diesel::delete(
        ext::table
            .filter(ext::organisation_id.eq(DbId(organisation_id)))
            .filter(ext::subject_kind.eq(kind.code()))
            .filter(ext::subject_id.eq(DbId(subject_id)))
            .filter(ext::system.eq(system)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// The organisation's identifiers of these subjects, by subject, by system.
pub fn for_subjects(
    conn: &mut DbConnection,
    organisation_id: Uuid,
    kind: SubjectKind,
    subjects: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<ExternalId>>> {
    let mut found: HashMap<Uuid, Vec<ExternalId>> = HashMap::new();
    if subjects.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(DbId, String, String, DbTime)> = ext::table
        .filter(ext::organisation_id.eq(DbId(organisation_id)))
        .filter(ext::subject_kind.eq(kind.code()))
        .filter(among(ext::subject_id, subjects.iter().copied()))
        .order((ext::subject_id, ext::system))
        .select((ext::subject_id, ext::system, ext::value, ext::updated_at))
        .load(conn)?;
    for (subject, system, value, at) in rows {
        found.entry(subject.0).or_default().push(ExternalId {
            system,
            value,
            updated_at: utc(at),
        });
    }
    Ok(found)
}

/// The subject the organisation's `system` calls `value`, if any.
pub fn find(
    conn: &mut DbConnection,
    organisation_id: Uuid,
    kind: SubjectKind,
    system: &str,
    value: &str,
) -> StoreResult<Option<Uuid>> {
    Ok(ext::table
        .filter(ext::organisation_id.eq(DbId(organisation_id)))
        .filter(ext::subject_kind.eq(kind.code()))
        .filter(ext::system.eq(system))
        .filter(ext::value.eq(value))
        .select(ext::subject_id)
        .first::<DbId>(conn)
        .optional()?
        .map(Uuid::from))
}

//! Who a sign-in at an organisation's identity provider is in Kyky: the
//! token's issuer and the person's subject there, mapped to a professional.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::entities::ProfessionalFields;
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::naive;
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::professionals;
use crate::schema::sign_in_identities as identities;
use crate::sql_types::{DbId, DbTime};

/// The professional the person (`issuer`, `subject`) is, if linked.
pub fn find(conn: &mut DbConnection, issuer: &str, subject: &str) -> StoreResult<Option<Uuid>> {
    let found: Option<DbId> = on_backend!(conn, |c| identities::table
        .find((issuer, subject))
        .select(identities::professional_id)
        .first(c)
        .optional())?;
    Ok(found.map(Uuid::from))
}

/// Links the person (`issuer`, `subject`) to `professional_id`. A person
/// already linked is a `UniqueViolation`.
pub fn link(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    professional_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    insert(conn, issuer, subject, professional_id, false, now)
}

fn insert(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    professional_id: Uuid,
    provisioned: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(identities::table)
        .values((
            identities::issuer.eq(issuer),
            identities::subject.eq(subject),
            identities::professional_id.eq(DbId(professional_id)),
            identities::provisioned.eq(provisioned),
            identities::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A person signing in for the first time, made a professional of
/// `organisation_id` with `fields`, and linked, in one transaction. Returns
/// the professional and whether this call created them (a concurrent first
/// sign-in of the same person may have done it first).
pub fn provision(
    db: &Db,
    issuer: &str,
    subject: &str,
    organisation_id: Uuid,
    fields: &ProfessionalFields,
    now: DateTime<Utc>,
) -> StoreResult<(Uuid, bool)> {
    let created = db.transaction(|conn| {
        if let Some(existing) = find(conn, issuer, subject)? {
            return Ok::<_, StoreError>((existing, false));
        }
        let id = Uuid::now_v7();
        professionals::insert(conn, id, organisation_id, fields, now)?;
        insert(conn, issuer, subject, id, true, now)?;
        Ok((id, true))
    });
    match created {
        // Another process linked the person in between: theirs stands.
        Err(StoreError::UniqueViolation(_)) => db
            .run(|conn| find(conn, issuer, subject))?
            .map(|id| (id, false))
            .ok_or(StoreError::NotFound),
        other => other,
    }
}

/// A person's link to a professional, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInIdentity {
    pub issuer: String,
    pub subject: String,
    pub professional_id: Uuid,
    pub provisioned: bool,
    pub created_at: DateTime<Utc>,
}

type IdentityRow = (String, String, DbId, bool, DbTime);

fn to_identity(
    (issuer, subject, professional_id, provisioned, created_at): IdentityRow,
) -> SignInIdentity {
    SignInIdentity {
        issuer,
        subject,
        professional_id: professional_id.0,
        provisioned,
        created_at: crate::convert::utc(created_at),
    }
}

/// The people linked to `professional_id`, by issuer.
pub fn of_professional(
    conn: &mut DbConnection,
    professional_id: Uuid,
) -> StoreResult<Vec<SignInIdentity>> {
    let rows: Vec<IdentityRow> = identities::table
        .filter(identities::professional_id.eq(DbId(professional_id)))
        .order(identities::issuer)
        .select((
            identities::issuer,
            identities::subject,
            identities::professional_id,
            identities::provisioned,
            identities::created_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(to_identity).collect())
}

/// Makes `subject` the person `professional_id` is at `issuer`, in place of
/// any other: returns the link and the subject it replaced. A subject
/// linked to another professional is a `UniqueViolation`.
pub fn set(
    conn: &mut DbConnection,
    issuer: &str,
    professional_id: Uuid,
    subject: &str,
    now: DateTime<Utc>,
) -> StoreResult<(SignInIdentity, Option<String>)> {
    let replaced = remove(conn, issuer, professional_id)?;
    link(conn, issuer, subject, professional_id, now)?;
    let identity = SignInIdentity {
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
        professional_id,
        provisioned: false,
        created_at: now,
    };
    Ok((identity, replaced))
}

/// Unlinks the person `professional_id` is at `issuer`; returns their
/// subject, if one was linked.
pub fn remove(
    conn: &mut DbConnection,
    issuer: &str,
    professional_id: Uuid,
) -> StoreResult<Option<String>> {
    let removed: Vec<String> = diesel::delete(
        identities::table
            .filter(identities::issuer.eq(issuer))
            .filter(identities::professional_id.eq(DbId(professional_id))),
    )
    .returning(identities::subject)
    .get_results(conn)?;
    Ok(removed.into_iter().next())
}

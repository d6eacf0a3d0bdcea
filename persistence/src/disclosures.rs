//! Disclosure log (luovutusloki): every movement of client data to another
//! organisation, with the consent or statutory basis that allowed it.
//! Append-only; the database refuses updates and deletes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::access_log::AuditContext;
use crate::convert::{naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::disclosure_log;
use crate::sql_types::{DbId, DbTime};

/// What allowed a disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    Consent(Uuid),
    /// A right to information by law (e.g. Kela), flagged for review.
    Statutory {
        legal_basis: String,
        reason: String,
    },
}

/// One disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub client_id: Uuid,
    pub from_organisation_id: Uuid,
    pub to_organisation_id: Uuid,
    /// What moved, e.g. `handover_package`.
    pub what: String,
    pub subject_id: Option<Uuid>,
    pub basis: Basis,
    pub professional_id: Uuid,
    pub flagged_for_review: bool,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = disclosure_log)]
struct Row {
    id: DbId,
    at: DbTime,
    client_id: DbId,
    from_organisation_id: DbId,
    to_organisation_id: DbId,
    what: String,
    subject_id: Option<DbId>,
    basis: String,
    consent_id: Option<DbId>,
    legal_basis: Option<String>,
    reason: Option<String>,
    professional_id: DbId,
    flagged_for_review: bool,
    request_id: Option<String>,
}

fn to_disclosure(row: Row) -> Disclosure {
    let basis = match (row.consent_id, row.legal_basis) {
        (Some(consent), _) => Basis::Consent(consent.0),
        (None, legal_basis) => Basis::Statutory {
            legal_basis: legal_basis.unwrap_or_default(),
            reason: row.reason.unwrap_or_default(),
        },
    };
    Disclosure {
        id: row.id.0,
        at: utc(row.at),
        client_id: row.client_id.0,
        from_organisation_id: row.from_organisation_id.0,
        to_organisation_id: row.to_organisation_id.0,
        what: row.what,
        subject_id: row.subject_id.map(Uuid::from),
        basis,
        professional_id: row.professional_id.0,
        flagged_for_review: row.flagged_for_review,
    }
}

/// A movement of client data to record.
#[derive(Debug, Clone)]
pub struct NewDisclosure<'a> {
    pub client_id: Uuid,
    pub from: Uuid,
    pub to: Uuid,
    /// What moved, e.g. `handover_package`.
    pub what: &'a str,
    pub subject_id: Option<Uuid>,
    pub basis: Basis,
}

/// Appends one disclosure.
pub fn append(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    new: &NewDisclosure<'_>,
) -> StoreResult<()> {
    let NewDisclosure {
        client_id,
        from,
        to,
        what,
        subject_id,
        ref basis,
    } = *new;
    let (basis_code, consent_id, legal_basis, reason, flagged) = match basis {
        Basis::Consent(id) => ("consent", Some(DbId(*id)), None, None, false),
        Basis::Statutory {
            legal_basis,
            reason,
        } => (
            "statutory",
            None,
            Some(legal_basis.clone()),
            Some(reason.clone()),
            true,
        ),
    };
    diesel::insert_into(disclosure_log::table)
        .values(Row {
            id: DbId(Uuid::now_v7()),
            at: naive(ctx.at),
            client_id: DbId(client_id),
            from_organisation_id: DbId(from),
            to_organisation_id: DbId(to),
            what: what.to_owned(),
            subject_id: subject_id.map(DbId),
            basis: basis_code.to_owned(),
            consent_id,
            legal_basis,
            reason,
            professional_id: DbId(ctx.actor.professional_id),
            flagged_for_review: flagged,
            request_id: ctx.request_id.clone(),
        })
        .execute(conn)?;
    Ok(())
}

/// What an auditor searches the disclosure log by; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub client_id: Option<Uuid>,
    pub professional_id: Option<Uuid>,
    pub flagged_only: bool,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of disclosures across clients, oldest first.
pub fn search(
    conn: &mut DbConnection,
    by: &Search,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Disclosure>> {
    let mut query = disclosure_log::table
        .order(disclosure_log::id)
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(client) = by.client_id {
        query = query.filter(disclosure_log::client_id.eq(DbId(client)));
    }
    if let Some(professional) = by.professional_id {
        query = query.filter(disclosure_log::professional_id.eq(DbId(professional)));
    }
    if by.flagged_only {
        query = query.filter(disclosure_log::flagged_for_review.eq(true));
    }
    if let Some(from) = by.from {
        query = query.filter(disclosure_log::at.ge(naive(from)));
    }
    if let Some(to) = by.to {
        query = query.filter(disclosure_log::at.lt(naive(to)));
    }
    if let Some(after) = after {
        query = query.filter(disclosure_log::id.gt(DbId(after)));
    }
    Ok(query.load(conn)?.into_iter().map(to_disclosure).collect())
}

/// The client's disclosures, oldest first.
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<Disclosure>> {
    Ok(disclosure_log::table
        .filter(disclosure_log::client_id.eq(DbId(client_id)))
        .order(disclosure_log::id)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_disclosure)
        .collect())
}

/// Whether `what` about `subject_id` has already been disclosed to `to`.
pub fn disclosed(
    conn: &mut DbConnection,
    client_id: Uuid,
    what: &str,
    subject_id: Uuid,
    to: Uuid,
) -> StoreResult<bool> {
    let found = disclosure_log::table
        .filter(disclosure_log::client_id.eq(DbId(client_id)))
        .filter(disclosure_log::what.eq(what))
        .filter(disclosure_log::subject_id.eq(DbId(subject_id)))
        .filter(disclosure_log::to_organisation_id.eq(DbId(to)))
        .select(disclosure_log::id)
        .first::<DbId>(conn)
        .optional()?;
    Ok(found.is_some())
}

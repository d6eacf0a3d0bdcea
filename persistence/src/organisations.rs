//! Organisations (toimija) and their references in other systems.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::entities::{ExternalRef, Organisation, OrganisationFields};
use kyky_domain::version::Expected;
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{organisation_external_refs as refs, organisations};
use crate::sql_types::{DbId, DbTime, among};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub(crate) struct OrganisationRow {
    id: DbId,
    pub(crate) name: String,
    pub(crate) kind: String,
    business_id: Option<String>,
    municipality: Option<String>,
    version: i64,
    created_at: DbTime,
    updated_at: DbTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = refs)]
struct ExternalRefRow {
    organisation_id: DbId,
    system: String,
    external_id: String,
}

pub(crate) fn to_domain(
    row: OrganisationRow,
    mut external_refs: Vec<ExternalRef>,
) -> StoreResult<Organisation> {
    external_refs.sort_by(|a, b| a.system.cmp(&b.system));
    Ok(Organisation {
        id: row.id.0,
        name: row.name,
        kind: code(&row.kind)?,
        business_id: row.business_id,
        municipality: row.municipality,
        external_refs,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

fn load_refs(conn: &mut DbConnection, ids: &[DbId]) -> StoreResult<Vec<ExternalRefRow>> {
    Ok(refs::table
        .filter(among(refs::organisation_id, ids.iter().map(|id| id.0)))
        .select(ExternalRefRow::as_select())
        .load(conn)?)
}

fn attach_refs(
    conn: &mut DbConnection,
    rows: Vec<OrganisationRow>,
) -> StoreResult<Vec<Organisation>> {
    let ids: Vec<DbId> = rows.iter().map(|r| r.id).collect();
    let mut all_refs = load_refs(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let mine = all_refs
                .extract_if(.., |r| r.organisation_id == row.id)
                .map(|r| ExternalRef {
                    system: r.system,
                    id: r.external_id,
                })
                .collect();
            to_domain(row, mine)
        })
        .collect()
}

fn store_refs(conn: &mut DbConnection, id: Uuid, external_refs: &[ExternalRef]) -> StoreResult<()> {
    diesel::delete(refs::table.filter(refs::organisation_id.eq(DbId(id)))).execute(conn)?;
    for r in external_refs {
        diesel::insert_into(refs::table)
            .values(ExternalRefRow {
                organisation_id: DbId(id),
                system: r.system.clone(),
                external_id: r.id.clone(),
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Creates an organisation. Call inside a transaction: the row and its
/// external references land together.
pub fn insert(
    conn: &mut DbConnection,
    id: Uuid,
    fields: &OrganisationFields,
    now: DateTime<Utc>,
) -> StoreResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(OrganisationRow {
            id: DbId(id),
            name: fields.name.clone(),
            kind: fields.kind.to_string(),
            business_id: fields.business_id.clone(),
            municipality: fields.municipality.clone(),
            version: 1,
            created_at: naive(now),
            updated_at: naive(now),
        })
        .execute(conn)?;
    store_refs(conn, id, &fields.external_refs)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Organisation> {
    // With its external references in the same statement: a row per
    // reference (one row without); `GET /me` reads it on every call.
    let rows: Vec<(OrganisationRow, Option<String>, Option<String>)> =
        on_backend!(conn, |c| organisations::table
            .left_join(refs::table.on(refs::organisation_id.eq(organisations::id)))
            .filter(organisations::id.eq(DbId(id)))
            .select((
                OrganisationRow::as_select(),
                refs::system.nullable(),
                refs::external_id.nullable(),
            ))
            .load(c))?;
    let mut external_refs = Vec::with_capacity(rows.len());
    let mut organisation = None;
    for (row, system, external_id) in rows {
        if let (Some(system), Some(id)) = (system, external_id) {
            external_refs.push(ExternalRef { system, id });
        }
        organisation.get_or_insert(row);
    }
    to_domain(organisation.ok_or(StoreError::NotFound)?, external_refs)
}

/// Id, name and kind of these organisations (no external references): one
/// query, for the cards a page of views shows.
pub fn briefs(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> StoreResult<Vec<(Uuid, String, kyky_domain::OrganisationKind)>> {
    // Nothing to ask for: no round trip.
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organisations::table
        .filter(among(organisations::id, ids.iter().copied()))
        .select((organisations::id, organisations::name, organisations::kind))
        .load::<(DbId, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| Ok((id.0, name, crate::convert::code(&kind)?)))
        .collect()
}

/// The names of these organisations, by id: one query.
pub fn names(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, String>> {
    organisations::table
        .filter(among(organisations::id, ids.iter().copied()))
        .select((organisations::id, organisations::name))
        .load::<(DbId, String)>(conn)?
        .into_iter()
        .map(|(id, name)| Ok((id.0, name)))
        .collect()
}

pub fn exists(conn: &mut DbConnection, id: Uuid) -> StoreResult<bool> {
    let count: i64 = organisations::table
        .filter(organisations::id.eq(DbId(id)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// A page in id (= creation) order, after `after`; fetches `limit` rows.
pub fn list(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Organisation>> {
    let mut query = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(organisations::id.gt(DbId(after)));
    }
    let rows = query.load(conn)?;
    attach_refs(conn, rows)
}

/// Replaces the organisation's fields if it is still at a version the caller edited.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected: &Expected,
    fields: &OrganisationFields,
    now: DateTime<Utc>,
) -> StoreResult<Organisation> {
    let current: i64 = organisations::table
        .find(DbId(id))
        .select(organisations::version)
        .first(conn)?;
    let expected_version = expected.admit(current).ok_or(StoreError::VersionMismatch)?;
    let changed = diesel::update(
        organisations::table
            .filter(organisations::id.eq(DbId(id)))
            .filter(organisations::version.eq(expected_version)),
    )
    .set((
        organisations::name.eq(&fields.name),
        organisations::kind.eq(fields.kind.to_string()),
        organisations::business_id.eq(&fields.business_id),
        organisations::municipality.eq(&fields.municipality),
        organisations::version.eq(expected_version + 1),
        organisations::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(if exists(conn, id)? {
            StoreError::VersionMismatch
        } else {
            StoreError::NotFound
        });
    }
    store_refs(conn, id, &fields.external_refs)?;
    get(conn, id)
}

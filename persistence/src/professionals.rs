//! Professionals (ammattilainen) and system accounts. Never hard-deleted:
//! history refers to them, so they are deactivated instead.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::entities::{Professional, ProfessionalFields};
use kyky_domain::version::Expected;
use kyky_domain::{CodeSet, Role};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{organisations, professionals, team_members as members};
use crate::sql_types::{DbId, DbTime, among};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = professionals)]
pub(crate) struct ProfessionalRow {
    pub(crate) id: DbId,
    pub(crate) organisation_id: DbId,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) title: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) roles: String,
    pub(crate) active: bool,
    pub(crate) deactivated_at: Option<DbTime>,
    pub(crate) version: i64,
    pub(crate) created_at: DbTime,
    pub(crate) updated_at: DbTime,
}

fn roles_column(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn to_domain(row: ProfessionalRow) -> StoreResult<Professional> {
    let roles = row
        .roles
        .split(',')
        .filter(|r| !r.is_empty())
        .map(code::<Role>)
        .collect::<StoreResult<BTreeSet<_>>>()?;
    Ok(Professional {
        id: row.id.0,
        organisation_id: row.organisation_id.0,
        fields: ProfessionalFields {
            first_name: row.first_name,
            last_name: row.last_name,
            title: code(&row.title)?,
            email: row.email,
            phone: row.phone,
            roles,
        },
        active: row.active,
        deactivated_at: row.deactivated_at.map(utc),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

pub fn insert(
    conn: &mut DbConnection,
    id: Uuid,
    organisation_id: Uuid,
    fields: &ProfessionalFields,
    now: DateTime<Utc>,
) -> StoreResult<Professional> {
    diesel::insert_into(professionals::table)
        .values(ProfessionalRow {
            id: DbId(id),
            organisation_id: DbId(organisation_id),
            first_name: fields.first_name.clone(),
            last_name: fields.last_name.clone(),
            title: fields.title.to_string(),
            email: fields.email.clone(),
            phone: fields.phone.clone(),
            roles: roles_column(&fields.roles),
            active: true,
            deactivated_at: None,
            version: 1,
            created_at: naive(now),
            updated_at: naive(now),
        })
        .execute(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Professional> {
    let row = professionals::table
        .find(DbId(id))
        .select(ProfessionalRow::as_select())
        .first(conn)?;
    to_domain(row)
}

/// The professional with their organisation, and the teams they are a
/// member of now, from one query:
/// who is calling, loaded once per request.
/// Professionals with their organisation and the teams they are members of
/// now (a row per team, one without): the join every caller is loaded by.
#[diesel::dsl::auto_type]
pub(crate) fn with_organisation_and_teams() -> _ {
    professionals::table
        .inner_join(organisations::table)
        .left_join(
            members::table.on(members::professional_id
                .eq(professionals::id)
                .and(members::left_at.is_null())),
        )
}

pub fn get_with_teams(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<(WithOrganisation, Vec<Uuid>)> {
    // Every authenticated request makes this query: on the backend's own
    // connection, prepared once.
    let rows: Vec<(ProfessionalRow, String, String, Option<DbId>)> =
        on_backend!(conn, |c| with_organisation_and_teams()
            .filter(professionals::id.eq(DbId(id)))
            .select((
                ProfessionalRow::as_select(),
                organisations::name,
                organisations::kind,
                members::team_id.nullable(),
            ))
            .load(c))?;
    let mut teams = Vec::with_capacity(rows.len());
    let mut professional = None;
    for (row, name, kind, team) in rows {
        teams.extend(team.map(Uuid::from));
        professional.get_or_insert((row, name, kind));
    }
    let (row, name, kind) = professional.ok_or(StoreError::NotFound)?;
    Ok((WithOrganisation::of(row, name, &kind)?, teams))
}

/// The caller as `GET /me` shows them, in one statement: the professional
/// with their organisation, their teams now, and the organisation whole with
/// its external references (a row per team and reference).
pub fn get_me(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<(
    WithOrganisation,
    Vec<Uuid>,
    kyky_domain::entities::Organisation,
)> {
    use crate::organisations::OrganisationRow;
    use crate::schema::organisation_external_refs as refs;
    type Row = (
        ProfessionalRow,
        OrganisationRow,
        Option<DbId>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = on_backend!(conn, |c| with_organisation_and_teams()
        .left_join(refs::table.on(refs::organisation_id.eq(organisations::id)))
        .filter(professionals::id.eq(DbId(id)))
        .select((
            ProfessionalRow::as_select(),
            OrganisationRow::as_select(),
            members::team_id.nullable(),
            refs::system.nullable(),
            refs::external_id.nullable(),
        ))
        .load(c))?;
    // Rows repeat each team per reference and each reference per team.
    let mut teams = BTreeSet::new();
    let mut external_refs = BTreeSet::new();
    let mut first = None;
    for (professional, organisation, team, system, external_id) in rows {
        if let Some(team) = team {
            teams.insert(team.0);
        }
        if let (Some(system), Some(external_id)) = (system, external_id) {
            external_refs.insert((system, external_id));
        }
        first.get_or_insert((professional, organisation));
    }
    let (professional, organisation) = first.ok_or(StoreError::NotFound)?;
    let (name, kind) = (organisation.name.clone(), organisation.kind.clone());
    let external_refs = external_refs
        .into_iter()
        .map(|(system, id)| kyky_domain::entities::ExternalRef { system, id })
        .collect();
    Ok((
        WithOrganisation::of(professional, name, &kind)?,
        teams.into_iter().collect(),
        crate::organisations::to_domain(organisation, external_refs)?,
    ))
}

/// The professional with their organisation's id, name and kind: one
/// joined query, for a professional's card.
pub fn get_with_organisation(conn: &mut DbConnection, id: Uuid) -> StoreResult<WithOrganisation> {
    let (row, name, kind): (ProfessionalRow, String, String) = professionals::table
        .inner_join(organisations::table)
        .filter(professionals::id.eq(DbId(id)))
        .select((
            ProfessionalRow::as_select(),
            organisations::name,
            organisations::kind,
        ))
        .first(conn)?;
    WithOrganisation::of(row, name, &kind)
}

/// A professional with their organisation's name and kind: what a card shows.
#[derive(Debug, Clone)]
pub struct WithOrganisation {
    pub professional: Professional,
    pub organisation_name: String,
    pub organisation_kind: kyky_domain::OrganisationKind,
}

impl WithOrganisation {
    pub(crate) fn of(row: ProfessionalRow, name: String, kind: &str) -> StoreResult<Self> {
        Ok(Self {
            professional: to_domain(row)?,
            organisation_name: name,
            organisation_kind: code(kind)?,
        })
    }
}

/// Several at once, in no particular order; unknown ids are skipped.
pub fn get_many(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<Vec<Professional>> {
    // Nothing to ask for: no round trip.
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    professionals::table
        .filter(among(professionals::id, ids.iter().copied()))
        .select(ProfessionalRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// These professionals with their organisations' names and kinds, in one
/// statement; ids that name no professional are skipped.
pub fn get_many_with_organisation(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> StoreResult<Vec<WithOrganisation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // On the backend's own connection (see `on_backend!`): every handover
    // reads its people's cards here.
    let rows: Vec<(ProfessionalRow, String, String)> = on_backend!(conn, |c| {
        professionals::table
            .inner_join(organisations::table)
            .filter(among(professionals::id, ids.iter().copied()))
            .select((
                ProfessionalRow::as_select(),
                organisations::name,
                organisations::kind,
            ))
            .load(c)
    })?;
    rows.into_iter()
        .map(|(row, name, kind)| WithOrganisation::of(row, name, &kind))
        .collect()
}

/// A page in id order, optionally of one organisation.
pub fn list(
    conn: &mut DbConnection,
    organisation_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Professional>> {
    let mut query = professionals::table
        .select(ProfessionalRow::as_select())
        .order(professionals::id)
        .limit(limit)
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(professionals::organisation_id.eq(DbId(org)));
    }
    if let Some(after) = after {
        query = query.filter(professionals::id.gt(DbId(after)));
    }
    query.load(conn)?.into_iter().map(to_domain).collect()
}

/// Replaces the fields if the record is still at a version the caller edited.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected: &Expected,
    fields: &ProfessionalFields,
    now: DateTime<Utc>,
) -> StoreResult<Professional> {
    let current: i64 = professionals::table
        .find(DbId(id))
        .select(professionals::version)
        .first(conn)?;
    let expected_version = expected.admit(current).ok_or(StoreError::VersionMismatch)?;
    let changed = diesel::update(
        professionals::table
            .filter(professionals::id.eq(DbId(id)))
            .filter(professionals::version.eq(expected_version)),
    )
    .set((
        professionals::first_name.eq(&fields.first_name),
        professionals::last_name.eq(&fields.last_name),
        professionals::title.eq(fields.title.to_string()),
        professionals::email.eq(&fields.email),
        professionals::phone.eq(&fields.phone),
        professionals::roles.eq(roles_column(&fields.roles)),
        professionals::version.eq(expected_version + 1),
        professionals::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        get(conn, id)?;
        return Err(StoreError::VersionMismatch);
    }
    get(conn, id)
}

/// Deactivates the professional; tokens already issued stop working at once.
/// Deactivating twice changes nothing.
pub fn deactivate(
    conn: &mut DbConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Professional> {
    let current = get(conn, id)?;
    if !current.active {
        return Ok(current);
    }
    diesel::update(professionals::table.filter(professionals::id.eq(DbId(id))))
        .set((
            professionals::active.eq(false),
            professionals::deactivated_at.eq(Some(naive(now))),
            professionals::version.eq(current.version + 1),
            professionals::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    get(conn, id)
}

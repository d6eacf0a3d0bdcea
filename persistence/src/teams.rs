//! Work-ability teams and their members.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kyky_domain::team::{Cadence, TeamKind, TeamRole};
use kyky_domain::version::Expected;
use uuid::Uuid;

use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{team_members as members, teams};
use crate::sql_types::{DbId, DbTime, among};

/// What a caller may set on a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamFields {
    pub name: String,
    pub hosting_organisation_id: Uuid,
    pub description: Option<String>,
    pub kind: TeamKind,
    pub cadence: Cadence,
    /// "HH:MM", local time.
    pub start_time: String,
    pub duration_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: Uuid,
    pub fields: TeamFields,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub professional_id: Uuid,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = teams)]
struct TeamRow {
    id: DbId,
    name: String,
    hosting_organisation_id: DbId,
    description: Option<String>,
    kind: String,
    frequency: String,
    weekday: String,
    week_of_month: Option<i32>,
    anchor_date: Option<NaiveDate>,
    start_time: String,
    duration_minutes: i32,
    version: i64,
    created_at: DbTime,
    updated_at: DbTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = members)]
struct MemberRow {
    id: DbId,
    team_id: DbId,
    professional_id: DbId,
    role: String,
    joined_at: DbTime,
    left_at: Option<DbTime>,
}

fn to_team(row: TeamRow) -> StoreResult<Team> {
    Ok(Team {
        id: row.id.0,
        fields: TeamFields {
            name: row.name,
            hosting_organisation_id: row.hosting_organisation_id.0,
            description: row.description,
            kind: code(&row.kind)?,
            cadence: Cadence {
                frequency: code(&row.frequency)?,
                weekday: code(&row.weekday)?,
                week_of_month: row.week_of_month.and_then(|w| u8::try_from(w).ok()),
                anchor: row.anchor_date,
            },
            start_time: row.start_time,
            duration_minutes: row.duration_minutes,
        },
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

fn row_of(id: Uuid, f: &TeamFields, version: i64, created_at: DbTime, now: DbTime) -> TeamRow {
    TeamRow {
        id: DbId(id),
        name: f.name.clone(),
        hosting_organisation_id: DbId(f.hosting_organisation_id),
        description: f.description.clone(),
        kind: f.kind.to_string(),
        frequency: f.cadence.frequency.to_string(),
        weekday: f.cadence.weekday.to_string(),
        week_of_month: f.cadence.week_of_month.map(i32::from),
        anchor_date: f.cadence.anchor,
        start_time: f.start_time.clone(),
        duration_minutes: f.duration_minutes,
        version,
        created_at,
        updated_at: now,
    }
}

pub fn insert(
    conn: &mut DbConnection,
    id: Uuid,
    fields: &TeamFields,
    now: DateTime<Utc>,
) -> StoreResult<Team> {
    diesel::insert_into(teams::table)
        .values(row_of(id, fields, 1, naive(now), naive(now)))
        .execute(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Team> {
    to_team(
        teams::table
            .find(DbId(id))
            .select(TeamRow::as_select())
            .first(conn)?,
    )
}

/// Several at once, in no particular order: one query.
pub fn get_many(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<Vec<Team>> {
    // Nothing to ask for: no round trip.
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    teams::table
        .filter(among(teams::id, ids.iter().copied()))
        .select(TeamRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_team)
        .collect()
}

pub fn list(conn: &mut DbConnection, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<Team>> {
    let mut query = teams::table
        .select(TeamRow::as_select())
        .order(teams::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(teams::id.gt(DbId(after)));
    }
    query.load(conn)?.into_iter().map(to_team).collect()
}

/// Replaces the fields if the team is still at a version the caller edited.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected: &Expected,
    fields: &TeamFields,
    now: DateTime<Utc>,
) -> StoreResult<Team> {
    let current = get(conn, id)?;
    let expected_version = expected
        .admit(current.version)
        .ok_or(StoreError::VersionMismatch)?;
    let row = row_of(
        id,
        fields,
        expected_version + 1,
        naive(current.created_at),
        naive(now),
    );
    let changed = diesel::update(
        teams::table
            .find(DbId(id))
            .filter(teams::version.eq(expected_version)),
    )
    .set((
        teams::name.eq(row.name),
        teams::hosting_organisation_id.eq(row.hosting_organisation_id),
        teams::description.eq(row.description),
        teams::kind.eq(row.kind),
        teams::frequency.eq(row.frequency),
        teams::weekday.eq(row.weekday),
        teams::week_of_month.eq(row.week_of_month),
        teams::anchor_date.eq(row.anchor_date),
        teams::start_time.eq(row.start_time),
        teams::duration_minutes.eq(row.duration_minutes),
        teams::version.eq(row.version),
        teams::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::VersionMismatch);
    }
    get(conn, id)
}

/// The team's current members, in joining order.
pub fn members(conn: &mut DbConnection, team_id: Uuid) -> StoreResult<Vec<Member>> {
    Ok(members_of_many(conn, &[team_id])?
        .remove(&team_id)
        .unwrap_or_default())
}

/// The current members of each of these teams, in the order they joined:
/// one query for any number of teams.
pub fn members_of_many(
    conn: &mut DbConnection,
    team_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Vec<Member>>> {
    let mut found: std::collections::HashMap<Uuid, Vec<Member>> = std::collections::HashMap::new();
    if team_ids.is_empty() {
        return Ok(found);
    }
    let rows = members::table
        .filter(among(members::team_id, team_ids.iter().copied()))
        .filter(members::left_at.is_null())
        .order(members::id)
        .select(MemberRow::as_select())
        .load(conn)?;
    for m in rows {
        found.entry(m.team_id.0).or_default().push(Member {
            professional_id: m.professional_id.0,
            role: code(&m.role)?,
            joined_at: utc(m.joined_at),
        });
    }
    Ok(found)
}

/// Teams the professional is a current member of.
pub fn teams_of(conn: &mut DbConnection, professional_id: Uuid) -> StoreResult<Vec<Uuid>> {
    Ok(members::table
        .filter(members::professional_id.eq(DbId(professional_id)))
        .filter(members::left_at.is_null())
        .select(members::team_id)
        .load::<DbId>(conn)?
        .into_iter()
        .map(Uuid::from)
        .collect())
}

pub fn add_member(
    conn: &mut DbConnection,
    team_id: Uuid,
    professional_id: Uuid,
    role: TeamRole,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(members::table)
        .values(MemberRow {
            id: DbId(Uuid::now_v7()),
            team_id: DbId(team_id),
            professional_id: DbId(professional_id),
            role: role.to_string(),
            joined_at: naive(now),
            left_at: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Ends a membership; `false` if there was none.
pub fn remove_member(
    conn: &mut DbConnection,
    team_id: Uuid,
    professional_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        members::table
            .filter(members::team_id.eq(DbId(team_id)))
            .filter(members::professional_id.eq(DbId(professional_id)))
            .filter(members::left_at.is_null()),
    )
    .set(members::left_at.eq(Some(naive(now))))
    .execute(conn)?;
    Ok(changed == 1)
}

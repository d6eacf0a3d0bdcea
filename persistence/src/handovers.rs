//! Handovers and their information packages.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::Actor;
use kyky_domain::handover::{Handover, HandoverStatus, PackageItemKind, Receiver};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::professionals::{self, ProfessionalRow};
use crate::schema::{handover_package_items as items, handovers};
use crate::sql_types::{DbId, DbTime, PreparedOnce, among, written};
use crate::teams;

/// One item of the information package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageItem {
    pub kind: PackageItemKind,
    /// Id of the item (a plan version, feedback) or a reference in another system.
    pub reference: String,
    pub description: Option<String>,
}

/// A handover with everything it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverRecord {
    pub handover: Handover,
    pub client_id: Uuid,
    pub summary: String,
    pub reason: String,
    pub return_to_referrer: bool,
    pub network_meeting_id: Option<String>,
    pub proposed_work_pair: Option<Uuid>,
    pub proposed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub package: Vec<PackageItem>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = handovers)]
// None is written as NULL, not DEFAULT: one statement text, prepared once.
#[diesel(treat_none_as_default_value = false)]
struct HandoverRow {
    id: DbId,
    client_id: DbId,
    status: String,
    from_professional_id: DbId,
    proposed_by: DbId,
    to_professional_id: Option<DbId>,
    to_organisation_id: Option<DbId>,
    summary: String,
    reason: String,
    return_to_referrer: bool,
    network_meeting_id: Option<String>,
    proposed_work_pair_id: Option<DbId>,
    proposed_at: DbTime,
    expires_at: Option<DbTime>,
    decided_at: Option<DbTime>,
    decided_by: Option<DbId>,
    decline_reason: Option<String>,
    cancel_reason: Option<String>,
    /// With a team receiver, `to_organisation_id` is the team's host.
    to_team_id: Option<DbId>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = items)]
// None is written as NULL, not DEFAULT: a package is one statement on SQLite too.
#[diesel(treat_none_as_default_value = false)]
struct ItemRow {
    handover_id: DbId,
    position: i32,
    kind: String,
    reference: String,
    description: Option<String>,
}

fn to_record(row: HandoverRow, mut package: Vec<ItemRow>) -> StoreResult<HandoverRecord> {
    let receiver = match (
        row.to_professional_id,
        row.to_organisation_id,
        row.to_team_id,
    ) {
        (None, Some(_), Some(team)) => Receiver::Team(team.0),
        (Some(p), None, None) => Receiver::Professional(p.0),
        (None, Some(o), None) => Receiver::Organisation(o.0),
        _ => {
            return Err(StoreError::Corrupt(
                "a handover names no single receiver".into(),
            ));
        }
    };
    package.sort_by_key(|item| item.position);
    Ok(HandoverRecord {
        handover: Handover {
            id: row.id.0,
            status: code(&row.status)?,
            from_professional: row.from_professional_id.0,
            proposed_by: row.proposed_by.0,
            receiver,
            expires_at: row.expires_at.map(utc),
        },
        client_id: row.client_id.0,
        summary: row.summary,
        reason: row.reason,
        return_to_referrer: row.return_to_referrer,
        network_meeting_id: row.network_meeting_id,
        proposed_work_pair: row.proposed_work_pair_id.map(Uuid::from),
        proposed_at: utc(row.proposed_at),
        decided_at: row.decided_at.map(utc),
        decided_by: row.decided_by.map(Uuid::from),
        decline_reason: row.decline_reason,
        cancel_reason: row.cancel_reason,
        package: package
            .into_iter()
            .map(|item| {
                Ok(PackageItem {
                    kind: code(&item.kind)?,
                    reference: item.reference,
                    description: item.description,
                })
            })
            .collect::<StoreResult<_>>()?,
    })
}

fn with_packages(
    conn: &mut DbConnection,
    rows: Vec<HandoverRow>,
) -> StoreResult<Vec<HandoverRecord>> {
    let mut all: Vec<ItemRow> = items::table
        .filter(among(items::handover_id, rows.iter().map(|r| r.id.0)))
        .select(ItemRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let mine = all
                .extract_if(.., |item| item.handover_id == row.id)
                .collect();
            to_record(row, mine)
        })
        .collect()
}

pub fn insert(conn: &mut DbConnection, record: &HandoverRecord) -> StoreResult<()> {
    let h = &record.handover;
    let (to_professional_id, to_organisation_id, to_team_id) = match h.receiver {
        Receiver::Professional(id) => (Some(DbId(id)), None, None),
        Receiver::Organisation(id) => (None, Some(DbId(id)), None),
        Receiver::Team(id) => {
            let host = teams::get(conn, id)?.fields.hosting_organisation_id;
            (None, Some(DbId(host)), Some(DbId(id)))
        }
    };
    let row = HandoverRow {
        id: DbId(h.id),
        client_id: DbId(record.client_id),
        status: h.status.to_string(),
        from_professional_id: DbId(h.from_professional),
        proposed_by: DbId(h.proposed_by),
        to_professional_id,
        to_organisation_id,
        summary: record.summary.clone(),
        reason: record.reason.clone(),
        return_to_referrer: record.return_to_referrer,
        network_meeting_id: record.network_meeting_id.clone(),
        proposed_work_pair_id: record.proposed_work_pair.map(DbId),
        proposed_at: naive(record.proposed_at),
        expires_at: h.expires_at.map(naive),
        decided_at: None,
        decided_by: None,
        decline_reason: None,
        cancel_reason: None,
        to_team_id,
    };
    crate::connection::insert_all!(conn, handovers::table, std::slice::from_ref(&row))?;
    // The package in one statement, whatever its length.
    let package = record
        .package
        .iter()
        .enumerate()
        .map(|(position, item)| {
            Ok(ItemRow {
                handover_id: DbId(h.id),
                position: i32::try_from(position)
                    .map_err(|_| StoreError::Corrupt("package too long".into()))?,
                kind: item.kind.to_string(),
                reference: item.reference.clone(),
                description: item.description.clone(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    crate::connection::insert_all!(conn, items::table, &package)
}

/// The handover, its client's row locked until the transaction ends (as
/// `clients::lock` does) on PostgreSQL first; SQLite writers already queue
/// on one lock, so there the handover alone.
pub fn get_locking_client(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<(HandoverRecord, professionals::WithOrganisation)> {
    if let DbConnection::Postgresql(pg) = conn {
        let of_handover = handovers::table
            .filter(handovers::id.eq(DbId(id)))
            .select(handovers::client_id);
        crate::schema::clients::table
            .filter(crate::schema::clients::id.eq_any(of_handover))
            .select(crate::schema::clients::id)
            .for_update()
            .first::<DbId>(pg)?;
    }
    get(conn, id)
}

/// The client a handover is about (`None` when there is no such handover):
/// a request about a handover reads the client's access facts with its
/// caller, as a request about a client does. A handover's client never
/// changes.
pub fn client_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Uuid>> {
    let client = on_backend!(conn, |c| {
        handovers::table
            .find(DbId(id))
            .select(handovers::client_id)
            .first::<DbId>(c)
            .optional()
    })?;
    Ok(client.map(|id| id.0))
}

/// The handover with its package, and the card of the worker it hands
/// the client over from (what an acceptance decides on and shows): one
/// query (a row per package item).
pub fn get(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<(HandoverRecord, professionals::WithOrganisation)> {
    use crate::schema::{organisations, professionals as people};
    type Item = (DbId, i32, String, String, Option<String>);
    // On the backend's own connection (see `on_backend!`): every decision
    // on a handover reads it here.
    let rows: Vec<(HandoverRow, ProfessionalRow, String, String, Option<Item>)> =
        on_backend!(conn, |c| {
            handovers::table
                .inner_join(people::table.on(people::id.eq(handovers::from_professional_id)))
                .inner_join(organisations::table.on(organisations::id.eq(people::organisation_id)))
                .left_join(items::table.on(items::handover_id.eq(handovers::id)))
                .filter(handovers::id.eq(DbId(id)))
                .order(items::position)
                .select((
                    HandoverRow::as_select(),
                    ProfessionalRow::as_select(),
                    organisations::name,
                    organisations::kind,
                    (
                        items::handover_id,
                        items::position,
                        items::kind,
                        items::reference,
                        items::description,
                    )
                        .nullable(),
                ))
                .load(c)
        })?;
    let mut package = Vec::with_capacity(rows.len());
    let mut first = None;
    for (row, sender, name, kind, item) in rows {
        package.extend(item.map(
            |(handover_id, position, kind, reference, description)| ItemRow {
                handover_id,
                position,
                kind,
                reference,
                description,
            },
        ));
        first.get_or_insert((row, sender, name, kind));
    }
    let (row, sender, name, kind) = first.ok_or(StoreError::NotFound)?;
    Ok((
        to_record(row, package)?,
        professionals::WithOrganisation::of(sender, name, &kind)?,
    ))
}

/// Every handover of the client, oldest first.
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<HandoverRecord>> {
    let rows = handovers::table
        .filter(handovers::client_id.eq(DbId(client_id)))
        .order(handovers::id)
        .select(HandoverRow::as_select())
        .load(conn)?;
    with_packages(conn, rows)
}

/// Marks the client's pending handover expired if its deadline has passed, so
/// that a new one may be proposed.
pub fn expire_due(conn: &mut DbConnection, client_id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    diesel::update(
        handovers::table
            .filter(handovers::client_id.eq(DbId(client_id)))
            .filter(handovers::status.eq(written(HandoverStatus::Pending)))
            .filter(handovers::expires_at.le(naive(now))),
    )
    .set((
        handovers::status.eq(HandoverStatus::Expired.to_string()),
        handovers::decided_at.eq(handovers::expires_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// Whether the client has a handover pending as of `now`. One past its
/// deadline is marked expired first, so that a new one may be proposed: one
/// statement unless there is one to expire.
pub fn pending_now(
    conn: &mut DbConnection,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let pending: Vec<Option<DbTime>> = on_backend!(conn, |c| {
        handovers::table
            .filter(handovers::client_id.eq(DbId(client_id)))
            .filter(handovers::status.eq(written(HandoverStatus::Pending)))
            .select(handovers::expires_at)
            .load(c)
    })?;
    let due = |deadline: &Option<DbTime>| deadline.is_some_and(|d| utc(d) <= now);
    if pending.iter().any(due) {
        expire_due(conn, client_id, now)?;
    }
    Ok(pending.iter().any(|deadline| !due(deadline)))
}

/// The client's pending handover, if any.
pub fn pending_id(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Option<Uuid>> {
    Ok(handovers::table
        .filter(handovers::client_id.eq(DbId(client_id)))
        .filter(handovers::status.eq(written(HandoverStatus::Pending)))
        .select(handovers::id)
        .first::<DbId>(conn)
        .optional()?
        .map(Uuid::from))
}

/// How a pending handover was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accepted,
    Declined(String),
    Cancelled(Option<String>),
}

/// Moves a pending handover to its decided state and answers it as stored
/// (one statement). `None` when it was no longer pending: a concurrent
/// decision won, and this one must roll back.
pub fn decide(
    conn: &mut DbConnection,
    record: &HandoverRecord,
    decision: &Decision,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<HandoverRecord>> {
    let id = record.handover.id;
    let (status, decline_reason, cancel_reason) = match decision {
        Decision::Accepted => (HandoverStatus::Accepted, None, None),
        Decision::Declined(reason) => (HandoverStatus::Declined, Some(reason.clone()), None),
        Decision::Cancelled(reason) => (HandoverStatus::Cancelled, None, reason.clone()),
    };
    let pending = handovers::table
        .filter(handovers::id.eq(DbId(id)))
        .filter(handovers::status.eq(written(HandoverStatus::Pending)));
    let decided = (
        handovers::status.eq(status.to_string()),
        handovers::decided_at.eq(Some(naive(now))),
        handovers::decided_by.eq(Some(DbId(by))),
        handovers::decline_reason.eq(decline_reason),
        handovers::cancel_reason.eq(cancel_reason),
    );
    // `RETURNING` (both backends) runs on the backend's own connection.
    let changed: Option<HandoverRow> = on_backend!(conn, |c| PreparedOnce(
        diesel::update(pending)
            .set(decided)
            .returning(HandoverRow::as_returning())
    )
    .get_result(c)
    .optional())?;
    changed
        .map(|row| {
            // The package does not change with the decision.
            let mut decided = to_record(row, Vec::new())?;
            decided.package.clone_from(&record.package);
            Ok(decided)
        })
        .transpose()
}

/// Which side of the caller's handovers to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Addressed to the caller, or to the caller's organisation queue.
    Incoming,
    /// Proposed by the caller, or moving away from them.
    Outgoing,
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The caller's handovers in `direction` and `status` as of `now` (a pending
/// handover past its deadline counts as expired).
fn of_actor(
    actor: &Actor,
    direction: Direction,
    status: Option<HandoverStatus>,
    now: DateTime<Utc>,
) -> handovers::BoxedQuery<'static, Backend> {
    let me = DbId(actor.professional_id);
    let query = handovers::table.into_boxed();
    let query = match direction {
        Direction::Incoming => query.filter(
            handovers::to_professional_id
                .eq(me)
                .or(handovers::to_organisation_id
                    .eq(DbId(actor.organisation_id))
                    .and(handovers::to_team_id.is_null()))
                .or(among(handovers::to_team_id, actor.teams.iter().copied())),
        ),
        Direction::Outgoing => query.filter(
            handovers::proposed_by
                .eq(me)
                .or(handovers::from_professional_id.eq(me)),
        ),
    };
    let pending = HandoverStatus::Pending;
    let now = naive(now);
    match status {
        None => query,
        Some(HandoverStatus::Pending) => {
            query.filter(handovers::status.eq(written(pending))).filter(
                handovers::expires_at
                    .is_null()
                    .or(handovers::expires_at.gt(now)),
            )
        }
        Some(HandoverStatus::Expired) => query.filter(
            handovers::status
                .eq(HandoverStatus::Expired.to_string())
                .or(handovers::status
                    .eq(written(pending))
                    .and(handovers::expires_at.le(now))),
        ),
        Some(other) => query.filter(handovers::status.eq(written(other))),
    }
}

/// A page of the caller's handovers, newest id last. `status` is as of `now`
/// (a pending handover past its deadline counts as expired).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    direction: Direction,
    status: Option<HandoverStatus>,
    now: DateTime<Utc>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<HandoverRecord>> {
    let mut query = of_actor(actor, direction, status, now)
        .select(HandoverRow::as_select())
        .order(handovers::id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(handovers::id.gt(DbId(after)));
    }
    let rows = query.load(conn)?;
    with_packages(conn, rows)
}

/// How many handovers the caller has pending in `direction`.
pub fn count_pending(
    conn: &mut DbConnection,
    actor: &Actor,
    direction: Direction,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(
        of_actor(actor, direction, Some(HandoverStatus::Pending), now)
            .count()
            .get_result(conn)?,
    )
}

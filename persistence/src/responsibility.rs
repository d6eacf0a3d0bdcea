//! Responsibility periods and work-pair periods. Exactly one open
//! responsibility period per client (a partial unique index enforces it).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::handover::{PeriodOrigin, Responsibility};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::{responsibility_periods as periods, work_pair_periods as pairs};
use crate::sql_types::{DbId, DbTime, PreparedOnce, among};

/// One period of one professional's responsibility for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub id: Uuid,
    pub client_id: Uuid,
    pub professional_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub origin: PeriodOrigin,
    pub handover_id: Option<Uuid>,
}

/// The current work pair and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkPair {
    pub professional_id: Uuid,
    pub since: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = periods)]
// None is written as NULL, not DEFAULT: one statement text, prepared once.
#[diesel(treat_none_as_default_value = false)]
struct PeriodRow {
    id: DbId,
    client_id: DbId,
    professional_id: DbId,
    started_at: DbTime,
    ended_at: Option<DbTime>,
    origin: String,
    handover_id: Option<DbId>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pairs)]
// None is written as NULL, not DEFAULT: one statement text, prepared once.
#[diesel(treat_none_as_default_value = false)]
struct PairRow {
    id: DbId,
    client_id: DbId,
    professional_id: DbId,
    started_at: DbTime,
    ended_at: Option<DbTime>,
    set_by: DbId,
}

fn to_period(row: PeriodRow) -> StoreResult<Period> {
    Ok(Period {
        client_id: row.client_id.0,
        professional_id: row.professional_id.0,
        started_at: utc(row.started_at),
        ended_at: row.ended_at.map(utc),
        origin: code(&row.origin)?,
        handover_id: row.handover_id.map(Uuid::from),
        id: row.id.0,
    })
}

pub fn current_period(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Option<Period>> {
    periods::table
        .filter(periods::client_id.eq(DbId(client_id)))
        .filter(periods::ended_at.is_null())
        .select(PeriodRow::as_select())
        .first(conn)
        .optional()?
        .map(to_period)
        .transpose()
}

pub fn current_work_pair(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<Option<WorkPair>> {
    pairs::table
        .filter(pairs::client_id.eq(DbId(client_id)))
        .filter(pairs::ended_at.is_null())
        .select(PairRow::as_select())
        .first(conn)
        .optional()?
        .map(|row| {
            Ok(WorkPair {
                professional_id: row.professional_id.0,
                since: utc(row.started_at),
            })
        })
        .transpose()
}

/// The responsible worker and work pair now; `None` only for a client not yet in the model.
/// Who is responsible for the client now, with the work pair: one query
/// (the open period, joined to the open work-pair period if any).
pub fn current(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Option<Responsibility>> {
    let found: Option<(DbId, Option<DbId>)> = periods::table
        .left_join(
            pairs::table.on(pairs::client_id
                .eq(periods::client_id)
                .and(pairs::ended_at.is_null())),
        )
        .filter(periods::client_id.eq(DbId(client_id)))
        .filter(periods::ended_at.is_null())
        .select((periods::professional_id, pairs::professional_id.nullable()))
        .first(conn)
        .optional()?;
    found
        .map(|(responsible, pair)| {
            Ok(Responsibility {
                responsible: responsible.0,
                work_pair: pair.map(Uuid::from),
            })
        })
        .transpose()
}

/// Who is responsible for each of these clients (and the work pair): two
/// queries for any number.
pub fn current_many(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Responsibility>> {
    let mut found = std::collections::HashMap::new();
    for row in periods::table
        .filter(among(periods::client_id, client_ids.iter().copied()))
        .filter(periods::ended_at.is_null())
        .select(PeriodRow::as_select())
        .load(conn)?
    {
        let client = row.client_id.0;
        let period = to_period(row)?;
        found.insert(
            client,
            Responsibility {
                responsible: period.professional_id,
                work_pair: None,
            },
        );
    }
    for row in pairs::table
        .filter(among(pairs::client_id, client_ids.iter().copied()))
        .filter(pairs::ended_at.is_null())
        .select(PairRow::as_select())
        .load(conn)?
    {
        if let Some(responsibility) = found.get_mut(&row.client_id.0) {
            responsibility.work_pair = Some(row.professional_id.0);
        }
    }
    Ok(found)
}

/// Every period, oldest first.
pub fn history(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<Period>> {
    periods::table
        .filter(periods::client_id.eq(DbId(client_id)))
        .order((periods::started_at, periods::id))
        .select(PeriodRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_period)
        .collect()
}

fn open_period(
    conn: &mut DbConnection,
    client_id: Uuid,
    professional_id: Uuid,
    origin: PeriodOrigin,
    handover_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let period = PeriodRow {
        id: DbId(Uuid::now_v7()),
        client_id: DbId(client_id),
        professional_id: DbId(professional_id),
        started_at: naive(now),
        ended_at: None,
        origin: origin.to_string(),
        handover_id: handover_id.map(DbId),
    };
    crate::connection::insert_all!(conn, periods::table, std::slice::from_ref(&period))
}

/// The first responsible worker of a new client.
pub fn start(
    conn: &mut DbConnection,
    client_id: Uuid,
    professional_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    open_period(
        conn,
        client_id,
        professional_id,
        PeriodOrigin::Initial,
        None,
        now,
    )
}

/// Moves responsibility: closes the open period and work pair and opens the
/// new ones, in the caller's transaction.
/// How a responsibility moves: why, through which handover, by whom, when.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    pub origin: PeriodOrigin,
    pub handover_id: Option<Uuid>,
    pub set_by: Uuid,
    pub at: DateTime<Utc>,
}

pub fn transfer(
    conn: &mut DbConnection,
    client_id: Uuid,
    current: &Responsibility,
    new: &Responsibility,
    how: Transfer,
) -> StoreResult<()> {
    let Transfer {
        origin,
        handover_id,
        set_by,
        at: now,
    } = how;
    let end_current = diesel::update(
        periods::table
            .filter(periods::client_id.eq(DbId(client_id)))
            .filter(periods::ended_at.is_null()),
    )
    .set(periods::ended_at.eq(Some(naive(now))));
    on_backend!(conn, |c| PreparedOnce(end_current).execute(c))?;
    open_period(conn, client_id, new.responsible, origin, handover_id, now)?;
    // `current` as read in this transaction: without a work pair there is
    // none to end, and none to start unless the new one has one.
    if current.work_pair.is_none() && new.work_pair.is_none() {
        return Ok(());
    }
    set_work_pair(conn, client_id, new.work_pair, set_by, now)
}

/// Sets (or with `None` clears) the work pair.
pub fn set_work_pair(
    conn: &mut DbConnection,
    client_id: Uuid,
    pair: Option<Uuid>,
    set_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(
        pairs::table
            .filter(pairs::client_id.eq(DbId(client_id)))
            .filter(pairs::ended_at.is_null()),
    )
    .set(pairs::ended_at.eq(Some(naive(now))))
    .execute(conn)?;
    if let Some(pair) = pair {
        diesel::insert_into(pairs::table)
            .values(PairRow {
                id: DbId(Uuid::now_v7()),
                client_id: DbId(client_id),
                professional_id: DbId(pair),
                started_at: naive(now),
                ended_at: None,
                set_by: DbId(set_by),
            })
            .execute(conn)?;
    }
    Ok(())
}

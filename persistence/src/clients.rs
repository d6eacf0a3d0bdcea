//! Clients (asiakas). The henkilötunnus is stored once, unique, and never
//! used as a key in URLs; lookups by it go through request bodies.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::entities::{Address, Client, ClientFields};
use kyky_domain::event::EventType;
use kyky_domain::handover::Responsibility;
use kyky_domain::version::Expected;
use kyky_domain::{Hetu, Language};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, from_json, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{
    client_relationships as rel, clients, responsibility_periods as periods,
    work_pair_periods as pairs,
};
use crate::sql_types::{DbId, DbTime, among};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
pub(crate) struct ClientRow {
    pub(crate) id: DbId,
    pub(crate) hetu: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) street_address: Option<String>,
    pub(crate) postal_code: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) preferred_language: String,
    pub(crate) version: i64,
    pub(crate) created_at: DbTime,
    pub(crate) updated_at: DbTime,
    pub(crate) non_disclosure: bool,
}

fn to_domain(row: ClientRow) -> StoreResult<Client> {
    let address = match (row.street_address, row.postal_code, row.city) {
        (Some(street_address), Some(postal_code), Some(city)) => Some(Address {
            street_address,
            postal_code,
            city,
        }),
        _ => None,
    };
    Ok(Client {
        id: row.id.0,
        hetu: Hetu::parse(&row.hetu)
            .map_err(|_| StoreError::Corrupt("a stored henkilötunnus is not valid".to_owned()))?,
        fields: ClientFields {
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            phone: row.phone,
            address,
            preferred_language: code::<Language>(&row.preferred_language)?,
            non_disclosure: row.non_disclosure,
        },
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

pub fn find_by_hetu(conn: &mut DbConnection, hetu: &Hetu) -> StoreResult<Option<Client>> {
    clients::table
        .filter(clients::hetu.eq(hetu.as_str()))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(to_domain)
        .transpose()
}

pub fn insert(
    conn: &mut DbConnection,
    id: Uuid,
    hetu: &Hetu,
    fields: &ClientFields,
    now: DateTime<Utc>,
) -> StoreResult<Client> {
    let address = fields.address.as_ref();
    diesel::insert_into(clients::table)
        .values(ClientRow {
            id: DbId(id),
            hetu: hetu.as_str().to_owned(),
            first_name: fields.first_name.clone(),
            last_name: fields.last_name.clone(),
            email: fields.email.clone(),
            phone: fields.phone.clone(),
            street_address: address.map(|a| a.street_address.clone()),
            postal_code: address.map(|a| a.postal_code.clone()),
            city: address.map(|a| a.city.clone()),
            preferred_language: fields.preferred_language.to_string(),
            version: 1,
            created_at: naive(now),
            updated_at: naive(now),
            non_disclosure: fields.non_disclosure,
        })
        .execute(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Client> {
    to_domain(
        clients::table
            .find(DbId(id))
            .select(ClientRow::as_select())
            .first(conn)?,
    )
}

/// The client and who is responsible for them (with the work pair): what
/// the access check decides on and the read then answers with. `None` when
/// there is no such client; no responsibility only for a client still being
/// registered.
pub fn with_responsibility(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<Option<(Client, Option<Responsibility>)>> {
    // Every request about a client starts here: one fixed-shape statement
    // on the backend's connection, prepared once (an `IN` list is not).
    let rows: Vec<ResponsibleRow> = on_backend!(conn, |c| with_current_responsibility()
        .filter(clients::id.eq(DbId(id)))
        .select((
            ClientRow::as_select(),
            periods::professional_id.nullable(),
            pairs::professional_id.nullable(),
        ))
        .load(c))?;
    rows.into_iter()
        .next()
        .map(with_responsibility_of)
        .transpose()
}

/// Clients with their open responsibility and work-pair periods, if any:
/// the join every read of "who is responsible" goes through.
#[diesel::dsl::auto_type]
pub(crate) fn with_current_responsibility() -> _ {
    clients::table
        .left_join(
            periods::table.on(periods::client_id
                .eq(clients::id)
                .and(periods::ended_at.is_null())),
        )
        .left_join(
            pairs::table.on(pairs::client_id
                .eq(clients::id)
                .and(pairs::ended_at.is_null())),
        )
}

/// A client with the professional ids of its current responsible worker and
/// work pair.
pub(crate) type ResponsibleRow = (ClientRow, Option<DbId>, Option<DbId>);

pub(crate) fn with_responsibility_of(
    (row, responsible, pair): ResponsibleRow,
) -> StoreResult<(Client, Option<Responsibility>)> {
    let responsibility = responsible
        .map(|responsible| {
            Ok::<_, StoreError>(Responsibility {
                responsible: responsible.0,
                work_pair: pair.map(Uuid::from),
            })
        })
        .transpose()?;
    Ok((to_domain(row)?, responsibility))
}

/// `with_responsibility` for many clients, from one query.
pub fn with_responsibility_many(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, (Client, Option<Responsibility>)>> {
    let rows: Vec<ResponsibleRow> = with_current_responsibility()
        .filter(among(clients::id, ids.iter().copied()))
        .select((
            ClientRow::as_select(),
            periods::professional_id.nullable(),
            pairs::professional_id.nullable(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let (client, responsibility) = with_responsibility_of(row)?;
            Ok((client.id, (client, responsibility)))
        })
        .collect()
}

/// Replaces the changeable fields if the client is still at a version the
/// caller edited.
/// Replaces the client's fields by `by` if the version is the one expected;
/// a change that changes anything is recorded as a `client.changed` event
/// naming the fields (never their values).
pub fn update(
    conn: &mut DbConnection,
    before: &Client,
    expected: &Expected,
    fields: &ClientFields,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Client> {
    let id = before.id;
    let current: i64 = clients::table
        .find(DbId(id))
        .select(clients::version)
        .first(conn)?;
    let expected_version = expected.admit(current).ok_or(StoreError::VersionMismatch)?;
    let address = fields.address.as_ref();
    let changed = diesel::update(
        clients::table
            .filter(clients::id.eq(DbId(id)))
            .filter(clients::version.eq(expected_version)),
    )
    .set((
        clients::first_name.eq(&fields.first_name),
        clients::last_name.eq(&fields.last_name),
        clients::email.eq(&fields.email),
        clients::phone.eq(&fields.phone),
        clients::street_address.eq(address.map(|a| a.street_address.clone())),
        clients::postal_code.eq(address.map(|a| a.postal_code.clone())),
        clients::city.eq(address.map(|a| a.city.clone())),
        clients::preferred_language.eq(fields.preferred_language.to_string()),
        clients::non_disclosure.eq(fields.non_disclosure),
        clients::version.eq(expected_version + 1),
        clients::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        get(conn, id)?;
        return Err(StoreError::VersionMismatch);
    }
    let names = before.fields.changed_fields(fields);
    if !names.is_empty() {
        let payload = serde_json::json!({"changed": names, "version": expected_version + 1});
        crate::events::record(conn, EventType::ClientChanged, id, id, by, &payload, now)?;
    }
    get(conn, id)
}

/// A client in the organisation's list, with the organisation's own entry
/// when its relationship is declared (it does not share the record).
#[derive(Debug, Clone)]
pub struct ListedClient {
    pub client: Client,
    pub own_entry: Option<ClientFields>,
}

/// Clients the organisation has an active relationship with, in id order.
pub fn list_for_organisation(
    conn: &mut DbConnection,
    organisation_id: Uuid,
    only: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ListedClient>> {
    let mut query = clients::table
        .inner_join(rel::table)
        .filter(rel::organisation_id.eq(DbId(organisation_id)))
        .filter(rel::ended_on.is_null())
        .select((
            ClientRow::as_select(),
            rel::shares_record,
            rel::entered_details,
        ))
        .order(clients::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(clients::id.gt(DbId(after)));
    }
    if let Some(only) = only {
        query = query.filter(clients::id.eq(DbId(only)));
    }
    query
        .load::<(ClientRow, bool, Option<String>)>(conn)?
        .into_iter()
        .map(|(row, shares_record, entered)| {
            Ok(ListedClient {
                client: to_domain(row)?,
                own_entry: match (shares_record, entered) {
                    (false, Some(entered)) => Some(from_json(&entered)?),
                    _ => None,
                },
            })
        })
        .collect()
}

/// Serializes writes to one client's data: on PostgreSQL, locks the client's
/// row until the transaction ends (SQLite writers already queue on one lock).
pub fn lock(conn: &mut DbConnection, id: Uuid) -> StoreResult<()> {
    if matches!(conn, DbConnection::Postgresql(_)) {
        lock_with_stamp(conn, id)?;
    }
    Ok(())
}

/// `lock`, answering in the same statement with the stamp of the client's
/// access facts as of now (0 before any change; `None` on PostgreSQL when
/// there is no such client): a write whose request read the facts with
/// this stamp may decide on them without reading them again.
pub fn lock_with_stamp(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<i64>> {
    use crate::schema::fact_stamps;
    let stamp = fact_stamps::table
        .filter(fact_stamps::subject.eq(DbId(id)))
        .select(fact_stamps::stamp)
        .single_value();
    Ok(match conn {
        DbConnection::Postgresql(pg) => clients::table
            .filter(clients::id.eq(DbId(id)))
            .select(stamp)
            .for_update()
            .first::<Option<i64>>(pg)
            .optional()?
            .map(|stamp| stamp.unwrap_or(0)),
        DbConnection::Sqlite(lite) => Some(
            fact_stamps::table
                .find(DbId(id))
                .select(fact_stamps::stamp)
                .first::<i64>(lite)
                .optional()?
                .unwrap_or(0),
        ),
    })
}

/// These clients, in no particular order; ids that name no client are skipped.
pub fn get_many(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<Vec<Client>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    clients::table
        .filter(among(clients::id, ids.iter().copied()))
        .select(ClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_domain)
        .collect()
}

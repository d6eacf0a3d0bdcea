//! Column types that differ per backend, as a DBA expects each: a time is
//! `timestamptz` on PostgreSQL (an instant) and SQLite's `TIMESTAMP` text
//! otherwise; an id is `uuid` on PostgreSQL and its hyphenated text on
//! SQLite. Kyky's times are UTC throughout, carried as `DbTime`
//! (timestamptz's wire format is timestamp's: microseconds since 2000);
//! ids are carried as `DbId`. Diesel's coherence rules forbid binding
//! `NaiveDateTime` or `Uuid` to a type of this crate, hence the newtypes.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteValue};
use uuid::Uuid;

use crate::connection::MultiBackend;

/// A point in time: `timestamptz` on PostgreSQL, `TIMESTAMP` on SQLite.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Time;

/// A time as stored, in UTC.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Time)]
pub struct DbTime(pub NaiveDateTime);

impl ToSql<Time, Pg> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Time, Pg> for DbTime {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(bytes).map(Self)
    }
}

impl ToSql<Time, Sqlite> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Sqlite>>::to_sql(&self.0, out)
    }
}

impl FromSql<Time, Sqlite> for DbTime {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

/// A type of this module on both backends behind the one connection type
/// (`DbConnection`): the value goes to whichever backend's own impls.
macro_rules! on_both_backends {
    ($sql_type:ident, $value:ident) => {
        impl diesel::sql_types::HasSqlType<$sql_type> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql_type>(lookup)
            }
        }

        impl FromSql<$sql_type, MultiBackend> for $value {
            fn from_sql(
                bytes: <MultiBackend as Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $sql_type>()
            }
        }

        impl ToSql<$sql_type, MultiBackend> for $value {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($sql_type, self));
                Ok(IsNull::No)
            }
        }
    };
}

on_both_backends!(Time, DbTime);

// Times move by intervals, as `Timestamp`s do.
impl diesel::sql_types::ops::Add for Time {
    type Rhs = diesel::sql_types::Interval;
    type Output = Time;
}

impl diesel::sql_types::ops::Sub for Time {
    type Rhs = diesel::sql_types::Interval;
    type Output = Time;
}

/// An identifier: `uuid` on PostgreSQL, its hyphenated text on SQLite.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Id;

/// An id as stored.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Id)]
pub struct DbId(pub Uuid);

impl From<Uuid> for DbId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<DbId> for Uuid {
    fn from(id: DbId) -> Self {
        id.0
    }
}

impl ToSql<Id, Pg> for DbId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Id, Pg> for DbId {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(Self)
    }
}

impl ToSql<Id, Sqlite> for DbId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Id, Sqlite> for DbId {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(Self(
            Uuid::parse_str(&text).map_err(|_| "a stored id is not a UUID")?,
        ))
    }
}

on_both_backends!(Id, DbId);

/// A code (a status, say) written into a statement's text rather than bound
/// to it: a partial index whose `WHERE` names that code (`status =
/// 'pending'`) serves only statements that name it too, on SQLite (whose
/// planner does not look at bound values: see `.cargo/config.toml`) and in
/// PostgreSQL's generic plans. Unlike diesel's `sql` literal, a statement
/// with a written code is still prepared once (keyed by its text).
pub(crate) fn written<C: kyky_domain::CodeSet>(code: C) -> Written {
    let code = code.code();
    debug_assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    Written(code)
}

/// A code as `written` puts it into a statement: `'code'`.
#[derive(Debug, Clone, Copy, diesel::expression::ValidGrouping)]
pub(crate) struct Written(&'static str);

impl diesel::expression::Expression for Written {
    type SqlType = diesel::sql_types::Text;
}

impl<DB: Backend> QueryFragment<DB> for Written {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("'");
        out.push_sql(self.0);
        out.push_sql("'");
        Ok(())
    }
}

impl diesel::query_builder::QueryId for Written {
    type QueryId = ();
    // The code is in the text: statements are told apart by their text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for Written {}
impl<QS> diesel::expression::SelectableExpression<QS> for Written {}

/// `column IN (ids)` for any number of ids in one statement text, so that
/// the statement is prepared once: diesel's `eq_any` writes SQLite's
/// `IN (?, ?, …)` with a placeholder per id and prepares it anew every time.
/// SQLite gets the ids as one JSON array (`IN (SELECT value FROM
/// json_each(?))`, which its index on the column serves as it does a
/// list), PostgreSQL as one array (`= ANY(?)`, as `eq_any` writes it).
pub(crate) fn among<C>(column: C, ids: impl IntoIterator<Item = Uuid>) -> Among<C>
where
    C: diesel::Expression,
    C::SqlType: IdType,
{
    let ids: Vec<DbId> = ids.into_iter().map(DbId).collect();
    let json = json_ids(&ids);
    Among { column, ids, json }
}

/// Ids as SQLite's `json_each` takes them: one JSON array of their text.
pub(crate) fn json_ids(ids: &[DbId]) -> String {
    let mut json = String::with_capacity(2 + ids.len() * 39);
    json.push('[');
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            json.push(',');
        }
        json.push('"');
        json.push_str(id.0.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        json.push('"');
    }
    json.push(']');
    json
}

/// What `among` writes.
#[derive(Debug, Clone)]
pub(crate) struct Among<C> {
    column: C,
    ids: Vec<DbId>,
    json: String,
}

impl<C> diesel::expression::Expression for Among<C>
where
    C: diesel::Expression,
    C::SqlType: IdType,
{
    type SqlType = <C::SqlType as IdType>::Truth;
}

/// An id column's type, nullable or not, and what comparing it gives.
pub(crate) trait IdType {
    type Truth: diesel::sql_types::SqlType + diesel::sql_types::SingleValue;
}

impl IdType for Id {
    type Truth = diesel::sql_types::Bool;
}

impl IdType for diesel::sql_types::Nullable<Id> {
    type Truth = diesel::sql_types::Nullable<diesel::sql_types::Bool>;
}

impl<C: diesel::expression::ValidGrouping<G>, G> diesel::expression::ValidGrouping<G> for Among<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C, QS> diesel::expression::AppearsOnTable<QS> for Among<C>
where
    C: diesel::expression::AppearsOnTable<QS>,
    C::SqlType: IdType,
{
}

impl<C, QS> diesel::expression::SelectableExpression<QS> for Among<C>
where
    C: diesel::expression::SelectableExpression<QS>,
    C::SqlType: IdType,
{
}

impl<C: diesel::query_builder::QueryId> diesel::query_builder::QueryId for Among<C> {
    // The text does not depend on the ids: statements with it are told
    // apart by type, as diesel's own are.
    type QueryId = Among<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for Among<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for Among<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<diesel::sql_types::Array<Id>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C: QueryFragment<Sqlite> + QueryFragment<Pg>> QueryFragment<MultiBackend> for Among<C> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

/// A statement diesel would prepare anew on every execution although its
/// text takes only a few shapes (every `UPDATE`, a statement of SQL text, an
/// insert of a few rows): prepared once per connection instead, keyed by its
/// text. Not for statements whose text grows with their input (a batch of
/// any size): each text is kept for the connection's life.
///
/// Diesel decides whether a statement may be cached by walking it with a
/// pass in which the parts it distrusts raise a flag (an `UPDATE` and
/// `sql_query` always do), and it walks the statement through a reference,
/// so overriding `is_safe_to_cache_prepared` here would never be asked.
/// Instead only the passes that collect bound values walk the inner
/// statement; so does the pass writing the text, whose flags nobody reads,
/// and the one deciding on caching sees nothing, so no flag is raised. A whole
/// statement only: its placeholders are numbered from the
/// first (`$1` on PostgreSQL), as no part of a larger statement's would be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreparedOnce<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for PreparedOnce<Q>
where
    Q: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        use diesel::internal::derives::multiconnection::AstPassHelper;
        if out.bind_collector().is_some() || out.debug_binds().is_some() {
            return self.0.walk_ast(out);
        }
        // Of the other passes only the one writing the text needs the
        // statement (diesel hands over its query builder there alone); the
        // rest would only look for a flag to raise.
        let writing = std::cell::Cell::new(false);
        let mut out = out.cast_database::<DB>(
            |binds| binds,
            |text| {
                writing.set(true);
                text
            },
            |backend| backend,
            |lookup| lookup,
        );
        if writing.get() {
            // Its flags are not asked in this pass.
            return self.0.walk_ast(out);
        }
        // Not empty, for the pass that asks whether anything is written.
        out.push_sql("");
        Ok(())
    }
}

impl<Q> diesel::query_builder::QueryId for PreparedOnce<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for PreparedOnce<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> diesel::RunQueryDsl<C> for PreparedOnce<Q> {}

#[cfg(test)]
mod tests {
    use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;
    use std::sync::{Arc, Mutex};

    use super::PreparedOnce;

    diesel::table! {
        notes (id) {
            id -> Integer,
            body -> Text,
        }
    }

    /// A connection that tells how many statements it prepared for its
    /// cache (diesel prepares the others without a word).
    fn counting_cached() -> (SqliteConnection, Arc<Mutex<Vec<String>>>) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = cached.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        });
        (conn, cached)
    }

    #[test]
    fn an_update_and_a_text_statement_are_prepared_once_and_still_do_their_work() {
        let (mut conn, cached) = counting_cached();
        diesel::insert_into(notes::table)
            .values((notes::id.eq(1), notes::body.eq("a")))
            .execute(&mut conn)
            .unwrap();
        cached.lock().unwrap().clear();
        for body in ["b", "c", "d"] {
            let changed = PreparedOnce(
                diesel::update(notes::table.filter(notes::id.eq(1))).set(notes::body.eq(body)),
            )
            .execute(&mut conn)
            .unwrap();
            assert_eq!(changed, 1);
            let read: Vec<String> = PreparedOnce(
                diesel::sql_query("SELECT body FROM notes WHERE id = ?")
                    .bind::<diesel::sql_types::Integer, _>(1),
            )
            .load::<Body>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|row| row.body)
            .collect();
            assert_eq!(read, [body]);
        }
        let cached = cached.lock().unwrap();
        assert_eq!(
            cached.len(),
            2,
            "each statement prepared for the cache once: {cached:?}"
        );
    }

    /// Why the wrapper exists: unwrapped, diesel prepares an update anew
    /// every time and keeps none.
    #[test]
    fn unwrapped_diesel_updates_are_never_cached() {
        let (mut conn, cached) = counting_cached();
        for body in ["b", "c"] {
            diesel::update(notes::table.filter(notes::id.eq(1)))
                .set(notes::body.eq(body))
                .execute(&mut conn)
                .unwrap();
        }
        assert!(cached.lock().unwrap().is_empty());
    }

    #[derive(QueryableByName)]
    struct Body {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
}

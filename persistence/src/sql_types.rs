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

/// A statement diesel would prepare anew on every execution although its
/// text takes only a few shapes (an `UPDATE`, an insert of a few rows, a
/// statement of SQL text): prepared once per connection instead, keyed by
/// its text. Not for statements whose text grows with their input (a batch
/// of any size): each text is kept for the connection's life.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreparedOnce<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for PreparedOnce<Q>
where
    Q: QueryFragment<DB>,
    DB: diesel::backend::Backend,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &DB) -> QueryResult<bool> {
        Ok(true)
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

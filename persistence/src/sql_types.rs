//! A column type that differs per backend: a time is `timestamptz` on
//! PostgreSQL (an instant, what a DBA expects) and SQLite's `TIMESTAMP`
//! text otherwise. Kyky's times are UTC throughout, carried as `DbTime`
//! (timestamptz's wire format is timestamp's: microseconds since 2000).

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteValue};

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

// Both backends behind the one connection type (`DbConnection`).
impl diesel::sql_types::HasSqlType<Time> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Time>(lookup)
    }
}

impl FromSql<Time, MultiBackend> for DbTime {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Time>()
    }
}

impl ToSql<Time, MultiBackend> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Time, self));
        Ok(IsNull::No)
    }
}

// Times move by intervals, as `Timestamp`s do.
impl diesel::sql_types::ops::Add for Time {
    type Rhs = diesel::sql_types::Interval;
    type Output = Time;
}

impl diesel::sql_types::ops::Sub for Time {
    type Rhs = diesel::sql_types::Interval;
    type Output = Time;
}

//! A typed SQL `NULL` written into a statement instead of bound as a
//! parameter: padding that costs neither a bind nor a parameter on the
//! server. The cast gives PostgreSQL the column's type where nothing else
//! does (a `UNION` resolves its column types branch by branch); SQLite
//! accepts it as written.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Date, Nullable, SingleValue, SqlType, Text};

/// `CAST(NULL AS <type>)`, an expression of `Nullable<ST>`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Null<ST>(PhantomData<ST>);

impl<ST> Null<ST> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

/// The SQL name of a type, for `CAST(NULL AS …)` on both backends.
pub(crate) trait CastName {
    const NAME: &'static str;
}
impl CastName for Text {
    const NAME: &'static str = "TEXT";
}
impl CastName for crate::sql_types::Id {
    // SQLite takes any type name; PostgreSQL's `uuid`.
    const NAME: &'static str = "UUID";
}
impl CastName for Bool {
    const NAME: &'static str = "BOOLEAN";
}
impl CastName for crate::sql_types::Time {
    // SQLite takes any type name; PostgreSQL's `timestamptz`.
    const NAME: &'static str = "TIMESTAMP WITH TIME ZONE";
}
impl CastName for Date {
    const NAME: &'static str = "DATE";
}
impl CastName for BigInt {
    const NAME: &'static str = "BIGINT";
}

impl<ST: SqlType + CastName + 'static> QueryId for Null<ST> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}
impl<ST: SqlType + SingleValue + CastName> Expression for Null<ST> {
    type SqlType = Nullable<ST>;
}
impl<ST: CastName, DB: Backend> QueryFragment<DB> for Null<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("CAST(NULL AS ");
        out.push_sql(ST::NAME);
        out.push_sql(")");
        Ok(())
    }
}
impl<ST, QS> SelectableExpression<QS> for Null<ST> where Self: AppearsOnTable<QS> {}
impl<ST, QS> AppearsOnTable<QS> for Null<ST> where Self: Expression {}
impl<ST, GB> ValidGrouping<GB> for Null<ST> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

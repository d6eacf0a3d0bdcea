//! The common row of the request-facts union: each branch fills the
//! columns its kind uses and NULL the rest, so that every branch has the
//! same column types (PostgreSQL resolves a `UNION`'s types branch by
//! branch).

use chrono::NaiveDate;
use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Date, Text};

use crate::sql_types::{DbId, DbTime, Id, Time};
use crate::typed_null::Null;

/// One row of the union: a kind, then columns each branch fills as its
/// comment in `load` says.
#[derive(Queryable)]
pub(super) struct FactRow {
    pub(super) kind: String,
    pub(super) id: Ids,
    pub(super) text: Texts,
    pub(super) flag: (Option<bool>, Option<bool>),
    pub(super) time: Times,
    pub(super) date: (Option<NaiveDate>, Option<NaiveDate>),
    pub(super) number: Option<i64>,
}

pub(super) type Ids = (
    Option<DbId>,
    Option<DbId>,
    Option<DbId>,
    Option<DbId>,
    Option<DbId>,
);
pub(super) type Texts = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
pub(super) type Times = (
    Option<DbTime>,
    Option<DbTime>,
    Option<DbTime>,
    Option<DbTime>,
);

/// Which kind of row a branch yields, written into the statement. Each
/// branch has its own type (`Kind<PROFESSIONAL>`…), so the cached statement
/// found by type is always the one with these words.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kind<const K: u8>;

pub(super) const PROFESSIONAL: u8 = 0;
pub(super) const CLIENT: u8 = 1;
pub(super) const RELATIONSHIP: u8 = 2;
pub(super) const CONSENT: u8 = 3;
pub(super) const STAMP: u8 = 4;
pub(super) const KIND_NAMES: [&str; 5] =
    ["professional", "client", "relationship", "consent", "stamp"];

impl<const K: u8> QueryId for Kind<K> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}
impl<const K: u8> Expression for Kind<K> {
    type SqlType = Text;
}
impl<const K: u8, DB: Backend> QueryFragment<DB> for Kind<K> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("CAST('");
        out.push_sql(KIND_NAMES[usize::from(K)]);
        out.push_sql("' AS TEXT)");
        Ok(())
    }
}
impl<const K: u8, QS> SelectableExpression<QS> for Kind<K> {}
impl<const K: u8, QS> AppearsOnTable<QS> for Kind<K> {}
impl<const K: u8, GB> ValidGrouping<GB> for Kind<K> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

pub(super) fn no_id() -> Null<Id> {
    Null::new()
}
pub(super) fn no_text() -> Null<Text> {
    Null::new()
}
pub(super) fn no_flag() -> Null<Bool> {
    Null::new()
}
pub(super) fn no_time() -> Null<Time> {
    Null::new()
}
pub(super) fn no_date() -> Null<Date> {
    Null::new()
}
pub(super) fn no_number() -> Null<BigInt> {
    Null::new()
}

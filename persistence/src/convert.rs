//! Column ↔ domain conversions shared by the repositories.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{StoreError, StoreResult};
use crate::sql_types::DbTime;

pub fn code<T: FromStr>(text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt("a stored code is not in its code set".to_owned()))
}

pub fn utc(at: DbTime) -> DateTime<Utc> {
    at.0.and_utc()
}

/// A time as stored.
pub fn naive(at: DateTime<Utc>) -> DbTime {
    DbTime(at.naive_utc())
}

/// A JSON column's value.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Corrupt("a stored JSON column does not parse".to_owned()))
}

/// A value as a JSON column.
pub fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|_| StoreError::Corrupt("a value does not serialise to JSON".to_owned()))
}

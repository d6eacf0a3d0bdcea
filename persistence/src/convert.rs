//! Column ↔ domain conversions shared by the repositories.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};

pub fn uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt("an id is not a UUID".to_owned()))
}

pub fn code<T: FromStr>(text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt("a stored code is not in its code set".to_owned()))
}

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

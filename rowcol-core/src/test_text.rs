//! Values spelled out in unit tests, parsed; a bad spelling fails the test.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, FixedOffset, NaiveDate};

/// Parses an id or any other `FromStr` value.
pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

/// A date written `YYYY-MM-DD`.
pub(crate) fn date(s: &str) -> NaiveDate {
    parse(s)
}

/// A time written in RFC 3339.
pub(crate) fn time(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

//! Reading the dates and instants of stored records. Records are written
//! with chrono's serde (`YYYY-MM-DD`, RFC 3339), and reading them back
//! through chrono's general parser was a sixth of decoding a record. The
//! shapes records are written in (a date; whole seconds with `Z` or a
//! `±HH:MM` offset) are read here directly; any other text goes to chrono,
//! so what parses, and to what, is exactly chrono's.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use serde::de::{self, Deserializer, Visitor};

/// Parses `YYYY-MM-DD` as chrono's `NaiveDate::from_str` does.
pub fn parse_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    match fast_date(text.as_bytes()) {
        Some(date) if text.len() == 10 => Ok(date),
        _ => text.parse(),
    }
}

/// Parses an RFC 3339 instant as chrono's `DateTime<FixedOffset>::from_str`
/// does.
pub fn parse_instant(text: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    match fast_instant(text.as_bytes()) {
        Some(instant) => Ok(instant),
        None => text.parse(),
    }
}

/// Two ASCII digits at `at`.
fn two_digits(bytes: &[u8], at: usize) -> Option<u32> {
    match (bytes.get(at), bytes.get(at + 1)) {
        (Some(&a), Some(&b)) if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

/// The date in the first ten bytes, if they are `YYYY-MM-DD` naming a real
/// day.
fn fast_date(bytes: &[u8]) -> Option<NaiveDate> {
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year = two_digits(bytes, 0)? * 100 + two_digits(bytes, 2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two_digits(bytes, 5)?, two_digits(bytes, 8)?)
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, nothing else; `None`
/// for any other shape (fractions, leap seconds, lower-case separators...).
fn fast_instant(bytes: &[u8]) -> Option<DateTime<FixedOffset>> {
    if bytes.len() < 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let date = fast_date(bytes)?;
    let time = NaiveTime::from_hms_opt(two_digits(bytes, 11)?, two_digits(bytes, 14)?, two_digits(bytes, 17)?)?;
    let offset_seconds = match &bytes[19..] {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let seconds = i32::try_from(two_digits(bytes, 20)? * 3600 + two_digits(bytes, 23)? * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    FixedOffset::east_opt(offset_seconds)?
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

/// A date read with [`parse_date`].
struct FastDate(NaiveDate);

impl<'de> de::Deserialize<'de> for FastDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = FastDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a formatted date string")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<FastDate, E> {
                parse_date(value).map(FastDate).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DateVisitor)
    }
}

/// `deserialize_with` for a date.
pub(crate) fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    de::Deserialize::deserialize(deserializer).map(|FastDate(date)| date)
}

/// `deserialize_with` for an optional date.
pub(crate) fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    let date: Option<FastDate> = de::Deserialize::deserialize(deserializer)?;
    Ok(date.map(|FastDate(date)| date))
}

/// `deserialize_with` for an instant with its source's offset.
pub(crate) fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<FixedOffset>, D::Error> {
    struct InstantVisitor;
    impl Visitor<'_> for InstantVisitor {
        type Value = DateTime<FixedOffset>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 formatted date and time string")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            parse_instant(value).map_err(E::custom)
        }
    }
    deserializer.deserialize_str(InstantVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text chrono writes and reads, in the shapes records use and a few it
    /// leaves to chrono.
    fn chrono_text() -> impl Strategy<Value = String> {
        (
            0i64..=253_402_300_799, // 0000-01-01 .. 9999-12-31, as seconds after 1970 less an offset
            -86_399i32..=86_399,
            prop_oneof![Just(0u32), 1..1_000_000_000u32],
        )
            .prop_map(|(seconds, offset, nanos)| {
                let offset = FixedOffset::east_opt(offset / 60 * 60).unwrap_or(FixedOffset::east_opt(0).unwrap());
                let at = DateTime::from_timestamp(seconds - 62_167_219_200, nanos).unwrap_or_default();
                serde_json::to_value(at.with_timezone(&offset))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
    }

    proptest! {
        /// Whatever chrono writes, this reads as chrono does (same instant,
        /// same offset).
        #[test]
        fn instants_read_as_chrono_reads_them(text in chrono_text()) {
            let ours = parse_instant(&text).unwrap();
            let chronos: DateTime<FixedOffset> = text.parse().unwrap();
            prop_assert_eq!(ours, chronos);
            prop_assert_eq!(ours.offset(), chronos.offset());
            prop_assert_eq!(parse_date(&text[..10]).unwrap(), chronos.date_naive());
        }

        /// Any text at all: both parse it to the same value or both refuse it.
        #[test]
        fn any_text_parses_as_chrono_parses_it(text in "[0-9T:+Z. -]{0,26}") {
            prop_assert_eq!(parse_instant(&text).ok(), text.parse::<DateTime<FixedOffset>>().ok());
            prop_assert_eq!(parse_date(&text).ok(), text.parse::<NaiveDate>().ok());
        }
    }

    #[test]
    fn shapes_left_to_chrono_still_parse() {
        for text in [
            "2026-07-01T09:00:00.250-07:00",
            "2026-07-01t09:00:00Z",
            "2026-07-01 09:00:00+05:30",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(
                parse_instant(text).unwrap(),
                text.parse::<DateTime<FixedOffset>>().unwrap(),
                "{text}"
            );
        }
        assert!(parse_instant("2026-02-30T09:00:00Z").is_err(), "no such day");
        assert!(parse_instant("2026-07-01T24:00:00Z").is_err(), "no such hour");
        assert!(parse_date("2026-13-01").is_err());
        assert_eq!(
            parse_date("+2026-07-01").unwrap(),
            "+2026-07-01".parse::<NaiveDate>().unwrap()
        );
    }
}

//! Newtype identifiers, each validated on parse so that a bad id is caught at
//! the edge with a clear error and never reaches a query or a log line raw.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An identifier string that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct IdError {
    /// Which id type was being parsed (`client id`, `realm id`, ...).
    pub kind: &'static str,
    /// The rejected input, truncated to 80 characters.
    pub value: String,
    /// What rule it broke.
    pub reason: &'static str,
}

/// Defines a validated string newtype with `FromStr`, `Display`, serde
/// (as a plain string) and `as_str`; `$check` returns the broken rule.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $label:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl $name {
            /// Checks `s` against the id's rule.
            fn check(s: &str) -> Result<(), IdError> {
                let check: fn(&str) -> Result<(), &'static str> = $check;
                check(s).map_err(|reason| IdError {
                    kind: $label,
                    value: s.chars().take(80).collect(),
                    reason,
                })
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::check(s).map(|()| $name(s.to_owned()))
            }
        }

        /// Takes the string as the id once it passes (no copy).
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::check(&value).map(|()| $name(value))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

/// A RowCol-chosen slug: 1 to 64 characters of ASCII letters, digits, `-`,
/// `_` or `.`, starting with a letter or digit.
fn check_slug(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must start with a letter or digit");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("may hold only ASCII letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

string_id!(
    /// A client business in an advisor's portfolio (RowCol-owned), e.g. `acme-bakery`.
    ClientId,
    "client id",
    check_slug
);

string_id!(
    /// An advisor (bookkeeper or fractional CFO) using RowCol, e.g. `jane-cfo`.
    AdvisorId,
    "advisor id",
    check_slug
);

string_id!(
    /// The company or login a connection reaches on its rail: a QBO company
    /// id ("realm", digits, e.g. `9130357992220981`) or a Plaid Item id (37
    /// letters and digits). 1 to 64 ASCII letters, digits, `-` or `_`: safe in
    /// a URL path.
    RealmId,
    "realm id",
    |s| {
        if s.is_empty() || s.len() > 64 {
            Err("must be 1 to 64 characters")
        } else if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) {
            Err("may hold only ASCII letters, digits, '-' and '_'")
        } else {
            Ok(())
        }
    }
);

string_id!(
    /// The id a rail gives a record (QBO's `Id`, e.g. `"145"`; other rails use
    /// forms like `txn_3Kd9`): 1 to 64 printable characters without whitespace.
    ExternalId,
    "external id",
    |s| {
        if s.is_empty() || s.chars().count() > 64 {
            Err("must be 1 to 64 characters")
        } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Err("must not contain whitespace or control characters")
        } else {
            Ok(())
        }
    }
);

/// The version a rail gives a record (QBO's `SyncToken`: a counter sent as a
/// string that grows with each change).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionToken(String);

impl VersionToken {
    /// Wraps the rail's token as given.
    pub fn new(token: impl Into<String>) -> Self {
        VersionToken(token.into())
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Orders two tokens of the same record: numerically when both are
    /// numbers (QBO: `"10"` is newer than `"9"`), else by text.
    pub fn cmp_version(&self, other: &VersionToken) -> std::cmp::Ordering {
        match (self.0.parse::<u64>(), other.0.parse::<u64>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => self.0.cmp(&other.0),
        }
    }
}

impl fmt::Display for VersionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for VersionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn client_ids_accept_slugs_and_reject_the_rest() {
        assert_eq!("acme-bakery_2".parse::<ClientId>().unwrap().as_str(), "acme-bakery_2");
        for bad in [
            "",
            "-acme",
            "acme bakery",
            "acme'; drop table",
            "a".repeat(65).as_str(),
            "é",
        ] {
            let err = bad.parse::<ClientId>().unwrap_err();
            assert_eq!(err.kind, "client id", "{bad:?}");
        }
    }

    #[test]
    fn realm_ids_are_qbo_companies_or_plaid_items_and_url_safe() {
        assert!("9130357992220981".parse::<RealmId>().is_ok());
        assert!("eVBnVMp7zdTJLkRNr33Rs6zr7KNJqBFL9DrE6".parse::<RealmId>().is_ok());
        let err = "12/a".parse::<RealmId>().unwrap_err();
        assert_eq!(err.reason, "may hold only ASCII letters, digits, '-' and '_'");
        assert!(err.to_string().contains("realm id \"12/a\""));
        assert!("".parse::<RealmId>().is_err());
        assert!("a".repeat(65).parse::<RealmId>().is_err());
    }

    #[test]
    fn external_ids_take_rail_forms_but_no_whitespace() {
        assert!("145".parse::<ExternalId>().is_ok());
        assert!("txn_3Kd9".parse::<ExternalId>().is_ok());
        assert!("a b".parse::<ExternalId>().is_err());
        assert!("a\nb".parse::<ExternalId>().is_err());
    }

    #[test]
    fn ids_round_trip_through_serde_as_plain_strings_and_validate_on_the_way_in() {
        let id: ClientId = "acme".parse().unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"acme\"");
        assert_eq!(serde_json::from_str::<ClientId>("\"acme\"").unwrap(), id);
        assert!(serde_json::from_str::<RealmId>("\"a b\"").is_err());
    }

    #[test]
    fn error_text_truncates_long_input() {
        let long = "x ".repeat(500);
        let err = long.parse::<ClientId>().unwrap_err();
        assert_eq!(err.value.chars().count(), 80);
    }

    #[test]
    fn version_tokens_order_numerically() {
        let v9 = VersionToken::new("9");
        let v10 = VersionToken::new("10");
        assert_eq!(v10.cmp_version(&v9), Ordering::Greater);
        assert_eq!(v9.cmp_version(&v9), Ordering::Equal);
        assert_eq!(
            VersionToken::new("b").cmp_version(&VersionToken::new("a")),
            Ordering::Greater
        );
    }
}

//! The one parser of mirror URLs. Every face that opens a mirror by URL (the
//! library's [`open`](crate::open), the `rowcol` command, the Python
//! package) reads the URL here, so one URL names one database everywhere.
//!
//! Accepted, and nothing else:
//!
//! | URL | database |
//! | --- | --- |
//! | `sqlite:///absolute/path.db` | the file `/absolute/path.db` |
//! | `sqlite:////absolute/path.db` | the same file (SQLAlchemy's absolute form) |
//! | `sqlite://relative/path.db` | `relative/path.db` under the working directory |
//! | `sqlite::memory:`, `sqlite://:memory:`, `sqlite://`, `:memory:` | a private in-memory database |
//! | `postgres://...`, `postgresql://...` | PostgreSQL (sqlx's URL options) |
//!
//! A driver suffix (`sqlite+pysqlite://`, `postgresql+psycopg://`) is
//! dropped. Refused, with an error saying what was understood: an empty
//! text, a plain path (`foo.db`, `/var/x.db`: write `sqlite://` before it),
//! `sqlite:` not followed by `//` (`sqlite:/x`), any other scheme, a SQLite
//! URL with a query string, fragment or percent-escape (`?`, `#`, `%`: the
//! URL names the file by its plain path), and a SQLite URL naming no file or
//! a directory (`sqlite:///`, `sqlite:///tmp/`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// The accepted forms, for error messages.
const EXPECTED: &str =
    "expected sqlite:///absolute/path.db, sqlite://relative/path.db, sqlite::memory: or postgres://user@host/db";

/// Why a text is not a mirror URL. Never retryable: the URL must be
/// corrected. Messages never show a password: the user-information part of
/// a URL is shown as `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing was given.
    #[error("empty: not a database URL; {EXPECTED}")]
    Empty,
    /// A plain path where a URL belongs.
    #[error(
        "`{shown}`: a path, not a database URL; write sqlite://{shown} (sqlite:/// + absolute path, sqlite:// + path relative to the working directory)"
    )]
    PlainPath {
        /// The text given.
        shown: String,
    },
    /// Not a URL, or `sqlite:` without `//`.
    #[error("`{shown}`: not a database URL; {EXPECTED}")]
    Malformed {
        /// The text given, password hidden.
        shown: String,
    },
    /// A scheme other than SQLite's or PostgreSQL's.
    #[error("unknown scheme `{scheme}`: not a database URL RowCol opens; {EXPECTED}")]
    UnknownScheme {
        /// The scheme (without the rest, which may hold a password).
        scheme: String,
    },
    /// A SQLite URL with `?`, `#` or `%`.
    #[error(
        "`{shown}`: a SQLite URL here takes no query string, fragment or percent-escape (`?`, `#`, `%`); name the file by its plain path"
    )]
    SqliteExtras {
        /// The text given.
        shown: String,
    },
    /// A SQLite URL naming no file, or a directory.
    #[error("`{shown}`: names no SQLite file; {EXPECTED}")]
    NoFile {
        /// The text given.
        shown: String,
    },
    /// A PostgreSQL URL sqlx refuses.
    #[error("`{shown}`: not a valid PostgreSQL URL ({reason}); expected postgres://user@host:port/db")]
    Postgres {
        /// The text given, password hidden.
        shown: String,
        /// What sqlx said (it does not quote the URL).
        reason: String,
    },
}

/// Where a mirror lives, as read from its URL by [`MirrorUrl::parse`].
/// `Display` and `Debug` describe it without credentials.
#[derive(Clone, PartialEq, Eq)]
pub enum MirrorUrl {
    /// A SQLite file: absolute, or relative to the working directory.
    SqliteFile(PathBuf),
    /// A SQLite database in memory, private to the process.
    SqliteMemory,
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

/// A PostgreSQL URL that sqlx accepts. Holds credentials: only
/// [`PostgresUrl::expose`] gives the text back.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    url: String,
    described: String,
}

impl PostgresUrl {
    /// The URL, credentials included (to connect with).
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl MirrorUrl {
    /// Reads a mirror URL; see the module documentation for the forms.
    pub fn parse(text: &str) -> Result<MirrorUrl, UrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UrlError::Empty);
        }
        if text == ":memory:" {
            return Ok(MirrorUrl::SqliteMemory);
        }
        let Some((scheme, rest)) = text.split_once(':') else {
            return Err(UrlError::PlainPath { shown: text.to_owned() });
        };
        let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(if scheme.starts_with('/') || scheme.starts_with('.') {
                UrlError::PlainPath {
                    shown: hide_password(text),
                }
            } else {
                UrlError::Malformed {
                    shown: hide_password(text),
                }
            });
        }
        let scheme = scheme.to_ascii_lowercase();
        let base = scheme.split_once('+').map_or(scheme.as_str(), |(base, _driver)| base);
        match base {
            "sqlite" => sqlite(text, rest),
            "postgres" | "postgresql" => postgres(text, base, rest),
            _ => Err(UrlError::UnknownScheme {
                scheme: scheme.chars().take(32).collect(),
            }),
        }
    }

    /// `"sqlite"` or `"postgresql"`.
    pub fn backend(&self) -> &'static str {
        match self {
            MirrorUrl::SqliteFile(_) | MirrorUrl::SqliteMemory => "sqlite",
            MirrorUrl::Postgres(_) => "postgresql",
        }
    }

    /// The SQLite file, when the URL names one.
    pub fn sqlite_file(&self) -> Option<&Path> {
        match self {
            MirrorUrl::SqliteFile(path) => Some(path),
            _ => None,
        }
    }

    /// The same database as a URL sqlx's own parser reads the same way (for
    /// other sqlx users of the database, such as the job queue). Holds the
    /// PostgreSQL password, if any.
    pub fn to_sqlx_url(&self) -> String {
        match self {
            // sqlx strips `sqlite://` and takes the rest as the path; the
            // parser refused `?`, `#` and `%`, which sqlx would interpret.
            MirrorUrl::SqliteFile(path) => format!("sqlite://{}", path.display()),
            MirrorUrl::SqliteMemory => "sqlite::memory:".to_owned(),
            MirrorUrl::Postgres(pg) => pg.url.clone(),
        }
    }
}

impl FromStr for MirrorUrl {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MirrorUrl::parse(text)
    }
}

impl fmt::Display for MirrorUrl {
    /// `SQLite file /tmp/x.db`, `SQLite in memory`, `PostgreSQL database
    /// rowcol on db.internal:5432`: never a password or user name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MirrorUrl::SqliteFile(path) => write!(f, "SQLite file {}", path.display()),
            MirrorUrl::SqliteMemory => f.write_str("SQLite in memory"),
            MirrorUrl::Postgres(pg) => f.write_str(&pg.described),
        }
    }
}

impl fmt::Debug for MirrorUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MirrorUrl({self})")
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.described)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({})", self.described)
    }
}

/// `rest` is what follows `sqlite:` (or `sqlite+driver:`).
fn sqlite(text: &str, rest: &str) -> Result<MirrorUrl, UrlError> {
    if rest == ":memory:" {
        return Ok(MirrorUrl::SqliteMemory);
    }
    let Some(after) = rest.strip_prefix("//") else {
        return Err(UrlError::Malformed { shown: text.to_owned() });
    };
    if matches!(after, "" | ":memory:" | "/:memory:") {
        return Ok(MirrorUrl::SqliteMemory);
    }
    if after.contains(['?', '#', '%']) {
        return Err(UrlError::SqliteExtras { shown: text.to_owned() });
    }
    let path = if after.starts_with('/') {
        // `sqlite:///abs` and SQLAlchemy's `sqlite:////abs` name one file.
        format!("/{}", after.trim_start_matches('/'))
    } else {
        after.to_owned()
    };
    if path == "/" || path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..") {
        return Err(UrlError::NoFile { shown: text.to_owned() });
    }
    Ok(MirrorUrl::SqliteFile(PathBuf::from(path)))
}

/// `base` is `postgres` or `postgresql`, `rest` what follows the scheme's colon.
fn postgres(text: &str, base: &str, rest: &str) -> Result<MirrorUrl, UrlError> {
    if !rest.starts_with("//") {
        return Err(UrlError::Malformed {
            shown: hide_password(text),
        });
    }
    let url = format!("{base}:{rest}");
    let options = PgConnectOptions::from_str(&url).map_err(|e| UrlError::Postgres {
        shown: hide_password(text),
        reason: e.to_string(),
    })?;
    let database = options.get_database().unwrap_or("(the user's default)");
    let described = match options.get_socket() {
        Some(socket) => format!("PostgreSQL database {database} via socket {}", socket.display()),
        None => format!(
            "PostgreSQL database {database} on {}:{}",
            options.get_host(),
            options.get_port()
        ),
    };
    Ok(MirrorUrl::Postgres(PostgresUrl { url, described }))
}

/// The text with any user information (`user:password@`) replaced by `***@`.
fn hide_password(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_owned();
    };
    let start = text.find("://").map_or(0, |i| i + 3);
    if start > at {
        return text.to_owned();
    }
    format!("{}***{}", &text[..start], &text[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> MirrorUrl {
        MirrorUrl::SqliteFile(PathBuf::from(path))
    }

    #[test]
    fn sqlite_forms_name_one_file_each() {
        for (given, meant) in [
            ("sqlite:///tmp/x.db", file("/tmp/x.db")),
            ("sqlite:////tmp/x.db", file("/tmp/x.db")),
            ("  sqlite:///tmp/x.db\n", file("/tmp/x.db")),
            ("SQLite:///tmp/x.db", file("/tmp/x.db")),
            ("sqlite+pysqlite:////tmp/x.db", file("/tmp/x.db")),
            ("sqlite://rel.db", file("rel.db")),
            ("sqlite://data/rel.db", file("data/rel.db")),
            ("sqlite::memory:", MirrorUrl::SqliteMemory),
            ("sqlite://:memory:", MirrorUrl::SqliteMemory),
            ("sqlite:///:memory:", MirrorUrl::SqliteMemory),
            ("sqlite://", MirrorUrl::SqliteMemory),
            (":memory:", MirrorUrl::SqliteMemory),
        ] {
            assert_eq!(MirrorUrl::parse(given), Ok(meant), "{given}");
        }
    }

    #[test]
    fn sqlx_reads_the_canonical_url_as_the_same_file() {
        for given in ["sqlite:///tmp/x.db", "sqlite:////tmp/x.db", "sqlite://rel/x.db"] {
            let url = MirrorUrl::parse(given).unwrap();
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url.to_sqlx_url()).unwrap();
            assert_eq!(Some(options.get_filename()), url.sqlite_file(), "{given}");
        }
    }

    #[test]
    fn mistyped_urls_are_refused_saying_what_was_understood() {
        for (given, says) in [
            ("", "empty"),
            ("   ", "empty"),
            (
                "::::",
                "`::::`: not a database URL; expected sqlite:///absolute/path.db",
            ),
            ("sqlite:/x", "`sqlite:/x`: not a database URL"),
            ("sqlite:x.db", "`sqlite:x.db`: not a database URL"),
            ("sqlite:", "`sqlite:`: not a database URL"),
            ("foo.db", "`foo.db`: a path, not a database URL; write sqlite://foo.db"),
            (
                "/var/x.db",
                "`/var/x.db`: a path, not a database URL; write sqlite:///var/x.db",
            ),
            ("./x.db", "a path, not a database URL"),
            ("mysql://root@db/x", "unknown scheme `mysql`"),
            ("http://x", "unknown scheme `http`"),
            ("sqlite:///tmp/x.db?mode=ro", "no query string"),
            ("sqlite:///tmp/a%20b.db", "percent-escape"),
            ("sqlite:///", "names no SQLite file"),
            ("sqlite:///tmp/", "names no SQLite file"),
            ("postgres:/db", "not a database URL"),
            ("postgres://u@h:notaport/db", "not a valid PostgreSQL URL"),
        ] {
            let error = MirrorUrl::parse(given).expect_err(given).to_string();
            assert!(error.contains(says), "{given:?}: {error}");
        }
    }

    #[test]
    fn passwords_are_never_shown() {
        for given in [
            "mysql://root:hunter2@db/x",
            "postgres:root:hunter2@db/x",
            "postgres://root:hunter2@db:notaport/x",
            "postgresql+psycopg://root:hunter2@db/x",
        ] {
            let shown = match MirrorUrl::parse(given) {
                Ok(url) => format!("{url} {url:?}"),
                Err(e) => format!("{e} {e:?}"),
            };
            assert!(
                !shown.contains("hunter2") && !shown.contains("root"),
                "{given}: {shown}"
            );
        }
    }

    #[test]
    fn postgres_urls_keep_their_options_and_lose_the_driver() {
        let url = MirrorUrl::parse("postgresql+psycopg://u:pw@db.internal:5433/books?sslmode=disable").unwrap();
        let MirrorUrl::Postgres(pg) = &url else {
            panic!("{url:?}")
        };
        assert_eq!(pg.expose(), "postgresql://u:pw@db.internal:5433/books?sslmode=disable");
        assert_eq!(url.to_string(), "PostgreSQL database books on db.internal:5433");
        assert_eq!(url.backend(), "postgresql");
        assert_eq!(
            MirrorUrl::parse("postgres://u@h/db").unwrap().to_sqlx_url(),
            "postgres://u@h/db"
        );
    }
}

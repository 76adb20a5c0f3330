//! Configuration: a TOML file plus `ROWCOL_*` environment variables (which
//! win). Secrets come only from the environment: the credential key, the QBO
//! client secret, the Plaid secret and the webhook verifier token never sit
//! in the file.

use std::path::{Path, PathBuf};

use rowcol_mirror::MirrorUrl;
use secrecy::SecretString;
use serde::Deserialize;

use crate::error::{CliError, CliResult};

/// The file's shape. Every field may also come from the environment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    queue_url: Option<String>,
    advisor: Option<String>,
    #[serde(default)]
    qbo: FileQbo,
    #[serde(default)]
    plaid: FilePlaid,
    #[serde(default)]
    serve: FileServe,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlaid {
    client_id: Option<String>,
    /// `production`, `sandbox`, or the base URL of a look-alike.
    environment: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQbo {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    /// `production`, or the base URL of a look-alike (`http://127.0.0.1:4010`).
    environment: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServe {
    listen: Option<String>,
    metrics_listen: Option<String>,
}

/// Where QBO is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QboEnvironment {
    /// Intuit's production endpoints.
    Production,
    /// A QBO look-alike at this base URL.
    Sim(String),
}

/// The Plaid app, when one is configured (`plaid.environment` or
/// `ROWCOL_PLAID_ENVIRONMENT` set).
#[derive(Debug, Clone)]
pub struct PlaidSettings {
    /// The host: Plaid's production or sandbox, or a look-alike's base URL.
    pub base_url: String,
    /// True for a look-alike (its own app is used when none is configured).
    pub look_alike: bool,
    /// The app's `client_id`.
    pub client_id: Option<String>,
    /// The app's secret (`ROWCOL_PLAID_SECRET`).
    pub secret: Option<SecretString>,
}

/// The effective configuration of one command.
#[derive(Debug)]
pub struct Config {
    /// The mirror, read from its URL by [`MirrorUrl::parse`].
    pub database: MirrorUrl,
    /// The job queue's URL, as sqlx reads it (default: the mirror's
    /// database). Checked by the same parser, so it names the same file the
    /// mirror would.
    pub queue_url: String,
    /// Whose portfolio the read commands show.
    pub advisor: String,
    /// Hex of the 32-byte key sealing stored tokens (`ROWCOL_CREDENTIAL_KEY`).
    pub credential_key: Option<SecretString>,
    /// QBO app id.
    pub qbo_client_id: Option<String>,
    /// QBO app secret (`ROWCOL_QBO_CLIENT_SECRET`).
    pub qbo_client_secret: Option<SecretString>,
    /// Where QBO sends the user back after consent.
    pub qbo_redirect_uri: String,
    /// Where QBO is.
    pub qbo_environment: QboEnvironment,
    /// The Plaid app, when configured.
    pub plaid: Option<PlaidSettings>,
    /// The webhook verifier token (`ROWCOL_WEBHOOK_VERIFIER`).
    pub webhook_verifier: Option<SecretString>,
    /// Where `serve` listens.
    pub listen: String,
    /// Where `serve` answers `/metrics` (loopback unless set otherwise).
    pub metrics_listen: String,
}

/// Reads the environment through a function, so tests need not touch the
/// process environment.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Config {
    /// Loads `path` (required when given; `rowcol.toml` in the working
    /// directory when present otherwise) and applies the environment.
    pub fn load(path: Option<&Path>, env: Env<'_>) -> CliResult<Config> {
        let file = match path {
            Some(path) => read(path)?,
            None => {
                let default = PathBuf::from("rowcol.toml");
                if default.exists() {
                    read(&default)?
                } else {
                    FileConfig::default()
                }
            }
        };
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let file_name = path.map_or_else(|| "rowcol.toml".to_owned(), |p| p.display().to_string());
        // Set but empty is a mistake worth naming, not "unset".
        let database_url = match (env("ROWCOL_DATABASE_URL"), file.database_url) {
            (Some(url), _) => Some(("ROWCOL_DATABASE_URL".to_owned(), url)),
            (None, Some(url)) => Some((format!("database_url in {file_name}"), url)),
            (None, None) => None,
        };
        let (database_source, database_url) = database_url.ok_or_else(|| {
            CliError::Config(
                "no database: set database_url in rowcol.toml (or --config FILE) or ROWCOL_DATABASE_URL".into(),
            )
        })?;
        let database = database_url_from(&database_source, &database_url)?;
        let queue_url = match (var("ROWCOL_QUEUE_URL"), file.queue_url) {
            (Some(url), _) => database_url_from("ROWCOL_QUEUE_URL", &url)?.to_sqlx_url(),
            (None, Some(url)) => database_url_from(&format!("queue_url in {file_name}"), &url)?.to_sqlx_url(),
            (None, None) => database.to_sqlx_url(),
        };
        let environment = match var("ROWCOL_QBO_ENVIRONMENT").or(file.qbo.environment).as_deref() {
            None | Some("production") => QboEnvironment::Production,
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                QboEnvironment::Sim(url.to_owned())
            }
            Some(other) => {
                return Err(CliError::Config(format!(
                    "qbo.environment must be \"production\" or a base URL, not {other:?}"
                )));
            }
        };
        let plaid = match var("ROWCOL_PLAID_ENVIRONMENT").or(file.plaid.environment).as_deref() {
            None => None,
            Some(environment) => {
                let (base_url, look_alike) = match environment {
                    "production" => (rowcol_plaid::config::PRODUCTION_URL.to_owned(), false),
                    "sandbox" => (rowcol_plaid::config::SANDBOX_URL.to_owned(), false),
                    url if url.starts_with("http://") || url.starts_with("https://") => (url.to_owned(), true),
                    other => {
                        return Err(CliError::Config(format!(
                            "plaid.environment must be \"production\", \"sandbox\" or a base URL, not {other:?}"
                        )));
                    }
                };
                Some(PlaidSettings {
                    base_url,
                    look_alike,
                    client_id: var("ROWCOL_PLAID_CLIENT_ID").or(file.plaid.client_id),
                    secret: var("ROWCOL_PLAID_SECRET").map(SecretString::from),
                })
            }
        };
        Ok(Config {
            queue_url,
            plaid,
            database,
            advisor: var("ROWCOL_ADVISOR")
                .or(file.advisor)
                .unwrap_or_else(|| "advisor".into()),
            credential_key: var("ROWCOL_CREDENTIAL_KEY").map(SecretString::from),
            qbo_client_id: var("ROWCOL_QBO_CLIENT_ID").or(file.qbo.client_id),
            qbo_client_secret: var("ROWCOL_QBO_CLIENT_SECRET").map(SecretString::from),
            qbo_redirect_uri: var("ROWCOL_QBO_REDIRECT_URI")
                .or(file.qbo.redirect_uri)
                .unwrap_or_else(|| "http://127.0.0.1:8765/callback".into()),
            qbo_environment: environment,
            webhook_verifier: var("ROWCOL_WEBHOOK_VERIFIER").map(SecretString::from),
            listen: var("ROWCOL_LISTEN")
                .or(file.serve.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            metrics_listen: var("ROWCOL_METRICS_LISTEN")
                .or(file.serve.metrics_listen)
                .unwrap_or_else(|| "127.0.0.1:9464".into()),
        })
    }
}

/// A database URL read by the mirror's one parser; a configuration error
/// naming where it came from (`source`) and what was understood.
fn database_url_from(source: &str, url: &str) -> CliResult<MirrorUrl> {
    MirrorUrl::parse(url).map_err(|e| CliError::Config(format!("{source} {e}")))
}

fn read(path: &Path) -> CliResult<FileConfig> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
    // The error's message only: its rendering quotes the offending line,
    // which could hold a secret pasted into the file by mistake.
    toml::from_str(&text).map_err(|e| CliError::Config(format!("{} is not valid: {}", path.display(), e.message())))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_environment_wins_over_the_file_and_secrets_come_only_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rowcol.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://file.db\"\nadvisor = \"jane\"\n[qbo]\nclient_id = \"abc\"\nenvironment = \"http://127.0.0.1:9\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&path),
            &env(&[("ROWCOL_ADVISOR", "omar"), ("ROWCOL_QBO_CLIENT_SECRET", "s3cret")]),
        )
        .unwrap();
        assert_eq!(config.database, MirrorUrl::SqliteFile("file.db".into()));
        assert_eq!(config.queue_url, "sqlite://file.db");
        assert_eq!(config.advisor, "omar");
        assert_eq!(config.qbo_client_id.as_deref(), Some("abc"));
        assert_eq!(config.qbo_environment, QboEnvironment::Sim("http://127.0.0.1:9".into()));
        assert_eq!(config.qbo_client_secret.unwrap().expose_secret(), "s3cret");
        assert!(config.plaid.is_none(), "no Plaid unless its environment is set");
    }

    #[test]
    fn plaid_is_configured_by_its_environment_and_its_secret_comes_only_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rowcol.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://file.db\"\n[plaid]\nclient_id = \"app\"\nenvironment = \"sandbox\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), &env(&[("ROWCOL_PLAID_SECRET", "pl-s3cret")])).unwrap();
        let plaid = config.plaid.unwrap();
        assert_eq!(plaid.base_url, rowcol_plaid::config::SANDBOX_URL);
        assert!(!plaid.look_alike);
        assert_eq!(plaid.client_id.as_deref(), Some("app"));
        assert_eq!(plaid.secret.unwrap().expose_secret(), "pl-s3cret");

        let sim = Config::load(
            None,
            &env(&[
                ("ROWCOL_DATABASE_URL", "sqlite://x.db"),
                ("ROWCOL_PLAID_ENVIRONMENT", "http://127.0.0.1:9"),
            ]),
        )
        .unwrap();
        assert!(sim.plaid.unwrap().look_alike);
        let bad = Config::load(
            None,
            &env(&[
                ("ROWCOL_DATABASE_URL", "sqlite://x.db"),
                ("ROWCOL_PLAID_ENVIRONMENT", "develop"),
            ]),
        )
        .unwrap_err();
        assert_eq!(bad.exit_code(), 2);
        std::fs::write(&path, "database_url = \"sqlite://x.db\"\n[plaid]\nsecret = \"oops\"\n").unwrap();
        let refused = Config::load(Some(&path), &env(&[])).unwrap_err();
        assert!(!refused.to_string().contains("oops"), "{refused}");
    }

    #[test]
    fn a_secret_in_the_file_is_refused_and_a_missing_database_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rowcol.toml");
        std::fs::write(&path, "database_url = \"sqlite://x.db\"\nclient_secret = \"oops\"\n").unwrap();
        let error = Config::load(Some(&path), &env(&[])).unwrap_err();
        assert!(error.to_string().contains("client_secret"), "{error}");
        assert!(!error.to_string().contains("oops"), "the value is not echoed: {error}");

        let missing = Config::load(Some(&dir.path().join("nope.toml")), &env(&[])).unwrap_err();
        assert_eq!(missing.exit_code(), 2);
        let no_db = Config::load(None, &env(&[])).unwrap_err();
        assert!(no_db.to_string().contains("ROWCOL_DATABASE_URL"), "{no_db}");
    }

    #[test]
    fn a_mistyped_database_url_is_a_configuration_error_naming_it() {
        for (url, says) in [
            (
                "::::",
                "ROWCOL_DATABASE_URL `::::`: not a database URL; expected sqlite:///absolute/path.db",
            ),
            ("sqlite:/x", "ROWCOL_DATABASE_URL `sqlite:/x`: not a database URL"),
            (
                "foo.db",
                "ROWCOL_DATABASE_URL `foo.db`: a path, not a database URL; write sqlite://foo.db",
            ),
            ("mysql://x", "ROWCOL_DATABASE_URL unknown scheme `mysql`"),
            ("", "ROWCOL_DATABASE_URL empty"),
        ] {
            let error = Config::load(None, &env(&[("ROWCOL_DATABASE_URL", url)])).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{url:?}: {error}");
            assert!(error.to_string().contains(says), "{url:?}: {error}");
        }
        let queue = Config::load(
            None,
            &env(&[
                ("ROWCOL_DATABASE_URL", "sqlite:///tmp/m.db"),
                ("ROWCOL_QUEUE_URL", "sqlite:/q"),
            ]),
        )
        .unwrap_err();
        assert!(queue.to_string().contains("ROWCOL_QUEUE_URL `sqlite:/q`"), "{queue}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rowcol.toml");
        std::fs::write(&path, "database_url = \"x.db\"\n").unwrap();
        let from_file = Config::load(Some(&path), &env(&[])).unwrap_err();
        assert!(from_file.to_string().contains("database_url in "), "{from_file}");
    }

    #[test]
    fn the_queue_defaults_to_the_mirrors_file_as_sqlx_reads_it() {
        let config = Config::load(None, &env(&[("ROWCOL_DATABASE_URL", "sqlite:////tmp/m.db")])).unwrap();
        assert_eq!(config.database, MirrorUrl::SqliteFile("/tmp/m.db".into()));
        assert_eq!(config.queue_url, "sqlite:///tmp/m.db");
    }
}

//! The configuration read into the library's pieces: the mirror, the QBO
//! app, and the [`Stack`] wired from them.

use std::sync::Arc;

use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_plaid::PlaidConfig;
use rowcol_qbo::QboConfig;
use rowcol_stack::Stack;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Config, QboEnvironment};
use crate::error::{CliError, CliResult};

/// Opens the mirror the configuration names, with its credential key.
pub async fn mirror(config: &Config) -> CliResult<Arc<dyn Mirror>> {
    let key = match &config.credential_key {
        Some(hex) => credential_key(hex)?,
        None => {
            return Err(CliError::Config(
                "ROWCOL_CREDENTIAL_KEY is not set: 64 hex characters (32 bytes) that seal stored tokens".into(),
            ));
        }
    };
    Ok(rowcol_mirror::open_url(&config.database, key).await?)
}

/// The credential key from `ROWCOL_CREDENTIAL_KEY`; a configuration error
/// saying what is wrong with it (its length, or the position of a character
/// that is not a hex digit), never the key itself.
fn credential_key(hex: &SecretString) -> CliResult<CredentialKey> {
    const WANT: &str = "it must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`";
    let text = hex.expose_secret().trim();
    let length = text.chars().count();
    if length != 64 {
        return Err(CliError::Config(format!(
            "ROWCOL_CREDENTIAL_KEY is {length} characters long; {WANT}"
        )));
    }
    if let Some(at) = text.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(CliError::Config(format!(
            "ROWCOL_CREDENTIAL_KEY has a character that is not a hex digit (0-9, a-f) at position {}; {WANT}",
            at + 1
        )));
    }
    CredentialKey::from_hex(text)
        .map_err(|_| CliError::Config(format!("ROWCOL_CREDENTIAL_KEY does not decode; {WANT}")))
}

/// The QBO app settings for the configured environment.
pub fn qbo_config(config: &Config) -> CliResult<QboConfig> {
    let built = match &config.qbo_environment {
        // The configured app, when there is one, even against a look-alike:
        // ignoring it hid a misconfiguration (issue 19) that a look-alike
        // started with its own app now refuses with invalid_client.
        QboEnvironment::Sim(base) => QboConfig::for_sim(base).map(|sim| QboConfig {
            redirect_uri: config.qbo_redirect_uri.clone(),
            client_id: config.qbo_client_id.clone().unwrap_or(sim.client_id.clone()),
            client_secret: config.qbo_client_secret.clone().unwrap_or(sim.client_secret.clone()),
            ..sim
        }),
        QboEnvironment::Production => {
            let id = config
                .qbo_client_id
                .clone()
                .ok_or_else(|| CliError::Config("qbo.client_id (or ROWCOL_QBO_CLIENT_ID) is not set".into()))?;
            let secret = config
                .qbo_client_secret
                .clone()
                .ok_or_else(|| CliError::Config("ROWCOL_QBO_CLIENT_SECRET is not set".into()))?;
            QboConfig::production(id, secret, config.qbo_redirect_uri.clone())
        }
    };
    built.map_err(|e| CliError::Config(e.to_string()))
}

/// The Plaid app settings, when Plaid is configured: a look-alike's own
/// app unless one is configured; elsewhere the id and secret are required.
pub fn plaid_config(config: &Config) -> CliResult<Option<PlaidConfig>> {
    let Some(plaid) = &config.plaid else {
        return Ok(None);
    };
    let built = if plaid.look_alike {
        PlaidConfig::for_sim(&plaid.base_url).map(|sim| PlaidConfig {
            client_id: plaid.client_id.clone().unwrap_or(sim.client_id.clone()),
            secret: plaid.secret.clone().unwrap_or(sim.secret.clone()),
            ..sim
        })
    } else {
        let id = plaid
            .client_id
            .clone()
            .ok_or_else(|| CliError::Config("plaid.client_id (or ROWCOL_PLAID_CLIENT_ID) is not set".into()))?;
        let secret = plaid
            .secret
            .clone()
            .ok_or_else(|| CliError::Config("ROWCOL_PLAID_SECRET is not set".into()))?;
        PlaidConfig::new(&plaid.base_url, id, secret)
    };
    built.map(Some).map_err(|e| CliError::Config(e.to_string()))
}

/// The mirror, the QBO rail, the Plaid rail when configured, and the
/// engine, all from the configuration.
pub async fn parts(config: &Config, holder: &str) -> CliResult<Stack> {
    let mirror = mirror(config).await?;
    let mut builder = Stack::builder(mirror).qbo(qbo_config(config)?).holder(holder);
    if let Some(plaid) = plaid_config(config)? {
        builder = builder.plaid(plaid);
    }
    Ok(builder.build()?)
}

/// Parses an id, as a configuration error when it is malformed.
pub fn parse_id<T: std::str::FromStr<Err = rowcol_core::IdError>>(text: &str) -> CliResult<T> {
    text.parse()
        .map_err(|e: rowcol_core::IdError| CliError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_credential_key_is_a_configuration_error_that_never_echoes_it() {
        for (key, says) in [
            ("abc123", "ROWCOL_CREDENTIAL_KEY is 6 characters long"),
            (&"f".repeat(65), "ROWCOL_CREDENTIAL_KEY is 65 characters long"),
            (
                &format!("{}zq", "a".repeat(62)),
                "not a hex digit (0-9, a-f) at position 63",
            ),
        ] {
            let error = credential_key(&SecretString::from(key.to_owned())).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{error}");
            let text = error.to_string();
            assert!(text.contains(says), "{text}");
            assert!(!text.contains(key), "the key is echoed: {text}");
        }
        assert!(credential_key(&SecretString::from(format!(" {} ", "0a".repeat(32)))).is_ok());
    }
}

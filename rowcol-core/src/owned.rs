//! Records RowCol owns: only RowCol writes them, no rail does.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::{AdvisorId, ClientId, Currency, EntityKind, ExternalId, Money, Rail, RealmId, VersionToken};

/// A bookkeeper or fractional CFO with a portfolio of clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisor {
    /// Id.
    pub id: AdvisorId,
    /// Display name.
    pub name: String,
}

/// A client business in an advisor's portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// The advisor whose portfolio holds it.
    pub advisor: AdvisorId,
    /// Display name.
    pub name: String,
    /// The currency its figures are reported in.
    pub home_currency: Currency,
    /// Its connections to rails.
    pub connections: Vec<Connection>,
}

/// The state of a connection to a rail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Syncing normally.
    Active,
    /// The rail refused the credentials for good (QBO `invalid_grant`): only
    /// the user can fix it by reconnecting; sync stops until then.
    NeedsReauth,
    /// Turned off by the advisor.
    Disabled,
}

impl ConnectionStatus {
    /// snake_case name used in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsReauth => "needs_reauth",
            ConnectionStatus::Disabled => "disabled",
        }
    }
}

/// A client's link to one company on one rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// The company on the rail (QBO realm id, Plaid Item id).
    pub realm: RealmId,
    /// Whether sync may run.
    pub status: ConnectionStatus,
}

/// How a connection authenticates to its rail, one shape per rail's scheme.
/// `Debug` never shows a secret, and the type has no `Serialize`: stores
/// seal the exposed secrets themselves.
#[derive(Clone)]
pub enum RailCredentials {
    /// OAuth 2 with refresh-token rotation (QBO).
    OAuth(OAuthTokens),
    /// A long-lived access token for one connection (Plaid's per-Item
    /// `access_token`; it does not expire, it is revoked).
    AccessToken(SecretString),
    /// An app's client id and secret, exchanged for short-lived tokens as
    /// needed (Ramp's client-credentials grant).
    ClientCredentials {
        /// The app's client id.
        client_id: String,
        /// The app's client secret.
        client_secret: SecretString,
    },
    /// A secret API key (Stripe).
    ApiKey(SecretString),
}

impl RailCredentials {
    /// The OAuth tokens, when these are OAuth credentials.
    pub fn oauth(&self) -> Option<&OAuthTokens> {
        match self {
            RailCredentials::OAuth(tokens) => Some(tokens),
            _ => None,
        }
    }

    /// The scheme's name, for errors ("oauth", "access token", ...).
    pub fn scheme(&self) -> &'static str {
        match self {
            RailCredentials::OAuth(_) => "oauth",
            RailCredentials::AccessToken(_) => "access token",
            RailCredentials::ClientCredentials { .. } => "client credentials",
            RailCredentials::ApiKey(_) => "api key",
        }
    }
}

impl fmt::Debug for RailCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RailCredentials::OAuth(tokens) => f.debug_tuple("OAuth").field(tokens).finish(),
            RailCredentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            other => write!(f, "{}([redacted])", other.scheme()),
        }
    }
}

impl From<OAuthTokens> for RailCredentials {
    fn from(tokens: OAuthTokens) -> Self {
        RailCredentials::OAuth(tokens)
    }
}

/// OAuth tokens for one connection. `Debug` never shows the tokens.
#[derive(Clone)]
pub struct OAuthTokens {
    /// Short-lived bearer token.
    pub access_token: SecretString,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
    /// Long-lived token used to get new access tokens; rotated by the rail.
    pub refresh_token: SecretString,
    /// When the refresh token stops working, if the rail says.
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

impl OAuthTokens {
    /// True when the access token is expired at `now` or will be within `margin`.
    pub fn access_expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.access_expires_at <= now + margin
    }

    /// True when both tokens equal `other`'s (for tests and change detection).
    pub fn same_tokens(&self, other: &OAuthTokens) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
            && self.refresh_token.expose_secret() == other.refresh_token.expose_secret()
    }
}

impl fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("access_token", &"[redacted]")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"[redacted]")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

/// How the minimum cash buffer is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guardrail {
    /// A number of weeks of gross burn (the default is 4).
    WeeksOfGrossBurn(u32),
    /// A fixed amount.
    Fixed(Money),
}

impl Default for Guardrail {
    fn default() -> Self {
        Guardrail::WeeksOfGrossBurn(4)
    }
}

/// How much a vendor matters when cash is short: from the books by default
/// (what the vendor's bills post to), set by the advisor to override.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorTier {
    /// Tax authorities: pay on time, always.
    Taxes,
    /// Payroll providers: pay on time, always.
    Payroll,
    /// Lenders of secured debt: pay on time, always.
    SecuredDebt,
    /// Rent, utilities and the like: the business stops without them.
    KeepTheDoorsOpen,
    /// Everyone else.
    #[default]
    Standard,
    /// Can wait when cash is short.
    Deferrable,
}

/// One rule's switch and threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetting {
    /// False turns the rule off for this client.
    pub enabled: bool,
    /// The rule's threshold (days, amount or share, as the rule documents),
    /// `None` for its default.
    pub threshold: Option<Decimal>,
}

/// Per-client settings the advisor controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSettings {
    /// The minimum cash buffer.
    pub guardrail: Guardrail,
    /// Books are closed up to and including this date.
    pub close_date: Option<NaiveDate>,
    /// Vendor tiers by vendor external id; vendors not listed are standard.
    pub vendor_tiers: BTreeMap<ExternalId, VendorTier>,
    /// Annual cost of money as a fraction (0.10 = 10 % a year), to weigh
    /// early-payment discounts against.
    pub cost_of_money: Decimal,
    /// Hygiene rule switches and thresholds by rule id; rules not listed use
    /// their defaults.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Trailing months of history that burn figures use (default 3).
    pub burn_window_months: u32,
    /// Bank accounts linked by hand: the bank rail's account id to the
    /// ledger account the books post it to. A link here wins over the
    /// automatic one (same name, same family); accounts not listed are
    /// linked automatically.
    #[serde(default)]
    pub bank_links: BTreeMap<ExternalId, ExternalId>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            guardrail: Guardrail::default(),
            close_date: None,
            vendor_tiers: BTreeMap::new(),
            cost_of_money: Decimal::new(10, 2),
            rules: BTreeMap::new(),
            burn_window_months: 3,
            bank_links: BTreeMap::new(),
        }
    }
}

/// What an advisor decided about a flagged hygiene item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Looked at and fine: stays quiet until the entity changes again.
    Approved,
    /// Never flag this entity under this rule.
    Excluded,
}

/// An advisor's review of one hygiene item (RowCol-owned, survives re-syncs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewState {
    /// The client.
    pub client: ClientId,
    /// The hygiene rule's id.
    pub rule_id: String,
    /// The kind of the flagged entity.
    pub kind: EntityKind,
    /// The flagged entity.
    pub external_id: ExternalId,
    /// The entity's version when reviewed: an approval lapses once it changes.
    pub version: VersionToken,
    /// The decision.
    pub decision: ReviewDecision,
    /// Who decided.
    pub by: AdvisorId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which document of the books a posting belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PostingRef {
    /// The document's kind.
    pub kind: EntityKind,
    /// The document's id.
    pub document: ExternalId,
}

/// What an advisor decided about one bank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BankReviewAction {
    /// The line is these postings (a suggested match approved, or picked).
    Approve {
        /// The postings, one or several.
        postings: Vec<PostingRef>,
    },
    /// The line is noise (a duplicate, a personal charge moved elsewhere):
    /// neither matched nor reported missing.
    Exclude,
    /// The books were corrected at the source: the line is not a finding
    /// while the correction syncs; it matches as soon as the posting shows.
    FixedAtSource,
}

impl BankReviewAction {
    /// snake_case name used in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            BankReviewAction::Approve { .. } => "approve",
            BankReviewAction::Exclude => "exclude",
            BankReviewAction::FixedAtSource => "fixed_at_source",
        }
    }
}

/// An advisor's decision on one bank line (RowCol-owned, survives
/// re-syncs, audit-logged); the bank check applies it before matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankReview {
    /// The client.
    pub client: ClientId,
    /// The bank line (the bank rail's transaction id).
    pub line: ExternalId,
    /// What was decided.
    pub action: BankReviewAction,
    /// Who decided.
    pub by: AdvisorId,
    /// When.
    pub at: DateTime<Utc>,
}

impl BankReview {
    /// The decision as the version of its audit entry: the action's name,
    /// for an approval followed by `:` and the first 16 hex digits of the
    /// SHA-256 of its postings (each kind, unit separator, id, unit
    /// separator, in the order given), then `/` and the advisor's id; so
    /// the hash-chained log attests what was decided and by whom without
    /// holding a list of unbounded length. (`exclude/jane-cfo`,
    /// `approve:c81eef6de3abb2c1/jane-cfo`.)
    pub fn audit_version(&self) -> VersionToken {
        let action = match &self.action {
            BankReviewAction::Approve { postings } => {
                use sha2::Digest;
                let mut h = sha2::Sha256::new();
                for p in postings {
                    h.update(p.kind.as_str().as_bytes());
                    h.update([0x1f]);
                    h.update(p.document.as_str().as_bytes());
                    h.update([0x1f]);
                }
                let digest = hex::encode(h.finalize());
                format!("approve:{}", &digest[..16])
            }
            other => other.as_str().to_owned(),
        };
        VersionToken::new(format!("{action}/{}", self.by))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn credentials_debug_never_shows_a_secret_of_any_scheme() {
        let oauth = RailCredentials::OAuth(OAuthTokens {
            access_token: SecretString::from("eyJ-access-SECRET-123"),
            access_expires_at: Utc::now(),
            refresh_token: SecretString::from("AB11-refresh-SECRET-456"),
            refresh_expires_at: None,
        });
        for creds in [
            oauth,
            RailCredentials::AccessToken(SecretString::from("access-sandbox-SECRET")),
            RailCredentials::ClientCredentials {
                client_id: "ramp-app".into(),
                client_secret: SecretString::from("SECRET"),
            },
            RailCredentials::ApiKey(SecretString::from("sk_live_SECRET")),
        ] {
            let text = format!("{creds:?} {:#?}", creds);
            assert!(!text.contains("SECRET"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn access_expiry_margin() {
        let now = Utc::now();
        let creds = OAuthTokens {
            access_token: SecretString::from("a"),
            access_expires_at: now + chrono::Duration::seconds(200),
            refresh_token: SecretString::from("r"),
            refresh_expires_at: None,
        };
        assert!(creds.access_expires_within(now, chrono::Duration::seconds(300)));
        assert!(!creds.access_expires_within(now, chrono::Duration::seconds(60)));
    }

    #[test]
    fn default_settings_are_stated() {
        let s = ClientSettings::default();
        assert_eq!(s.guardrail, Guardrail::WeeksOfGrossBurn(4));
        assert_eq!(s.cost_of_money, Decimal::new(10, 2));
        assert_eq!(s.burn_window_months, 3);
        assert!(s.bank_links.is_empty());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ClientSettings>(&json).unwrap(), s);
    }

    #[test]
    fn settings_saved_before_bank_links_existed_still_load() {
        let mut json = serde_json::to_value(ClientSettings::default()).unwrap();
        json.as_object_mut().unwrap().remove("bank_links");
        let s: ClientSettings = serde_json::from_value(json).unwrap();
        assert_eq!(s, ClientSettings::default());
    }

    #[test]
    fn a_bank_decision_is_a_stable_audit_version() {
        let posting = |kind, id: &str| PostingRef {
            kind,
            document: id.parse().unwrap(),
        };
        let review = |action| BankReview {
            client: "acme".parse().unwrap(),
            line: "txn_1".parse().unwrap(),
            action,
            by: "jane-cfo".parse().unwrap(),
            at: Utc::now(),
        };
        let one = review(BankReviewAction::Approve {
            postings: vec![posting(EntityKind::Deposit, "7")],
        });
        let two = review(BankReviewAction::Approve {
            postings: vec![posting(EntityKind::Deposit, "7"), posting(EntityKind::Payment, "8")],
        });
        // SHA-256 of "deposit\x1f7\x1f" (sha256sum), first 16 hex digits.
        assert_eq!(one.audit_version().as_str(), "approve:c81eef6de3abb2c1/jane-cfo");
        assert_ne!(one.audit_version(), two.audit_version());
        assert_eq!(
            review(BankReviewAction::Exclude).audit_version().as_str(),
            "exclude/jane-cfo"
        );
        assert_eq!(
            review(BankReviewAction::FixedAtSource).audit_version().as_str(),
            "fixed_at_source/jane-cfo"
        );
        let json = serde_json::to_string(&two.action).unwrap();
        assert!(json.starts_with(r#"{"action":"approve","postings":"#), "{json}");
        assert_eq!(serde_json::from_str::<BankReviewAction>(&json).unwrap(), two.action);
    }
}

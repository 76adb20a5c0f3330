//! `QboRail`: the QBO `LedgerRail`, wiring config, limits, tokens and the
//! request sender, plus the reads that are one call each (one record, live
//! balances, a free query).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use reqwest::Url;
use rowcol_core::entity::AccountType;
use rowcol_core::ports::{ChangeSet, KindCounts, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{Rejected, SourceRecord, Tombstone};
use rowcol_core::{
    ChangeCursor, Clock, Connection, ConnectionStatus, CredentialStore, Currency, Entity, EntityKind, ExternalId,
    LeaseStore, LedgerRail, Rail, RailErrorKind, RealmId, Result, RowcolError, SyncPolicy,
};
use serde_json::Value;

use crate::config::QboConfig;
use crate::fault;
use crate::http::{Api, ApiRequest, CallCount, context};
use crate::limits::Limits;
use crate::map::{self, Mapped, qbo_json_key, qbo_name, stated_home_currency};
use crate::oauth::TokenKeeper;
use crate::query::{Literal, Op, Select};

/// Records, deletions and rejects mapped from a list of rows.
#[derive(Debug, Default)]
pub(crate) struct MappedRows {
    pub records: Vec<SourceRecord>,
    pub tombstones: Vec<Tombstone>,
    pub rejects: Vec<Rejected>,
}

/// The QBO rail. Build one per process and share it (`Arc<QboRail>`): its
/// rate and in-flight limits and its token single-flight are per instance.
pub struct QboRail {
    pub(crate) api: Api,
    pub(crate) clock: Arc<dyn Clock>,
    homes: Mutex<HashMap<RealmId, Currency>>,
}

impl std::fmt::Debug for QboRail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboRail")
            .field("config", &self.api.config)
            .finish_non_exhaustive()
    }
}

impl QboRail {
    /// A rail over `config`, keeping tokens in `credentials`, guarding
    /// refreshes with `leases`, retrying and limiting under `policy`.
    pub fn new(
        config: QboConfig,
        credentials: Arc<dyn CredentialStore>,
        leases: Arc<dyn LeaseStore>,
        policy: Arc<dyn SyncPolicy>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .build()
            .map_err(|e| RowcolError::InvalidInput {
                context: rowcol_core::ErrorContext::default(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        let config = Arc::new(config);
        let limits = Limits::new(policy.rate_limit(Rail::Qbo), config.rate_window);
        let tokens = TokenKeeper::new(
            Arc::clone(&config),
            http.clone(),
            credentials,
            leases,
            Arc::clone(&policy),
            Arc::clone(&clock),
        );
        Ok(QboRail {
            api: Api::new(config, http, limits, tokens, policy),
            clock,
            homes: Mutex::new(HashMap::new()),
        })
    }

    /// API requests sent since this rail was made (every attempt, retries included).
    pub fn total_calls(&self) -> u64 {
        self.api.total_calls()
    }

    /// Calls made to the token endpoint (code exchanges and refreshes).
    pub fn token_calls(&self) -> u64 {
        self.api.tokens.token_calls()
    }

    /// Where to send a user to connect a company; `state` comes back on the
    /// redirect with `code` and `realmId`.
    pub fn authorization_url(&self, state: &str) -> Url {
        self.api.tokens.authorization_url(state)
    }

    /// Finishes connecting: exchanges the redirect's `code` for tokens, saves
    /// them for `client`, and answers the active connection to `realm`.
    pub async fn connect(&self, client: &rowcol_core::ClientId, realm: &RealmId, code: &str) -> Result<Connection> {
        let connection = Connection {
            client: client.clone(),
            rail: Rail::Qbo,
            realm: realm.clone(),
            status: ConnectionStatus::Active,
        };
        self.api.tokens.exchange_code(&connection, code).await?;
        Ok(connection)
    }

    /// Runs a free `SELECT` (built with [`Select`], so literals are escaped)
    /// for `kind` and maps what comes back.
    pub async fn query(&self, connection: &Connection, kind: EntityKind, select: &Select) -> Result<Page> {
        let count = CallCount::default();
        let request = ApiRequest::get("query", vec![("query", select.build())], Some(kind));
        let answer = self.api.send(connection, &request, &count).await?;
        let rows = answer
            .body
            .get("QueryResponse")
            .and_then(|r| r.get(qbo_json_key(kind)))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mapped = self.map_rows(connection, kind, rows, &count).await?;
        Ok(Page {
            kind,
            records: mapped.records,
            rejects: mapped.rejects,
            next: None,
            resume: None,
            server_time: self.server_time(answer.body.get("time").unwrap_or(&Value::Null)),
        })
    }

    /// The envelope's `time`, or our clock if it is missing or unreadable.
    pub(crate) fn server_time(&self, time: &Value) -> DateTime<FixedOffset> {
        time.as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .unwrap_or_else(|| self.clock.now().fixed_offset())
    }

    /// Maps rows of `kind`, fetching the company's home currency first when
    /// some row carries no `CurrencyRef` and it is not known yet.
    pub(crate) async fn map_rows(
        &self,
        connection: &Connection,
        kind: EntityKind,
        rows: &[Value],
        count: &CallCount,
    ) -> Result<MappedRows> {
        let mut home = self.known_home(&connection.realm);
        if home.is_none() && rows.iter().any(|r| map::needs_home_currency(kind, r)) {
            home = self.fetch_home(connection, count).await?;
        }
        let mut out = MappedRows::default();
        for row in rows {
            match map::map_row(&connection.client, home, kind, row) {
                Mapped::Record(record) => {
                    if let Entity::CompanyInfo(info) = &record.entity {
                        self.learn_home(&connection.realm, info.home_currency);
                    }
                    out.records.push(*record);
                }
                Mapped::Deleted(tombstone) => out.tombstones.push(tombstone),
                Mapped::Rejected(rejected) => out.rejects.push(rejected),
            }
        }
        Ok(out)
    }

    fn known_home(&self, realm: &RealmId) -> Option<Currency> {
        self.homes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(realm)
            .copied()
    }

    fn learn_home(&self, realm: &RealmId, currency: Currency) {
        self.homes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(realm.clone(), currency);
    }

    async fn fetch_home(&self, connection: &Connection, count: &CallCount) -> Result<Option<Currency>> {
        let path = format!("companyinfo/{}", connection.realm);
        let request = ApiRequest::get(path, Vec::new(), Some(EntityKind::CompanyInfo));
        let answer = self.api.send(connection, &request, count).await?;
        let home = answer.body.get("CompanyInfo").and_then(stated_home_currency);
        if let Some(currency) = home {
            self.learn_home(&connection.realm, currency);
        }
        Ok(home)
    }

    async fn read_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>> {
        let count = CallCount::default();
        let path = match kind {
            EntityKind::CompanyInfo => format!("companyinfo/{}", connection.realm),
            // One record per company, read without an id.
            EntityKind::Preferences => "preferences".to_owned(),
            other => format!("{}/{}", qbo_name(other).to_ascii_lowercase(), id),
        };
        let answer = match self
            .api
            .send(connection, &ApiRequest::get(path, Vec::new(), Some(kind)), &count)
            .await
        {
            Ok(answer) => answer,
            Err(e) if e.rail_kind() == Some(&RailErrorKind::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(row) = answer.body.get(qbo_json_key(kind)) else {
            return Ok(None);
        };
        let mut mapped = self
            .map_rows(connection, kind, std::slice::from_ref(row), &count)
            .await?;
        if let Some(rejected) = mapped.rejects.pop() {
            return Err(RowcolError::Mapping {
                context: context(connection, Some(kind)).with_id(id),
                reason: rejected.reason,
            });
        }
        Ok(mapped.records.pop())
    }

    async fn balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        // The look-alike (and QBO's docs) do not promise AccountType in WHERE:
        // ask for active accounts and keep banks and cards.
        let select = Select::from(EntityKind::Account)
            .filter("Active", Op::Eq, Literal::Bool(true))
            .max_results(1000);
        let page = self.query(connection, EntityKind::Account, &select).await?;
        let as_of = page.server_time.to_utc();
        Ok(page
            .records
            .into_iter()
            .filter_map(|record| match record.entity {
                Entity::Account(account)
                    if matches!(account.account_type, AccountType::Bank | AccountType::CreditCard) =>
                {
                    Some(LiveBalance {
                        account: account.meta.external_id,
                        name: account.name,
                        account_type: account.account_type,
                        balance: account.current_balance,
                        as_of,
                    })
                }
                _ => None,
            })
            .collect())
    }
}

#[async_trait]
impl LedgerRail for QboRail {
    fn rail(&self) -> Rail {
        Rail::Qbo
    }

    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>> {
        self.pages(connection, requests, &CallCount::default()).await
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        since: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        self.cdc(connection, since, kinds).await
    }

    async fn count_live(&self, connection: &Connection, kinds: &[EntityKind]) -> Result<KindCounts> {
        let count = CallCount::default();
        let counts = self.counts(connection, kinds, &count).await?;
        Ok(KindCounts {
            counts,
            api_calls: count.get(),
        })
    }

    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>> {
        self.read_one(connection, kind, id).await
    }

    async fn live_balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        let limit = self.api.config.timeouts.live;
        match tokio::time::timeout(limit, self.balances(connection)).await {
            Ok(result) => result,
            Err(_) => Err(RowcolError::rail(
                RailErrorKind::Timeout,
                context(connection, Some(EntityKind::Account)),
                fault::failure(None, None, None, &format!("live balances not read within {limit:?}")),
            )),
        }
    }
}

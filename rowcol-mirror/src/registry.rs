//! RowCol-owned records: advisors, clients, connections, credentials,
//! settings and reviews.

use async_trait::async_trait;
use std::collections::BTreeMap;

use rowcol_core::sync::{AuditAction, AuditEntry};
use rowcol_core::{
    Advisor, AdvisorId, BankReview, BankReviewAction, Client, ClientId, ClientSettings, Connection, ConnectionStatus,
    CredentialStore, EntityKind, ErrorContext, PostingRef, Rail, RailCredentials, Registry, ReviewState, RowcolError,
    StoreErrorKind,
};

use crate::backend::{Backend, Val};
use crate::codec::{self, corrupt, enum_text, parse, parse_enum};
use crate::crypto;
use crate::error::store_error;
use crate::store::{SqlMirror, bind_int, bind_text, need_int, need_text, outside_portfolio, sql};
use crate::write::audit_columns;

impl<DB: Backend> SqlMirror<DB> {
    async fn read_connections(
        &self,
        conn: &mut DB::Connection,
        q: &mut sqlx::QueryBuilder<DB>,
    ) -> Result<Vec<Connection>, RowcolError> {
        let rows = DB::fetch_all(conn, q)
            .await
            .map_err(|e| store_error(e, ErrorContext::default(), "listing connections"))?;
        rows.iter()
            .map(|row| {
                Ok(Connection {
                    client: parse(&need_text::<DB>(row, 0)?, "client id")?,
                    rail: parse(&need_text::<DB>(row, 1)?, "rail")?,
                    realm: parse(&need_text::<DB>(row, 2)?, "realm id")?,
                    status: parse_enum(&need_text::<DB>(row, 3)?, "connection status")?,
                })
            })
            .collect()
    }

    pub(crate) async fn read_reviews(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
    ) -> Result<Vec<ReviewState>, RowcolError> {
        let mut q = sql::<DB>(
            "SELECT rule_id, kind, external_id, version, decision, by_advisor, at_us FROM reviews WHERE client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY rule_id, kind, external_id");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading reviews"))?;
        rows.iter()
            .map(|row| {
                Ok(ReviewState {
                    client: client.clone(),
                    rule_id: need_text::<DB>(row, 0)?,
                    kind: parse(&need_text::<DB>(row, 1)?, "kind")?,
                    external_id: parse(&need_text::<DB>(row, 2)?, "external id")?,
                    version: rowcol_core::VersionToken::new(need_text::<DB>(row, 3)?),
                    decision: parse_enum(&need_text::<DB>(row, 4)?, "review decision")?,
                    by: parse(&need_text::<DB>(row, 5)?, "advisor id")?,
                    at: codec::instant(crate::store::need_int::<DB>(row, 6)?)?,
                })
            })
            .collect()
    }

    /// The client's decisions on bank lines, by line id.
    pub(crate) async fn read_bank_reviews(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
    ) -> Result<Vec<BankReview>, RowcolError> {
        let mut q =
            sql::<DB>("SELECT line_id, action, postings, by_advisor, at_us FROM bank_reviews WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY line_id");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading bank reviews"))?;
        rows.iter()
            .map(|row| {
                let action = need_text::<DB>(row, 1)?;
                let action = match action.as_str() {
                    "approve" => BankReviewAction::Approve {
                        postings: serde_json::from_str::<Vec<PostingRef>>(&need_text::<DB>(row, 2)?).map_err(|e| {
                            corrupt(format!("stored bank review postings of {client} do not parse: {e}"))
                        })?,
                    },
                    "exclude" => BankReviewAction::Exclude,
                    "fixed_at_source" => BankReviewAction::FixedAtSource,
                    other => return Err(corrupt(format!("stored bank review action {other:?} does not parse"))),
                };
                Ok(BankReview {
                    client: client.clone(),
                    line: parse(&need_text::<DB>(row, 0)?, "external id")?,
                    action,
                    by: parse(&need_text::<DB>(row, 3)?, "advisor id")?,
                    at: codec::instant(need_int::<DB>(row, 4)?)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl<DB: Backend> CredentialStore for SqlMirror<DB> {
    async fn save_credentials(
        &self,
        client: &ClientId,
        rail: Rail,
        credentials: &RailCredentials,
    ) -> Result<(), RowcolError> {
        let mut ctx = ErrorContext::client(client);
        ctx.rail = Some(rail);
        let sealed = crypto::seal(&self.key, client, rail, credentials)?;
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("INSERT INTO credentials (client_id, rail, sealed, updated_us) VALUES (");
        bind_text(&mut q, client.as_str());
        q.push(", ");
        bind_text(&mut q, rail.as_str());
        q.push(", ");
        DB::bind(&mut q, Val::Bytes(sealed));
        q.push(", ");
        bind_int(&mut q, self.now_us());
        q.push(
            ") ON CONFLICT (client_id, rail) DO UPDATE SET sealed = excluded.sealed, updated_us = excluded.updated_us",
        );
        DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "saving credentials"))?;
        Ok(())
    }

    async fn load_credentials(&self, client: &ClientId, rail: Rail) -> Result<Option<RailCredentials>, RowcolError> {
        let mut ctx = ErrorContext::client(client);
        ctx.rail = Some(rail);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT sealed FROM credentials WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "loading credentials"))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let sealed = DB::bytes(row, 0)
            .map_err(|e| store_error(e, ctx, "loading credentials"))?
            .unwrap_or_default();
        crypto::open(&self.key, client, rail, sealed).map(Some)
    }
}

#[async_trait]
impl<DB: Backend> Registry for SqlMirror<DB> {
    async fn upsert_advisor(&self, advisor: &Advisor) -> Result<(), RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("INSERT INTO advisors (id, name) VALUES (");
        bind_text(&mut q, advisor.id.as_str());
        q.push(", ");
        bind_text(&mut q, &advisor.name);
        q.push(") ON CONFLICT (id) DO UPDATE SET name = excluded.name");
        DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "saving the advisor"))?;
        Ok(())
    }

    async fn upsert_client(&self, client: &Client) -> Result<(), RowcolError> {
        let ctx = ErrorContext::client(&client.id);
        for c in &client.connections {
            if c.client != client.id {
                return Err(RowcolError::InvalidInput {
                    context: ctx,
                    reason: format!("connection for client {} listed under client {}", c.client, client.id),
                });
            }
        }
        let fail = |doing: &'static str| {
            let ctx = ctx.clone();
            move |e: sqlx::Error| store_error(e, ctx, doing)
        };
        let mut tx = self
            .pool
            .begin_with(DB::BEGIN_WRITE)
            .await
            .map_err(fail("starting a transaction"))?;
        let mut q = sql::<DB>("SELECT 1 FROM advisors WHERE id = ");
        bind_text(&mut q, client.advisor.as_str());
        if DB::fetch_all(&mut tx, &mut q)
            .await
            .map_err(fail("finding the advisor"))?
            .is_empty()
        {
            return Err(RowcolError::InvalidInput {
                context: ctx,
                reason: format!("unknown advisor {}", client.advisor),
            });
        }
        let mut q = sql::<DB>("SELECT advisor_id FROM clients WHERE id = ");
        bind_text(&mut q, client.id.as_str());
        let owner = DB::fetch_all(&mut tx, &mut q)
            .await
            .map_err(fail("finding the client"))?;
        let owned_elsewhere = match owner.first() {
            Some(row) => need_text::<DB>(row, 0)? != client.advisor.as_str(),
            None => false,
        };
        if owned_elsewhere {
            // Moving a client between portfolios is not an upsert.
            return Err(RowcolError::store(
                StoreErrorKind::OutsidePortfolio,
                ctx,
                format!("client belongs to another advisor, not {}", client.advisor),
            ));
        }
        let mut q = sql::<DB>("INSERT INTO clients (id, advisor_id, name, home_currency) VALUES (");
        bind_text(&mut q, client.id.as_str());
        q.push(", ");
        bind_text(&mut q, client.advisor.as_str());
        q.push(", ");
        bind_text(&mut q, &client.name);
        q.push(", ");
        bind_text(&mut q, client.home_currency.code());
        q.push(") ON CONFLICT (id) DO UPDATE SET name = excluded.name, home_currency = excluded.home_currency");
        DB::execute(&mut tx, &mut q).await.map_err(fail("saving the client"))?;
        for c in &client.connections {
            let mut q = sql::<DB>("INSERT INTO connections (client_id, rail, realm_id, status) VALUES (");
            bind_text(&mut q, c.client.as_str());
            q.push(", ");
            bind_text(&mut q, c.rail.as_str());
            q.push(", ");
            bind_text(&mut q, c.realm.as_str());
            q.push(", ");
            bind_text(&mut q, &enum_text(&c.status));
            q.push(
                ") ON CONFLICT (client_id, rail) DO UPDATE SET realm_id = excluded.realm_id, status = excluded.status",
            );
            DB::execute(&mut tx, &mut q)
                .await
                .map_err(fail("saving a connection"))?;
        }
        tx.commit().await.map_err(fail("committing the client"))?;
        Ok(())
    }

    async fn set_connection_status(
        &self,
        client: &ClientId,
        rail: Rail,
        status: ConnectionStatus,
    ) -> Result<(), RowcolError> {
        let mut ctx = ErrorContext::client(client);
        ctx.rail = Some(rail);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("UPDATE connections SET status = ");
        bind_text(&mut q, &enum_text(&status));
        q.push(" WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        let changed = DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "setting the connection status"))?;
        if changed == 0 {
            return Err(RowcolError::store(StoreErrorKind::NotFound, ctx, "no such connection"));
        }
        Ok(())
    }

    /// Clients (optionally of one advisor) with their connections, by id.
    async fn portfolio(&self, advisor: &AdvisorId) -> Result<Vec<Client>, RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT 1 FROM advisors WHERE id = ");
        bind_text(&mut q, advisor.as_str());
        if DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "finding the advisor"))?
            .is_empty()
        {
            return Err(RowcolError::store(
                StoreErrorKind::NotFound,
                ctx,
                format!("unknown advisor {advisor}"),
            ));
        }
        let mut q = sql::<DB>("SELECT id, name, home_currency FROM clients WHERE advisor_id = ");
        bind_text(&mut q, advisor.as_str());
        q.push(" ORDER BY id");
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "listing the portfolio"))?;
        let mut clients = BTreeMap::new();
        for row in &rows {
            let id: ClientId = parse(&need_text::<DB>(row, 0)?, "client id")?;
            clients.insert(
                id.clone(),
                Client {
                    id,
                    advisor: advisor.clone(),
                    name: need_text::<DB>(row, 1)?,
                    home_currency: parse(&need_text::<DB>(row, 2)?, "currency")?,
                    connections: Vec::new(),
                },
            );
        }
        let mut q = sql::<DB>(
            "SELECT c.client_id, c.rail, c.realm_id, c.status FROM connections c JOIN clients k ON k.id = c.client_id \
             WHERE k.advisor_id = ",
        );
        bind_text(&mut q, advisor.as_str());
        q.push(" ORDER BY c.client_id, c.rail");
        for connection in self.read_connections(&mut conn, &mut q).await? {
            if let Some(client) = clients.get_mut(&connection.client) {
                client.connections.push(connection);
            }
        }
        Ok(clients.into_values().collect())
    }

    async fn connections(&self) -> Result<Vec<Connection>, RowcolError> {
        let mut conn = self.conn(&ErrorContext::default()).await?;
        let mut q = sql::<DB>("SELECT client_id, rail, realm_id, status FROM connections ORDER BY client_id, rail");
        self.read_connections(&mut conn, &mut q).await
    }

    async fn settings(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientSettings, RowcolError> {
        let mut conn = self.conn(&ErrorContext::client(client)).await?;
        self.check_scope(&mut conn, advisor, client).await?;
        self.read_settings(&mut conn, client).await
    }

    async fn save_settings(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        settings: &ClientSettings,
    ) -> Result<(), RowcolError> {
        let ctx = ErrorContext::client(client);
        let json = serde_json::to_string(settings).map_err(|e| RowcolError::InvalidInput {
            context: ctx.clone(),
            reason: format!("settings do not encode: {e}"),
        })?;
        let mut conn = self.conn(&ctx).await?;
        self.check_scope(&mut conn, advisor, client).await?;
        let mut q = sql::<DB>("INSERT INTO client_settings (client_id, settings, updated_us) VALUES (");
        bind_text(&mut q, client.as_str());
        q.push(", ");
        bind_text(&mut q, &json);
        q.push(", ");
        bind_int(&mut q, self.now_us());
        q.push(
            ") ON CONFLICT (client_id) DO UPDATE SET settings = excluded.settings, updated_us = excluded.updated_us",
        );
        DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "saving settings"))?;
        Ok(())
    }

    async fn save_review(&self, advisor: &AdvisorId, review: &ReviewState) -> Result<(), RowcolError> {
        let ctx = ErrorContext::client(&review.client)
            .with_kind(review.kind)
            .with_id(&review.external_id);
        let mut conn = self.conn(&ctx).await?;
        self.check_scope(&mut conn, advisor, &review.client).await?;
        let mut q = sql::<DB>(
            "INSERT INTO reviews (client_id, rule_id, kind, external_id, version, decision, by_advisor, at_us) VALUES (",
        );
        bind_text(&mut q, review.client.as_str());
        q.push(", ");
        bind_text(&mut q, &review.rule_id);
        q.push(", ");
        bind_text(&mut q, review.kind.as_str());
        q.push(", ");
        bind_text(&mut q, review.external_id.as_str());
        q.push(", ");
        bind_text(&mut q, review.version.as_str());
        q.push(", ");
        bind_text(&mut q, &enum_text(&review.decision));
        q.push(", ");
        bind_text(&mut q, review.by.as_str());
        q.push(", ");
        bind_int(&mut q, codec::micros(review.at));
        q.push(
            ") ON CONFLICT (client_id, rule_id, kind, external_id) DO UPDATE SET version = excluded.version, \
             decision = excluded.decision, by_advisor = excluded.by_advisor, at_us = excluded.at_us",
        );
        DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "saving the review"))?;
        Ok(())
    }

    async fn save_bank_review(&self, advisor: &AdvisorId, review: &BankReview) -> Result<(), RowcolError> {
        let client = &review.client;
        let ctx = ErrorContext::client(client)
            .with_kind(EntityKind::BankTransaction)
            .with_id(&review.line);
        let postings = match &review.action {
            BankReviewAction::Approve { postings } => postings.as_slice(),
            BankReviewAction::Exclude | BankReviewAction::FixedAtSource => &[],
        };
        let postings = serde_json::to_string(postings).map_err(|e| RowcolError::InvalidInput {
            context: ctx.clone(),
            reason: format!("postings do not encode: {e}"),
        })?;
        let fail = |doing: &'static str| {
            let ctx = ctx.clone();
            move |e: sqlx::Error| store_error(e, ctx, doing)
        };
        let mut tx = self
            .pool
            .begin_with(DB::BEGIN_WRITE)
            .await
            .map_err(fail("starting a transaction"))?;
        // The scope check locks the client's row: audit appends for one
        // client are serialised, as `apply` serialises them.
        let mut q = sql::<DB>("SELECT id FROM clients WHERE id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND advisor_id = ");
        bind_text(&mut q, advisor.as_str());
        q.push(DB::FOR_UPDATE);
        if DB::fetch_all(&mut tx, &mut q)
            .await
            .map_err(fail("checking the portfolio"))?
            .is_empty()
        {
            return Err(outside_portfolio(advisor, client));
        }
        let mut q =
            sql::<DB>("INSERT INTO bank_reviews (client_id, line_id, action, postings, by_advisor, at_us) VALUES (");
        bind_text(&mut q, client.as_str());
        q.push(", ");
        bind_text(&mut q, review.line.as_str());
        q.push(", ");
        bind_text(&mut q, review.action.as_str());
        q.push(", ");
        bind_text(&mut q, &postings);
        q.push(", ");
        bind_text(&mut q, review.by.as_str());
        q.push(", ");
        bind_int(&mut q, codec::micros(review.at));
        q.push(
            ") ON CONFLICT (client_id, line_id) DO UPDATE SET action = excluded.action, \
             postings = excluded.postings, by_advisor = excluded.by_advisor, at_us = excluded.at_us",
        );
        DB::execute(&mut tx, &mut q)
            .await
            .map_err(fail("saving the bank review"))?;
        let (seq, prev) = self.audit_chain_end(&mut tx, client).await?;
        // Stored with microsecond precision, so hash exactly that.
        let entry = AuditEntry {
            seq: seq + 1,
            client: client.clone(),
            recorded_at: codec::instant(self.now_us())?,
            action: AuditAction::Review,
            kind: EntityKind::BankTransaction,
            external_id: review.line.clone(),
            version: review.audit_version(),
            source_updated_at: codec::instant(codec::micros(review.at))?.fixed_offset(),
            txn_date: None,
            run: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
        .seal(&prev);
        self.append_audit(&mut tx, client, audit_columns(client, vec![entry]))
            .await?;
        tx.commit().await.map_err(fail("committing the bank review"))?;
        Ok(())
    }
}

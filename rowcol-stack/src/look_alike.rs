//! The look-alikes wired as one client's world: a QBO look-alike company
//! holds the books, and a Plaid look-alike bank of the same client is
//! derived from that company's bank and card postings, so books and bank
//! agree where the bookkeeper was diligent. The look-alikes share no code;
//! this module only carries one's figures to the other.

use rowcol_core::{
    Advisor, Client, ClientId, Connection, ConnectionStatus, Currency, ErrorContext, OAuthTokens, Rail,
    RailCredentials, RealmId, Result, RowcolError,
};
use rowcol_mirror::Mirror;
use rowcol_plaid::PlaidRail;
use rowcol_plaid_sim::{AccountKind, AccountSpec, BookPosting, ClientBank, Habits};
use rowcol_qbo_sim::{CashBooks, Profile};
use secrecy::SecretString;

/// Days of history a look-alike Item is linked with (Plaid's most, two
/// years: the look-alike books hold at most that).
const DAYS_REQUESTED: u32 = 730;

/// Diligence of a bookkeeper whose books are messy: one bank line in five
/// of the kinds a bookkeeper misses goes unrecorded (see
/// `rowcol_plaid_sim::Habits::diligence`).
const MESSY_DILIGENCE: f64 = 0.8;

/// A company of the QBO look-alike, to register as a client.
#[derive(Debug, Clone)]
pub struct LookAlikeClient {
    /// The client's id.
    pub id: ClientId,
    /// The client's display name.
    pub name: String,
    /// The look-alike realm holding its books.
    pub realm: RealmId,
}

/// Every company of the QBO look-alike as a client, in realm order:
/// `client-001`, `client-002`, ..., named "Demo client 001 (healthy firm)"
/// after the kind of books its profile makes. The demo, the benches and
/// the tests name look-alike clients this one way.
pub fn look_alike_clients(admin: &rowcol_qbo_sim::Admin) -> Result<Vec<LookAlikeClient>> {
    admin
        .realm_ids()
        .into_iter()
        .enumerate()
        .map(|(i, realm)| {
            Ok(LookAlikeClient {
                id: format!("client-{:03}", i + 1).parse()?,
                name: format!(
                    "Demo client {:03} ({})",
                    i + 1,
                    admin.profile(&realm).map_or("unknown", Profile::label)
                ),
                realm: realm.parse()?,
            })
        })
        .collect()
}

/// The client record of a look-alike company with `connections`.
fn client_record(advisor: &Advisor, client: &LookAlikeClient, connections: Vec<Connection>) -> Client {
    Client {
        id: client.id.clone(),
        advisor: advisor.id.clone(),
        name: client.name.clone(),
        home_currency: Currency::USD,
        connections,
    }
}

/// The QBO connection of a look-alike company.
fn qbo_connection(client: &LookAlikeClient) -> Connection {
    Connection {
        client: client.id.clone(),
        rail: Rail::Qbo,
        realm: client.realm.clone(),
        status: ConnectionStatus::Active,
    }
}

/// Registers `advisor` and each of `clients` with an active QBO connection
/// to its look-alike realm, and saves the tokens the look-alike issues for
/// that realm (sealed, as every credential). The demo, the Python package
/// and the tests connect look-alike companies this one way. Answers the
/// connections, in the order given.
pub async fn register_look_alike(
    mirror: &dyn Mirror,
    admin: &rowcol_qbo_sim::Admin,
    advisor: &Advisor,
    clients: &[LookAlikeClient],
) -> Result<Vec<Connection>> {
    mirror.upsert_advisor(advisor).await?;
    let mut connections = Vec::with_capacity(clients.len());
    for client in clients {
        let connection = qbo_connection(client);
        mirror
            .upsert_client(&client_record(advisor, client, vec![connection.clone()]))
            .await?;
        let tokens = admin.issue_tokens(client.realm.as_str());
        let issued = admin.now();
        let credentials = RailCredentials::OAuth(OAuthTokens {
            access_token: SecretString::from(tokens.access_token),
            access_expires_at: issued + chrono::Duration::seconds(tokens.expires_in),
            refresh_token: SecretString::from(tokens.refresh_token),
            refresh_expires_at: Some(issued + chrono::Duration::seconds(tokens.x_refresh_token_expires_in)),
        });
        mirror.save_credentials(&client.id, Rail::Qbo, &credentials).await?;
        connections.push(connection);
    }
    Ok(connections)
}

/// The bookkeeper's diligence the bank look-alike plays for a company of
/// `profile`: messy books miss bank lines ([`MESSY_DILIGENCE`]); every other
/// profile's books are tidy and miss none (1.0).
pub fn diligence(profile: Option<Profile>) -> f64 {
    match profile {
        Some(Profile::MessyBooks) => MESSY_DILIGENCE,
        _ => 1.0,
    }
}

/// The Plaid look-alike bank of a client whose books are `books`: one
/// account per home-currency bank and card account, named as in the books
/// and opening at the books' opening balance (what a card owes, for a
/// card), and one book posting per transaction to it, named `Kind:Id`.
/// `username` is the Link login; `seed` (mixed with it) draws the rest.
pub fn bank_of(books: &CashBooks, username: &str, seed: u64, diligence: f64) -> ClientBank {
    let accounts = books
        .accounts
        .iter()
        .map(|a| {
            let kind = match (a.card, a.sub_type.as_str()) {
                (true, _) => AccountKind::CreditCard,
                (false, "Savings") => AccountKind::Savings,
                (false, _) => AccountKind::Checking,
            };
            AccountSpec {
                name: a.name.clone(),
                kind,
                mask: None,
                opening_balance: if a.card { -a.opening_balance } else { a.opening_balance },
                limit: None,
                currency: Currency::USD.code().to_string(),
            }
        })
        .collect();
    let postings = books
        .postings
        .iter()
        .map(|p| BookPosting {
            account: p.account.clone(),
            date: p.date,
            amount: p.amount,
            payee: p.payee.clone(),
            txn_id: format!("{}:{}", p.kind.name(), p.id),
            txn_type: Some(p.kind.name().to_string()),
        })
        .collect();
    ClientBank {
        username: username.to_string(),
        institution_id: "ins_109508".to_string(),
        accounts,
        postings,
        seed,
        habits: Habits {
            diligence,
            ..Habits::default()
        },
        not_ready_polls: 0,
    }
}

/// Gives each of `clients` (registered by [`register_look_alike`]) a bank
/// at the Plaid look-alike `bank`, derived from its company's books at the
/// QBO look-alike `qbo` with the diligence of its profile, and links it as
/// Plaid does: a sandbox public token, exchanged by `rail` for an access
/// token kept sealed in the mirror. Each client then holds its QBO and its
/// Plaid connection. Answers the Plaid connections, in the order given.
pub async fn link_bank_look_alike(
    mirror: &dyn Mirror,
    rail: &PlaidRail,
    qbo: &rowcol_qbo_sim::Admin,
    bank: &rowcol_plaid_sim::Admin,
    advisor: &Advisor,
    clients: &[LookAlikeClient],
) -> Result<Vec<Connection>> {
    let mut connections = Vec::with_capacity(clients.len());
    for client in clients {
        let refused = |reason: String| RowcolError::InvalidInput {
            context: ErrorContext::client(&client.id).with_realm(Rail::Qbo, &client.realm),
            reason,
        };
        let books = qbo
            .cash_books(client.realm.as_str())
            .map_err(|e| refused(format!("the QBO look-alike has no books for it: {e}")))?;
        let diligence = diligence(qbo.profile(client.realm.as_str()));
        let username = client.id.to_string();
        bank.add_bank(bank_of(&books, &username, 0, diligence))
            .map_err(|e| refused(format!("the Plaid look-alike refused its bank: {e}")))?;
        let token = bank
            .public_token(&username, None, DAYS_REQUESTED)
            .map_err(|e| refused(format!("the Plaid look-alike gave no public token: {e}")))?;
        connections.push(crate::link_bank(mirror, rail, &advisor.id, &client.id, &SecretString::from(token)).await?);
    }
    Ok(connections)
}

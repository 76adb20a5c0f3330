//! The live path against both look-alikes: a client whose books are a QBO
//! look-alike company and whose bank is a Plaid look-alike Item, synced,
//! then asked for its balances from the mirror and live, with the rails
//! down or throttled on demand.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use rowcol_core::sync::SyncTrigger;
use rowcol_core::{
    Advisor, AdvisorId, ClientId, EntityKind, MirrorReader, Rail, RetrySettings, SnapshotRequest, StandardPolicy,
};
use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_plaid::PlaidConfig;
use rowcol_plaid_sim::{ErrorCode, FaultRule};
use rowcol_qbo::QboConfig;
use rowcol_qbo_sim::{FaultConfig, Kind, PortfolioSpec, Size};
use rowcol_stack::{LookAlikeClient, Stack, link_bank, register_look_alike};
use rowcol_sync::ClientBalances;
use rowcol_sync::balances::{BalanceSource, LiveOutcome};
use rust_decimal::Decimal;
use secrecy::SecretString;

struct World {
    qbo: rowcol_qbo_sim::SimServer,
    plaid: rowcol_plaid_sim::SimServer,
    mirror: Arc<dyn Mirror>,
    stack: Stack,
    realm: String,
    advisor: AdvisorId,
    client: ClientId,
}

/// Retries at once: a rail that is down gives up in milliseconds.
fn fast_policy() -> StandardPolicy {
    StandardPolicy {
        retry: RetrySettings {
            max_attempts: 2,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(10),
            throttle_wait: Duration::from_millis(10),
        },
        ..StandardPolicy::default()
    }
}

/// Client `acme` of advisor `jane`: a small QBO look-alike company and a
/// small business's Plaid Item, both linked and synced once.
async fn world() -> World {
    world_with(Duration::from_secs(30)).await
}

/// The same, the Plaid rail giving up on a live read after `live`.
async fn world_with(live: Duration) -> World {
    let qbo = rowcol_qbo_sim::start(rowcol_qbo_sim::SimConfig {
        portfolio: PortfolioSpec {
            realms: 1,
            size: Size::Small,
            ..PortfolioSpec::default()
        },
        ..rowcol_qbo_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let plaid = rowcol_plaid_sim::start(rowcol_plaid_sim::SimConfig::default())
        .await
        .unwrap();
    let mirror = rowcol_mirror::open("sqlite::memory:", CredentialKey::generate())
        .await
        .unwrap();
    let stack = Stack::builder(mirror.clone())
        .policy(Arc::new(fast_policy()))
        .qbo(QboConfig::for_sim(&qbo.base_url()).unwrap())
        .plaid(PlaidConfig {
            timeouts: rowcol_plaid::Timeouts {
                live,
                ..rowcol_plaid::Timeouts::default()
            },
            ..PlaidConfig::for_sim(&plaid.base_url()).unwrap()
        })
        .build()
        .unwrap();
    let realm = qbo.admin().realm_ids().remove(0);
    let advisor: AdvisorId = "jane".parse().unwrap();
    let client: ClientId = "acme".parse().unwrap();
    register_look_alike(
        mirror.as_ref(),
        &qbo.admin(),
        &Advisor {
            id: advisor.clone(),
            name: "Jane".into(),
        },
        &[LookAlikeClient {
            id: client.clone(),
            name: "Acme".into(),
            realm: realm.parse().unwrap(),
        }],
    )
    .await
    .unwrap();
    let today = plaid.admin().now().date_naive();
    plaid
        .admin()
        .add_bank(rowcol_plaid_sim::derive::sample::small_business(
            "acme", 5, 0.9, 3, today,
        ))
        .unwrap();
    let token = public_token(&plaid.base_url(), "acme").await;
    let rail = stack.plaid.clone().unwrap();
    link_bank(mirror.as_ref(), &rail, &advisor, &client, &token)
        .await
        .unwrap();
    for connection in mirror.connections().await.unwrap() {
        stack
            .engine
            .sync_connection(&connection, SyncTrigger::OnDemand, &[])
            .await
            .unwrap();
    }
    World {
        qbo,
        plaid,
        mirror,
        stack,
        realm,
        advisor,
        client,
    }
}

/// A Link public token for the bank of `username`, from the look-alike's
/// `/sandbox/public_token/create`.
async fn public_token(base_url: &str, username: &str) -> SecretString {
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{base_url}/sandbox/public_token/create"))
        .json(&serde_json::json!({
            "client_id": "sim-client-id", "secret": "sim-secret",
            "institution_id": "ins_109508", "initial_products": ["transactions"],
            "options": {"override_username": username}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    SecretString::from(created["public_token"].as_str().unwrap().to_owned())
}

impl World {
    async fn balances(&self, live: bool) -> ClientBalances {
        self.stack
            .engine
            .balances(&self.advisor, &self.client, live)
            .await
            .unwrap()
    }

    /// The QBO look-alike's balance of ledger account `id`.
    fn qbo_balance(&self, id: &str) -> Decimal {
        let row = self
            .qbo
            .admin()
            .get(&self.realm, Kind::Account, id.parse().unwrap())
            .unwrap();
        row["CurrentBalance"].to_string().parse().unwrap()
    }
}

fn rows(b: &ClientBalances, rail: Rail) -> Vec<&rowcol_sync::balances::AccountBalance> {
    b.accounts.iter().filter(|a| a.rail == rail).collect()
}

#[tokio::test]
async fn mirrored_balances_are_what_the_last_sync_read_dated_by_that_sync_and_the_banks_own_date() {
    let w = world().await;
    let b = w.balances(false).await;
    assert!(!b.live && b.rails.is_empty() && !b.fell_back());
    let health = w.mirror.health(&w.advisor, &w.client).await.unwrap();
    let synced = |kind| health.kinds.iter().find(|k| k.kind == kind).unwrap().last_success;
    let ledger = rows(&b, Rail::Qbo);
    assert!(ledger.len() >= 2, "the books' bank and card accounts: {ledger:?}");
    for row in &ledger {
        assert_eq!(row.source, BalanceSource::Mirror);
        assert_eq!(
            row.balance.unwrap().amount(),
            w.qbo_balance(row.account.as_str()),
            "{}",
            row.name
        );
        assert_eq!(row.as_of, synced(EntityKind::Account), "aged from the last sync");
        assert!(row.age_seconds.is_some_and(|s| s >= 0));
    }
    let bank = rows(&b, Rail::Plaid);
    assert_eq!(bank.len(), 2, "the Item's checking and card: {bank:?}");
    let snapshot = w
        .mirror
        .snapshot(&w.advisor, &w.client, SnapshotRequest::as_of(b.read_at.date_naive()))
        .await
        .unwrap();
    for row in bank {
        let mirrored = snapshot
            .bank_accounts
            .iter()
            .find(|a| a.meta.external_id == row.account)
            .unwrap();
        assert_eq!(row.balance, mirrored.current);
        assert_eq!(row.as_of, mirrored.balance_as_of, "the bank's own date");
    }
}

#[tokio::test]
async fn a_live_read_answers_the_rails_figures_and_records_them_without_touching_the_mirrored_accounts() {
    let w = world().await;
    let before = w.balances(false).await;
    let checking = rows(&before, Rail::Qbo)
        .into_iter()
        .find(|r| r.account_type == rowcol_core::entity::AccountType::Bank)
        .unwrap()
        .clone();
    let moved = checking.balance.unwrap().amount() + Decimal::new(12_345, 2);
    let id: u64 = checking.account.as_str().parse().unwrap();
    let number: serde_json::Number = moved.to_string().parse().unwrap();
    w.qbo
        .admin()
        .update(
            &w.realm,
            Kind::Account,
            id,
            &serde_json::json!({ "CurrentBalance": number }),
        )
        .unwrap();
    assert_eq!(w.qbo_balance(checking.account.as_str()), moved);

    let live = w.balances(true).await;
    assert!(!live.fell_back(), "{:?}", live.rails);
    assert_eq!(live.rails.len(), 2);
    assert!(live.rails.iter().all(|r| matches!(r.outcome, LiveOutcome::Read { .. })));
    assert!(
        live.accounts
            .iter()
            .all(|a| a.source == BalanceSource::Live && a.stale.is_none())
    );
    let read = live.accounts.iter().find(|a| a.account == checking.account).unwrap();
    assert_eq!(
        read.balance.unwrap().amount(),
        moved,
        "the source's figure, not the mirror's"
    );

    let today = live.read_at.date_naive();
    let history = w
        .mirror
        .balance_history(&w.advisor, &w.client, today, today)
        .await
        .unwrap();
    let point = history.iter().find(|p| p.account == checking.account).unwrap();
    assert_eq!(
        point.balance.amount(),
        moved,
        "the live read is the day's balance point"
    );
    for row in rows(&live, Rail::Plaid) {
        assert!(
            history
                .iter()
                .any(|p| p.account == row.account && Some(p.balance) == row.balance)
        );
    }
    let snapshot = w
        .mirror
        .snapshot(&w.advisor, &w.client, SnapshotRequest::as_of(today))
        .await
        .unwrap();
    let mirrored = snapshot
        .accounts
        .iter()
        .find(|a| a.meta.external_id == checking.account)
        .unwrap();
    assert_eq!(
        mirrored.current_balance,
        checking.balance.unwrap(),
        "the mirrored account stays what the sync read until the next sync"
    );
}

#[tokio::test]
async fn a_rail_down_or_throttled_answers_from_the_mirror_flagged_stale_with_the_reason() {
    let w = world().await;
    let mirrored = w.balances(false).await;
    let item = w.mirror.connections().await.unwrap();
    let item = item.iter().find(|c| c.rail == Rail::Plaid).unwrap().realm.to_string();
    w.plaid.admin().add_fault(FaultRule {
        endpoint: Some("/accounts/balance/get".into()),
        item_id: Some(item),
        code: ErrorCode::InstitutionDown,
        times: 1,
    });
    let bank_down = w.balances(true).await;
    assert!(bank_down.fell_back());
    for row in rows(&bank_down, Rail::Plaid) {
        assert_eq!(row.source, BalanceSource::Mirror);
        let stale = row.stale.as_deref().unwrap();
        assert!(stale.contains("INSTITUTION_DOWN"), "{stale}");
        let before = mirrored.accounts.iter().find(|a| a.account == row.account).unwrap();
        assert_eq!(
            (row.balance, row.as_of),
            (before.balance, before.as_of),
            "the mirror's figure and age"
        );
    }
    assert!(
        rows(&bank_down, Rail::Qbo)
            .iter()
            .all(|r| r.source == BalanceSource::Live)
    );
    let plaid = bank_down.rails.iter().find(|r| r.rail == Rail::Plaid).unwrap();
    assert!(
        matches!(plaid.outcome, LiveOutcome::FellBack { retryable: true, .. }),
        "{plaid:?}"
    );

    // QBO answering 503 to everything: the rail's retries spent, then the mirror.
    w.qbo.admin().set_faults(
        &w.realm,
        FaultConfig {
            error_503: 1.0,
            ..FaultConfig::default()
        },
    );
    let books_down = w.balances(true).await;
    assert!(books_down.fell_back());
    assert!(
        rows(&books_down, Rail::Qbo)
            .iter()
            .all(|r| r.source == BalanceSource::Mirror && r.stale.is_some())
    );
    w.qbo.admin().clear_faults(&w.realm);

    // Plaid's five live reads a minute per Item: two spent above, three
    // more, then the rail refuses without calling Plaid.
    for _ in 0..3 {
        assert!(
            rows(&w.balances(true).await, Rail::Plaid)
                .iter()
                .all(|r| r.stale.is_none())
        );
    }
    let throttled = w.balances(true).await;
    let plaid = throttled.rails.iter().find(|r| r.rail == Rail::Plaid).unwrap();
    match &plaid.outcome {
        LiveOutcome::FellBack { reason, retryable } => {
            assert!(*retryable);
            assert!(reason.contains("5 a minute"), "{reason}");
        }
        other => panic!("expected the mirror's figures, got {other:?}"),
    }
    assert!(rows(&throttled, Rail::Plaid).iter().all(|r| r.stale.is_some()));
    assert!(
        rows(&throttled, Rail::Qbo)
            .iter()
            .all(|r| r.source == BalanceSource::Live)
    );
}

#[tokio::test]
async fn a_bank_slower_than_the_live_timeout_answers_from_the_mirror_in_time() {
    let w = world_with(Duration::from_millis(300)).await;
    w.plaid.admin().set_latency(Duration::from_secs(3));
    let started = std::time::Instant::now();
    let slow = w.balances(true).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(slow.fell_back());
    let plaid = slow.rails.iter().find(|r| r.rail == Rail::Plaid).unwrap();
    match &plaid.outcome {
        LiveOutcome::FellBack { reason, retryable } => {
            assert!(*retryable && reason.contains("not read within"), "{reason}");
        }
        other => panic!("expected the mirror's figures, got {other:?}"),
    }
    assert!(
        rows(&slow, Rail::Plaid)
            .iter()
            .all(|r| r.source == BalanceSource::Mirror && r.stale.is_some())
    );
    assert!(rows(&slow, Rail::Qbo).iter().all(|r| r.source == BalanceSource::Live));
}

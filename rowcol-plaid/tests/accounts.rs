//! Linking an Item and reading its accounts, cached and live, against the
//! look-alike.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{bank, harness};
use rowcol_core::{ErrorContext, RailErrorKind};
use rowcol_plaid::ItemAccess;
use rowcol_plaid_sim::{ErrorCode, FaultRule};

#[tokio::test]
async fn a_public_token_links_an_item_once() {
    let h = harness(100).await;
    let public = h.public_token(bank("client-7", 3, 0.9)).await;
    let context = ErrorContext::client(&"client-7".parse().unwrap());
    let linked = h.client.exchange_public_token(&context, &public).await.unwrap();
    assert!(h.sim.admin().item_ids().contains(&linked.item_id.to_string()));
    assert!(
        !format!("{linked:?}").contains("access-sandbox"),
        "Debug hides the token"
    );
    let item = ItemAccess {
        item_id: linked.item_id.clone(),
        access_token: linked.access_token.clone(),
        context: context.clone(),
    };
    let accounts = h.client.accounts(&item).await.unwrap();
    assert_eq!(accounts.accounts.len(), 2);
    let spent = h.client.exchange_public_token(&context, &public).await.unwrap_err();
    assert_eq!(spent.rail_kind(), Some(&RailErrorKind::Invalid), "{spent}");
    assert_eq!(spent.api_calls(), 1);
}

#[tokio::test]
async fn cached_balances_carry_their_age_and_an_outage_is_retried() {
    let h = harness(100).await;
    let linked = h.link(bank("c1", 5, 0.9));
    let item = h.access(&linked);
    h.sim.admin().add_fault(FaultRule {
        endpoint: Some("/accounts/get".into()),
        item_id: None,
        code: ErrorCode::InstitutionDown,
        times: 1,
    });
    let answer = h.client.accounts(&item).await.unwrap();
    assert_eq!(answer.api_calls, 2, "one outage, one retry");
    let checking = answer.accounts.iter().find(|a| a.name == "Checking").unwrap();
    assert_eq!(checking.account_type, "depository");
    assert!(checking.balances.current.is_some());
    assert!(
        checking.balances.last_updated.is_some(),
        "a cached balance says how old it is"
    );
}

#[tokio::test]
async fn live_balances_stop_at_five_a_minute_per_item_without_calling_plaid() {
    let h = harness(100).await;
    let first = h.link(bank("c1", 5, 0.9));
    let second = h.link(bank("c2", 6, 0.9));
    for _ in 0..5 {
        let live = h.client.live_balances(&h.access(&first)).await.unwrap();
        assert_eq!(live.accounts.len(), 2);
    }
    let calls = h.client.total_calls();
    let refused = h.client.live_balances(&h.access(&first)).await.unwrap_err();
    match refused.rail_kind() {
        Some(RailErrorKind::Throttled {
            retry_after: Some(wait),
        }) => {
            assert!(wait.as_secs() <= 60 && wait.as_secs() >= 55, "{wait:?}")
        }
        other => panic!("expected a throttle with its wait, got {other:?}"),
    }
    assert_eq!(h.client.total_calls(), calls, "Plaid was not asked");
    assert!(
        h.client.live_balances(&h.access(&second)).await.is_ok(),
        "each Item has its own five"
    );
}

//! The [`Registry`](rowcol_core::Registry) port's behaviour: advisors,
//! clients, connections, settings and reviews.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

/// Registry upserts and connection status.
pub async fn registry_upserts_and_connection_status(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme", "bolt"]).await;
    register(s, "adv", &["acme", "bolt"]).await; // idempotent
    let portfolio = s.portfolio(&advisor_id("adv")).await.unwrap();
    assert_eq!(portfolio.len(), 2);
    assert_eq!(portfolio[0].connections.len(), 1);
    s.set_connection_status(&client_id("acme"), Rail::Qbo, ConnectionStatus::NeedsReauth)
        .await
        .unwrap();
    let conns = s.connections().await.unwrap();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].status, ConnectionStatus::NeedsReauth);
    assert_eq!(conns[1].status, ConnectionStatus::Active);
    assert_eq!(
        store_kind(
            s.set_connection_status(&client_id("acme"), Rail::Ramp, ConnectionStatus::Active)
                .await
        ),
        Some(StoreErrorKind::NotFound)
    );
    let orphan = Client {
        id: client_id("orphan"),
        advisor: advisor_id("ghost"),
        name: "Orphan".into(),
        home_currency: Currency::USD,
        connections: vec![],
    };
    assert!(matches!(
        s.upsert_client(&orphan).await,
        Err(RowcolError::InvalidInput { .. })
    ));
    let health = s.health(&advisor_id("adv"), &client_id("acme")).await.unwrap();
    assert_eq!(health.connection, Some(ConnectionStatus::NeedsReauth));
}

/// Checkpoint settings and reviews survive resync.
pub async fn checkpoint_settings_and_reviews_survive_resync(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    assert!(s.checkpoint(&c, Rail::Qbo).await.unwrap().is_none());
    let mut settings = ClientSettings {
        close_date: Some(date("2025-12-31")),
        cost_of_money: dec!(0.085),
        ..ClientSettings::default()
    };
    settings
        .vendor_tiers
        .insert(fixtures::id("56"), rowcol_core::VendorTier::Payroll);
    s.save_settings(&a, &c, &settings).await.unwrap();
    let review = ReviewState {
        client: c.clone(),
        rule_id: "bill_without_due_date".into(),
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        version: VersionToken::new("0"),
        decision: ReviewDecision::Approved,
        by: a.clone(),
        at: time("2026-01-10T10:00:00Z").to_utc(),
    };
    s.save_review(&a, &review).await.unwrap();

    let full = SyncPosition::FullSync {
        started_at: time("2026-01-10T09:00:00-08:00"),
        pending: [
            (EntityKind::Bill, None),
            (EntityKind::Invoice, Some(rowcol_core::sync::PageCursor("1001".into()))),
        ]
        .into_iter()
        .collect(),
        resume: Some(rowcol_core::ChangeCursor::new("CAESJ0tqd2")),
    };
    for position in [full, incremental("2026-01-10T10:00:00-08:00")] {
        let mut b = batch(
            "acme",
            vec![bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10))],
        );
        b.checkpoint = Some(position.clone());
        s.apply(&b).await.unwrap();
        let cp = s.checkpoint(&c, Rail::Qbo).await.unwrap().unwrap();
        assert_eq!(cp.position, position);
    }
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.settings, settings);
    assert_eq!(snap.reviews, vec![review.clone()]);
    assert_eq!(s.settings(&a, &c).await.unwrap(), settings);
    // A later review of the same item replaces the first.
    let excluded = ReviewState {
        decision: ReviewDecision::Excluded,
        ..review
    };
    s.save_review(&a, &excluded).await.unwrap();
    assert_eq!(snapshot(s, "adv", "acme").await.reviews, vec![excluded]);
}

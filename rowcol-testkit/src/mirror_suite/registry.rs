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
    let bolt = s
        .portfolio_client(&advisor_id("adv"), &client_id("bolt"))
        .await
        .unwrap();
    assert_eq!((bolt.id.as_str(), bolt.connections.len()), ("bolt", 1));
    assert_eq!(
        store_kind(s.portfolio_client(&advisor_id("adv"), &client_id("nobody")).await),
        Some(StoreErrorKind::NotFound)
    );
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

/// A bank line decision of `by` on acme's line `line`, made at `at`.
pub fn bank_review(line: &str, action: BankReviewAction, by: &str, at: &str) -> BankReview {
    BankReview {
        client: client_id("acme"),
        line: fixtures::id(line),
        action,
        by: advisor_id(by),
        at: time(at).to_utc(),
    }
}

/// A Plaid batch for acme: checking account `acc-1` and line `line-1` at
/// `version`, updated at `updated`, of `amount`.
fn bank_batch(version: &str, updated: &str, amount: Decimal) -> SyncBatch {
    let mut line = fixtures::bank_transaction("acme", "line-1", "acc-1", amount);
    line.meta.version = VersionToken::new(version);
    line.meta.updated_at = time(updated);
    let mut b = SyncBatch::new(client_id("acme"), Rail::Plaid);
    b.records = vec![
        sourced(Entity::BankAccount(fixtures::bank_feed_account(
            "acme",
            "acc-1",
            dec!(500),
        ))),
        sourced(Entity::BankTransaction(line)),
    ];
    b
}

/// Bank line decisions: saved, a later one replacing the earlier, kept
/// through a re-sync of the line, each appended to the audit log as a
/// `review` entry whose chain verifies; refused outside the portfolio with
/// nothing written.
pub async fn bank_reviews_replace_survive_resync_and_chain_in_the_audit_log(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "jane", &["acme"]).await;
    register(s, "otto", &["zed"]).await;
    let (jane, acme) = (advisor_id("jane"), client_id("acme"));
    s.apply(&bank_batch("0", "2026-01-15T09:00:00-08:00", dec!(-45.10)))
        .await
        .unwrap();
    assert!(snapshot(s, "jane", "acme").await.bank_reviews.is_empty());

    let excluded = bank_review("line-1", BankReviewAction::Exclude, "jane", "2026-01-16T10:00:00Z");
    s.save_bank_review(&jane, &excluded).await.unwrap();
    assert_eq!(snapshot(s, "jane", "acme").await.bank_reviews, vec![excluded.clone()]);

    let posting = |kind, id: &str| PostingRef {
        kind,
        document: fixtures::id(id),
    };
    let approved = bank_review(
        "line-1",
        BankReviewAction::Approve {
            postings: vec![posting(EntityKind::Deposit, "7"), posting(EntityKind::Payment, "8")],
        },
        "jane",
        "2026-01-17T11:30:00.123456Z",
    );
    s.save_bank_review(&jane, &approved).await.unwrap();
    assert_eq!(
        snapshot(s, "jane", "acme").await.bank_reviews,
        vec![approved.clone()],
        "the later decision replaces the earlier"
    );

    // The bank re-sends the line (posted amount changed): the decision stays.
    let outcome = s
        .apply(&bank_batch("1", "2026-01-18T09:00:00-08:00", dec!(-45.60)))
        .await
        .unwrap();
    assert_eq!(outcome.updated, 1);
    let snap = snapshot(s, "jane", "acme").await;
    assert_eq!(snap.bank_reviews, vec![approved.clone()]);
    assert_eq!(snap.bank_transactions[0].amount.amount(), dec!(-45.60));

    // Someone else's advisor, or a client that does not exist: refused,
    // nothing written, nothing audited.
    let before = s.audit_entries(&acme, 0, 1000).await.unwrap().len();
    let outside = Some(StoreErrorKind::OutsidePortfolio);
    let theirs = bank_review(
        "line-1",
        BankReviewAction::FixedAtSource,
        "otto",
        "2026-01-19T10:00:00Z",
    );
    assert_eq!(
        store_kind(s.save_bank_review(&advisor_id("otto"), &theirs).await),
        outside
    );
    let nobody = BankReview {
        client: client_id("nobody"),
        ..excluded.clone()
    };
    assert_eq!(store_kind(s.save_bank_review(&jane, &nobody).await), outside);
    assert_eq!(snapshot(s, "jane", "acme").await.bank_reviews, vec![approved.clone()]);
    assert_eq!(s.audit_entries(&acme, 0, 1000).await.unwrap().len(), before);

    // The log: two inserts, the two decisions, the line's update, in order.
    let log = s.audit_entries(&acme, 0, 1000).await.unwrap();
    let actions: Vec<(AuditAction, EntityKind)> = log.iter().map(|e| (e.action, e.kind)).collect();
    assert_eq!(
        actions,
        vec![
            (AuditAction::Insert, EntityKind::BankAccount),
            (AuditAction::Insert, EntityKind::BankTransaction),
            (AuditAction::Review, EntityKind::BankTransaction),
            (AuditAction::Review, EntityKind::BankTransaction),
            (AuditAction::Update, EntityKind::BankTransaction),
        ]
    );
    for (entry, review) in log[2..4].iter().zip([&excluded, &approved]) {
        assert_eq!(entry.external_id, review.line);
        assert_eq!(entry.version, review.audit_version());
        assert_eq!(entry.source_updated_at, review.at.fixed_offset());
        assert_eq!((entry.txn_date, entry.run), (None, None));
    }
    assert_eq!(log[2].version.as_str(), "exclude/jane");
    let verdict = s.verify_audit(&acme).await.unwrap();
    assert!(verdict.is_intact(), "{verdict:?}");
    assert_eq!(verdict.entries_checked, 5);
}

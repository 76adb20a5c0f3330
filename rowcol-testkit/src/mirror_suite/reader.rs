//! The [`MirrorReader`](rowcol_core::MirrorReader) port's behaviour:
//! snapshots by window and day, balance history, late changes, and every
//! read scoped to the advisor's portfolio.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

/// Snapshot holds open items and the history window.
pub async fn snapshot_holds_open_items_and_the_history_window(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    let mut old_open = fixtures::bill("acme", "1", dec!(50));
    old_open.txn.txn_date = date("2024-01-01");
    let mut old_paid = fixtures::bill("acme", "2", dec!(50));
    old_paid.txn.txn_date = date("2024-01-01");
    old_paid.balance = fixtures::usd(dec!(0));
    let mut recent_paid = fixtures::bill("acme", "3", dec!(50));
    recent_paid.balance = fixtures::usd(dec!(0));
    let mut old_payment = fixtures::payment("acme", "20", dec!(5), "9");
    old_payment.txn.txn_date = date("2025-01-01");
    let inactive_vendor = {
        let mut v = fixtures::vendor("acme", "56", "Old Supplier");
        v.party.active = false;
        v
    };
    let records = vec![
        Entity::Bill(old_open),
        Entity::Bill(old_paid),
        Entity::Bill(recent_paid),
        Entity::Invoice(fixtures::invoice("acme", "10", dec!(75))),
        Entity::Payment(fixtures::payment("acme", "21", dec!(5), "10")),
        Entity::Payment(old_payment),
        Entity::BillPayment(fixtures::bill_payment("acme", "30", dec!(50), "3")),
        Entity::Purchase(fixtures::purchase("acme", "31", dec!(9.99))),
        Entity::Deposit(fixtures::deposit("acme", "32", dec!(100))),
        Entity::Account(fixtures::bank_account("acme", "35", "Checking", dec!(1000))),
        Entity::Vendor(inactive_vendor),
        Entity::Customer(fixtures::customer("acme", "58", "Bright Cafe")),
        Entity::Term(fixtures::term("acme", "3", "Net 30", 30, None)),
        Entity::CompanyInfo(fixtures::company("acme", "Acme Bakery")),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    let ids = |v: Vec<String>| v;
    assert_eq!(
        ids(snap.bills.iter().map(|b| b.meta.external_id.to_string()).collect()),
        vec!["1", "3"],
        "open bills whatever their date, paid ones only inside the window"
    );
    assert_eq!(snap.invoices.len(), 1);
    assert_eq!(
        snap.payments
            .iter()
            .map(|p| p.meta.external_id.to_string())
            .collect::<Vec<_>>(),
        vec!["21"]
    );
    assert_eq!(
        (snap.bill_payments.len(), snap.purchases.len(), snap.deposits.len()),
        (1, 1, 1)
    );
    assert_eq!(snap.accounts.len(), 1);
    assert_eq!(snap.vendors.len(), 1, "inactive vendors are kept");
    assert!(!snap.vendors[0].party.active);
    assert_eq!((snap.customers.len(), snap.terms.len()), (1, 1));
    assert_eq!(
        snap.company.as_ref().map(|c| c.company_name.as_str()),
        Some("Acme Bakery")
    );
    assert_eq!(snap.history_start, date("2025-09-01"));
    assert_eq!(snap.home_currency, Currency::USD);
}

/// A long burn window widens the history and a past day gets what was open.
pub async fn a_long_burn_window_widens_the_history_and_a_past_day_gets_what_was_open(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    // A bill payment 8 months before 2026-03-01, and bill 2 dated before
    // the default window, paid in full on 2026-02-10.
    let mut old_bp = fixtures::bill_payment("acme", "30", dec!(50), "1");
    old_bp.txn.txn_date = date("2025-07-01");
    let mut paid_later = fixtures::bill("acme", "2", dec!(80));
    paid_later.txn.txn_date = date("2025-06-01");
    paid_later.balance = fixtures::usd(dec!(0));
    let mut bp = fixtures::bill_payment("acme", "31", dec!(80), "2");
    bp.txn.txn_date = date("2026-02-10");
    let records = [
        Entity::BillPayment(old_bp),
        Entity::Bill(paid_later),
        Entity::BillPayment(bp),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let default = snapshot(s, "adv", "acme").await;
    assert_eq!(default.history_start, date("2025-09-01"));
    assert!(
        default
            .bill_payments
            .iter()
            .all(|p| p.meta.external_id.as_str() != "30")
    );
    let mut settings = s.settings(&advisor_id("adv"), &client_id("acme")).await.unwrap();
    settings.burn_window_months = 9;
    s.save_settings(&advisor_id("adv"), &client_id("acme"), &settings)
        .await
        .unwrap();
    let wide = snapshot(s, "adv", "acme").await;
    assert_eq!(
        wide.history_start,
        date("2025-05-01"),
        "9 full months and the current one"
    );
    assert!(wide.bill_payments.iter().any(|p| p.meta.external_id.as_str() == "30"));
    // Bill 2 is dated before even that window and closed today, yet a view
    // as of 2026-01-31 needs it: it was open then.
    let past = s
        .snapshot(
            &advisor_id("adv"),
            &client_id("acme"),
            SnapshotRequest::as_of(date("2026-01-31")),
        )
        .await
        .unwrap();
    assert!(past.bills.iter().any(|b| b.meta.external_id.as_str() == "2"));
    assert!(default.bills.iter().all(|b| b.meta.external_id.as_str() != "2"));
}

/// Payment habits reach back past the window: payments of invoices the
/// window's records do not pair come with the snapshot as `habit_history`.
pub async fn payment_habits_reach_back_past_the_window(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    // The default window as of 2026-03-01 starts 2025-09-01. Invoice 1 and
    // its payment are both older; invoice 2 is older but paid inside the
    // window; invoice 3 and its payment are inside it; invoice 4 is open.
    let invoice = |id: &str, dated: &str, due: &str, open: bool| {
        let mut i = fixtures::invoice("acme", id, dec!(100));
        i.txn.txn_date = date(dated);
        i.due_date = Some(date(due));
        if !open {
            i.balance = fixtures::usd(dec!(0));
        }
        Entity::Invoice(i)
    };
    let payment = |id: &str, on: &str, invoice: &str| {
        let mut p = fixtures::payment("acme", id, dec!(100), invoice);
        p.txn.txn_date = date(on);
        Entity::Payment(p)
    };
    let records = [
        invoice("1", "2025-04-01", "2025-05-01", false),
        payment("20", "2025-06-10", "1"),
        invoice("2", "2025-07-01", "2025-08-01", false),
        payment("21", "2025-09-10", "2"),
        invoice("3", "2025-10-01", "2025-10-31", false),
        payment("22", "2025-11-02", "3"),
        invoice("4", "2026-02-01", "2026-03-03", true),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert!(snap.payments.iter().all(|p| p.meta.external_id.as_str() != "20"));
    assert!(snap.invoices.iter().all(|i| i.meta.external_id.as_str() != "2"));
    let seen: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)> = snap
        .habit_history
        .iter()
        .map(|h| (h.customer.to_string(), h.due_date, h.paid_on))
        .collect();
    // Invoice 3 is paired in the window's own records: not repeated here.
    assert_eq!(
        seen,
        vec![
            ("58".to_owned(), date("2025-05-01"), date("2025-06-10")),
            ("58".to_owned(), date("2025-08-01"), date("2025-09-10")),
        ]
    );
}

/// Balance history keeps one point per account per day.
pub async fn balance_history_keeps_one_point_per_account_per_day(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    let point = |acct: &str, d: &str, amount: Decimal| BalancePoint {
        account: fixtures::id(acct),
        on: date(d),
        balance: fixtures::usd(amount),
    };
    let mut b = batch("acme", vec![]);
    b.balance_points = vec![
        point("35", "2026-01-10", dec!(100.10)),
        point("41", "2026-01-10", dec!(-50)),
    ];
    s.apply(&b).await.unwrap();
    b.balance_points = vec![
        point("35", "2026-01-10", dec!(120.25)),
        point("35", "2026-01-11", dec!(90)),
    ];
    s.apply(&b).await.unwrap();
    let history = s
        .balance_history(
            &advisor_id("adv"),
            &client_id("acme"),
            date("2026-01-01"),
            date("2026-01-31"),
        )
        .await
        .unwrap();
    assert_eq!(
        history,
        vec![
            point("35", "2026-01-10", dec!(120.25)),
            point("35", "2026-01-11", dec!(90)),
            point("41", "2026-01-10", dec!(-50))
        ]
    );
}

/// Late changes to closed periods come from the audit log.
pub async fn late_changes_to_closed_periods_come_from_the_audit_log(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    let settings = ClientSettings {
        close_date: Some(date("2026-01-31")),
        ..ClientSettings::default()
    };
    s.save_settings(&a, &c, &settings).await.unwrap();
    // Dated and last changed inside the closed period: fine.
    let quiet = bill("acme", "1", "0", "2026-01-20T09:00:00-08:00", dec!(10));
    // Dated inside the closed period, changed after it: flagged.
    let edited = bill("acme", "2", "3", "2026-02-05T09:00:00-08:00", dec!(10));
    // Dated after the close: fine.
    let mut later = fixtures::bill("acme", "3", dec!(10));
    later.txn.txn_date = date("2026-02-10");
    later.meta.updated_at = time("2026-02-10T09:00:00-08:00");
    s.apply(&batch(
        "acme",
        vec![
            quiet,
            edited,
            SourceRecord {
                entity: Entity::Bill(later),
                raw: "{}".into(),
            },
        ],
    ))
    .await
    .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.late_changes.len(), 1);
    assert_eq!(snap.late_changes[0].external_id.as_str(), "2");
    assert_eq!(snap.late_changes[0].txn_date, date("2026-01-15"));
    assert_eq!(snap.late_changes[0].changed_at, time("2026-02-05T09:00:00-08:00"));
    // Changed again: every late change is kept, oldest first, so an edit is
    // not hidden behind a later payment applied to the same record.
    s.apply(&batch(
        "acme",
        vec![bill("acme", "2", "4", "2026-02-07T09:00:00-08:00", dec!(10))],
    ))
    .await
    .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    let times: Vec<_> = snap.late_changes.iter().map(|c| c.changed_at).collect();
    assert_eq!(
        times,
        [time("2026-02-05T09:00:00-08:00"), time("2026-02-07T09:00:00-08:00")]
    );
    // Each change carries its content fingerprint and the version's before
    // it: first seen, nothing before; then the same contents (version 4
    // differs in version and time only).
    let first = &snap.late_changes[0];
    assert!(first.fingerprint.is_some());
    assert_eq!(first.previous_fingerprint, None);
    assert_eq!(snap.late_changes[1].previous_fingerprint, first.fingerprint);
    assert_eq!(snap.late_changes[1].fingerprint, first.fingerprint);
    // Paid on the 8th: its balance moved, nothing that posts. Edited on
    // the 9th: its amount moved.
    let mut paid = fixtures::bill("acme", "2", dec!(10));
    paid.balance = fixtures::usd(dec!(0));
    paid.meta.version = VersionToken::new("5");
    paid.meta.updated_at = time("2026-02-08T09:00:00-08:00");
    s.apply(&batch("acme", vec![sourced(Entity::Bill(paid))]))
        .await
        .unwrap();
    s.apply(&batch(
        "acme",
        vec![bill("acme", "2", "6", "2026-02-09T09:00:00-08:00", dec!(12))],
    ))
    .await
    .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    let [_, _, paid, edited] = &snap.late_changes[..] else {
        panic!("four late changes: {:?}", snap.late_changes)
    };
    assert_eq!(
        paid.fingerprint, first.fingerprint,
        "a payment applied moves no fingerprint"
    );
    assert_eq!(paid.previous_fingerprint, first.fingerprint);
    assert_eq!(edited.previous_fingerprint, paid.fingerprint);
    assert!(edited.fingerprint.is_some() && edited.fingerprint != paid.fingerprint);
}

/// Reads are scoped to the advisors portfolio.
pub async fn reads_are_scoped_to_the_advisors_portfolio(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv-a", &["acme"]).await;
    register(s, "adv-b", &["bolt"]).await;
    let (b, acme) = (advisor_id("adv-b"), client_id("acme"));
    let d = date("2026-03-01");
    let outside = Some(StoreErrorKind::OutsidePortfolio);
    assert_eq!(
        store_kind(s.snapshot(&b, &acme, SnapshotRequest::as_of(d)).await),
        outside
    );
    assert_eq!(store_kind(s.settings(&b, &acme).await), outside);
    assert_eq!(
        store_kind(s.save_settings(&b, &acme, &ClientSettings::default()).await),
        outside
    );
    assert_eq!(store_kind(s.balance_history(&b, &acme, d, d).await), outside);
    assert_eq!(store_kind(s.health(&b, &acme).await), outside);
    let review = ReviewState {
        client: acme.clone(),
        rule_id: "bill_without_due_date".into(),
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        version: VersionToken::new("0"),
        decision: ReviewDecision::Approved,
        by: b.clone(),
        at: time("2026-01-10T10:00:00Z").to_utc(),
    };
    assert_eq!(store_kind(s.save_review(&b, &review).await), outside);
    // A client that does not exist looks the same as someone else's.
    assert_eq!(store_kind(s.settings(&b, &client_id("nobody")).await), outside);
    // Portfolios list only their own clients; an unknown advisor is not found.
    let ids: Vec<String> = s
        .portfolio(&b)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(ids, vec!["bolt"]);
    assert_eq!(
        store_kind(s.portfolio(&advisor_id("ghost")).await),
        Some(StoreErrorKind::NotFound)
    );
    // A client cannot be moved into another portfolio by an upsert.
    let steal = Client {
        id: acme.clone(),
        advisor: b.clone(),
        name: "stolen".into(),
        home_currency: Currency::USD,
        connections: vec![],
    };
    assert_eq!(store_kind(s.upsert_client(&steal).await), outside);
    assert_eq!(snapshot(s, "adv-a", "acme").await.name, "Client acme");
}

/// A cached snapshot is only ever handed back for its own client and its
/// own history window, and only inside the advisor's portfolio.
pub async fn cached_snapshots_never_cross_clients_windows_or_portfolios(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["acme", "zeta"]).await;
    register(s, "adv2", &["other"]).await;
    let mut paid = fixtures::bill("acme", "2", dec!(20));
    paid.txn.txn_date = date("2025-10-01");
    paid.balance = fixtures::usd(dec!(0));
    s.apply(&batch(
        "acme",
        vec![
            bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10)),
            SourceRecord {
                entity: Entity::Bill(paid),
                raw: "{}".into(),
            },
        ],
    ))
    .await
    .unwrap();
    s.apply(&batch(
        "zeta",
        vec![bill("zeta", "9", "0", "2026-01-10T09:00:00-08:00", dec!(99))],
    ))
    .await
    .unwrap();
    let load = |client: &'static str, as_of: &'static str| async move {
        s.snapshot(
            &advisor_id("adv"),
            &client_id(client),
            SnapshotRequest::as_of(date(as_of)),
        )
        .await
        .unwrap()
    };
    // Twice over, so the second round is answered from the cache.
    for _ in 0..2 {
        // 2026-03-01 less 6 months: the paid bill of 2025-10-01 is inside.
        let wide = load("acme", "2026-03-01").await;
        assert_eq!((wide.client.as_str(), wide.as_of), ("acme", date("2026-03-01")));
        assert_eq!(wide.history_start, date("2025-09-01"));
        assert_eq!(bill_ids(&wide).len(), 2);
        // 2026-06-01 less 6 months: it is outside; the open bill stays.
        let narrow = load("acme", "2026-06-01").await;
        assert_eq!(
            (narrow.as_of, narrow.history_start),
            (date("2026-06-01"), date("2025-12-01"))
        );
        assert_eq!(bill_ids(&narrow), vec![("1".into(), "0".into(), dec!(10))]);
        let zeta = load("zeta", "2026-03-01").await;
        assert_eq!((zeta.client.as_str(), zeta.name.as_str()), ("zeta", "Client zeta"));
        assert_eq!(bill_ids(&zeta), vec![("9".into(), "0".into(), dec!(99))]);
        assert!(zeta.bills.iter().all(|b| b.meta.client.as_str() == "zeta"));
        // Another advisor never gets the cached records.
        let outside = s
            .snapshot(
                &advisor_id("adv2"),
                &client_id("acme"),
                SnapshotRequest::as_of(date("2026-03-01")),
            )
            .await;
        assert_eq!(store_kind(outside), Some(StoreErrorKind::OutsidePortfolio));
    }
}

/// Every posting kind lands in the snapshot by its window.
pub async fn every_posting_kind_lands_in_the_snapshot_by_its_window(store: Arc<dyn MirrorStore>) {
    let store = store;
    register(store.as_ref(), "jane", &["acme"]).await;
    let c = "acme";
    let dated = |mut e: Entity, on: &str| {
        if let Some(txn) = match &mut e {
            Entity::JournalEntry(x) => Some(&mut x.txn),
            Entity::Transfer(x) => Some(&mut x.txn),
            Entity::SalesReceipt(x) => Some(&mut x.txn),
            Entity::RefundReceipt(x) => Some(&mut x.txn),
            Entity::CreditMemo(x) => Some(&mut x.txn),
            Entity::VendorCredit(x) => Some(&mut x.txn),
            Entity::CreditCardPayment(x) => Some(&mut x.txn),
            Entity::TaxPayment(x) => Some(&mut x.txn),
            _ => None,
        } {
            txn.txn_date = date(on);
        }
        SourceRecord {
            raw: "{}".into(),
            entity: e,
        }
    };
    let records = vec![
        dated(
            Entity::JournalEntry(fixtures::journal_entry(c, "1", dec!(8000.01))),
            "2026-01-15",
        ),
        dated(
            Entity::JournalEntry(fixtures::journal_entry(c, "2", dec!(1))),
            "2024-01-15",
        ),
        dated(Entity::Transfer(fixtures::transfer(c, "3", dec!(5000))), "2026-01-01"),
        dated(
            Entity::SalesReceipt(fixtures::sales_receipt(c, "4", dec!(64.50))),
            "2026-01-02",
        ),
        dated(
            Entity::RefundReceipt(fixtures::refund_receipt(c, "5", dec!(12.25))),
            "2026-01-03",
        ),
        // Open credits stay whatever their date; a used-up old one does not.
        dated(
            Entity::CreditMemo(fixtures::credit_memo(c, "6", dec!(100), dec!(40))),
            "2024-02-01",
        ),
        dated(
            Entity::CreditMemo(fixtures::credit_memo(c, "7", dec!(100), dec!(0))),
            "2024-02-01",
        ),
        dated(
            Entity::VendorCredit(fixtures::vendor_credit(c, "8", dec!(75), dec!(75))),
            "2024-03-01",
        ),
        dated(
            Entity::CreditCardPayment(fixtures::card_payment(c, "9", dec!(1830.25))),
            "2026-01-15",
        ),
        dated(
            Entity::TaxPayment(fixtures::tax_payment(c, "10", dec!(320.10))),
            "2026-01-20",
        ),
        dated(Entity::Item(fixtures::item(c, "11", "Consulting")), ""),
        dated(Entity::Class(fixtures::segment(c, "12", "Retail")), ""),
        dated(Entity::Department(fixtures::segment(c, "13", "West")), ""),
        dated(
            Entity::Preferences(fixtures::preferences(c, Some(date("2025-12-31")))),
            "",
        ),
    ];
    store.apply(&batch(c, records)).await.unwrap();
    let s = snapshot(store.as_ref(), "jane", c).await;
    let ids =
        |v: Vec<&rowcol_core::entity::SourceMeta>| v.iter().map(|m| m.external_id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ids(s.journal_entries.iter().map(|e| &e.meta).collect()),
        vec!["1"],
        "the 2024 entry is outside the window"
    );
    assert_eq!(s.journal_entries[0].txn.total.amount(), dec!(8000.01));
    assert_eq!(
        s.journal_entries[0].txn.lines[1].party.as_ref().unwrap().id.as_str(),
        "90"
    );
    assert_eq!(ids(s.transfers.iter().map(|e| &e.meta).collect()), vec!["3"]);
    assert_eq!(ids(s.sales_receipts.iter().map(|e| &e.meta).collect()), vec!["4"]);
    assert_eq!(ids(s.refund_receipts.iter().map(|e| &e.meta).collect()), vec!["5"]);
    assert_eq!(ids(s.credit_memos.iter().map(|e| &e.meta).collect()), vec!["6"]);
    assert_eq!(s.credit_memos[0].remaining_credit.amount(), dec!(40));
    assert_eq!(ids(s.vendor_credits.iter().map(|e| &e.meta).collect()), vec!["8"]);
    assert_eq!(ids(s.card_payments.iter().map(|e| &e.meta).collect()), vec!["9"]);
    assert_eq!(ids(s.tax_payments.iter().map(|e| &e.meta).collect()), vec!["10"]);
    assert_eq!((s.items.len(), s.classes.len(), s.departments.len()), (1, 1, 1));
    assert_eq!(
        s.books_closed_through(),
        Some(date("2025-12-31")),
        "the preferences load whatever the window"
    );
}

/// The bank rail's accounts load whatever the window, its lines by their
/// date, pending lines included, with the books' sign and exact digits.
pub async fn bank_accounts_and_lines_land_in_the_snapshot_by_their_window(store: Arc<dyn MirrorStore>) {
    register(store.as_ref(), "jane", &["acme"]).await;
    let c = "acme";
    let record = |entity: Entity| SourceRecord {
        raw: r#"{"transaction_id":"as received"}"#.into(),
        entity,
    };
    let mut old = fixtures::bank_transaction(c, "line-old", "acc-1", dec!(-5));
    old.date = date("2024-01-15");
    let mut pending = fixtures::bank_transaction(c, "line-pending", "acc-1", dec!(-42.17));
    pending.pending = true;
    let mut posted = fixtures::bank_transaction(c, "line-posted", "acc-1", dec!(-49.76));
    posted.pending_transaction_id = Some(fixtures::id("line-earlier-pending"));
    let mut batch = SyncBatch::new(client_id(c), Rail::Plaid);
    batch.records = vec![
        record(Entity::BankAccount(fixtures::bank_feed_account(
            c,
            "acc-1",
            dec!(20000.01),
        ))),
        record(Entity::BankTransaction(old)),
        record(Entity::BankTransaction(pending)),
        record(Entity::BankTransaction(posted)),
    ];
    store.apply(&batch).await.unwrap();
    let s = snapshot(store.as_ref(), "jane", c).await;
    assert_eq!(s.bank_accounts.len(), 1, "bank accounts load whatever the window");
    assert_eq!(
        s.bank_accounts[0].current.as_ref().map(|m| m.amount()),
        Some(dec!(20000.01))
    );
    let mut lines: Vec<_> = s.bank_transactions.iter().collect();
    lines.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    assert_eq!(
        lines.iter().map(|l| l.meta.external_id.as_str()).collect::<Vec<_>>(),
        vec!["line-pending", "line-posted"],
        "the 2024 line is outside the window"
    );
    assert!(lines[0].pending);
    assert_eq!(lines[1].amount.amount(), dec!(-49.76), "the books' sign, exact digits");
    assert_eq!(
        lines[1].pending_transaction_id.as_ref().map(|id| id.as_str()),
        Some("line-earlier-pending")
    );
}

/// Health lists the kinds each of the client's rails mirrors: the ledger's
/// for QBO, the bank's for Plaid, both (each once) for a client with both;
/// each kind carries its rail's runs, and the connection shown is the one
/// most in need of a person.
pub async fn health_lists_the_kinds_of_the_clients_rails(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "adv", &["ledger"]).await;
    let connection = |client: &str, rail: Rail| Connection {
        client: client_id(client),
        rail,
        realm: fixtures::id(&format!("{client}-{rail}")),
        status: ConnectionStatus::Active,
    };
    for (client, rails) in [("bank", vec![Rail::Plaid]), ("both", vec![Rail::Qbo, Rail::Plaid])] {
        s.upsert_client(&Client {
            id: client_id(client),
            advisor: advisor_id("adv"),
            name: format!("Client {client}"),
            home_currency: Currency::USD,
            connections: rails.into_iter().map(|r| connection(client, r)).collect(),
        })
        .await
        .unwrap();
    }
    let kinds = |client: &'static str| async move {
        let health = s.health(&advisor_id("adv"), &client_id(client)).await.unwrap();
        health.kinds.iter().map(|k| k.kind).collect::<Vec<_>>()
    };
    assert_eq!(kinds("ledger").await, EntityKind::ALL.to_vec());
    assert_eq!(kinds("bank").await, EntityKind::BANK.to_vec());
    let both: Vec<EntityKind> = EntityKind::BANK.iter().chain(&EntityKind::ALL).copied().collect();
    assert_eq!(
        kinds("both").await,
        both,
        "plaid's kinds, then qbo's: rails by name, each kind once"
    );

    // The bank synced, the books failed and need their user: each rail's
    // kinds carry its own runs, and the connection shown is the one needing a person.
    let c = client_id("both");
    for (rail, status) in [(Rail::Qbo, RunStatus::Failed), (Rail::Plaid, RunStatus::Succeeded)] {
        let run = s
            .start_run(&c, rail, SyncTrigger::Schedule, SyncMode::Incremental)
            .await
            .unwrap();
        s.finish_run(run, status, RunCounts::default(), None).await.unwrap();
    }
    s.set_connection_status(&c, Rail::Qbo, ConnectionStatus::NeedsReauth)
        .await
        .unwrap();
    let health = s.health(&advisor_id("adv"), &c).await.unwrap();
    assert_eq!(health.connection, Some(ConnectionStatus::NeedsReauth));
    for k in &health.kinds {
        if EntityKind::BANK.contains(&k.kind) {
            assert!(k.last_success.is_some() && k.consecutive_failures == 0, "{k:?}");
        } else {
            assert!(k.last_success.is_none() && k.consecutive_failures == 1, "{k:?}");
        }
    }
}

/// Bank line decisions load only into their own client's snapshot, and only
/// for its advisor.
pub async fn bank_reviews_are_scoped_to_the_advisors_portfolio(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
    register(s, "jane", &["acme", "bolt"]).await;
    register(s, "otto", &["zed"]).await;
    let review = super::registry::bank_review("line-1", BankReviewAction::Exclude, "jane", "2026-01-16T10:00:00Z");
    s.save_bank_review(&advisor_id("jane"), &review).await.unwrap();
    assert_eq!(snapshot(s, "jane", "acme").await.bank_reviews, vec![review.clone()]);
    assert!(snapshot(s, "jane", "bolt").await.bank_reviews.is_empty());
    let outside = Some(StoreErrorKind::OutsidePortfolio);
    assert_eq!(
        store_kind(s.save_bank_review(&advisor_id("otto"), &review).await),
        outside
    );
    assert_eq!(
        store_kind(
            s.snapshot(
                &advisor_id("otto"),
                &client_id("acme"),
                SnapshotRequest::as_of(date("2026-03-01"))
            )
            .await
        ),
        outside
    );
}

//! Rules about money owed to the client: unsent invoices, unapplied payments.

use rowcol_core::EntityKind;
use rowcol_core::entity::{EmailStatus, Invoice};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::sign::positive;
use crate::period::{days_between, shift};

/// True when nothing says the customer ever had the invoice. The mirror
/// keeps QBO's `EmailStatus` and billing address but not `PrintStatus`, so:
/// - e-mailed: sent;
/// - paid in part (balance below total): the customer had it;
/// - no billing e-mail address: it cannot have been e-mailed, so it went by
///   print or post, which the mirror cannot see; not claimed unsent.
fn never_sent(inv: &Invoice) -> bool {
    inv.email_status != EmailStatus::EmailSent
        && inv.balance.amount() >= inv.txn.total.amount()
        && inv.bill_email.as_deref().is_some_and(|e| !e.trim().is_empty())
}

/// `overdue_invoice_not_sent`: threshold = days past due before flagging.
pub(super) const OVERDUE_NOT_SENT: RuleSpec = RuleSpec {
    id: "overdue_invoice_not_sent",
    family: "receivables",
    severity: Severity::Warning,
    summary: "an overdue invoice was never sent to the customer",
    default_threshold: threshold(0, 0),
    threshold_meaning: Some("days past due"),
    check: |ctx, days, emit| {
        for inv in ctx.s.invoices.iter().filter(|i| !i.meta.deleted && positive(i.balance)) {
            let Some(due) = inv.due_date else { continue };
            let late = Decimal::from(days_between(due, ctx.as_of));
            if late > days && never_sent(inv) {
                emit.flag(
                    vec![Seen::new(EntityKind::Invoice, &inv.meta)],
                    move || {
                        format!(
                            "Invoice {} was due {due} ({late} days ago) and was never sent.",
                            inv.meta.external_id
                        )
                    },
                    "Send the invoice to the customer now, or void it if the work was not billable.",
                    Some(inv.balance),
                );
            }
        }
    },
};

/// `payment_unapplied`: threshold = days old before flagging.
pub(super) const PAYMENT_UNAPPLIED: RuleSpec = RuleSpec {
    id: "payment_unapplied",
    family: "receivables",
    severity: Severity::Warning,
    summary: "a customer payment is not applied to any invoice",
    default_threshold: threshold(0, 0),
    threshold_meaning: Some("days since the payment"),
    check: |ctx, days, emit| {
        let cutoff = shift(ctx.as_of, days.to_i64().unwrap_or(0).saturating_neg());
        for p in ctx.s.payments.iter().filter(|p| !p.meta.deleted) {
            let applied = p.applied_to.iter().any(|l| l.kind == EntityKind::Invoice);
            if !applied && positive(p.txn.total) && p.txn.txn_date <= cutoff {
                emit.flag(
                    vec![Seen::new(EntityKind::Payment, &p.meta)],
                    move || {
                        format!(
                            "Payment {} of {} received {} is not applied to any invoice.",
                            p.meta.external_id, p.txn.total, p.txn.txn_date
                        )
                    },
                    "Apply the payment to the invoices it pays, or record it as a customer credit.",
                    Some(p.txn.total),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_core::entity::EmailStatus;
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::snapshot;

    #[test]
    fn overdue_unsent_invoice() {
        let mut s = snapshot();
        s.invoices.push(fixtures::invoice("acme", "1", dec!(100))); // due 2026-02-14, sent
        s.invoices[0].email_status = EmailStatus::NotSet;
        assert!(
            run("overdue_invoice_not_sent", &s, date("2026-02-14")).is_empty(),
            "not overdue yet"
        );
        assert_eq!(run("overdue_invoice_not_sent", &s, date("2026-02-20")).len(), 1);
        s.invoices[0].email_status = EmailStatus::EmailSent;
        assert!(run("overdue_invoice_not_sent", &s, date("2026-02-20")).is_empty());
    }

    #[test]
    fn an_invoice_paid_in_part_or_printed_was_sent() {
        let mut s = snapshot();
        s.invoices.push(fixtures::invoice("acme", "1", dec!(100))); // due 2026-02-14
        s.invoices[0].email_status = EmailStatus::NotSet;
        assert_eq!(
            run("overdue_invoice_not_sent", &s, date("2026-02-20")).len(),
            1,
            "never e-mailed, nothing paid, the customer has an e-mail address"
        );
        // Paid 30 of 100: the customer had it.
        s.invoices[0].balance = fixtures::usd(dec!(70));
        assert!(run("overdue_invoice_not_sent", &s, date("2026-02-20")).is_empty());
        // No billing e-mail: printed or posted, which the mirror cannot see.
        s.invoices[0].balance = fixtures::usd(dec!(100));
        s.invoices[0].bill_email = None;
        assert!(run("overdue_invoice_not_sent", &s, date("2026-02-20")).is_empty());
        s.invoices[0].bill_email = Some(" ".into());
        assert!(run("overdue_invoice_not_sent", &s, date("2026-02-20")).is_empty());
    }

    #[test]
    fn unapplied_payment() {
        let mut s = snapshot();
        s.payments.push(fixtures::payment("acme", "1", dec!(100), "9"));
        assert!(run("payment_unapplied", &s, date("2026-02-01")).is_empty());
        s.payments[0].applied_to.clear();
        s.payments[0].unapplied = fixtures::usd(dec!(100));
        assert_eq!(run("payment_unapplied", &s, date("2026-02-01")).len(), 1);
    }
}

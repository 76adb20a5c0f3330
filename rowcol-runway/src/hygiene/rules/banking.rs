//! Rules about bank accounts: negative balances, money waiting in
//! Undeposited Funds.

use rowcol_core::EntityKind;
use rowcol_core::entity::{Account, AccountType};
use rust_decimal::prelude::ToPrimitive;

use super::{RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_map::FewIds;
use crate::perf::id_table::IdTable;
use crate::perf::sign::{negative, positive};
use crate::period::shift;

/// True for the account QBO uses to hold payments not yet banked.
pub(crate) fn is_undeposited_funds(a: &Account) -> bool {
    a.sub_type.as_deref() == Some("UndepositedFunds") || a.name.eq_ignore_ascii_case("Undeposited Funds")
}

/// `negative_bank_balance`.
pub(super) const NEGATIVE_BANK_BALANCE: RuleSpec = RuleSpec {
    id: "negative_bank_balance",
    family: "banking",
    severity: Severity::Error,
    summary: "a bank account shows a negative balance",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let banks = ctx
            .s
            .accounts
            .iter()
            .filter(|a| !a.meta.deleted && a.account_type == AccountType::Bank);
        for a in banks.filter(|a| negative(a.current_balance)) {
            emit.flag(
                vec![Seen::new(EntityKind::Account, &a.meta)],
                move || format!("Bank account {} shows {}.", a.name, a.current_balance),
                "Reconcile the account: look for unrecorded deposits or payments recorded twice.",
                Some(a.current_balance),
            );
        }
    },
};

/// `undeposited_funds_aging`: threshold = days money may wait.
pub(super) const UNDEPOSITED_FUNDS: RuleSpec = RuleSpec {
    id: "undeposited_funds_aging",
    family: "banking",
    severity: Severity::Warning,
    summary: "a payment has waited in Undeposited Funds longer than the threshold",
    default_threshold: threshold(7, 0),
    threshold_meaning: Some("days a payment may wait before being deposited"),
    check: |ctx, days, emit| {
        let uf: FewIds<'_> = ctx
            .s
            .accounts
            .iter()
            .filter(|a| !a.meta.deleted && is_undeposited_funds(a))
            .map(|a| &a.meta.external_id)
            .collect();
        if uf.is_empty() {
            return;
        }
        let deposited: IdTable<'_, ()> = ctx
            .s
            .deposits
            .iter()
            .filter(|d| !d.meta.deleted)
            .flat_map(|d| d.linked.iter().filter(|l| l.kind == EntityKind::Payment).map(|l| &l.id))
            .collect();
        let cutoff = shift(ctx.as_of, days.to_i64().unwrap_or(7).saturating_neg());
        // A payment of zero only applies a credit memo to an invoice: no
        // money moved, so none waits to be banked.
        for p in ctx
            .s
            .payments
            .iter()
            .filter(|p| !p.meta.deleted && positive(p.txn.total))
        {
            let in_uf = p.deposit_to.as_ref().is_some_and(|r| uf.contains(&r.id));
            if in_uf && !deposited.contains_key(&p.meta.external_id) && p.txn.txn_date < cutoff {
                emit.flag(
                    vec![Seen::new(EntityKind::Payment, &p.meta)],
                    move || {
                        format!(
                            "Payment {} of {} received {} is still in Undeposited Funds.",
                            p.meta.external_id, p.txn.total, p.txn.txn_date
                        )
                    },
                    "Record the bank deposit that carried this payment, or find the missing deposit.",
                    Some(p.txn.total),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_core::EntityKind;
    use rowcol_core::entity::{AccountType, TxnLink};
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::{account, snapshot};

    #[test]
    fn negative_bank_balance() {
        let mut s = snapshot();
        assert!(run("negative_bank_balance", &s, date("2026-02-01")).is_empty());
        s.accounts[0].current_balance = fixtures::usd(dec!(-1));
        assert_eq!(run("negative_bank_balance", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn undeposited_funds_older_than_seven_days() {
        let mut s = snapshot();
        s.accounts.push(account(
            "4",
            "Undeposited Funds",
            AccountType::OtherCurrentAsset,
            dec!(100),
        ));
        let mut p = fixtures::payment("acme", "1", dec!(100), "9"); // dated 2026-01-15
        p.deposit_to = Some(fixtures::reference("4", "Undeposited Funds"));
        s.payments.push(p);
        // 2026-01-20 is 5 days on: within the 7 allowed.
        assert!(run("undeposited_funds_aging", &s, date("2026-01-20")).is_empty());
        assert_eq!(run("undeposited_funds_aging", &s, date("2026-01-25")).len(), 1);
        let mut d = fixtures::deposit("acme", "2", dec!(100));
        d.linked.push(TxnLink {
            kind: EntityKind::Payment,
            id: fixtures::id("1"),
            amount: None,
        });
        s.deposits.push(d);
        assert!(
            run("undeposited_funds_aging", &s, date("2026-01-25")).is_empty(),
            "deposited"
        );
    }

    #[test]
    fn a_zero_payment_applying_a_credit_has_nothing_to_deposit() {
        let mut s = snapshot();
        s.accounts.push(account(
            "4",
            "Undeposited Funds",
            AccountType::OtherCurrentAsset,
            dec!(100),
        ));
        // Payment 1 of 0 applies credit memo 7 to invoice 9 (QBO records the
        // application as a zero payment, deposited to Undeposited Funds).
        let mut p = fixtures::payment("acme", "1", dec!(0), "9");
        p.deposit_to = Some(fixtures::reference("4", "Undeposited Funds"));
        p.applied_to.push(TxnLink {
            kind: EntityKind::CreditMemo,
            id: fixtures::id("7"),
            amount: Some(fixtures::usd(dec!(40))),
        });
        s.payments.push(p);
        assert!(run("undeposited_funds_aging", &s, date("2026-01-25")).is_empty());
        // The same payment carrying 40 of money waits to be banked.
        let mut money = s.payments[0].clone();
        money.meta.external_id = fixtures::id("2");
        money.txn.total = fixtures::usd(dec!(40));
        s.payments.push(money);
        assert_eq!(run("undeposited_funds_aging", &s, date("2026-01-25")).len(), 1);
    }
}

//! Each vendor's tier: the advisor's setting, else what the books say.
//!
//! From the books, a vendor takes the most pressing tier among the accounts
//! its open and recent bills post to: tax liabilities (sales tax, payroll
//! tax, income tax payable) make it a tax agency; payroll expense or
//! payroll liabilities a payroll provider; notes and loans payable, or any
//! long-term liability, a secured lender; rent and utilities keep the doors
//! open. Everything else is standard. The advisor's settings override.
//!
//! Tax agencies are known by the accounts their bills post to, not by
//! QBO's `TaxAgency` list: the mirror does not hold it (CDC does not cover
//! it, so it would need a periodic full read of its own), and a mirrored
//! `TaxPayment` names only the bank account it was paid from, no vendor.

use rowcol_core::entity::{Account, AccountType};
use rowcol_core::{ClientSnapshot, VendorTier};

use crate::perf::id_table::IdTable;
use crate::perf::index::SnapshotIndex;

/// The tier a bill line posting to `account` suggests, if any.
fn tier_of_account(account: &Account) -> Option<VendorTier> {
    let sub = account.sub_type.as_deref().unwrap_or_default();
    let name = account.name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| sub.contains(w) || name.contains(w));
    if has(&[
        "SalesTaxPayable",
        "IncomeTaxPayable",
        "PayrollTaxPayable",
        "sales tax",
        "tax payable",
    ]) {
        Some(VendorTier::Taxes)
    } else if has(&["Payroll", "payroll", "Wages", "wages"]) {
        Some(VendorTier::Payroll)
    } else if account.account_type == AccountType::LongTermLiability
        || has(&["NotesPayable", "LoanPayable", "loan payable"])
    {
        Some(VendorTier::SecuredDebt)
    } else if has(&["RentOrLease", "Utilities", "rent", "utilities"]) {
        Some(VendorTier::KeepTheDoorsOpen)
    } else {
        None
    }
}

/// Every vendor's tier that differs from standard: settings first, then
/// the books.
pub(crate) fn vendor_tiers<'a>(s: &'a ClientSnapshot, ix: &SnapshotIndex<'a>) -> IdTable<'a, VendorTier> {
    // Each account read once: bills name few accounts many times.
    let mut by_account: IdTable<'a, VendorTier> = IdTable::with_capacity(ix.accounts.len());
    by_account.extend(
        s.accounts
            .iter()
            .filter(|a| !a.meta.deleted)
            .filter_map(|a| tier_of_account(a).map(|t| (&a.meta.external_id, t))),
    );
    let mut tiers: IdTable<'a, VendorTier> = IdTable::with_capacity(s.vendors.len());
    for bill in s.bills.iter().filter(|b| !b.meta.deleted) {
        let Some(vendor) = bill.vendor.as_ref() else { continue };
        let suggested = bill
            .txn
            .lines
            .iter()
            .filter_map(|l| l.account.as_ref())
            .filter_map(|a| by_account.get(&a.id))
            .min()
            .copied();
        if let Some(t) = suggested {
            let slot = tiers.get_or_insert_with(&vendor.id, || t);
            *slot = (*slot).min(t);
        }
    }
    // The advisor's word is final.
    tiers.extend(s.settings.vendor_tiers.iter().map(|(id, tier)| (id, *tier)));
    tiers
}

/// True for the tiers a payment set always pays: payroll, taxes and secured
/// debt.
pub(crate) fn non_discretionary(tier: VendorTier) -> bool {
    matches!(tier, VendorTier::Taxes | VendorTier::Payroll | VendorTier::SecuredDebt)
}

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures::{self, id};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::test_snapshot::{account, snapshot};

    #[test]
    fn the_books_name_tax_payroll_loan_and_rent_vendors_and_settings_override() {
        let mut s = snapshot();
        let mut tax = account("80", "Sales Tax Payable", AccountType::OtherCurrentLiability, dec!(0));
        tax.sub_type = Some("SalesTaxPayable".to_owned());
        let rent = account("81", "Rent or Lease", AccountType::Expense, dec!(0));
        let loan = account("82", "Equipment loan", AccountType::LongTermLiability, dec!(0));
        s.accounts.extend([tax, rent, loan]);
        let bill = |bill_id: &str, vendor: &str, account_id: &str| {
            let mut b = fixtures::bill("acme", bill_id, dec!(100));
            b.vendor = Some(fixtures::reference(vendor, vendor));
            b.txn.lines[0].account = Some(fixtures::reference(account_id, account_id));
            b
        };
        *s.bills = vec![
            bill("1", "70", "80"),
            bill("2", "71", "81"),
            bill("3", "72", "82"),
            bill("4", "73", "60"),
            bill("5", "74", "81"),
        ];
        s.settings.vendor_tiers.insert(id("74"), VendorTier::Deferrable);
        let ix = SnapshotIndex::new(&s);
        let tiers = vendor_tiers(&s, &ix);
        assert_eq!(tiers.get(&id("70")), Some(&VendorTier::Taxes));
        assert_eq!(tiers.get(&id("71")), Some(&VendorTier::KeepTheDoorsOpen));
        assert_eq!(tiers.get(&id("72")), Some(&VendorTier::SecuredDebt));
        assert_eq!(tiers.get(&id("73")), None, "supplies: standard");
        assert_eq!(tiers.get(&id("74")), Some(&VendorTier::Deferrable), "the setting wins");
    }
}

//! What kind of client a realm's books describe. A portfolio mixes them in
//! a fixed cycle ([`PROFILE_CYCLE`]), so the same seed and index always give
//! the same profile, and any ten consecutive realms hold the whole mix.

use serde::{Deserialize, Serialize};

/// The kind of business one realm's books describe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// A healthy, profitable firm: revenue comfortably above spending,
    /// customers paying within terms plus a few days, bills paid around their
    /// due date, tidy books. The most common profile.
    #[default]
    Healthy,
    /// A venture-funded startup burning cash: little revenue, a large
    /// payroll by journal entry twice a month, an equity raise (journal
    /// entry debiting Checking, crediting "Preferred Stock") some months
    /// back, sized so that cash over the net burn of the trailing three full
    /// months is 4 to 9 months.
    Startup,
    /// A seasonal retailer: cash sales deposited to Checking every business
    /// day (weekly in small books), card processing fees (Bank Charges) each
    /// month, revenue peaking in October to December, a "Line of Credit"
    /// drawn before the peak and repaid after it, by journal entries.
    SeasonalRetailer,
    /// A services agency whose customers habitually pay 20 to 60 days late,
    /// with a few invoices going bad and some credits left open; its owner
    /// keeps little cash in the bank, so it can run short.
    SlowPayingAgency,
    /// A multi-currency importer: most vendors bill in EUR, GBP or CAD, the
    /// realm has a "Checking EUR" account.
    Importer,
    /// Messy books: the deliberate bookkeeping problems (uncategorized
    /// spending, duplicate bills, bills without due date, purchases without
    /// payee, undeposited funds piling up, unapplied payments, an overdue
    /// invoice never sent, open credits) concentrated in one client.
    MessyBooks,
    /// Healthy books whose owner disconnects the app: `rowcol demo` revokes
    /// this realm's grant through the look-alike's OAuth revoke endpoint
    /// after the first sync, so the client shows as needing re-auth.
    RevokedTokens,
}

/// The profiles of ten consecutive realms, in order (index modulo 10); the
/// realm at [`REVOKED_INDEX`] is [`Profile::RevokedTokens`] instead.
pub const PROFILE_CYCLE: [Profile; 10] = [
    Profile::Healthy,
    Profile::Startup,
    Profile::SlowPayingAgency,
    Profile::Importer,
    Profile::Healthy,
    Profile::SeasonalRetailer,
    Profile::MessyBooks,
    Profile::Healthy,
    Profile::SlowPayingAgency,
    Profile::Healthy,
];

/// The one realm of a portfolio whose grant the demo revokes (0-based: the
/// eighth realm, `client-008` in the demo), when the portfolio is that big.
pub const REVOKED_INDEX: usize = 7;

/// The profile of the `index`-th realm (0-based) of a portfolio.
pub fn profile_of(index: usize) -> Profile {
    if index == REVOKED_INDEX {
        Profile::RevokedTokens
    } else {
        PROFILE_CYCLE[index % PROFILE_CYCLE.len()]
    }
}

impl Profile {
    /// Every profile, in declaration order.
    pub const ALL: [Profile; 7] = [
        Profile::Healthy,
        Profile::Startup,
        Profile::SeasonalRetailer,
        Profile::SlowPayingAgency,
        Profile::Importer,
        Profile::MessyBooks,
        Profile::RevokedTokens,
    ];

    /// The profile's name as the README and the admin API write it.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Healthy => "healthy",
            Profile::Startup => "startup",
            Profile::SeasonalRetailer => "seasonal_retailer",
            Profile::SlowPayingAgency => "slow_paying_agency",
            Profile::Importer => "importer",
            Profile::MessyBooks => "messy_books",
            Profile::RevokedTokens => "revoked_tokens",
        }
    }

    /// A few words for people (the demo's client names).
    pub fn label(self) -> &'static str {
        match self {
            Profile::Healthy => "healthy firm",
            Profile::Startup => "startup",
            Profile::SeasonalRetailer => "seasonal retailer",
            Profile::SlowPayingAgency => "agency, slow payers",
            Profile::Importer => "importer",
            Profile::MessyBooks => "messy books",
            Profile::RevokedTokens => "disconnected",
        }
    }

    /// The generator's parameters for this profile.
    pub(crate) fn params(self) -> Params {
        let base = Params {
            revenue_pct: 100,
            spend_pct: 45,
            payroll_gross: (350_000, 700_000),
            lateness: (0, 10),
            bad_debt_per_mille: 20,
            bad_bill_per_mille: 5,
            bill_jitter: (-5, 5),
            foreign_vendor_pct: 0,
            messy: false,
            open_credits: false,
            retail: false,
            runway_months: None,
            cash_cushion: Some((20, 40)),
            equipment_loan_cents: None,
        };
        match self {
            Profile::Healthy | Profile::RevokedTokens => base,
            Profile::Startup => Params {
                revenue_pct: 8,
                spend_pct: 100,
                payroll_gross: (3_000_000, 5_000_000),
                lateness: (0, 15),
                bad_debt_per_mille: 30,
                runway_months: Some((45, 85)),
                cash_cushion: None,
                ..base
            },
            Profile::SeasonalRetailer => Params {
                revenue_pct: 20,
                spend_pct: 60,
                payroll_gross: (500_000, 900_000),
                lateness: (0, 15),
                bad_debt_per_mille: 30,
                retail: true,
                cash_cushion: Some((15, 30)),
                equipment_loan_cents: Some(4_500_000),
                ..base
            },
            Profile::SlowPayingAgency => Params {
                spend_pct: 45,
                payroll_gross: (450_000, 800_000),
                lateness: (20, 60),
                bad_debt_per_mille: 40,
                open_credits: true,
                cash_cushion: Some((5, 15)),
                ..base
            },
            Profile::Importer => Params {
                spend_pct: 60,
                lateness: (0, 20),
                bad_debt_per_mille: 30,
                foreign_vendor_pct: 70,
                cash_cushion: Some((15, 30)),
                equipment_loan_cents: Some(6_000_000),
                ..base
            },
            Profile::MessyBooks => Params {
                lateness: (5, 45),
                bad_debt_per_mille: 40,
                bad_bill_per_mille: 30,
                bill_jitter: (-5, 30),
                messy: true,
                open_credits: true,
                cash_cushion: Some((3, 25)),
                ..base
            },
        }
    }
}

/// How one profile's books are drawn. Amounts in cents; percentages of the
/// generator's base amounts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    /// Invoice amounts, percent of the base.
    pub revenue_pct: i64,
    /// Bill and purchase amounts, percent of the base.
    pub spend_pct: i64,
    /// Gross wages of one payroll run, in cents, for typical books (scaled
    /// with the realm's size).
    pub payroll_gross: (i64, i64),
    /// Range of the customers' habitual lateness, days past due.
    pub lateness: (i64, i64),
    /// Invoices that go bad and stay open, per thousand.
    pub bad_debt_per_mille: u32,
    /// Bills disputed and left unpaid, per thousand.
    pub bad_bill_per_mille: u32,
    /// Bills are paid this many days around their due date.
    pub bill_jitter: (i64, i64),
    /// Percent of vendors billing in a foreign currency (multi-currency realms).
    pub foreign_vendor_pct: u32,
    /// The deliberate bookkeeping problems.
    pub messy: bool,
    /// Credit memos and vendor credits left open.
    pub open_credits: bool,
    /// Daily cash sales, card fees, seasonality and a line of credit.
    pub retail: bool,
    /// Runway the equity raise is sized for, tenths of a month (drawn in range).
    pub runway_months: Option<(i64, i64)>,
    /// Cash the owner leaves in the bank, tenths of a month of spending
    /// (drawn in range); the rest is drawn monthly.
    pub cash_cushion: Option<(i64, i64)>,
    /// An equipment loan of this many cents for typical books (scaled with
    /// the realm's size), repaid monthly to a lender that bills each
    /// installment (see `loan.rs`).
    pub equipment_loan_cents: Option<i64>,
}

/// How much of a month's average revenue a retailer takes in `month` (1-12),
/// percent: a peak from October to December, a lull after it.
pub(crate) fn season_pct(month: u32) -> i64 {
    match month {
        1 | 2 => 55,
        3..=8 => 80,
        9 => 90,
        10 => 130,
        11 => 190,
        12 => 240,
        _ => 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::Chart;
    use crate::books::open_items::{AgingMethod, Ledger, open_items};
    use crate::generator::funding::net_cash_out;
    use crate::generator::{Size, generate_realm};
    use crate::money::field;
    use crate::store::{Kind, RealmData};
    use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Utc};
    use rust_decimal::Decimal;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn books(profile: Profile, size: Size, seed: u64) -> RealmData {
        let offset = FixedOffset::west_opt(5 * 3600).unwrap();
        generate_realm(&seed.to_string(), seed, size, profile, false, offset, now())
    }

    fn today(realm: &RealmData) -> NaiveDate {
        now().with_timezone(&realm.offset).date_naive()
    }

    /// Net cash out a month over the trailing three full months.
    fn monthly_burn(realm: &RealmData) -> Decimal {
        let month = today(realm).with_day(1).unwrap();
        net_cash_out(realm, month - Months::new(3), month) / Decimal::from(3)
    }

    fn bank_cash(realm: &RealmData) -> Decimal {
        realm
            .kind_rows(Kind::Account)
            .filter(|a| a["AccountType"] == "Bank")
            .map(|a| field(a, "CurrentBalance"))
            .sum()
    }

    /// Open invoices' amounts (home currency) up to 90 days past due, and beyond.
    fn open_ar(realm: &RealmData) -> (Decimal, Decimal) {
        let items = open_items(
            realm,
            &Chart::of(realm),
            Ledger::Receivable,
            today(realm),
            AgingMethod::Current,
        );
        let mut split = (Decimal::ZERO, Decimal::ZERO);
        for item in items.iter().filter(|i| i.kind == Kind::Invoice) {
            if (today(realm) - item.due_date).num_days() > 90 {
                split.1 += item.open;
            } else {
                split.0 += item.open;
            }
        }
        split
    }

    #[test]
    fn startups_burn_with_four_to_nine_months_of_runway_and_healthy_firms_do_not_burn() {
        for size in [Size::Small, Size::Typical] {
            for seed in 1..=4 {
                let startup = books(Profile::Startup, size, seed);
                let burn = monthly_burn(&startup);
                assert!(burn > Decimal::ZERO, "{size:?} {seed}: a startup burns");
                let runway = bank_cash(&startup) / burn;
                assert!(
                    runway > Decimal::from(4) && runway < Decimal::from(9),
                    "{size:?} {seed}: runway {runway}"
                );
                let raise = startup
                    .kind_rows(Kind::JournalEntry)
                    .find(|je| je["Line"][1]["JournalEntryLineDetail"]["AccountRef"]["name"] == "Preferred Stock")
                    .expect("an equity raise");
                let raised_on = NaiveDate::parse_from_str(raise["TxnDate"].as_str().unwrap(), "%Y-%m-%d").unwrap();
                let months_back = (today(&startup) - raised_on).num_days() / 30;
                assert!((4..=8).contains(&months_back), "raised {months_back} months back");
                for profile in [Profile::Healthy, Profile::RevokedTokens] {
                    let healthy = books(profile, size, seed);
                    assert!(monthly_burn(&healthy) < Decimal::ZERO, "{size:?} {seed} {profile:?}");
                }
            }
        }
    }

    /// Messy books may overdraw Checking, and an agency whose customers pay
    /// late can run short; the others never do.
    #[test]
    fn firms_that_are_paid_on_time_never_overdraw_checking() {
        for size in [Size::Small, Size::Typical] {
            for seed in 1..=6 {
                for profile in Profile::ALL
                    .into_iter()
                    .filter(|p| !matches!(p, Profile::MessyBooks | Profile::SlowPayingAgency))
                {
                    let r = books(profile, size, seed);
                    let checking = r.kind_rows(Kind::Account).find(|a| a["Name"] == "Checking").unwrap();
                    assert!(
                        field(checking, "CurrentBalance") >= Decimal::ZERO,
                        "{size:?} {seed} {profile:?}: {}",
                        checking["CurrentBalance"]
                    );
                }
            }
        }
    }

    #[test]
    fn most_open_receivables_of_a_portfolio_are_at_most_ninety_days_past_due() {
        let (mut recent, mut old) = (Decimal::ZERO, Decimal::ZERO);
        for (i, profile) in PROFILE_CYCLE.iter().enumerate() {
            let (r, o) = open_ar(&books(*profile, Size::Typical, 10 + i as u64));
            recent += r;
            old += o;
        }
        assert!(old > Decimal::ZERO, "a few invoices went bad");
        assert!(recent > old * Decimal::from(4), "{recent} recent, {old} over 90 days");
        // An agency's customers pay late: more of its receivables are past due.
        let past_due = |r: &RealmData| -> Decimal {
            open_items(r, &Chart::of(r), Ledger::Receivable, today(r), AgingMethod::Current)
                .iter()
                .filter(|i| i.kind == Kind::Invoice && i.due_date < today(r))
                .map(|i| i.open)
                .sum()
        };
        let share = |r: &RealmData| past_due(r) / (open_ar(r).0 + open_ar(r).1);
        let agency = books(Profile::SlowPayingAgency, Size::Typical, 3);
        let healthy = books(Profile::Healthy, Size::Typical, 3);
        assert!(
            share(&agency) > share(&healthy),
            "{} vs {}",
            share(&agency),
            share(&healthy)
        );
    }

    /// Counts of the deliberate problems: uncategorized lines, purchases
    /// without payee, bills without due date, unapplied payments, duplicate
    /// bill numbers.
    fn problems(r: &RealmData) -> [usize; 5] {
        let uncategorized = r
            .kind_rows(Kind::Bill)
            .chain(r.kind_rows(Kind::Purchase))
            .filter(|d| d.to_string().contains("Uncategorized Expense"))
            .count();
        let no_payee = r
            .kind_rows(Kind::Purchase)
            .filter(|p| p.get("EntityRef").is_none())
            .count();
        let no_due = r.kind_rows(Kind::Bill).filter(|b| b.get("DueDate").is_none()).count();
        let unapplied = r
            .kind_rows(Kind::Payment)
            .filter(|p| field(p, "UnappliedAmt") > Decimal::ZERO)
            .count();
        let numbers: Vec<String> = r.kind_rows(Kind::Bill).map(|b| b["DocNumber"].to_string()).collect();
        let unique: std::collections::HashSet<&String> = numbers.iter().collect();
        [uncategorized, no_payee, no_due, unapplied, numbers.len() - unique.len()]
    }

    #[test]
    fn the_deliberate_problems_sit_in_the_messy_books_and_not_in_the_others() {
        for size in [Size::Small, Size::Typical] {
            let messy = problems(&books(Profile::MessyBooks, size, 5));
            assert!(messy.iter().all(|n| *n > 0), "{size:?} {messy:?}");
            for profile in Profile::ALL.into_iter().filter(|p| *p != Profile::MessyBooks) {
                assert_eq!(problems(&books(profile, size, 5)), [0; 5], "{size:?} {profile:?}");
            }
        }
    }

    #[test]
    fn a_retailer_sells_daily_peaks_in_the_fourth_quarter_and_repays_its_line_of_credit() {
        let r = books(Profile::SeasonalRetailer, Size::Typical, 8);
        let sales = |months: &[u32]| -> Decimal {
            r.kind_rows(Kind::SalesReceipt)
                .filter(|s| s["PrivateNote"] == "Daily takings")
                .filter(|s| {
                    let d = NaiveDate::parse_from_str(s["TxnDate"].as_str().unwrap(), "%Y-%m-%d").unwrap();
                    months.contains(&d.month())
                })
                .map(|s| field(s, "TotalAmt"))
                .sum()
        };
        assert!(r.kind_rows(Kind::SalesReceipt).count() > 600, "one a business day");
        assert!(sales(&[10, 11, 12]) > sales(&[1, 2, 3]) * Decimal::from(2));
        let memos: Vec<&str> = r
            .kind_rows(Kind::JournalEntry)
            .filter_map(|je| je["PrivateNote"].as_str())
            .collect();
        assert!(memos.contains(&"Line of credit draw") && memos.contains(&"Line of credit repayment"));
        let fees = r
            .kind_rows(Kind::Purchase)
            .filter(|p| p["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["name"] == "Bank Charges")
            .count();
        assert!(fees >= 23, "card fees every month: {fees}");
    }

    #[test]
    fn every_profile_appears_in_the_first_ten_realms_and_only_one_is_revoked() {
        let first: Vec<Profile> = (0..10).map(profile_of).collect();
        for p in Profile::ALL {
            assert!(first.contains(&p), "{p:?}");
        }
        let revoked = (0..100).filter(|&i| profile_of(i) == Profile::RevokedTokens).count();
        assert_eq!(revoked, 1);
        let healthy = (0..100).filter(|&i| profile_of(i) == Profile::Healthy).count();
        assert!(
            Profile::ALL
                .iter()
                .all(|&p| (0..100).filter(|&i| profile_of(i) == p).count() <= healthy),
            "healthy is the most common"
        );
    }
}

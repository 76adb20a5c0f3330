//! Deterministic books: a portfolio of realms generated from a seed, and
//! bursts of realistic changes applied later.

mod books;
pub mod burst;
mod entries;
mod funding;
mod loan;
mod names;
mod obligations;
mod preferences;
pub mod profile;
mod retail;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

pub use books::generate_realm;
pub use profile::{PROFILE_CYCLE, Profile, REVOKED_INDEX};

use crate::faults::fnv;
use crate::store::RealmData;

/// How big one client's books are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// Company info only: for paging tests that create exactly the rows they count.
    Empty,
    /// About a tenth of typical: fast tests.
    Small,
    /// A typical small business (see the crate README for counts).
    #[default]
    Typical,
    /// Ten times typical.
    Large,
}

/// Target counts for one realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeCounts {
    /// Vendors.
    pub vendors: usize,
    /// Customers.
    pub customers: usize,
    /// Bills.
    pub bills: usize,
    /// Invoices.
    pub invoices: usize,
    /// Purchases.
    pub purchases: usize,
    /// Deposits.
    pub deposits: usize,
}

impl Size {
    /// Target counts. Payments and bill payments follow from how many invoices
    /// and bills got paid (about 250 each for typical).
    pub fn counts(self) -> SizeCounts {
        let typical = SizeCounts {
            vendors: 30,
            customers: 40,
            bills: 300,
            invoices: 300,
            purchases: 200,
            deposits: 60,
        };
        let scale = |n: usize, f: usize, d: usize| n * f / d;
        match self {
            Size::Empty => SizeCounts {
                vendors: 0,
                customers: 0,
                bills: 0,
                invoices: 0,
                purchases: 0,
                deposits: 0,
            },
            Size::Small => SizeCounts {
                vendors: 6,
                customers: 8,
                bills: scale(typical.bills, 1, 10),
                invoices: scale(typical.invoices, 1, 10),
                purchases: scale(typical.purchases, 1, 10),
                deposits: scale(typical.deposits, 1, 10),
            },
            Size::Typical => typical,
            Size::Large => SizeCounts {
                vendors: typical.vendors * 10,
                customers: typical.customers * 10,
                bills: typical.bills * 10,
                invoices: typical.invoices * 10,
                purchases: typical.purchases * 10,
                deposits: typical.deposits * 10,
            },
        }
    }
}

/// A portfolio: how many realms, how big, from which seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioSpec {
    /// Seed of everything generated.
    pub seed: u64,
    /// Number of realms.
    pub realms: usize,
    /// Size of each realm.
    pub size: Size,
    /// Id of the first realm; the others follow by one.
    pub first_realm_id: u64,
    /// Every n-th realm (the n-th, 2n-th, ...) is multi-currency whatever its
    /// profile, besides the importers, which always are; 0 for importers only.
    pub multi_currency_every: usize,
}

impl Default for PortfolioSpec {
    fn default() -> Self {
        Self {
            seed: 42,
            realms: 1,
            size: Size::Typical,
            first_realm_id: 9_341_450_000_000_001,
            multi_currency_every: 4,
        }
    }
}

/// The UTC offsets realms are given, in turn (fixed offsets, as QBO writes them).
const OFFSETS_HOURS: [i32; 4] = [-8, -5, -6, -7];

impl PortfolioSpec {
    /// The id of the `index`-th realm (0-based).
    pub fn realm_id(&self, index: usize) -> String {
        (self.first_realm_id + index as u64).to_string()
    }

    /// The seed of one realm's books.
    pub fn realm_seed(&self, realm_id: &str) -> u64 {
        self.seed ^ fnv(realm_id)
    }

    /// Whether the `index`-th realm is multi-currency: an importer, or
    /// every `multi_currency_every`-th realm.
    pub fn is_multi_currency(&self, index: usize) -> bool {
        self.profile(index) == Profile::Importer
            || (self.multi_currency_every > 0 && (index + 1).is_multiple_of(self.multi_currency_every))
    }

    /// The kind of client the `index`-th realm's books describe: a fixed
    /// cycle over ten realms ([`PROFILE_CYCLE`]), the realm at
    /// [`REVOKED_INDEX`] being the one whose tokens get revoked.
    pub fn profile(&self, index: usize) -> Profile {
        profile::profile_of(index)
    }

    /// The profile of a realm of this portfolio, by id (`None` for an id
    /// outside it).
    pub fn profile_of_realm(&self, realm_id: &str) -> Option<Profile> {
        let index = realm_id.parse::<u64>().ok()?.checked_sub(self.first_realm_id)?;
        let index = usize::try_from(index).ok().filter(|i| *i < self.realms)?;
        Some(self.profile(index))
    }

    /// The company offset of the `index`-th realm.
    pub fn offset(&self, index: usize) -> FixedOffset {
        let hours = OFFSETS_HOURS[index % OFFSETS_HOURS.len()];
        FixedOffset::east_opt(hours * 3600).unwrap_or(Utc.fix())
    }
}

use chrono::Offset;

/// Generates every realm of the portfolio, as of `now`.
pub fn generate_portfolio(spec: &PortfolioSpec, now: DateTime<Utc>) -> Vec<RealmData> {
    (0..spec.realms)
        .map(|i| {
            let id = spec.realm_id(i);
            generate_realm(
                &id,
                spec.realm_seed(&id),
                spec.size,
                spec.profile(i),
                spec.is_multi_currency(i),
                spec.offset(i),
                now,
            )
        })
        .collect()
}

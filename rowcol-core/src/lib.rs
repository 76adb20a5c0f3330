//! # rowcol-core
//!
//! The heart of RowCol, the data layer under an accounting advisor's product:
//! domain types, the ports every adapter implements, the error taxonomy and
//! the sync policy. It knows no HTTP, no SQL and no async runtime; the sync
//! engine written against these ports is `rowcol-sync`.
//!
//! - Money is [`Money`]: a `rust_decimal::Decimal` plus a [`Currency`]; never a float.
//! - Ids are validated newtypes: [`ClientId`], [`AdvisorId`], [`RealmId`], [`ExternalId`].
//! - Mirrored records are [`entity`] types; RowCol-owned records live in [`owned`].
//! - Ports: [`LedgerRail`], the mirror's [`Registry`], [`SyncJournal`] and
//!   [`MirrorReader`] (together [`MirrorStore`]), [`CredentialStore`],
//!   [`LeaseStore`], [`SyncPolicy`].
//! - Errors: [`RowcolError`], with [`RowcolError::retryable`]; the one retry
//!   loop is [`retry::retrying`].
//!
//! ```
//! use rowcol_core::{Currency, Money};
//! use rust_decimal::Decimal;
//!
//! let rent = Money::new(Decimal::new(1_250_00, 2), Currency::USD);
//! let fee = Money::new(Decimal::new(12_5, 1), Currency::USD);
//! assert_eq!(rent.checked_add(&fee)?.to_string(), "USD 1262.50");
//! assert!(rent.checked_add(&Money::new(Decimal::ONE, Currency::EUR)).is_err());
//! # Ok::<(), rowcol_core::MoneyError>(())
//! ```

pub mod clock;
pub mod entity;
pub mod error;
pub mod ids;
pub mod money;
pub mod owned;
pub mod policy;
pub mod ports;
pub mod rail;
pub mod retry;
pub mod shared_vec;
pub mod snapshot;
pub mod sync;
#[cfg(test)]
mod test_text;

/// The port traits, for `use rowcol_core::prelude::*;`: their methods are
/// then callable on any store or rail, whole or behind an `Arc`.
pub mod prelude {
    pub use crate::ports::{
        CredentialStore, LeaseStore, LedgerRail, MirrorReader, MirrorStore, Registry, SyncJournal, SyncPolicy,
    };
}

pub use clock::{Clock, ManualClock, SystemClock};
pub use entity::{Entity, EntityKind};
pub use error::{ErrorContext, RailErrorKind, RailFailure, Result, RowcolError, StoreErrorKind};
pub use ids::{AdvisorId, ClientId, ExternalId, IdError, RealmId, VersionToken};
pub use money::{Currency, CurrencyError, Money, MoneyError};
pub use owned::{
    Advisor, BankReview, BankReviewAction, Client, ClientSettings, Connection, ConnectionStatus, Guardrail,
    OAuthTokens, PostingRef, RailCredentials, ReviewDecision, ReviewState, RuleSetting, VendorTier,
};
pub use policy::{RetrySettings, StandardPolicy};
pub use ports::{
    CredentialStore, DataSource, LeaseStore, LedgerRail, MirrorReader, MirrorStore, RateLimit, Registry, RetryDecision,
    SyncJournal, SyncPolicy,
};
pub use rail::{EnabledRails, Rail, RailDisabled, UnknownRail};
pub use shared_vec::SharedVec;
pub use snapshot::{ClientSnapshot, LateChange, PaidInvoice, SnapshotRequest};
pub use sync::ChangeCursor;
pub use sync::{ClientHealth, KindHealth, ReconcileHealth};

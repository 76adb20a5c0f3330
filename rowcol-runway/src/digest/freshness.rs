//! How fresh the data behind a figure is.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rowcol_core::{ClientHealth, ConnectionStatus, EntityKind};
use serde::{Deserialize, Serialize};

/// Kinds cash figures rest on.
pub const CASH_KINDS: &[EntityKind] = &[EntityKind::Account];

/// Kinds runway rests on (cash and the burn's money movements).
pub const RUNWAY_KINDS: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::BillPayment,
    EntityKind::Purchase,
    EntityKind::Payment,
    EntityKind::Deposit,
];

/// Kinds the guardrail status rests on (runway's plus the forecast's open documents).
pub const GUARDRAIL_KINDS: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::BillPayment,
    EntityKind::Purchase,
    EntityKind::Payment,
    EntityKind::Deposit,
    EntityKind::Bill,
    EntityKind::Invoice,
];

/// Kinds the hygiene tray and the decision console rest on: every mirrored
/// kind but the company record.
pub const BOOKS_KINDS: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::Term,
    EntityKind::Vendor,
    EntityKind::Customer,
    EntityKind::Bill,
    EntityKind::Invoice,
    EntityKind::Payment,
    EntityKind::BillPayment,
    EntityKind::Purchase,
    EntityKind::Deposit,
];

/// The freshness of the data behind one figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// The oldest last successful sync among the kinds the figure rests on
    /// (`None` when one of them never synced).
    pub data_as_of: Option<DateTime<Utc>>,
    /// Seconds from `data_as_of` to the digest's `now`.
    pub lag_seconds: Option<i64>,
    /// True when the figure must not be shown as current (sync health red).
    pub stale: bool,
    /// Why it is stale.
    pub why_stale: Option<String>,
}

/// Judges the freshness of data of `kinds` at `now` against `target`: stale
/// when the connection is not active, a kind never synced, or a kind's last
/// success is older than the target.
pub fn freshness(health: &ClientHealth, kinds: &[EntityKind], now: DateTime<Utc>, target: Duration) -> Freshness {
    let mut oldest: Option<DateTime<Utc>> = None;
    let mut why: Vec<String> = Vec::new();
    match health.connection {
        Some(ConnectionStatus::Active) => {}
        Some(other) => why.push(format!("connection {}", other.as_str())),
        None => why.push("no connection".to_owned()),
    }
    let mut never = false;
    for kind in kinds {
        let last = health
            .kinds
            .iter()
            .find(|k| k.kind == *kind)
            .and_then(|k| k.last_success);
        match last {
            None => {
                never = true;
                why.push(format!("{kind} never synced"));
            }
            Some(t) => {
                oldest = Some(oldest.map_or(t, |o| o.min(t)));
                let lag = (now - t).to_std().unwrap_or(Duration::ZERO);
                if lag > target {
                    why.push(format!("{kind} last synced {} min ago", lag.as_secs() / 60));
                }
            }
        }
    }
    let data_as_of = if never { None } else { oldest };
    Freshness {
        data_as_of,
        lag_seconds: data_as_of.map(|t| (now - t).num_seconds()),
        stale: !why.is_empty(),
        why_stale: (!why.is_empty()).then(|| why.join("; ")),
    }
}

/// A figure with the freshness of its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stated<T> {
    /// The figure.
    pub value: T,
    /// How fresh its data is.
    pub freshness: Freshness,
}

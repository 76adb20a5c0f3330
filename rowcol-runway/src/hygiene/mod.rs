//! The hygiene tray: bookkeeping problems found by rules, minus what the
//! advisor already reviewed.
//!
//! Each rule (see [`rules::catalogue`]) can be switched off or given another
//! threshold per client through `ClientSettings::rules`, keyed by rule id. A
//! finding is keyed by rule id and its subject (the first entity it names):
//! an *approved* finding stays quiet while the subject's version is the one
//! approved, an *excluded* one stays quiet for good.

mod pending;
pub mod rules;

use chrono::NaiveDate;
use rowcol_core::entity::SourceMeta;
use rowcol_core::{ClientId, ClientSnapshot, EntityKind, ExternalId, Money, ReviewDecision, ReviewState, VersionToken};
use serde::{Deserialize, Serialize};

use crate::bank_check::{BankCheck, check_linked};
use crate::bank_match::MatchSettings;
use crate::perf::id_map::IdMap;
use crate::perf::id_table::IdTable;
use crate::perf::index::SnapshotIndex;
use pending::Pending;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// Likely wrong; fix before relying on the figures it touches.
    Warning,
    /// Wrong; figures built on it are off.
    Error,
}

/// A record a finding is about, at the version it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    /// Its kind.
    pub kind: EntityKind,
    /// Its id on the rail.
    pub id: ExternalId,
    /// Its version when seen.
    pub version: VersionToken,
}

impl Ord for EntityRef {
    /// By kind, then id, then version text: a stable order for output.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.kind, &self.id, self.version.as_str()).cmp(&(other.kind, &other.id, other.version.as_str()))
    }
}

impl PartialOrd for EntityRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl EntityRef {
    /// A reference to a mirrored record from its metadata.
    pub fn new(kind: EntityKind, meta: &SourceMeta) -> Self {
        EntityRef {
            kind,
            id: meta.external_id.clone(),
            version: meta.version.clone(),
        }
    }
}

/// One problem found by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id (see [`rules::catalogue`]).
    pub rule_id: String,
    /// How much it matters.
    pub severity: Severity,
    /// What is wrong, in plain words.
    pub explanation: String,
    /// The records concerned; the first is the subject reviews attach to.
    pub entities: Vec<EntityRef>,
    /// What to do about it.
    pub suggested_fix: String,
    /// The money concerned, in the record's currency, when there is one.
    pub amount: Option<Money>,
}

impl Finding {
    /// The record reviews attach to.
    pub fn subject(&self) -> Option<&EntityRef> {
        self.entities.first()
    }
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Errors.
    pub error: u32,
    /// Warnings.
    pub warning: u32,
    /// Infos.
    pub info: u32,
}

/// The hygiene tray of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HygieneTray {
    /// The client.
    pub client: ClientId,
    /// The date rules judged against.
    pub as_of: NaiveDate,
    /// Open findings: most severe first, then by rule id and subject.
    pub findings: Vec<Finding>,
    /// Open findings per severity.
    pub counts: SeverityCounts,
    /// Findings kept quiet by an approval of the subject's current version.
    pub quiet_approved: u32,
    /// Findings kept quiet by an exclusion.
    pub quiet_excluded: u32,
    /// Ids of the rules that ran (enabled for this client), in catalogue order.
    pub rules_run: Vec<String>,
}

impl HygieneTray {
    /// Ids of the records of `kind` named by an open finding of at least
    /// `severity`.
    pub(crate) fn flagged(&self, kind: EntityKind, severity: Severity) -> IdTable<'_, ()> {
        self.findings
            .iter()
            .filter(|f| f.severity >= severity)
            .flat_map(|f| f.entities.iter().filter(|e| e.kind == kind).map(|e| &e.id))
            .collect()
    }

    /// Open findings that name the record `kind`/`id`.
    pub fn findings_about<'t>(&'t self, kind: EntityKind, id: &'t ExternalId) -> impl Iterator<Item = &'t Finding> {
        self.findings
            .iter()
            .filter(move |f| f.entities.iter().any(|e| e.kind == kind && &e.id == id))
    }
}

/// Runs every enabled rule over `s` as it stood at the end of `as_of` (see
/// [`crate::history`]) and drops reviewed findings. The banking rules on
/// bank lines read the client's bank check ([`crate::bank_check`], default
/// [`MatchSettings`]); a client without a linked bank account gets none of
/// their findings.
pub fn tray(s: &ClientSnapshot, as_of: NaiveDate) -> HygieneTray {
    let s = &*crate::history::as_it_stood(s, as_of);
    let bank = check_linked(s, &MatchSettings::default(), as_of);
    tray_with(s, as_of, &SnapshotIndex::new(s), bank.as_ref(), usize::MAX).0
}

/// The tray with only its first `keep` findings written out (the rest are
/// counted, not kept), and the ids of the bills any open finding of warning
/// or error severity names: the digest shows three findings, and the
/// console holds back the flagged bills. `bank` is the client's bank check
/// as of `as_of` (`None` without a linked bank account).
pub(crate) fn tray_with<'a>(
    s: &'a ClientSnapshot,
    as_of: NaiveDate,
    ix: &SnapshotIndex<'a>,
    bank: Option<&BankCheck>,
    keep: usize,
) -> (HygieneTray, IdTable<'a, ()>) {
    let ctx = rules::RuleCtx { s, as_of, ix, bank };
    let mut raw = Vec::new();
    let mut rules_run = Vec::with_capacity(rules::catalogue().len());
    for rule in rules::catalogue() {
        let setting = s.settings.rules.get(rule.id);
        if setting.is_some_and(|r| !r.enabled) {
            continue;
        }
        let threshold = setting
            .and_then(|r| r.threshold)
            .or(rule.default_threshold)
            .unwrap_or_default();
        rules_run.push(rule.id.to_owned());
        (rule.check)(&ctx, threshold, &mut rules::Emit::new(rule, &mut raw));
    }
    let reviews = latest_reviews(&s.reviews);
    let (mut quiet_approved, mut quiet_excluded) = (0, 0);
    let mut open: Vec<Pending<'a>> = raw
        .into_iter()
        .filter(|f| {
            let Some(subject) = f.subject() else { return true };
            match reviews.get(&(f.rule.id, subject.kind, subject.id)) {
                Some(r) if r.decision == ReviewDecision::Excluded => {
                    quiet_excluded += 1;
                    false
                }
                Some(r) if r.version == *subject.version => {
                    quiet_approved += 1;
                    false
                }
                _ => true,
            }
        })
        .collect();
    open.sort_by(Pending::tray_order);
    let mut counts = SeverityCounts::default();
    let mut flagged_bills = IdTable::default();
    for f in &open {
        match f.severity {
            Severity::Error => counts.error += 1,
            Severity::Warning => counts.warning += 1,
            Severity::Info => counts.info += 1,
        }
        if f.severity >= Severity::Warning {
            flagged_bills.extend(
                f.entities
                    .iter()
                    .filter(|e| e.kind == EntityKind::Bill)
                    .map(|e| (e.id, ())),
            );
        }
    }
    let tray = HygieneTray {
        client: s.client.clone(),
        as_of,
        findings: open.into_iter().take(keep).map(Pending::finish).collect(),
        counts,
        quiet_approved,
        quiet_excluded,
        rules_run,
    };
    (tray, flagged_bills)
}

type ReviewKey<'a> = (&'a str, EntityKind, &'a ExternalId);

/// The latest review per rule and record (by decision time).
fn latest_reviews(reviews: &[ReviewState]) -> IdMap<ReviewKey<'_>, &ReviewState> {
    let mut latest: IdMap<ReviewKey<'_>, &ReviewState> = IdMap::default();
    for r in reviews {
        let key = (r.rule_id.as_str(), r.kind, &r.external_id);
        if latest.get(&key).is_none_or(|old| r.at >= old.at) {
            latest.insert(key, r);
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use rowcol_core::{ReviewDecision, ReviewState, RuleSetting, VersionToken};
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::test_snapshot::{snapshot, synced_at};

    fn review(decision: ReviewDecision, version: &str) -> ReviewState {
        ReviewState {
            client: fixtures::id("acme"),
            rule_id: "bill_missing_due_date".to_owned(),
            kind: EntityKind::Bill,
            external_id: fixtures::id("1"),
            version: VersionToken::new(version),
            decision,
            by: fixtures::id("jane-cfo"),
            at: synced_at(),
        }
    }

    fn with_undated_bill() -> ClientSnapshot {
        let mut s = snapshot();
        let mut b = fixtures::bill("acme", "1", dec!(100));
        b.due_date = None;
        s.bills.push(b);
        s
    }

    #[test]
    fn approval_stays_quiet_until_the_entity_changes() {
        let mut s = with_undated_bill();
        s.reviews.push(review(ReviewDecision::Approved, "0"));
        let t = tray(&s, date("2026-02-01"));
        assert!(t.findings.iter().all(|f| f.rule_id != "bill_missing_due_date"));
        assert_eq!(t.quiet_approved, 1);
        s.bills[0].meta.version = VersionToken::new("1"); // edited since
        let t = tray(&s, date("2026-02-01"));
        assert!(t.findings.iter().any(|f| f.rule_id == "bill_missing_due_date"));
    }

    #[test]
    fn exclusion_stays_quiet_for_good() {
        let mut s = with_undated_bill();
        s.reviews.push(review(ReviewDecision::Excluded, "0"));
        s.bills[0].meta.version = VersionToken::new("7");
        let t = tray(&s, date("2026-02-01"));
        assert!(t.findings.iter().all(|f| f.rule_id != "bill_missing_due_date"));
        assert_eq!(t.quiet_excluded, 1);
    }

    #[test]
    fn rules_switch_off_and_take_thresholds_per_client() {
        let mut s = with_undated_bill();
        s.settings.rules.insert(
            "bill_missing_due_date".to_owned(),
            RuleSetting {
                enabled: false,
                threshold: None,
            },
        );
        let t = tray(&s, date("2026-02-01"));
        assert!(!t.rules_run.iter().any(|r| r == "bill_missing_due_date"));
        assert!(t.findings.iter().all(|f| f.rule_id != "bill_missing_due_date"));
        // Two same-amount bills 3 days apart: a duplicate by default (5 days), not with 2.
        let mut s = snapshot();
        let mut b = fixtures::bill("acme", "2", dec!(100));
        b.txn.txn_date = date("2026-01-18");
        *s.bills = vec![fixtures::bill("acme", "1", dec!(100)), b];
        let duplicates = |s: &ClientSnapshot| {
            tray(s, date("2026-02-01"))
                .findings
                .iter()
                .filter(|f| f.rule_id == "duplicate_bill")
                .count()
        };
        assert_eq!(duplicates(&s), 1);
        s.settings.rules.insert(
            "duplicate_bill".to_owned(),
            RuleSetting {
                enabled: true,
                threshold: Some(dec!(2)),
            },
        );
        assert_eq!(duplicates(&s), 0);
    }

    #[test]
    fn absurd_thresholds_do_not_panic() {
        let mut s = with_undated_bill();
        s.payments.push(fixtures::payment("acme", "9", dec!(5), "1"));
        s.purchases.push(fixtures::purchase("acme", "8", dec!(5)));
        for threshold in [dec!(-1e20), dec!(-9223372036854775808), dec!(1e20)] {
            for rule in rules::catalogue().iter().filter(|r| r.default_threshold.is_some()) {
                let setting = RuleSetting {
                    enabled: true,
                    threshold: Some(threshold),
                };
                s.settings.rules.insert(rule.id.to_owned(), setting);
            }
            let _ = tray(&s, date("2026-02-01"));
        }
    }

    #[test]
    fn every_rule_has_a_unique_id_and_an_explained_threshold() {
        let rules = rules::catalogue();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
        assert!(
            rules
                .iter()
                .all(|r| r.default_threshold.is_some() == r.threshold_meaning.is_some())
        );
    }
}

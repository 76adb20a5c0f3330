//! Findings as rules report them, before the tray keeps them: the records
//! they name are borrowed from the snapshot and their explanation is
//! written only when the finding is kept for output.
//!
//! The tray filters, sorts and counts every finding but the digest shows
//! only the first few; borrowing ids and deferring the text spares the
//! string copies and formatting of all the others.

use std::borrow::Cow;
use std::cmp::Ordering;

use rowcol_core::entity::SourceMeta;
use rowcol_core::{EntityKind, ExternalId, Money, VersionToken};

use super::rules::RuleSpec;
use super::{EntityRef, Finding, Severity};

/// A record a finding names, borrowed where it can be.
#[derive(Debug, Clone)]
pub(crate) struct Seen<'a> {
    pub(crate) kind: EntityKind,
    pub(crate) id: &'a ExternalId,
    pub(crate) version: Cow<'a, VersionToken>,
}

impl<'a> Seen<'a> {
    /// A mirrored record, by its metadata.
    pub(crate) fn new(kind: EntityKind, meta: &'a SourceMeta) -> Self {
        Seen {
            kind,
            id: &meta.external_id,
            version: Cow::Borrowed(&meta.version),
        }
    }

    /// The order of [`EntityRef`]: kind, then id, then version text.
    fn key(&self) -> (EntityKind, &ExternalId, &str) {
        (self.kind, self.id, self.version.as_str())
    }

    fn to_ref(&self) -> EntityRef {
        EntityRef {
            kind: self.kind,
            id: self.id.clone(),
            version: self.version.as_ref().clone(),
        }
    }
}

/// A finding whose explanation is not written yet.
pub(crate) struct Pending<'a> {
    pub(crate) rule: &'static RuleSpec,
    /// The rule's severity, or the lower one the rule gave this finding.
    pub(crate) severity: Severity,
    /// The records concerned; the first is the subject.
    pub(crate) entities: Vec<Seen<'a>>,
    explain: Box<dyn FnOnce() -> String + 'a>,
    fix: &'static str,
    amount: Option<Money>,
}

impl<'a> Pending<'a> {
    pub(crate) fn new(
        rule: &'static RuleSpec,
        entities: Vec<Seen<'a>>,
        explain: Box<dyn FnOnce() -> String + 'a>,
        fix: &'static str,
        amount: Option<Money>,
    ) -> Self {
        Pending {
            rule,
            severity: rule.severity,
            entities,
            explain,
            fix,
            amount,
        }
    }

    /// This finding at `severity` instead of its rule's.
    pub(crate) fn with_severity(self, severity: Severity) -> Self {
        Pending { severity, ..self }
    }

    /// The record reviews attach to.
    pub(crate) fn subject(&self) -> Option<&Seen<'a>> {
        self.entities.first()
    }

    /// The tray's order: most severe first, then rule id, then the records
    /// named (as [`Finding`]s compare them).
    pub(crate) fn tray_order(&self, other: &Self) -> Ordering {
        other
            .severity
            .cmp(&self.severity)
            // Findings of one rule are compared most often: the same rule
            // is the same id without comparing the text.
            .then_with(|| match std::ptr::eq(self.rule, other.rule) {
                true => Ordering::Equal,
                false => self.rule.id.cmp(other.rule.id),
            })
            .then_with(|| {
                self.entities
                    .iter()
                    .map(Seen::key)
                    .cmp(other.entities.iter().map(Seen::key))
            })
    }

    /// The finding with its explanation written out.
    pub(crate) fn finish(self) -> Finding {
        Finding {
            rule_id: self.rule.id.to_owned(),
            severity: self.severity,
            explanation: (self.explain)(),
            entities: self.entities.iter().map(Seen::to_ref).collect(),
            suggested_fix: self.fix.to_owned(),
            amount: self.amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures;

    use super::*;
    use crate::hygiene::rules::catalogue;

    fn pending<'a>(rule: usize, entities: Vec<Seen<'a>>, text: &'a str) -> Pending<'a> {
        Pending::new(
            &catalogue()[rule],
            entities,
            Box::new(move || text.to_owned()),
            "fix it",
            None,
        )
    }

    #[test]
    fn orders_as_finished_findings_do_and_writes_text_on_finish() {
        let metas: Vec<SourceMeta> = ["10", "9", "9"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut m = fixtures::meta("acme", id);
                m.version = VersionToken::new(i.to_string());
                m
            })
            .collect();
        let seen = |i: usize| Seen::new(EntityKind::Bill, &metas[i]);
        let mut owned = Seen::new(EntityKind::Bill, &metas[2]);
        owned.version = Cow::Owned(VersionToken::new("0"));
        let mut all = [
            pending(0, vec![seen(0)], "a"),
            pending(0, vec![seen(1)], "b"),
            pending(0, vec![seen(2)], "c"),
            pending(0, vec![owned], "d"),
            pending(0, vec![seen(1), seen(0)], "e"),
            pending(1, vec![seen(0)], "f"),
            pending(2, vec![seen(0)], "g"),
        ];
        // The same findings finished first, sorted as the tray sorted them before.
        let mut finished: Vec<Finding> = all
            .iter()
            .map(|p| Pending::new(p.rule, p.entities.clone(), Box::new(String::new), p.fix, p.amount).finish())
            .collect();
        finished.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.entities.cmp(&b.entities))
        });
        all.sort_by(Pending::tray_order);
        let order: Vec<(String, Vec<EntityRef>)> = all
            .iter()
            .map(|p| (p.rule.id.to_owned(), p.entities.iter().map(Seen::to_ref).collect()))
            .collect();
        let expected: Vec<(String, Vec<EntityRef>)> = finished.into_iter().map(|f| (f.rule_id, f.entities)).collect();
        assert_eq!(order, expected);
        // The text is written on finish, from the rule's own closure.
        let f = pending(1, vec![seen(0)], "written").finish();
        assert_eq!(f.explanation, "written");
        assert_eq!(
            (f.rule_id.as_str(), f.suggested_fix.as_str()),
            (catalogue()[1].id, "fix it")
        );
        assert_eq!(f.entities, vec![EntityRef::new(EntityKind::Bill, &metas[0])]);
    }
}

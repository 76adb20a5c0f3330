//! The append-only, hash-chained audit log of changes to a client's mirror.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so
//! editing, removing or reordering any entry breaks every later link. The hash
//! is computed here, once, so every store backend chains identically.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::RunId;
use crate::{ClientId, EntityKind, ExternalId, VersionToken};

/// The `prev_hash` of a client's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a mirrored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// First seen.
    Insert,
    /// Replaced by a newer version.
    Update,
    /// Deleted at the source (tombstoned).
    Delete,
    /// An advisor's decision about the record (a bank line approved,
    /// excluded or fixed at source): RowCol-owned, the record itself is
    /// unchanged. The entry's version is the decision's audit version
    /// ([`BankReview::audit_version`](crate::BankReview::audit_version)),
    /// its source time the decision's time, with no transaction date or run.
    Review,
}

impl AuditAction {
    /// snake_case name used in storage and in the hash.
    pub fn as_str(&self) -> &'static str {
        match self {
            AuditAction::Insert => "insert",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Review => "review",
        }
    }
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the client's chain, from 1.
    pub seq: i64,
    /// The client.
    pub client: ClientId,
    /// When the mirror recorded the change.
    pub recorded_at: DateTime<Utc>,
    /// What happened.
    pub action: AuditAction,
    /// Kind of the record.
    pub kind: EntityKind,
    /// The record.
    pub external_id: ExternalId,
    /// Its version after the change.
    pub version: VersionToken,
    /// When the source changed it, with the source's offset.
    pub source_updated_at: DateTime<FixedOffset>,
    /// The transaction date, for transactions (close-date checks use it).
    pub txn_date: Option<NaiveDate>,
    /// The run that wrote it.
    pub run: Option<RunId>,
    /// Hash of the previous entry (`GENESIS_HASH` for the first).
    pub prev_hash: String,
    /// SHA-256 over this entry's fields and `prev_hash`, hex.
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, from its fields and `prev_hash`.
    /// Fields are joined with a unit separator that no field may contain
    /// (ids and tokens are validated; times and dates are fixed formats).
    pub fn expected_hash(&self) -> String {
        let mut h = FieldHasher(Sha256::new());
        h.field(self.seq);
        h.field(&self.client);
        h.field(self.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        h.field(self.action.as_str());
        h.field(self.kind.as_str());
        h.field(&self.external_id);
        h.field(&self.version);
        h.field(
            self.source_updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
        );
        h.field(OrEmpty(self.txn_date));
        h.field(OrEmpty(self.run.map(|r| r.0)));
        h.field(&self.prev_hash);
        hex::encode(h.0.finalize())
    }

    /// Sets `prev_hash` from the previous entry (or genesis) and `hash` from
    /// the fields; call once all other fields are final.
    pub fn seal(mut self, prev_hash: &str) -> Self {
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.expected_hash();
        self
    }
}

/// Feeds fields to SHA-256 as their text, each followed by the unit
/// separator, without building the text first.
struct FieldHasher(Sha256);

impl FieldHasher {
    fn field(&mut self, value: impl std::fmt::Display) {
        // Writing into the hasher cannot fail.
        let _ = std::fmt::Write::write_fmt(self, format_args!("{value}"));
        self.0.update([0x1f]);
    }
}

impl std::fmt::Write for FieldHasher {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// An optional field's text: empty when absent.
struct OrEmpty<T>(Option<T>);

impl<T: std::fmt::Display> std::fmt::Display for OrEmpty<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => Ok(()),
        }
    }
}

/// The result of walking a client's audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// The client.
    pub client: ClientId,
    /// Entries walked.
    pub entries_checked: u64,
    /// Sequence number of the first entry whose link or hash is wrong;
    /// `None` when the chain is intact.
    pub first_broken: Option<i64>,
}

impl AuditVerification {
    /// Walks entries in `seq` order and reports the first broken link: a gap
    /// in `seq`, a `prev_hash` that is not the previous entry's hash, or a
    /// hash that does not match the entry's fields.
    pub fn walk<'a>(client: ClientId, entries: impl IntoIterator<Item = &'a AuditEntry>) -> Self {
        let mut walker = ChainWalker::new(client);
        for entry in entries {
            if !walker.push(entry) {
                break;
            }
        }
        walker.finish()
    }

    /// True when the chain is intact.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Verifies a chain fed in pieces (a store reads it page by page).
#[derive(Debug, Clone)]
pub struct ChainWalker {
    client: ClientId,
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
    first_broken: Option<i64>,
}

impl ChainWalker {
    /// A walker at the start of `client`'s chain.
    pub fn new(client: ClientId) -> Self {
        ChainWalker {
            client,
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checked: 0,
            first_broken: None,
        }
    }

    /// Checks the next entry; returns false once the chain is broken (later
    /// entries are then not worth checking).
    pub fn push(&mut self, entry: &AuditEntry) -> bool {
        if self.first_broken.is_some() {
            return false;
        }
        self.checked += 1;
        let broken =
            entry.seq != self.expected_seq || entry.prev_hash != self.prev_hash || entry.hash != entry.expected_hash();
        if broken {
            self.first_broken = Some(entry.seq);
            return false;
        }
        self.prev_hash.clone_from(&entry.hash);
        self.expected_seq += 1;
        true
    }

    /// The verdict.
    pub fn finish(self) -> AuditVerification {
        AuditVerification {
            client: self.client,
            entries_checked: self.checked,
            first_broken: self.first_broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_text::{date, parse, time};

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            let entry = AuditEntry {
                seq,
                client: parse("acme"),
                recorded_at: Utc::now(),
                action: AuditAction::Insert,
                kind: EntityKind::Bill,
                external_id: parse(&seq.to_string()),
                version: VersionToken::new("0"),
                source_updated_at: time("2026-01-15T09:00:00-08:00"),
                txn_date: Some(date("2026-01-15")),
                run: Some(RunId(7)),
                prev_hash: String::new(),
                hash: String::new(),
            };
            out.push(entry.seal(&prev));
        }
        out
    }

    /// Stored chains must keep verifying: the hashed bytes never change.
    #[test]
    fn a_known_entry_hashes_as_it_always_has() {
        let entry = |txn_date, run| AuditEntry {
            seq: 42,
            client: parse("acme"),
            recorded_at: time("2026-03-01T12:34:56.789012Z").with_timezone(&Utc),
            action: AuditAction::Update,
            kind: EntityKind::Invoice,
            external_id: parse("1017"),
            version: VersionToken::new("3"),
            source_updated_at: time("2026-02-28T16:00:00.5-08:00"),
            txn_date,
            run,
            prev_hash: GENESIS_HASH.to_owned(),
            hash: String::new(),
        };
        let full = entry(Some(date("2026-02-01")), Some(RunId(9)));
        assert_eq!(
            full.expected_hash(),
            "f732b674f70ccbb0bfd7ef5c94e1f747050e9ce4a7c5f700a37f0a90c83c8efc"
        );
        assert_eq!(
            entry(None, None).expected_hash(),
            "6312864ff1d8872f8100baf80bc092821a8e599dcf20ca8d3fb0f8dd9167c24c"
        );
    }

    /// A review entry hashes as the same fields joined by hand (computed
    /// apart, with Python's hashlib): no field of its own, nothing else moves.
    #[test]
    fn a_review_entry_hashes_its_fields_like_any_other() {
        let entry = AuditEntry {
            seq: 43,
            client: parse("acme"),
            recorded_at: time("2026-03-01T12:34:56.789012Z").with_timezone(&Utc),
            action: AuditAction::Review,
            kind: EntityKind::BankTransaction,
            external_id: parse("txn_1"),
            version: VersionToken::new("exclude"),
            source_updated_at: time("2026-03-01T12:30:00Z"),
            txn_date: None,
            run: None,
            prev_hash: GENESIS_HASH.to_owned(),
            hash: String::new(),
        };
        assert_eq!(
            entry.expected_hash(),
            "12099cc4b5ee2206acf9dbf7748eb477a056864fd8ab6df9c48ee2979119fffb"
        );
        let mut chain = chain(2);
        chain.push(AuditEntry { seq: 3, ..entry }.seal(&chain[1].hash));
        assert!(AuditVerification::walk(parse("acme"), &chain).is_intact());
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        let v = AuditVerification::walk(parse("acme"), &entries);
        assert!(v.is_intact());
        assert_eq!(v.entries_checked, 5);
    }

    #[test]
    fn tampering_with_a_field_breaks_that_link() {
        let mut entries = chain(5);
        entries[2].version = VersionToken::new("9");
        let v = AuditVerification::walk(parse("acme"), &entries);
        assert_eq!(v.first_broken, Some(3));
    }

    #[test]
    fn removing_or_reordering_entries_is_detected() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(AuditVerification::walk(parse("acme"), &entries).first_broken, Some(3));
        let mut entries = chain(5);
        entries.swap(3, 4);
        assert_eq!(AuditVerification::walk(parse("acme"), &entries).first_broken, Some(5));
    }

    #[test]
    fn rehashing_a_tampered_entry_still_breaks_the_next_link() {
        let mut entries = chain(4);
        entries[1].version = VersionToken::new("9");
        entries[1].hash = entries[1].expected_hash();
        let v = AuditVerification::walk(parse("acme"), &entries);
        assert_eq!(v.first_broken, Some(3));
    }
}

//! SHA-256 over a sequence of fields as text, each followed by the unit
//! separator: how the audit log's chain and a transaction's content
//! fingerprint are hashed, so both stay byte-for-byte stable.

use sha2::{Digest, Sha256};

/// Feeds fields to SHA-256 as their text, each followed by the unit
/// separator (`0x1f`, which no field may contain: ids and tokens are
/// validated, times, dates and numbers are fixed formats), without building
/// the text first.
pub(crate) struct FieldHasher(Sha256);

impl FieldHasher {
    /// A hasher over no fields yet.
    pub(crate) fn new() -> Self {
        FieldHasher(Sha256::new())
    }

    /// Adds one field.
    pub(crate) fn field(&mut self, value: impl std::fmt::Display) {
        // Writing into the hasher cannot fail.
        let _ = std::fmt::Write::write_fmt(self, format_args!("{value}"));
        self.0.update([0x1f]);
    }

    /// The digest of the fields added, hex.
    pub(crate) fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

impl std::fmt::Write for FieldHasher {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// An optional field's text: empty when absent.
pub(crate) struct OrEmpty<T>(pub(crate) Option<T>);

impl<T: std::fmt::Display> std::fmt::Display for OrEmpty<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => Ok(()),
        }
    }
}

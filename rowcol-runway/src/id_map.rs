//! Hash maps and sets keyed by the client's ids, with a fast hasher.
//!
//! The keys are short ids from one client's own books, looked up thousands
//! of times per client: SipHash's resistance to chosen-key flooding buys
//! nothing in a pure per-request computation and costs a third of the
//! digest's time. This is FxHash's multiply-rotate step (as in rustc).
//! Nothing iterates these maps into output, so output order never depends
//! on the hasher.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rowcol_core::ExternalId;

/// FxHash: rotate, xor in a word, multiply by a constant.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

/// Up to 8 bytes as one word, from two overlapping 4-byte reads (or the
/// first, middle and last byte below 4): with the length known, equal words
/// mean equal bytes, in a few instructions instead of a byte-by-byte loop
/// or a `memcpy` call. Ids are short.
#[inline]
pub(crate) fn short_word(b: &[u8]) -> u64 {
    match *b {
        [] => 0,
        [first, ..] if b.len() < 4 => {
            let (mid, last) = (b[b.len() / 2], b[b.len() - 1]);
            u64::from(first) | u64::from(mid) << 8 | u64::from(last) << 16
        }
        _ => {
            let four = |at: usize| {
                b.get(at..at + 4)
                    .map_or(0, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            };
            u64::from(four(0)) | u64::from(four(b.len() - 4)) << 32
        }
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(short_word(chunk));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(short_word(rest));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A hash set with [`IdHasher`].
pub(crate) type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// Equal ids, compared byte by byte in line: ids are a few bytes, fewer
/// than a call to `memcmp` costs.
pub(crate) fn same_id(a: &ExternalId, b: &ExternalId) -> bool {
    let (a, b) = (a.as_str().as_bytes(), b.as_str().as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Sets of ids this small are searched one by one: a few length checks and
/// byte compares cost less than hashing the probe.
const FEW: usize = 8;

/// A set of ids that is usually tiny (the catch-all accounts, the
/// Undeposited Funds account, the inactive accounts) but probed once per
/// transaction line: a plain list while it holds at most [`FEW`] ids,
/// hashed beyond that.
#[derive(Debug)]
pub(crate) enum FewIds<'a> {
    /// At most [`FEW`] ids.
    Few(Vec<&'a ExternalId>),
    /// More.
    Many(IdSet<&'a ExternalId>),
}

impl<'a> FromIterator<&'a ExternalId> for FewIds<'a> {
    fn from_iter<I: IntoIterator<Item = &'a ExternalId>>(iter: I) -> Self {
        let ids: Vec<&ExternalId> = iter.into_iter().collect();
        if ids.len() <= FEW {
            FewIds::Few(ids)
        } else {
            FewIds::Many(ids.into_iter().collect())
        }
    }
}

impl FewIds<'_> {
    /// True when `id` is in the set.
    pub(crate) fn contains(&self, id: &ExternalId) -> bool {
        match self {
            FewIds::Few(ids) => ids.iter().any(|x| same_id(x, id)),
            FewIds::Many(ids) => ids.contains(id),
        }
    }

    /// True when the set holds no id.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            FewIds::Few(ids) => ids.is_empty(),
            FewIds::Many(ids) => ids.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures::id;

    use super::*;

    #[test]
    fn same_id_is_string_equality() {
        let pairs = [
            ("10", "10", true),
            ("10", "1", false),
            ("1", "10", false),
            ("10", "11", false),
            ("txn_3Kd9", "txn_3Kd9", true),
        ];
        for (a, b, same) in pairs {
            assert_eq!(same_id(&id(a), &id(b)), same, "{a} {b}");
        }
    }

    #[test]
    fn few_ids_answer_as_a_hash_set_does_at_any_size() {
        let ids: Vec<ExternalId> = (0..20).map(|n| id(&format!("{n}"))).collect();
        for len in [0, 1, FEW, FEW + 1, 20] {
            let few: FewIds<'_> = ids[..len].iter().collect();
            assert_eq!(few.is_empty(), len == 0);
            assert_eq!(matches!(few, FewIds::Few(_)), len <= FEW);
            for probe in &ids {
                assert_eq!(few.contains(probe), ids[..len].contains(probe), "{len} {probe}");
            }
            assert!(!few.contains(&id("x1")));
        }
    }
}

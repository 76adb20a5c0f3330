//! Hash maps and sets keyed by the client's ids, with a fast hasher.
//!
//! The keys are short ids from one client's own books, looked up thousands
//! of times per client: SipHash's resistance to chosen-key flooding buys
//! nothing in a pure per-request computation and costs a third of the
//! digest's time, so these use `rustc-hash`'s Fx hasher (rustc's own).
//! Nothing iterates these maps into output, so output order never depends
//! on the hasher.

use std::collections::{HashMap, HashSet};

use rowcol_core::ExternalId;
use rustc_hash::FxBuildHasher;

/// A hash map with the Fx hasher.
pub(crate) type IdMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// A hash set with the Fx hasher.
pub(crate) type IdSet<K> = HashSet<K, FxBuildHasher>;

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

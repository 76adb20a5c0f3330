//! A table keyed by the client's ids, for the lookups every rule and
//! calculator makes by reference (a bill's vendor, a payment's invoice).
//!
//! Ids are a few bytes. Each is packed into two words and its length, which
//! stand for the id exactly up to 16 bytes (longer ids are compared in full
//! on a match); the table probes those words in line, with one multiply to
//! hash them. A lookup is a few dozen instructions, where a general hash map
//! of string keys calls out to hash, probe and `memcmp`. Nothing iterates a
//! table into output, so output order never depends on the table's order.
//! The lookups are marked `#[inline]`: each is a few dozen instructions,
//! fewer than a call's saving and restoring of registers.

use rowcol_core::ExternalId;

use crate::id_map::short_word;

/// An id as two words and its length: exact up to 16 bytes (two
/// overlapping reads cover every byte), a digest of the bytes beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    low: u64,
    high: u64,
    len: usize,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

fn word8(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |w| {
        u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
    })
}

#[inline]
fn pack(id: &ExternalId) -> Packed {
    let b = id.as_str().as_bytes();
    let len = b.len();
    let (low, high) = match len {
        0..=8 => (short_word(b), 0),
        9..=16 => (word8(b, 0), word8(b, len - 8)),
        _ => b.chunks(8).fold((0u64, 0u64), |(low, high), chunk| {
            let word = chunk.iter().rev().fold(0u64, |w, x| (w << 8) | u64::from(*x));
            (
                (low.rotate_left(5) ^ word).wrapping_mul(SEED),
                high.rotate_left(7) ^ word,
            )
        }),
    };
    Packed { low, high, len }
}

impl Packed {
    #[inline]
    fn hash(self) -> u64 {
        (self.low ^ self.high.rotate_left(29) ^ (self.len as u64).rotate_left(53)).wrapping_mul(SEED)
    }

    /// True when the id `self` was packed from is `id` (packed as `other`).
    #[inline]
    fn matches(self, other: Packed, mine: &ExternalId, id: &ExternalId) -> bool {
        self == other && (self.len <= 16 || mine == id)
    }
}

/// A table from ids to values: open addressing, linear probing, at most
/// half full.
#[derive(Debug, Clone)]
pub(crate) struct IdTable<'a, V> {
    slots: Vec<Option<(Packed, &'a ExternalId, V)>>,
    len: usize,
}

impl<V> Default for IdTable<'_, V> {
    fn default() -> Self {
        IdTable::with_capacity(0)
    }
}

impl<'a, V> IdTable<'a, V> {
    /// A table for about `n` ids without growing.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let size = (n.saturating_mul(2)).max(8).next_power_of_two();
        let mut slots = Vec::with_capacity(size);
        slots.resize_with(size, || None);
        IdTable { slots, len: 0 }
    }

    /// Ids held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The slot holding `id`, or the empty slot where it would go.
    #[inline]
    fn find(&self, key: Packed, id: &ExternalId) -> usize {
        let mask = self.slots.len() - 1;
        // The top bits of the hash: the multiply mixes upwards.
        let mut at = (key.hash() >> 32) as usize & mask;
        loop {
            match &self.slots[at] {
                Some((k, mine, _)) if !k.matches(key, mine, id) => at = (at + 1) & mask,
                _ => return at,
            }
        }
    }

    /// The value for `id`.
    #[inline]
    pub(crate) fn get(&self, id: &ExternalId) -> Option<&V> {
        let at = self.find(pack(id), id);
        self.slots[at].as_ref().map(|(_, _, v)| v)
    }

    /// The value for `id`, to change it.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: &ExternalId) -> Option<&mut V> {
        let at = self.find(pack(id), id);
        self.slots[at].as_mut().map(|(_, _, v)| v)
    }

    /// True when the table holds `id`.
    #[inline]
    pub(crate) fn contains_key(&self, id: &ExternalId) -> bool {
        self.get(id).is_some()
    }

    /// The value for `id`, inserted by `make` when missing.
    #[inline]
    pub(crate) fn get_or_insert_with(&mut self, id: &'a ExternalId, make: impl FnOnce() -> V) -> &mut V {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let key = pack(id);
        let at = self.find(key, id);
        let slot = &mut self.slots[at];
        if slot.is_none() {
            self.len += 1;
        }
        let (_, _, v) = slot.get_or_insert_with(|| (key, id, make()));
        v
    }

    /// Sets the value for `id` (the last one set wins).
    pub(crate) fn insert(&mut self, id: &'a ExternalId, value: V) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let key = pack(id);
        let at = self.find(key, id);
        if self.slots[at].is_none() {
            self.len += 1;
        }
        self.slots[at] = Some((key, id, value));
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        *self = IdTable::with_capacity(old.len());
        for (key, id, v) in old.into_iter().flatten() {
            let at = self.find(key, id);
            self.slots[at] = Some((key, id, v));
            self.len += 1;
        }
    }

    /// The same ids with each value mapped by `f`.
    pub(crate) fn map_values<W>(self, mut f: impl FnMut(V) -> W) -> IdTable<'a, W> {
        IdTable {
            slots: self
                .slots
                .into_iter()
                .map(|slot| slot.map(|(key, id, v)| (key, id, f(v))))
                .collect(),
            len: self.len,
        }
    }

    /// Every id and its value, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a ExternalId, &V)> {
        self.slots.iter().flatten().map(|(_, id, v)| (*id, v))
    }

    /// Every value, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

impl<'a> FromIterator<&'a ExternalId> for IdTable<'a, ()> {
    /// A set of ids.
    fn from_iter<I: IntoIterator<Item = &'a ExternalId>>(ids: I) -> Self {
        let mut set = IdTable::default();
        set.extend(ids.into_iter().map(|id| (id, ())));
        set
    }
}

impl<'a, V> Extend<(&'a ExternalId, V)> for IdTable<'a, V> {
    fn extend<I: IntoIterator<Item = (&'a ExternalId, V)>>(&mut self, items: I) {
        for (id, v) in items {
            self.insert(id, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rowcol_testkit::fixtures::id;

    use super::*;

    #[test]
    fn answers_as_a_hash_map_does_for_short_and_long_ids() {
        let mut texts: Vec<String> = (0..300).map(|n| format!("{n}")).collect();
        texts.extend(
            [
                "a",
                "ab",
                "abc",
                "abcd",
                "abcde",
                "abcdefgh",
                "abcdefghi",
                "abcdefghijklmnop",
            ]
            .map(String::from),
        );
        texts.extend((0..40).map(|n| format!("txn_{n:0>30}")));
        texts.push("abcdefghijklmnopq".into());
        texts.push("bbcdefghijklmnopq".into());
        let ids: Vec<ExternalId> = texts.iter().map(|t| id(t)).collect();
        let mut table = IdTable::default();
        let mut map = HashMap::new();
        for (n, x) in ids.iter().enumerate() {
            table.insert(x, n);
            map.insert(x, n);
            // Inserting again keeps one entry with the newer value.
            table.insert(x, n);
            *table.get_or_insert_with(x, || 0) += 0;
        }
        assert_eq!(table.len(), map.len());
        for x in &ids {
            assert_eq!(table.get(x), map.get(x), "{x}");
        }
        for probe in [
            "x",
            "abcdefghijklmnopr",
            "txn_000000000000000000000000000099",
            "300",
            "",
        ] {
            if !texts.iter().any(|t| t == probe) && !probe.is_empty() {
                assert!(!table.contains_key(&id(probe)), "{probe}");
            }
        }
        let mut seen: Vec<usize> = table.values().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..ids.len()).collect::<Vec<_>>());
    }
}

//! A map keyed by borrowed ids, for the lookups every rule and calculator
//! makes by reference (a bill's vendor, a payment's invoice): the Fx hash
//! map of [`id_map`](super::id_map) with the few calls those sites make.
//! Nothing iterates a table into output, so output order never depends on
//! the hasher.

use rowcol_core::ExternalId;

use super::id_map::IdMap;

/// A map from ids borrowed from a snapshot to values.
#[derive(Debug, Clone)]
pub(crate) struct IdTable<'a, V>(IdMap<&'a ExternalId, V>);

impl<V> Default for IdTable<'_, V> {
    fn default() -> Self {
        IdTable(IdMap::default())
    }
}

impl<'a, V> IdTable<'a, V> {
    /// A table for about `n` ids without growing.
    pub(crate) fn with_capacity(n: usize) -> Self {
        IdTable(IdMap::with_capacity_and_hasher(n, Default::default()))
    }

    /// Ids held.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The value for `id`.
    pub(crate) fn get(&self, id: &ExternalId) -> Option<&V> {
        self.0.get(id)
    }

    /// The value for `id`, to change it.
    pub(crate) fn get_mut(&mut self, id: &ExternalId) -> Option<&mut V> {
        self.0.get_mut(id)
    }

    /// True when the table holds `id`.
    pub(crate) fn contains_key(&self, id: &ExternalId) -> bool {
        self.0.contains_key(id)
    }

    /// The value for `id`, inserted by `make` when missing.
    pub(crate) fn get_or_insert_with(&mut self, id: &'a ExternalId, make: impl FnOnce() -> V) -> &mut V {
        self.0.entry(id).or_insert_with(make)
    }

    /// Sets the value for `id` (the last one set wins).
    pub(crate) fn insert(&mut self, id: &'a ExternalId, value: V) {
        self.0.insert(id, value);
    }

    /// The same ids with each value mapped by `f`.
    pub(crate) fn map_values<W>(self, mut f: impl FnMut(V) -> W) -> IdTable<'a, W> {
        IdTable(self.0.into_iter().map(|(id, v)| (id, f(v))).collect())
    }

    /// Every id and its value, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a ExternalId, &V)> {
        self.0.iter().map(|(id, v)| (*id, v))
    }

    /// Every value, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values()
    }
}

impl<'a> FromIterator<&'a ExternalId> for IdTable<'a, ()> {
    /// A set of ids.
    fn from_iter<I: IntoIterator<Item = &'a ExternalId>>(ids: I) -> Self {
        IdTable(ids.into_iter().map(|id| (id, ())).collect())
    }
}

impl<'a, V> Extend<(&'a ExternalId, V)> for IdTable<'a, V> {
    fn extend<I: IntoIterator<Item = (&'a ExternalId, V)>>(&mut self, items: I) {
        self.0.extend(items);
    }
}

//! Nesting rows the way QBO does: a parent account (or customer) with
//! children becomes a `Section` whose header names it, whose rows are its
//! own `Data` row (if it has amounts of its own) and its children's, and
//! whose `Summary` is "Total <name>". Leaves are `Data` rows.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde_json::Value;

use super::{cell, data_row, id_cell, money_text, section};

/// How to name, identify and nest the keys of a tree.
pub(crate) struct Shape<K, N, I, P> {
    /// Display name of a key.
    pub name: N,
    /// The `id` a key's cells carry, if any.
    pub id: I,
    /// A key's parent, if any.
    pub parent: P,
    _key: std::marker::PhantomData<K>,
}

impl<K, N, I, P> Shape<K, N, I, P>
where
    K: Ord + Copy,
    N: Fn(K) -> String,
    I: Fn(K) -> Option<String>,
    P: Fn(K) -> Option<K>,
{
    /// A shape from its three functions.
    pub fn new(name: N, id: I, parent: P) -> Self {
        Shape {
            name,
            id,
            parent,
            _key: std::marker::PhantomData,
        }
    }

    fn label(&self, key: K) -> Value {
        let name = (self.name)(key);
        match (self.id)(key) {
            Some(id) => id_cell(&name, id),
            None => cell(name),
        }
    }

    /// The parent a key hangs under: only if following parents ends at a
    /// root (a cycle makes the key a root).
    fn settled_parent(&self, key: K, shown: &BTreeSet<K>) -> Option<K> {
        let first = (self.parent)(key).filter(|p| shown.contains(p) && *p != key)?;
        let mut seen = BTreeSet::from([key]);
        let mut at = Some(first);
        while let Some(node) = at {
            if !seen.insert(node) {
                return None;
            }
            at = (self.parent)(node);
        }
        Some(first)
    }

    /// Rows for keys with their own amounts (`width` money columns), nested
    /// under their ancestors, and the column totals. `cells` renders a
    /// `Data` row's money cells.
    pub fn rows(
        &self,
        own: &BTreeMap<K, Vec<Decimal>>,
        width: usize,
        cells: &dyn Fn(&[Decimal]) -> Vec<Value>,
    ) -> (Vec<Value>, Vec<Decimal>) {
        let mut shown: BTreeSet<K> = own.keys().copied().collect();
        for key in own.keys() {
            let mut seen = BTreeSet::from([*key]);
            let mut at = (self.parent)(*key);
            while let Some(node) = at {
                if !seen.insert(node) {
                    break;
                }
                shown.insert(node);
                at = (self.parent)(node);
            }
        }
        let mut children: BTreeMap<K, Vec<K>> = BTreeMap::new();
        let mut roots = Vec::new();
        for key in &shown {
            match self.settled_parent(*key, &shown) {
                Some(parent) => children.entry(parent).or_default().push(*key),
                None => roots.push(*key),
            }
        }
        let by_name = |list: &mut Vec<K>| list.sort_by_key(|k| ((self.name)(*k).to_lowercase(), *k));
        by_name(&mut roots);
        for list in children.values_mut() {
            by_name(list);
        }
        let mut rows = Vec::new();
        let mut total = vec![Decimal::ZERO; width];
        for root in roots {
            let (row, sum) = self.render(root, own, &children, width, cells);
            rows.push(row);
            add(&mut total, &sum);
        }
        (rows, total)
    }

    fn render(
        &self,
        key: K,
        own: &BTreeMap<K, Vec<Decimal>>,
        children: &BTreeMap<K, Vec<K>>,
        width: usize,
        cells: &dyn Fn(&[Decimal]) -> Vec<Value>,
    ) -> (Value, Vec<Decimal>) {
        let kids = children.get(&key).map(Vec::as_slice).unwrap_or_default();
        let mine = own.get(&key);
        let data = |amounts: &[Decimal]| {
            let mut row = vec![self.label(key)];
            row.extend(cells(amounts));
            data_row(row)
        };
        if kids.is_empty() {
            let amounts = mine.cloned().unwrap_or_else(|| vec![Decimal::ZERO; width]);
            return (data(&amounts), amounts);
        }
        let mut rows = Vec::new();
        let mut total = vec![Decimal::ZERO; width];
        if let Some(amounts) = mine {
            rows.push(data(amounts));
            add(&mut total, amounts);
        }
        for kid in kids {
            let (row, sum) = self.render(*kid, own, children, width, cells);
            rows.push(row);
            add(&mut total, &sum);
        }
        let mut header = vec![self.label(key)];
        header.extend((0..width).map(|_| cell("")));
        let mut summary = vec![cell(format!("Total {}", (self.name)(key)))];
        summary.extend(total.iter().map(|t| cell(money_text(*t))));
        (section(Some(header), rows, Some(summary), None), total)
    }
}

/// Adds `more` into `into`, column by column.
pub(crate) fn add(into: &mut [Decimal], more: &[Decimal]) {
    for (a, b) in into.iter_mut().zip(more) {
        *a += *b;
    }
}

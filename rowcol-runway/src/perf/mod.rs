//! Performance helpers the calculators, rules and experiences share: how
//! the figures are computed fast, apart from what they mean (the domain
//! modules at the crate's top).
//!
//! - [`id_map`]: hash maps and sets keyed by the client's ids, with the Fx
//!   hasher, and small id sets searched one by one.
//! - [`id_table`]: a map from borrowed ids for the lookups by reference.
//! - [`index`]: a snapshot's records by id, built once per computation.
//! - [`sign`]: the sign of an amount in a few instructions.
//! - [`sum`]: sums that skip the terms known to be zero.

pub(crate) mod id_map;
pub(crate) mod id_table;
pub(crate) mod index;
pub(crate) mod sign;
pub(crate) mod sum;

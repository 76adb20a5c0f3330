//! Identifiers shaped like Plaid's, drawn from seeded sources so that the
//! same seed and the same calls give the same ids.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A stable 64-bit FNV-1a hash, for mixing seeds with names.
pub fn mix(seed: u64, text: &str) -> u64 {
    text.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `len` characters of `[A-Za-z0-9]` (Plaid's item, account and transaction ids are 37).
pub fn alnum(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect()
}

/// The id of something named `name` under `seed`: the same inputs, the same id.
pub fn stable(seed: u64, name: &str, len: usize) -> String {
    alnum(&mut StdRng::seed_from_u64(mix(seed, name)), len)
}

/// A lower-case UUID v4 shape (tokens are `access-sandbox-<uuid>`).
pub fn uuid(rng: &mut StdRng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_shaped() {
        assert_eq!(stable(7, "item", 37), stable(7, "item", 37));
        assert_ne!(stable(7, "item", 37), stable(8, "item", 37));
        assert!(stable(7, "x", 37).chars().all(|c| c.is_ascii_alphanumeric()));
        let u = uuid(&mut StdRng::seed_from_u64(1));
        assert_eq!((u.len(), &u[14..15]), (36, "4"));
    }
}

//! Payee similarity: a bank description and a ledger payee are similar
//! when they share a word of three letters or more that is not bank noise
//! (`ACH`, `DEBIT`, `POS`, `INC`...).

/// Words that say how money moved, not who it went to.
const NOISE: &[&str] = &[
    "ach", "debit", "credit", "pos", "purchase", "payment", "card", "the", "inc", "llc", "ltd", "corp", "co", "and",
    "online", "transfer", "deposit", "check", "web", "ppd", "ccd", "des", "from", "for",
];

/// The distinctive words of `text`, lower case, sorted, without repeats.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !NOISE.contains(&w.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// True when the two sorted word lists share a word.
pub(super) fn similar(a: &[String], b: &[String]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    false
}

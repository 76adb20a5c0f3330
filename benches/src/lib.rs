//! End-to-end benchmarks of RowCol for the 100-client load; see
//! `digest_end_to_end.rs` and the README for the command and figures.

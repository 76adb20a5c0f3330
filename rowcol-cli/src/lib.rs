//! The `rowcol` command's pieces, as a library so that tests reach them.
//! Wiring and presentation only: every figure comes from the library crates.

pub mod http;
pub mod report;

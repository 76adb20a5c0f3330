//! The `rowcol` command's HTTP routes, as a library so that tests reach them.
//! Wiring and presentation only: every figure comes from the library crates.

pub mod http;

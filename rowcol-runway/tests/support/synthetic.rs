//! Moved to `rowcol_core::fixtures::synthetic`; kept only for a path include
//! in `bindings/python/bench/synthetic_portfolio.rs` until it imports it.

pub use rowcol_core::fixtures::synthetic::portfolio;

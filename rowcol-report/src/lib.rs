//! # rowcol-report
//!
//! How a digest is shown, for every face (the `rowcol` command, the Python
//! package, examples): a terminal table, or a self-contained HTML report
//! with charts. Presentation only: every figure comes from `rowcol-runway`.
//!
//! - [`table`]: the digest as a terminal table, one row per client then the
//!   portfolio totals.
//! - [`html`]: one self-contained HTML page (inline CSS and SVG, no script,
//!   nothing fetched) with each client's 13-week forecast, aging, hygiene
//!   findings and decisions, and "Books against the bank" for a client
//!   with a bank linked to the books.
//! - [`bank_check_text`]: a client's bank check as terminal text.
//!
//! Money is printed from its exact `Decimal` (see [`money_text`]); floats
//! appear only as SVG drawing coordinates.

mod bank;
mod charts;
mod escape;
mod html;
mod svg;
mod table;
mod text;

pub use bank::{BANK_CHECK_SUMMARY_DEFINITION, bank_check_text};
pub use escape::escape;
pub use html::html;
pub use table::table;
pub use text::{ROUNDING_RULE, money_text};

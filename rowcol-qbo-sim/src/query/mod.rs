//! QBO's SQL-like query language: a hand-written tokenizer ([`lexer`]), a
//! recursive-descent parser ([`parser`]) and an evaluator over a realm's
//! books ([`eval`]).

pub mod eval;
pub mod lexer;
pub mod parser;

pub use eval::{execute, execute_text};
pub use parser::{Query, parse};

/// A statement QBO would refuse with `QueryParserError` (400, code 4000).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

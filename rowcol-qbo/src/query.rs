//! Building QBO query statements. Every value goes in through [`Literal`],
//! which quotes and escapes it, so a name holding `'` or `\` can neither
//! break the statement nor change its meaning.

use std::fmt::{self, Write};

use chrono::{DateTime, FixedOffset};
use rowcol_core::EntityKind;

use crate::map::qbo_name;

/// A value in a `WHERE` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// Text: single-quoted, with `\` and `'` escaped by a backslash.
    Text(String),
    /// A time: quoted RFC 3339 with its offset.
    Time(DateTime<FixedOffset>),
    /// `true` or `false`, bare.
    Bool(bool),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(text) => {
                f.write_char('\'')?;
                for c in text.chars() {
                    if matches!(c, '\'' | '\\') {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
                f.write_char('\'')
            }
            Literal::Time(t) => write!(f, "'{}'", t.to_rfc3339()),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A comparison in a `WHERE` term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `LIKE` (the value carries any `%`)
    Like,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Like => "LIKE",
        }
    }
}

/// `SELECT * FROM <entity> [WHERE ...] [ORDERBY ...] [STARTPOSITION n] [MAXRESULTS m]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    count: bool,
    entity: &'static str,
    terms: Vec<String>,
    order_by: Vec<&'static str>,
    start: Option<u64>,
    max: Option<u32>,
}

impl Select {
    /// All columns of the QBO entity behind `kind` (`Bill`, `BillPayment`, ...).
    pub fn from(kind: EntityKind) -> Self {
        Select {
            count: false,
            entity: qbo_name(kind),
            terms: Vec::new(),
            order_by: Vec::new(),
            start: None,
            max: None,
        }
    }

    /// Asks for `COUNT(*)` instead of the rows (QBO answers `totalCount`).
    pub fn count(mut self) -> Self {
        self.count = true;
        self
    }

    /// Adds `field op value` (terms are joined with `AND`, QBO's only joiner).
    pub fn filter(mut self, field: &'static str, op: Op, value: Literal) -> Self {
        self.terms.push(format!("{field} {} {value}", op.as_str()));
        self
    }

    /// Adds `field IN (values...)`.
    pub fn filter_in(mut self, field: &'static str, values: &[Literal]) -> Self {
        let list: Vec<String> = values.iter().map(ToString::to_string).collect();
        self.terms.push(format!("{field} IN ({})", list.join(", ")));
        self
    }

    /// Adds a sort key (ascending).
    pub fn order_by(mut self, field: &'static str) -> Self {
        self.order_by.push(field);
        self
    }

    /// 1-based start position.
    pub fn start_position(mut self, start: u64) -> Self {
        self.start = Some(start);
        self
    }

    /// Rows per answer (QBO caps at 1000).
    pub fn max_results(mut self, max: u32) -> Self {
        self.max = Some(max);
        self
    }

    /// The statement text.
    pub fn build(&self) -> String {
        let what = if self.count { "COUNT(*)" } else { "*" };
        let mut out = format!("SELECT {what} FROM {}", self.entity);
        if !self.terms.is_empty() {
            out.push_str(" WHERE ");
            out.push_str(&self.terms.join(" AND "));
        }
        if !self.order_by.is_empty() {
            out.push_str(" ORDERBY ");
            out.push_str(&self.order_by.join(", "));
        }
        if let Some(start) = self.start {
            let _ = write!(out, " STARTPOSITION {start}");
        }
        if let Some(max) = self.max {
            let _ = write!(out, " MAXRESULTS {max}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_literals_escape_quotes_and_backslashes() {
        assert_eq!(Literal::Text("O'Brien".into()).to_string(), r"'O\'Brien'");
        assert_eq!(Literal::Text(r"C:\temp\".into()).to_string(), r"'C:\\temp\\'");
        // An injection attempt stays inside one literal.
        assert_eq!(
            Literal::Text(r"x\' OR Id = '1".into()).to_string(),
            r"'x\\\' OR Id = \'1'"
        );
    }

    #[test]
    fn statements_join_terms_with_and() {
        let since = DateTime::parse_from_rfc3339("2026-01-01T00:00:00-08:00").unwrap();
        let q = Select::from(EntityKind::Vendor)
            .filter("DisplayName", Op::Eq, Literal::Text("A'B".into()))
            .filter("MetaData.LastUpdatedTime", Op::Ge, Literal::Time(since))
            .filter_in("Active", &[Literal::Bool(true), Literal::Bool(false)])
            .order_by("Id")
            .start_position(1001)
            .max_results(1000)
            .build();
        assert_eq!(
            q,
            r"SELECT * FROM Vendor WHERE DisplayName = 'A\'B' AND MetaData.LastUpdatedTime >= '2026-01-01T00:00:00-08:00' AND Active IN (true, false) ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000"
        );
    }
}

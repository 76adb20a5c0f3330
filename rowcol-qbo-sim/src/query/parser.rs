//! Recursive-descent parser: tokens to a [`Query`].

use super::QueryError;
use super::lexer::{Token, tokenize};
use crate::store::Kind;

/// What the statement selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// `SELECT *`
    All,
    /// `SELECT COUNT(*)`
    Count,
}

/// A field that can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `Id`
    Id,
    /// `MetaData.LastUpdatedTime`
    LastUpdatedTime,
    /// `MetaData.CreateTime`
    CreateTime,
    /// `TxnDate`
    TxnDate,
    /// `DueDate`
    DueDate,
    /// `Active`
    Active,
    /// `DisplayName`
    DisplayName,
    /// `DocNumber`
    DocNumber,
    /// `Name`
    Name,
}

impl Field {
    /// Matches a field name case-insensitively.
    pub fn parse(word: &str) -> Option<Field> {
        let lower = word.to_ascii_lowercase();
        Some(match lower.as_str() {
            "id" => Field::Id,
            "metadata.lastupdatedtime" => Field::LastUpdatedTime,
            "metadata.createtime" => Field::CreateTime,
            "txndate" => Field::TxnDate,
            "duedate" => Field::DueDate,
            "active" => Field::Active,
            "displayname" => Field::DisplayName,
            "docnumber" => Field::DocNumber,
            "name" => Field::Name,
            _ => return None,
        })
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// `'text'`
    Str(String),
    /// `42`
    Number(String),
    /// `true` / `false`
    Bool(bool),
}

/// A comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq(Literal),
    /// `<`
    Lt(Literal),
    /// `>`
    Gt(Literal),
    /// `<=`
    Le(Literal),
    /// `>=`
    Ge(Literal),
    /// `IN (a, b)`
    In(Vec<Literal>),
    /// `LIKE '%x%'`
    Like(String),
}

/// One `field op value` term of the WHERE clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The field.
    pub field: Field,
    /// The comparison.
    pub op: Op,
}

/// One ORDERBY key: a field path as written and the direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// The path (`MetaData.LastUpdatedTime`), matched case-insensitively at run time.
    pub path: String,
    /// `DESC`
    pub descending: bool,
}

/// A parsed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `*` or `COUNT(*)`.
    pub projection: Projection,
    /// The entity kind.
    pub kind: Kind,
    /// Terms joined by AND.
    pub conditions: Vec<Condition>,
    /// ORDERBY keys.
    pub order: Vec<OrderKey>,
    /// STARTPOSITION (1-based), if given.
    pub start_position: Option<u64>,
    /// MAXRESULTS, if given.
    pub max_results: Option<u64>,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

/// Parses a statement.
pub fn parse(statement: &str) -> Result<Query, QueryError> {
    let tokens = tokenize(statement)?;
    let mut parser = Parser { tokens, pos: 0 };
    let query = parser.query()?;
    if let Some(extra) = parser.peek() {
        return Err(QueryError(format!("unexpected {extra:?} after end of statement")));
    }
    Ok(query)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn keyword(&mut self, keyword: &str) -> Result<(), QueryError> {
        match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword) => Ok(()),
            other => Err(QueryError(format!(
                "expected {keyword}, found {}",
                describe(other.as_ref())
            ))),
        }
    }

    fn expect(&mut self, token: &Token) -> Result<(), QueryError> {
        match self.next() {
            Some(t) if &t == token => Ok(()),
            other => Err(QueryError(format!(
                "expected {token:?}, found {}",
                describe(other.as_ref())
            ))),
        }
    }

    fn query(&mut self) -> Result<Query, QueryError> {
        self.keyword("select")?;
        let projection = match self.next() {
            Some(Token::Star) => Projection::All,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("count") => {
                self.expect(&Token::LParen)?;
                self.expect(&Token::Star)?;
                self.expect(&Token::RParen)?;
                Projection::Count
            }
            other => {
                return Err(QueryError(format!(
                    "expected * or COUNT(*), found {}",
                    describe(other.as_ref())
                )));
            }
        };
        self.keyword("from")?;
        let kind = match self.next() {
            Some(Token::Word(name)) => {
                Kind::parse(&name).ok_or_else(|| QueryError(format!("invalid entity {name}")))?
            }
            other => {
                return Err(QueryError(format!(
                    "expected an entity, found {}",
                    describe(other.as_ref())
                )));
            }
        };
        let mut query = Query {
            projection,
            kind,
            conditions: Vec::new(),
            order: Vec::new(),
            start_position: None,
            max_results: None,
        };
        if self.peek_keyword("where") {
            self.pos += 1;
            query.conditions.push(self.condition()?);
            while self.peek_keyword("and") {
                self.pos += 1;
                query.conditions.push(self.condition()?);
            }
        }
        if self.peek_keyword("orderby") {
            self.pos += 1;
            query.order = self.order_keys()?;
        } else if self.peek_keyword("order") {
            self.pos += 1;
            self.keyword("by")?;
            query.order = self.order_keys()?;
        }
        // QBO takes the paging clauses in either order.
        for _ in 0..2 {
            if self.peek_keyword("startposition") {
                self.pos += 1;
                query.start_position = Some(self.integer("STARTPOSITION")?);
            } else if self.peek_keyword("maxresults") {
                self.pos += 1;
                query.max_results = Some(self.integer("MAXRESULTS")?);
            }
        }
        Ok(query)
    }

    fn integer(&mut self, clause: &str) -> Result<u64, QueryError> {
        match self.next() {
            Some(Token::Number(n)) => n
                .parse::<u64>()
                .map_err(|_| QueryError(format!("{clause} needs a whole number, found {n}"))),
            other => Err(QueryError(format!(
                "{clause} needs a number, found {}",
                describe(other.as_ref())
            ))),
        }
    }

    fn order_keys(&mut self) -> Result<Vec<OrderKey>, QueryError> {
        let mut keys = Vec::new();
        loop {
            let path = match self.next() {
                Some(Token::Word(w)) => w,
                other => {
                    return Err(QueryError(format!(
                        "expected a field to order by, found {}",
                        describe(other.as_ref())
                    )));
                }
            };
            let mut descending = false;
            if self.peek_keyword("desc") {
                self.pos += 1;
                descending = true;
            } else if self.peek_keyword("asc") {
                self.pos += 1;
            }
            keys.push(OrderKey { path, descending });
            if self.peek() == Some(&Token::Comma) {
                self.pos += 1;
            } else {
                return Ok(keys);
            }
        }
    }

    fn condition(&mut self) -> Result<Condition, QueryError> {
        let field = match self.next() {
            Some(Token::Word(w)) => {
                Field::parse(&w).ok_or_else(|| QueryError(format!("property {w} is not queryable")))?
            }
            other => {
                return Err(QueryError(format!(
                    "expected a field, found {}",
                    describe(other.as_ref())
                )));
            }
        };
        let op = match self.next() {
            Some(Token::Eq) => Op::Eq(self.literal()?),
            Some(Token::Lt) => Op::Lt(self.literal()?),
            Some(Token::Gt) => Op::Gt(self.literal()?),
            Some(Token::Le) => Op::Le(self.literal()?),
            Some(Token::Ge) => Op::Ge(self.literal()?),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => {
                self.expect(&Token::LParen)?;
                let mut values = vec![self.literal()?];
                while self.peek() == Some(&Token::Comma) {
                    self.pos += 1;
                    values.push(self.literal()?);
                }
                self.expect(&Token::RParen)?;
                Op::In(values)
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("like") => match self.next() {
                Some(Token::Str(pattern)) => Op::Like(pattern),
                other => {
                    return Err(QueryError(format!(
                        "LIKE needs a quoted pattern, found {}",
                        describe(other.as_ref())
                    )));
                }
            },
            other => {
                return Err(QueryError(format!(
                    "expected an operator, found {}",
                    describe(other.as_ref())
                )));
            }
        };
        Ok(Condition { field, op })
    }

    fn literal(&mut self) -> Result<Literal, QueryError> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Literal::Str(s)),
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            other => Err(QueryError(format!(
                "expected a value, found {}",
                describe(other.as_ref())
            ))),
        }
    }
}

fn describe(token: Option<&Token>) -> String {
    match token {
        None => "end of statement".to_string(),
        Some(Token::Word(w)) => format!("'{w}'"),
        Some(Token::Str(s)) => format!("'{s}'"),
        Some(Token::Number(n)) => n.clone(),
        Some(other) => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_sync_statement() {
        let q = parse("SELECT * FROM Bill WHERE MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000").unwrap();
        assert_eq!(q.projection, Projection::All);
        assert_eq!(q.kind, Kind::Bill);
        assert_eq!(
            q.conditions,
            vec![Condition {
                field: Field::LastUpdatedTime,
                op: Op::Gt(Literal::Str("2026-01-01T00:00:00-08:00".into()))
            }]
        );
        assert_eq!(q.order[0].path, "MetaData.LastUpdatedTime");
        assert_eq!(q.start_position, Some(1));
        assert_eq!(q.max_results, Some(1000));
    }

    #[test]
    fn is_case_insensitive_and_takes_order_by() {
        let q = parse("select count(*) from invoice where metadata.lastupdatedtime >= '2026-01-01' and docnumber like '10%' order by Id desc maxresults 5 startposition 3").unwrap();
        assert_eq!(q.projection, Projection::Count);
        assert_eq!(q.kind, Kind::Invoice);
        assert_eq!(q.conditions.len(), 2);
        assert_eq!(q.conditions[1].op, Op::Like("10%".into()));
        assert!(q.order[0].descending);
        assert_eq!((q.start_position, q.max_results), (Some(3), Some(5)));
    }

    #[test]
    fn parses_in_lists_and_escapes() {
        let q = parse(
            r"SELECT * FROM Vendor WHERE Active IN (true, false) AND DisplayName = 'O\'Brien' AND Id IN ('1', '2')",
        )
        .unwrap();
        assert_eq!(
            q.conditions[0].op,
            Op::In(vec![Literal::Bool(true), Literal::Bool(false)])
        );
        assert_eq!(q.conditions[1].op, Op::Eq(Literal::Str("O'Brien".into())));
        assert_eq!(
            q.conditions[2].op,
            Op::In(vec![Literal::Str("1".into()), Literal::Str("2".into())])
        );
    }

    #[test]
    fn rejects_malformed_statements() {
        for bad in [
            "",
            "SELECT",
            "SELECT * Bill",
            "SELECT * FROM",
            "SELECT * FROM Nope",
            "SELECT Id FROM Bill",
            "SELECT * FROM Bill WHERE",
            "SELECT * FROM Bill WHERE Id",
            "SELECT * FROM Bill WHERE Id = 1 OR Id = 2",
            "SELECT * FROM Bill WHERE Id IN (1, 2",
            "SELECT * FROM Bill WHERE Id LIKE 3",
            "SELECT * FROM Bill MAXRESULTS ten",
            "SELECT * FROM Bill ORDER Id",
            "SELECT * FROM Bill WHERE Bogus = '1'",
            "SELECT * FROM Bill WHERE DisplayName = 'unterminated",
        ] {
            assert!(parse(bad).is_err(), "accepted: {bad}");
        }
    }
}

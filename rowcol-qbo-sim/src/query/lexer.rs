//! Tokenizer for QBO's query language.

use super::QueryError;

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A word: keyword, entity name, field path (`MetaData.LastUpdatedTime`) or boolean.
    Word(String),
    /// A single-quoted string, unescaped.
    Str(String),
    /// A number, as written.
    Number(String),
    /// `*`
    Star,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

/// Splits a statement into tokens. A trailing `;` is dropped.
pub fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '*' => {
                tokens.push(Token::Star);
                i += 1;
            }
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '=' => {
                tokens.push(Token::Eq);
                i += 1;
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                tokens.push(match (c, eq) {
                    ('<', true) => Token::Le,
                    ('<', false) => Token::Lt,
                    (_, true) => Token::Ge,
                    (_, false) => Token::Gt,
                });
                i += if eq { 2 } else { 1 };
            }
            ';' if chars[i + 1..].iter().all(|c| c.is_whitespace()) => i = chars.len(),
            '\'' => {
                let (text, next) = string_literal(&chars, i)?;
                tokens.push(Token::Str(text));
                i = next;
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(QueryError(format!("unexpected character '{other}' at position {i}"))),
        }
    }
    Ok(tokens)
}

/// Reads a single-quoted literal starting at `start`; `\'` and `\\` are escapes.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let next = chars
                    .get(i + 1)
                    .ok_or_else(|| QueryError("dangling escape at end of statement".into()))?;
                text.push(*next);
                i += 2;
            }
            '\'' => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(QueryError(format!(
        "unterminated string literal starting at position {start}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_statement() {
        let tokens =
            tokenize("select * from Bill where Metadata.LastUpdatedTime >= '2026-01-01' maxresults 10;").unwrap();
        assert_eq!(
            tokens,
            vec![
                Token::Word("select".into()),
                Token::Star,
                Token::Word("from".into()),
                Token::Word("Bill".into()),
                Token::Word("where".into()),
                Token::Word("Metadata.LastUpdatedTime".into()),
                Token::Ge,
                Token::Str("2026-01-01".into()),
                Token::Word("maxresults".into()),
                Token::Number("10".into()),
            ]
        );
    }

    #[test]
    fn unescapes_quotes() {
        assert_eq!(tokenize(r"'O\'Brien'").unwrap(), vec![Token::Str("O'Brien".into())]);
        assert_eq!(tokenize(r"'a\\b'").unwrap(), vec![Token::Str(r"a\b".into())]);
    }

    #[test]
    fn rejects_broken_input() {
        assert!(tokenize("'open").is_err());
        assert!(tokenize("Id = 1 # 2").is_err());
        assert!(tokenize(r"'x\").is_err());
    }
}

//! [`tokenize`]: SQL text to tokens (PostgreSQL's lexical rules, standard-conforming
//! strings — the gateway refuses turning them off). Comments vanish; literals become
//! one token each, so nothing inside a string is read as a keyword or a name. A word
//! already in lower case is borrowed from the text, not copied (most are).

use std::borrow::Cow;

use crate::sql::lexical::{continues_word, is_space, starts_word, word_end};

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind<'a> {
    /// A bare word (keyword or identifier), lower-cased.
    Word(Cow<'a, str>),
    /// A double-quoted identifier, as written inside the quotes.
    Quoted(String),
    /// A string literal's content (`'…'`, `E'…'` escapes undone only for `''`).
    Str(String),
    /// A number or a `$n` parameter.
    Number,
    /// `;`
    Semicolon,
    /// Any other character (operators, parentheses, commas, dots).
    Punct(char),
}

/// A token and where it is in the text (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token.
    pub kind: TokenKind<'a>,
    /// Byte offset of its start.
    pub start: usize,
    /// Byte offset after its end.
    pub end: usize,
}

impl Token<'_> {
    /// The word, if the token is a bare word.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(w) => Some(w),
            _ => None,
        }
    }

    /// The name, if the token is a bare word or a quoted identifier.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(w) => Some(w),
            TokenKind::Quoted(w) => Some(w),
            _ => None,
        }
    }
}

/// Text the lexer cannot read: an unterminated literal or comment.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unterminated {0}")]
pub struct LexError(pub &'static str);

/// The tokens of `sql`.
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, LexError> {
    let b = sql.as_bytes();
    // About one token per four bytes of text (growing it from empty cost ~15 % of the
    // lexer's instructions on a point select); capped, for long literals.
    let mut out = Vec::with_capacity((sql.len() / 4 + 4).min(4096));
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            _ if is_space(c) => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(b, i)?;
                continue;
            }
            b'\'' => {
                let (s, end) = quoted(sql, i, b'\'', false)?;
                i = end;
                TokenKind::Str(s)
            }
            b'e' | b'E' if b.get(i + 1) == Some(&b'\'') => {
                let (s, end) = quoted(sql, i + 1, b'\'', true)?;
                i = end;
                TokenKind::Str(s)
            }
            b'b' | b'B' | b'x' | b'X' | b'n' | b'N' if b.get(i + 1) == Some(&b'\'') => {
                let (s, end) = quoted(sql, i + 1, b'\'', false)?;
                i = end;
                TokenKind::Str(s)
            }
            b'u' | b'U'
                if b.get(i + 1) == Some(&b'&') && matches!(b.get(i + 2), Some(b'\'' | b'"')) =>
            {
                let q = b[i + 2];
                let (s, end) = quoted(sql, i + 2, q, false)?;
                i = end;
                if q == b'"' {
                    TokenKind::Quoted(s)
                } else {
                    TokenKind::Str(s)
                }
            }
            b'"' => {
                let (s, end) = quoted(sql, i, b'"', false)?;
                i = end;
                TokenKind::Quoted(s)
            }
            b'$' => match dollar_tag(b, i) {
                Some(tag_end) => {
                    let tag = &sql[i..tag_end];
                    let body = &sql[tag_end..];
                    let close = body.find(tag).ok_or(LexError("dollar-quoted string"))?;
                    i = tag_end + close + tag.len();
                    TokenKind::Str(body[..close].to_owned())
                }
                None => {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    TokenKind::Number
                }
            },
            b';' => {
                i += 1;
                TokenKind::Semicolon
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    i += 1;
                }
                TokenKind::Number
            }
            _ if starts_word(c) => {
                // Whether the word needs lower-casing, seen in the same pass.
                let (end, fold) = word_end(b, i);
                i = end;
                let word = &sql[start..i];
                if fold {
                    TokenKind::Word(Cow::Owned(word.to_lowercase()))
                } else {
                    TokenKind::Word(Cow::Borrowed(word))
                }
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or('?');
                i += ch.len_utf8();
                TokenKind::Punct(ch)
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(out)
}

fn block_comment_end(b: &[u8], mut i: usize) -> Result<usize, LexError> {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(LexError("comment"))
}

/// A quoted literal starting at `open` (the quote); doubled quotes stand for one, and
/// with `escapes` a backslash escapes the next byte.
fn quoted(sql: &str, open: usize, q: u8, escapes: bool) -> Result<(String, usize), LexError> {
    let b = sql.as_bytes();
    let mut i = open + 1;
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'\\' if escapes && i + 1 < b.len() => {
                out.push(b[i + 1]);
                i += 2;
            }
            c if c == q && b.get(i + 1) == Some(&q) => {
                out.push(q);
                i += 2;
            }
            c if c == q => return Ok((String::from_utf8_lossy(&out).into_owned(), i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(LexError(if q == b'"' {
        "quoted identifier"
    } else {
        "string literal"
    }))
}

/// The end of a `$tag$` opening at `i`, if there is one.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while j < b.len() && b[j] != b'$' && continues_word(b[j]) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sql: &str) -> Vec<String> {
        tokenize(sql)
            .unwrap()
            .iter()
            .filter_map(|t| t.name().map(str::to_owned))
            .collect()
    }

    #[test]
    fn names_inside_strings_comments_and_dollar_quotes_are_not_words() {
        let sql = "select 'cards' /* customers */ , $x$ accounts $x$, \"Sms\" -- cvv\n from t";
        assert_eq!(words(sql), ["select", "Sms", "from", "t"]);
    }

    #[test]
    fn doubled_quotes_and_escape_strings_stay_inside_the_literal() {
        let t = tokenize("select 'it''s', E'a\\'b' from x").unwrap();
        assert_eq!(t[1].kind, TokenKind::Str("it's".into()));
        assert_eq!(t[3].kind, TokenKind::Str("a'b".into()));
        assert_eq!(t.last().unwrap().word(), Some("x"));
    }

    #[test]
    fn words_are_lower_cased_and_borrowed_when_they_already_are() {
        let t = tokenize("SELECT Mobile from Ünïcode_t, t").unwrap();
        let lowered: Vec<_> = t.iter().filter_map(Token::word).collect();
        assert_eq!(lowered, ["select", "mobile", "from", "ünïcode_t", "t"]);
        let borrowed: Vec<_> = t
            .iter()
            .map(|t| matches!(t.kind, TokenKind::Word(Cow::Borrowed(_))))
            .collect();
        assert_eq!(borrowed, [false, false, true, false, false, true]);
    }

    #[test]
    fn unterminated_literals_are_errors() {
        for sql in ["select 'x", "select \"x", "select $a$ x", "/* x"] {
            assert!(tokenize(sql).is_err(), "{sql}");
        }
    }

    #[test]
    fn parameters_are_numbers_not_dollar_quotes() {
        let t = tokenize("select $1, $2").unwrap();
        assert_eq!(t[1].kind, TokenKind::Number);
    }
}

//! The shape of a statement text: the text with its plain string and number literals
//! replaced by parameters, so that texts differing only in literal values (pgbench,
//! ORMs that inline values, simple-protocol clients) can share one analysis.
//!
//! Sharing is safe only where a literal's value cannot change the verdict. The gate
//! reads literal values in a few places: masked-value lookups (`card_no = '…'`),
//! run-time parameter names (`current_setting('…')`, `set_config`), `SET`, `EXPLAIN`
//! options, and positional references (`ORDER BY 2`, `GROUP BY 2`, `DISTINCT ON (2)`).
//! The lexer here keeps every literal after `BY` or `DISTINCT ON` as written (it stays
//! part of the key), and [`super::gate::Gate`] reuses a shape's analysis only when it
//! passed with no lookups, no parameter-named settings, no session effects, only plain
//! queries, and agreed exactly with the exact analysis of the text that created it.
//!
//! The lexer is deliberately narrow: anything it does not read with certainty
//! (comments, dollar quotes, escape/Unicode/bit strings, parameters already in the
//! text, numbers glued to names, over-long texts) gives no shape, and the gate falls
//! back to analysing the exact text.

use std::fmt::Write as _;

use super::lexical::{continues_word, is_space, starts_word, word_end};

/// Texts longer than this are analysed exactly, never shaped.
pub const MAX_SHAPED_BYTES: usize = 16 * 1024;

/// A text with its literals replaced by `$1`, `$2`, … in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The text to analyse: literals replaced, everything else as written.
    pub text: String,
    /// One letter per replaced literal: `s` string, `n` number (part of the key, so a
    /// string and a number never share an analysis).
    pub kinds: String,
}

/// The shape of `sql`, or `None` when the lexer cannot read it with certainty or the
/// text has no literal to replace.
pub fn shape_of(sql: &str) -> Option<Shape> {
    if sql.len() > MAX_SHAPED_BYTES {
        return None;
    }
    let bytes = sql.as_bytes();
    let mut text = String::with_capacity(sql.len() + 8);
    let mut kinds = String::new();
    // Literals are replaced until `BY` or `DISTINCT ON` is seen; after that, numbers
    // may be positional references and everything stays as written.
    let mut replacing = true;
    let mut last_word_was_distinct = false;
    let mut copied_to = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' => {
                let end = quoted_end(bytes, i, b'\'')?;
                if replacing {
                    check_neighbours(bytes, i, end)?;
                    replace(sql, &mut text, &mut copied_to, i, end, &mut kinds, 's');
                }
                last_word_was_distinct = false;
                i = end;
            }
            b'0'..=b'9' | b'.' if b != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = number_end(bytes, i)?;
                if replacing {
                    check_neighbours(bytes, i, end)?;
                    replace(sql, &mut text, &mut copied_to, i, end, &mut kinds, 'n');
                }
                last_word_was_distinct = false;
                i = end;
            }
            b'"' => {
                i = quoted_end(bytes, i, b'"')?;
                last_word_was_distinct = false;
            }
            // `$1` (a parameter) or `$tag$` (a dollar quote): not shaped.
            b'$' => return None,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return None,
            // A backslash outside a string belongs to no statement the gate reads.
            b'\\' => return None,
            _ if starts_word(b) => {
                let (end, _) = word_end(bytes, i);
                // E'…', U&'…', B'…', X'…', N'…' and typed literals glued to a name.
                if matches!(bytes.get(end), Some(b'\'' | b'&')) {
                    return None;
                }
                let word = &sql[i..end];
                if word.eq_ignore_ascii_case("by")
                    || (last_word_was_distinct && word.eq_ignore_ascii_case("on"))
                {
                    replacing = false;
                }
                last_word_was_distinct = word.eq_ignore_ascii_case("distinct");
                i = end;
            }
            _ => {
                if !is_space(b) {
                    last_word_was_distinct = false;
                }
                i += 1;
            }
        }
    }
    if kinds.is_empty() {
        return None;
    }
    text.push_str(&sql[copied_to..]);
    Some(Shape { text, kinds })
}

/// Copies `sql[copied_to..start]` and a parameter in place of `sql[start..end]`.
fn replace(
    sql: &str,
    text: &mut String,
    copied_to: &mut usize,
    start: usize,
    end: usize,
    kinds: &mut String,
    kind: char,
) {
    text.push_str(&sql[*copied_to..start]);
    kinds.push(kind);
    text.push('$');
    match kinds.len() {
        // Most statements have a few literals: no formatting machinery for those.
        n @ 1..=9 => text.push(char::from(b'0' + n as u8)),
        n => {
            let _ = write!(text, "{n}");
        }
    }
    *copied_to = end;
}

/// A literal is replaced only when it stands alone between separators, so the
/// parameter in its place is read as one token exactly where the literal was.
fn check_neighbours(bytes: &[u8], start: usize, end: usize) -> Option<()> {
    let before_ok = start == 0 || is_separator(bytes[start - 1]);
    let after_ok = end == bytes.len() || is_separator(bytes[end]) || bytes[end] == b':';
    (before_ok && after_ok).then_some(())
}

fn is_separator(b: u8) -> bool {
    is_space(b)
        || matches!(
            b,
            b'(' | b')'
                | b','
                | b';'
                | b'['
                | b']'
                | b'='
                | b'<'
                | b'>'
                | b'!'
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'%'
                | b'|'
        )
}

/// Past the closing `quote` of the string or quoted name starting at `start` (a
/// doubled quote is a quote inside).
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b if b == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// Past a number: digits, an optional fraction, an optional exponent. A number glued
/// to a name or another dot (`0x1F`, `1e`, `1..2`) gives no shape.
fn number_end(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    match bytes.get(i) {
        Some(&b) if continues_word(b) || b == b'.' => None,
        _ => Some(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaped(sql: &str) -> Option<(String, String)> {
        shape_of(sql).map(|s| (s.text, s.kinds))
    }

    #[test]
    fn literals_become_parameters_in_order() {
        assert_eq!(
            shaped("SELECT name FROM customers WHERE customer_id = 42 AND city = 'Shanghai'"),
            Some((
                "SELECT name FROM customers WHERE customer_id = $1 AND city = $2".into(),
                "ns".into()
            ))
        );
        assert_eq!(
            shaped("select x from t where a between 1.5e3 and .5 and b='it''s'"),
            Some((
                "select x from t where a between $1 and $2 and b=$3".into(),
                "nns".into()
            ))
        );
        assert_eq!(
            shaped("SELECT '5'::int, (7)"),
            Some(("SELECT $1::int, ($2)".into(), "sn".into()))
        );
    }

    #[test]
    fn positional_references_stay_as_written() {
        let (text, kinds) =
            shaped("SELECT a, b FROM t WHERE c = 3 GROUP BY 2 ORDER BY 1 LIMIT 10").unwrap();
        assert_eq!(
            text,
            "SELECT a, b FROM t WHERE c = $1 GROUP BY 2 ORDER BY 1 LIMIT 10"
        );
        assert_eq!(kinds, "n");
        // Nothing after DISTINCT ON is replaced, so here nothing is: no shape, and the
        // text is analysed (and cached) exactly.
        assert_eq!(
            shaped("SELECT DISTINCT ON (2) a, b FROM t WHERE c = 3"),
            None
        );
        assert_eq!(
            shaped("SELECT a FROM t WHERE c = 'x' AND a IN (SELECT a FROM u ORDER BY 1)")
                .map(|s| s.0),
            Some("SELECT a FROM t WHERE c = $1 AND a IN (SELECT a FROM u ORDER BY 1)".into())
        );
        // `IS DISTINCT FROM` is not `DISTINCT ON`.
        assert_eq!(
            shaped("SELECT a FROM t WHERE a IS DISTINCT FROM 3").map(|s| s.0),
            Some("SELECT a FROM t WHERE a IS DISTINCT FROM $1".into())
        );
    }

    #[test]
    fn what_the_lexer_cannot_read_with_certainty_is_not_shaped() {
        for sql in [
            "SELECT 1 -- comment",
            "SELECT /* c */ 1",
            "SELECT $1, 2",
            "SELECT $$x$$, 2",
            "SELECT E'\\x', 2",
            "SELECT U&'\\0041', 2",
            "SELECT B'0101', 2",
            "SELECT X'ff', 2",
            "SELECT N'x', 2",
            "SELECT 0x1F",
            "SELECT 1abc",
            "SELECT 1..2",
            "SELECT 'unterminated",
            "SELECT \"unterminated, 1",
            "SELECT a.1",
            "SELECT x FROM t WHERE y = 'a'b",
            "\\d customers",
            "SELECT name FROM customers",
        ] {
            assert_eq!(shape_of(sql), None, "{sql}");
        }
        let long = format!("SELECT 1{}", " ".repeat(MAX_SHAPED_BYTES));
        assert_eq!(shape_of(&long), None);
    }

    #[test]
    fn quoted_identifiers_and_names_with_digits_are_kept() {
        assert_eq!(
            shaped("SELECT \"by\", t1.c2 FROM \"t\"\"1\" t1 WHERE t1.c2 = 7").map(|s| s.0),
            Some("SELECT \"by\", t1.c2 FROM \"t\"\"1\" t1 WHERE t1.c2 = $1".into())
        );
    }

    proptest::proptest! {
        /// Any text, and SQL-like token soup: no panic, and a shape names each replaced
        /// literal's kind.
        #[test]
        fn any_text_shapes_safely(sql in "[ -~é\\n]{0,80}") {
            if let Some(shape) = shape_of(&sql) {
                proptest::prop_assert!(shape.kinds.chars().all(|k| k == 's' || k == 'n'));
            }
        }

        #[test]
        fn token_soup_shapes_safely(
            tokens in proptest::collection::vec(proptest::sample::select(&[
                "SELECT", "a", "t1", "FROM", "WHERE", "=", "'x'", "'it''s'", "1", "2.5",
                ".5", "1e5", ",", "(", ")", "ORDER", "BY", "DISTINCT", "ON", "\"q\"", "::",
                "int", "e", "-", "'", "\"", ".", "$", "é",
            ][..]), 0..30),
            glue in proptest::collection::vec(proptest::bool::ANY, 30),
        ) {
            let mut sql = String::new();
            for (t, g) in tokens.iter().zip(&glue) {
                sql.push_str(t);
                if *g {
                    sql.push(' ');
                }
            }
            if let Some(shape) = shape_of(&sql) {
                proptest::prop_assert!(shape.kinds.chars().all(|k| k == 's' || k == 'n'));
                proptest::prop_assert!(shape.text.len() <= sql.len() + 4 * shape.kinds.len());
            }
        }
    }
}

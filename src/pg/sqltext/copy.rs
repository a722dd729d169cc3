//! [`parse_copy`]: `COPY relation [(columns)] TO STDOUT [options]` and
//! `COPY (query) TO STDOUT [options]`. Anything else — `FROM`, a file, a program — is
//! refused. The result names the query whose output the COPY streams (so the gateway
//! can describe it upstream) and the text or CSV layout of its lines.

use super::lexer::{Token, TokenKind};

/// The layout of the COPY stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFormat {
    /// `FORMAT text` (the default).
    Text,
    /// `FORMAT csv`.
    Csv,
    /// `FORMAT binary`.
    Binary,
}

/// A `COPY … TO STDOUT` as the mask plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyOut {
    /// A query with the same output columns as the COPY.
    pub query: String,
    /// Text, CSV or binary.
    pub format: CopyFormat,
    /// Column separator.
    pub delimiter: char,
    /// The spelling of NULL.
    pub null: String,
    /// CSV: a header line comes first.
    pub header: bool,
    /// CSV quote character.
    pub quote: char,
    /// CSV escape character.
    pub escape: char,
}

/// Reads a COPY statement (`tokens` start with `copy`).
pub fn parse_copy(sql: &str, tokens: &[Token]) -> Result<CopyOut, String> {
    let mut i = 1;
    let query = if tokens.get(i).map(|t| &t.kind) == Some(&TokenKind::Punct('(')) {
        let close = matching_paren(tokens, i).ok_or("COPY (…) without its closing parenthesis")?;
        let q = sql[tokens[i].end..tokens[close].start].to_owned();
        i = close + 1;
        q
    } else {
        let first = tokens.get(i).ok_or("COPY without a relation")?;
        if first.name().is_none() {
            return Err("COPY needs a relation or a parenthesised query".into());
        }
        let start = first.start;
        // A name, then `.name` as often as the relation is qualified.
        i += 1;
        while tokens.get(i).map(|t| &t.kind) == Some(&TokenKind::Punct('.'))
            && tokens.get(i + 1).and_then(Token::name).is_some()
        {
            i += 2;
        }
        let relation = sql[start..tokens[i - 1].end].to_owned();
        let columns = if tokens.get(i).map(|t| &t.kind) == Some(&TokenKind::Punct('(')) {
            let close =
                matching_paren(tokens, i).ok_or("column list without its closing parenthesis")?;
            let c = sql[tokens[i].end..tokens[close].start].to_owned();
            i = close + 1;
            c
        } else {
            "*".to_owned()
        };
        format!("SELECT {columns} FROM ONLY {relation}")
    };
    match (
        tokens.get(i).and_then(Token::word),
        tokens.get(i + 1).and_then(Token::word),
    ) {
        (Some("to"), Some("stdout")) => {}
        (Some("from"), _) => return Err("COPY FROM is refused: this consumer is read-only".into()),
        _ => return Err("only COPY … TO STDOUT is allowed".into()),
    }
    options(&tokens[i + 2..], query)
}

fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            TokenKind::Punct('(') => depth += 1,
            TokenKind::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

fn options(tokens: &[Token], query: String) -> Result<CopyOut, String> {
    let mut copy = CopyOut {
        query,
        format: CopyFormat::Text,
        delimiter: '\t',
        null: "\\N".into(),
        header: false,
        quote: '"',
        escape: '"',
    };
    let mut delimiter = None;
    let mut null = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        i += 1;
        let Some(word) = t.word() else { continue };
        let value = |j: usize| -> Option<String> {
            let skip = usize::from(tokens.get(j).and_then(Token::word) == Some("as"));
            match tokens.get(j + skip).map(|t| &t.kind) {
                Some(TokenKind::Str(s)) => Some(s.clone()),
                Some(TokenKind::Word(w)) => Some(w.to_string()),
                _ => None,
            }
        };
        match word {
            "with" => {}
            "format" => match value(i).as_deref() {
                Some("csv") => copy.format = CopyFormat::Csv,
                Some("text") => copy.format = CopyFormat::Text,
                Some("binary") => copy.format = CopyFormat::Binary,
                _ => return Err("unknown COPY FORMAT".into()),
            },
            "csv" => copy.format = CopyFormat::Csv,
            "binary" => copy.format = CopyFormat::Binary,
            "text" => copy.format = CopyFormat::Text,
            "header" => copy.header = !matches!(value(i).as_deref(), Some("false" | "off" | "0")),
            "delimiter" => delimiter = Some(single_char(value(i))?),
            "null" => null = Some(value(i).ok_or("COPY NULL needs a string")?),
            "quote" => copy.quote = single_char(value(i))?,
            "escape" => copy.escape = single_char(value(i))?,
            "force_quote" | "force_not_null" | "force_null" | "encoding" | "freeze"
            | "on_error" | "default" | "log_verbosity" => {
                return Err(format!(
                    "COPY option {} is not supported through tuomin",
                    word.to_uppercase()
                ));
            }
            _ => {}
        }
    }
    if copy.format == CopyFormat::Csv {
        copy.delimiter = ',';
        copy.null = String::new();
    }
    if let Some(d) = delimiter {
        copy.delimiter = d;
    }
    if let Some(n) = null {
        copy.null = n;
    }
    Ok(copy)
}

fn single_char(v: Option<String>) -> Result<char, String> {
    let v = v.ok_or("COPY option needs a one-character string")?;
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() => Ok(c),
        _ => Err("COPY option needs a one-character ASCII string".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn copy(sql: &str) -> Result<CopyOut, String> {
        parse_copy(sql, &tokenize(sql).unwrap())
    }

    #[test]
    fn copy_of_a_relation_describes_its_columns() {
        let c = copy("COPY public.cards (card_id, card_no) TO STDOUT").unwrap();
        assert_eq!(c.query, "SELECT card_id, card_no FROM ONLY public.cards");
        assert_eq!(c.format, CopyFormat::Text);
        assert_eq!(c.delimiter, '\t');
    }

    #[test]
    fn copy_of_a_query_with_csv_options() {
        let c = copy("copy (select 1 as x) to stdout with (format csv, header, delimiter ';')")
            .unwrap();
        assert_eq!(c.query, "select 1 as x");
        assert_eq!(c.format, CopyFormat::Csv);
        assert!(c.header);
        assert_eq!(c.delimiter, ';');
        assert_eq!(c.null, "");
    }

    #[test]
    fn a_copy_of_neither_a_relation_nor_a_query_is_refused_not_a_panic() {
        // The first sliced the text backwards (found by the `sql_allowlist` fuzz target):
        // a client's statement ended its session with a panic.
        for sql in [
            "copy :(select 1- to stdout with csv",
            "copy . to stdout",
            "copy , t to stdout",
            "copy 1 to stdout",
            "copy 'x' to stdout",
            "copy",
            "copy (select 1 to stdout",
        ] {
            assert!(copy(sql).is_err(), "{sql}");
        }
    }

    #[test]
    fn copy_of_a_whole_relation_reads_all_its_columns() {
        // The relation's name used to run on into `TO STDOUT`, refusing every COPY of
        // a relation without a column list.
        let c = copy("COPY cards TO STDOUT").unwrap();
        assert_eq!(c.query, "SELECT * FROM ONLY cards");
        let c = copy("copy bank.\"Cards\" to stdout with csv header").unwrap();
        assert_eq!(c.query, "SELECT * FROM ONLY bank.\"Cards\"");
        assert_eq!(c.format, CopyFormat::Csv);
        assert!(c.header);
        assert!(
            copy("copy a.b.c to stdout").is_ok(),
            "database.schema.table"
        );
        assert!(copy("copy a. to stdout").is_err());
    }

    #[test]
    fn copy_from_and_to_files_are_refused() {
        assert!(copy("copy t from stdin").is_err());
        assert!(copy("copy t to '/tmp/x'").is_err());
        assert!(copy("copy t to program 'sh'").is_err());
    }
}

//! Statement fingerprints for the audit trail: the statement's shape with every
//! literal (strings, dollar-quoted strings, numbers) replaced by `?` and white space
//! folded, so no value reaches the record. Comments are dropped (they may hold values).

/// The longest fingerprint kept; longer ones are cut (and say so).
const MAX_FINGERPRINT: usize = 2048;

/// The fingerprint of a SQL statement.
pub fn sql(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len().min(MAX_FINGERPRINT));
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_FINGERPRINT {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i = match c {
            '\'' => skip_quoted(&chars, i, '\'', &mut out),
            'E' | 'e' | 'B' | 'b' | 'X' | 'x' | 'U' | 'u' | 'N' | 'n'
                if next == Some('\'') && !prev_is_word(&chars, i) =>
            {
                skip_quoted(&chars, i + 1, '\'', &mut out)
            }
            '$' if dollar_tag(&chars, i).is_some() => skip_dollar(&chars, i, &mut out),
            '-' if next == Some('-') => skip_line_comment(&chars, i),
            '/' if next == Some('*') => skip_block_comment(&chars, i),
            c if c.is_ascii_digit() && !prev_is_word(&chars, i) => skip_number(&chars, i, &mut out),
            c if c.is_whitespace() => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
                i + 1
            }
            c => {
                out.push(c);
                i + 1
            }
        };
    }
    if i < chars.len() {
        out.push_str(" …");
    }
    out.trim_end().to_owned()
}

fn prev_is_word(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '$')
}

fn skip_quoted(chars: &[char], start: usize, quote: char, out: &mut String) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            i += 1;
            break;
        }
        i += 1;
    }
    out.push('?');
    i
}

fn dollar_tag(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        if i == start + 1 && chars[i].is_ascii_digit() {
            return None; // $1 is a parameter, not a tag
        }
        i += 1;
    }
    (chars.get(i) == Some(&'$')).then_some(i + 1 - start)
}

fn skip_dollar(chars: &[char], start: usize, out: &mut String) -> usize {
    let len = dollar_tag(chars, start).unwrap_or(2);
    let tag = &chars[start..start + len];
    let mut i = start + len;
    while i + len <= chars.len() {
        if &chars[i..i + len] == tag {
            out.push('?');
            return i + len;
        }
        i += 1;
    }
    out.push('?');
    chars.len()
}

fn skip_line_comment(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() && chars[i] != '\n' {
        i += 1;
    }
    i
}

fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut i = start + 2;
    while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
        i += 1;
    }
    (i + 2).min(chars.len())
}

fn skip_number(chars: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start;
    while i < chars.len()
        && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_')
    {
        i += 1;
    }
    out.push('?');
    i
}

#[cfg(test)]
mod tests {
    use super::sql;

    #[test]
    fn string_and_number_literals_are_removed() {
        assert_eq!(
            sql("SELECT * FROM cards WHERE card_no = '6222020200112233445' AND id > 42"),
            "SELECT * FROM cards WHERE card_no = ? AND id > ?"
        );
    }

    #[test]
    fn escaped_dollar_and_prefixed_strings_are_removed() {
        let f = sql("select E'a\\'b', $x$13812345678$x$, X'ff', 'it''s'");
        assert_eq!(f, "select ?, ?, ?, ?");
    }

    #[test]
    fn parameters_and_identifiers_with_digits_are_kept() {
        assert_eq!(
            sql("select col1 from t2 where a = $1"),
            "select col1 from t2 where a = $1"
        );
    }

    #[test]
    fn comments_are_dropped_and_space_folded() {
        assert_eq!(
            sql("select 1 -- 13812345678\n /* 6222 */  from\tt"),
            "select ? from t"
        );
    }

    #[test]
    fn unterminated_literals_do_not_leak() {
        assert_eq!(sql("select 'abc"), "select ?");
        assert_eq!(sql("select $$abc"), "select ?");
    }
}

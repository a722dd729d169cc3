//! [`classify`]: is every statement of a query string plainly a read? Until the SQL
//! analysis lands, writes are recognised conservatively — a statement is allowed only
//! when its leading keyword is on the read list, and it names no write keyword
//! anywhere; everything else is refused (fail closed). Session settings that would
//! change how values are encoded, or who the session is, are refused too.

use super::copy::{CopyOut, parse_copy};
use super::lexer::{Token, TokenKind, tokenize};

/// One statement the gateway lets through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// A read (or a harmless session or transaction command).
    Read,
    /// `COPY … TO STDOUT`.
    CopyOut(CopyOut),
    /// Nothing but white space and comments.
    Empty,
}

// The three word lists are `matches!` patterns, not slices searched in turn: the
// compiler dispatches on the length and compares once, where a linear search of every
// word of a statement against 26 entries was a third of the allowlist's instructions on
// a point select (callgrind, `benches/pg.md`).

/// Leading keywords of statements that read or only manage the session.
fn is_read_keyword(w: &str) -> bool {
    matches!(
        w,
        "select"
            | "with"
            | "values"
            | "table"
            | "show"
            | "explain"
            | "fetch"
            | "move"
            | "close"
            | "declare"
            | "prepare"
            | "execute"
            | "deallocate"
            | "discard"
            | "listen"
            | "unlisten"
            | "begin"
            | "start"
            | "commit"
            | "end"
            | "rollback"
            | "abort"
            | "savepoint"
            | "release"
            | "set"
            | "reset"
    )
}

/// Words that make any statement a write (or a lock, or a way around the gateway).
fn is_write_word(w: &str) -> bool {
    matches!(
        w,
        "insert"
            | "update"
            | "delete"
            | "merge"
            | "into"
            | "truncate"
            | "create"
            | "drop"
            | "alter"
            | "copy"
            | "call"
            | "do"
            | "lo_import"
            | "lo_export"
            | "set_config"
            | "dblink"
            | "dblink_exec"
            | "pg_read_file"
            | "pg_read_binary_file"
            | "pg_ls_dir"
            | "pg_terminate_backend"
            | "pg_cancel_backend"
            | "pg_reload_conf"
            | "query_to_xml"
            | "nextval"
            | "setval"
    )
}

/// Settings a consumer may not change: encoding and date format (values must stay
/// readable to the mask plan), identity, read-only mode, string syntax.
fn is_fixed_setting(w: &str) -> bool {
    matches!(
        w,
        "client_encoding"
            | "names"
            | "datestyle"
            | "role"
            | "session"
            | "session_authorization"
            | "default_transaction_read_only"
            | "transaction_read_only"
            | "standard_conforming_strings"
            | "bytea_output"
            | "transaction"
            | "characteristics"
    )
}

/// Classifies every statement of `sql`; the refusal names the keyword and why.
pub fn classify(sql: &str) -> Result<Vec<Statement>, String> {
    let tokens = tokenize(sql).map_err(|e| format!("the statement cannot be read ({e})"))?;
    let mut out = Vec::new();
    for stmt in tokens.split(|t| t.kind == TokenKind::Semicolon) {
        if stmt.is_empty() {
            continue;
        }
        out.push(statement(sql, stmt)?);
    }
    if out.is_empty() {
        out.push(Statement::Empty);
    }
    Ok(out)
}

fn statement(sql: &str, tokens: &[Token]) -> Result<Statement, String> {
    let first = tokens
        .iter()
        .find(|t| t.kind != TokenKind::Punct('('))
        .and_then(Token::word)
        .ok_or_else(|| "the statement does not start with a keyword".to_owned())?;
    if first == "copy" {
        return parse_copy(sql, tokens).map(Statement::CopyOut);
    }
    if !is_read_keyword(first) {
        return Err(format!(
            "{} statements are refused: this consumer is read-only",
            first.to_uppercase()
        ));
    }
    // One pass over the words (bare words only: literals, quoted names and punctuation
    // are not words, and two words are adjacent with punctuation between them).
    let mut write_word = None;
    let mut read_write = false;
    let mut row_lock = false;
    let mut second = None;
    let mut previous: Option<&str> = None;
    for (n, w) in tokens.iter().filter_map(Token::word).enumerate() {
        if is_write_word(w) {
            write_word = Some(w);
            break;
        }
        if n == 1 {
            second = Some(w);
        }
        match (previous, w) {
            (Some("read"), "write") => read_write = true,
            (Some("for"), "update" | "share" | "no" | "key") => row_lock = true,
            _ => {}
        }
        previous = Some(w);
    }
    if let Some(w) = write_word {
        return Err(format!(
            "a statement containing {} is refused: this consumer is read-only and tuomin \
             lets through only plain reads",
            w.to_uppercase()
        ));
    }
    if read_write {
        return Err("READ WRITE transactions are refused: this consumer is read-only".into());
    }
    if row_lock {
        return Err(
            "row locks (FOR UPDATE / SHARE) are refused: this consumer is read-only".into(),
        );
    }
    if first == "prepare" && second == Some("transaction") {
        return Err("PREPARE TRANSACTION is refused".into());
    }
    if matches!(first, "set" | "reset") {
        let words: Vec<&str> = tokens.iter().filter_map(Token::word).collect();
        check_setting(&words)?;
    }
    Ok(Statement::Read)
}

fn check_setting(words: &[&str]) -> Result<(), String> {
    let name = words
        .iter()
        .skip(1)
        .find(|w| !matches!(**w, "session" | "local"))
        .or_else(|| words.get(1));
    let whole_session = words.get(1) == Some(&"session")
        && words
            .get(2)
            .is_some_and(|w| matches!(*w, "authorization" | "characteristics"));
    match name {
        Some(n) if is_fixed_setting(n) || whole_session => Err(format!(
            "changing {n} is refused: tuomin fixes it so that masking stays exact"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(sql: &str) -> bool {
        classify(sql).is_err()
    }

    #[test]
    fn plain_reads_and_session_commands_pass() {
        for sql in [
            "select * from customers",
            "  -- hi\n SELECT 1; select 2",
            "with x as (select 1) select * from x",
            "begin; fetch 10 from c; commit",
            "declare c cursor for select * from cards",
            "set search_path = public",
            "show timezone",
            "(select 1)",
            "explain select 1",
            "",
            ";",
        ] {
            assert!(classify(sql).is_ok(), "{sql}");
        }
    }

    #[test]
    fn writes_and_dangerous_reads_are_refused() {
        for sql in [
            "insert into t values (1)",
            "update t set a = 1",
            "select * into t2 from t",
            "with d as (delete from t returning *) select * from d",
            "select * from t for update",
            "create table x as select * from customers",
            "do $$ begin end $$",
            "call p()",
            "begin read write",
            "set client_encoding = 'LATIN1'",
            "set session authorization bob",
            "set role admin",
            "set standard_conforming_strings = off",
            "select set_config('DateStyle', 'SQL', false)",
            "select 1; delete from t",
            "vacuum",
            "select 'unterminated",
            "explain analyze update t set a = 1",
            "lock table t",
        ] {
            assert!(refused(sql), "{sql}");
        }
    }

    #[test]
    fn each_refusal_names_its_reason_the_first_write_word_first() {
        for (sql, reason) in [
            ("vacuum full", "VACUUM statements are refused"),
            (
                "select nextval('s'), 1 from t for share",
                "containing NEXTVAL",
            ),
            (
                "with x as (select 1) insert into t select * from x",
                "containing INSERT",
            ),
            (
                "begin isolation level serializable, read write",
                "READ WRITE",
            ),
            ("select * from t for share", "row locks"),
            ("select * from t for key share", "row locks"),
            ("prepare transaction 'x'", "PREPARE TRANSACTION"),
            (
                "SET Session Characteristics as transaction read only",
                "changing",
            ),
            ("reset role", "changing role"),
            ("(1)", "does not start with a keyword"),
        ] {
            let refusal = classify(sql).expect_err(sql);
            assert!(refusal.contains(reason), "{sql}: {refusal}");
        }
        // Adjacent words with punctuation between them are still adjacent; a quoted
        // name or a literal is no word.
        assert!(refused("select * from t for /* x */ (share)"));
        assert!(classify("select \"for\", 'share' from t").is_ok());
        assert!(classify("prepare q as select 1").is_ok());
    }

    #[test]
    fn write_keywords_inside_strings_do_not_refuse() {
        assert!(classify("select 'insert into t' as x").is_ok());
    }
}

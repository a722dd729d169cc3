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

/// Leading keywords of statements that read or only manage the session.
const READS: &[&str] = &[
    "select",
    "with",
    "values",
    "table",
    "show",
    "explain",
    "fetch",
    "move",
    "close",
    "declare",
    "prepare",
    "execute",
    "deallocate",
    "discard",
    "listen",
    "unlisten",
    "begin",
    "start",
    "commit",
    "end",
    "rollback",
    "abort",
    "savepoint",
    "release",
    "set",
    "reset",
];

/// Words that make any statement a write (or a lock, or a way around the gateway).
const WRITE_WORDS: &[&str] = &[
    "insert",
    "update",
    "delete",
    "merge",
    "into",
    "truncate",
    "create",
    "drop",
    "alter",
    "copy",
    "call",
    "do",
    "lo_import",
    "lo_export",
    "set_config",
    "dblink",
    "dblink_exec",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "query_to_xml",
    "nextval",
    "setval",
];

/// Settings a consumer may not change: encoding and date format (values must stay
/// readable to the mask plan), identity, read-only mode, string syntax.
const FIXED_SETTINGS: &[&str] = &[
    "client_encoding",
    "names",
    "datestyle",
    "role",
    "session",
    "session_authorization",
    "default_transaction_read_only",
    "transaction_read_only",
    "standard_conforming_strings",
    "bytea_output",
    "transaction",
    "characteristics",
];

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
    if !READS.contains(&first) {
        return Err(format!(
            "{} statements are refused: this consumer is read-only",
            first.to_uppercase()
        ));
    }
    let words: Vec<&str> = tokens.iter().filter_map(Token::word).collect();
    if let Some(w) = words.iter().find(|w| WRITE_WORDS.contains(w)) {
        return Err(format!(
            "a statement containing {} is refused: this consumer is read-only and tuomin \
             lets through only plain reads",
            w.to_uppercase()
        ));
    }
    if words.windows(2).any(|w| w == ["read", "write"]) {
        return Err("READ WRITE transactions are refused: this consumer is read-only".into());
    }
    if words
        .windows(2)
        .any(|w| w[0] == "for" && matches!(w[1], "update" | "share" | "no" | "key"))
    {
        return Err(
            "row locks (FOR UPDATE / SHARE) are refused: this consumer is read-only".into(),
        );
    }
    if matches!(first, "prepare") && words.get(1) == Some(&"transaction") {
        return Err("PREPARE TRANSACTION is refused".into());
    }
    if matches!(first, "set" | "reset") {
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
        Some(n) if FIXED_SETTINGS.contains(n) || whole_session => Err(format!(
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
    fn write_keywords_inside_strings_do_not_refuse() {
        assert!(classify("select 'insert into t' as x").is_ok());
    }
}

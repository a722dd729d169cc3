//! Run-time parameters: which ones a consumer may set, show or read, and the values
//! of `search_path` as PostgreSQL splits them.

/// Parameters a consumer may `SET`, `RESET` or `set_config`: they change formatting,
/// planning or timeouts, never what data is visible or how SQL text is read.
const HARMLESS: &[&str] = &[
    "application_name",
    "array_nulls",
    "bytea_output",
    "client_min_messages",
    "cpu_index_tuple_cost",
    "cpu_operator_cost",
    "cpu_tuple_cost",
    "cursor_tuple_fraction",
    "datestyle",
    "default_text_search_config",
    "default_transaction_deferrable",
    "default_transaction_isolation",
    "default_transaction_read_only",
    "effective_cache_size",
    "escape_string_warning",
    "extra_float_digits",
    "geqo",
    "idle_in_transaction_session_timeout",
    "idle_session_timeout",
    "intervalstyle",
    "jit",
    "lc_messages",
    "lc_monetary",
    "lc_numeric",
    "lc_time",
    "lock_timeout",
    "maintenance_work_mem",
    "max_parallel_workers_per_gather",
    "plan_cache_mode",
    "quote_all_identifiers",
    "random_page_cost",
    "seq_page_cost",
    "statement_timeout",
    "synchronous_commit",
    "tcp_keepalives_count",
    "tcp_keepalives_idle",
    "tcp_keepalives_interval",
    "temp_buffers",
    "timezone",
    "transaction_isolation",
    "transaction_read_only",
    "work_mem",
    "xmlbinary",
    "xmloption",
];

/// Parameters whose value may hold a secret (connection strings, commands).
const SECRET: &[&str] = &[
    "archive_command",
    "archive_cleanup_command",
    "primary_conninfo",
    "restore_command",
    "ssl_passphrase_command",
    "recovery_end_command",
    "data_directory",
    "config_file",
    "hba_file",
    "ident_file",
    "ssl_key_file",
];

/// What the gate makes of setting a parameter to a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingVerdict {
    /// Allowed; changes nothing the gate tracks.
    Harmless,
    /// `search_path`: allowed, and followed.
    SearchPath,
    /// Refused, with the reason.
    Refused(String),
}

/// The verdict on setting `name` (folded) to `value` (its text; `None` for DEFAULT).
pub fn verdict_for_set(name: &str, value: Option<&str>) -> SettingVerdict {
    let value_lower = value.map(|v| v.trim().to_lowercase());
    match name {
        "search_path" => SettingVerdict::SearchPath,
        "standard_conforming_strings" => match value_lower.as_deref() {
            None | Some("on") | Some("true") | Some("1") | Some("yes") => SettingVerdict::Harmless,
            _ => SettingVerdict::Refused(
                "standard_conforming_strings = off changes how string literals are read, \
                 which the gate cannot follow; keep it on"
                    .into(),
            ),
        },
        "client_encoding" | "names" => match value.map(clean_encoding_name).as_deref() {
            None | Some("utf8") | Some("unicode") => SettingVerdict::Harmless,
            _ => SettingVerdict::Refused(
                "client encodings other than UTF8 are refused: the gate reads statements \
                 as UTF-8; set client_encoding to UTF8"
                    .into(),
            ),
        },
        "role" | "session_authorization" | "session_replication_role" | "row_security" => {
            SettingVerdict::Refused(format!(
                "SET {name} changes whose privileges apply, which the gate does not follow"
            ))
        }
        _ if HARMLESS.contains(&name) || name.starts_with("enable_") => SettingVerdict::Harmless,
        _ => SettingVerdict::Refused(format!(
            "setting the parameter {name} is not among the parameters a consumer may change \
             (formatting, planning, timeouts, search_path)"
        )),
    }
}

/// An encoding name as PostgreSQL compares it (`clean_encoding_name`): letters and
/// digits only, lower-cased, so `'utf-8'` (asyncpg's startup value), `UTF8` and `Utf_8`
/// all name UTF8.
fn clean_encoding_name(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `SHOW name` / `current_setting(name)` may be answered.
pub fn may_read(name: &str) -> Result<(), String> {
    if name == "all" {
        return Err("SHOW ALL is refused; show the parameters you need by name".into());
    }
    if SECRET.contains(&name) || name.contains('.') {
        return Err(format!(
            "the parameter {name} may hold a secret (a command, a connection string or an \
             application setting) and is not shown through the gateway"
        ));
    }
    Ok(())
}

/// Splits a `search_path` value as PostgreSQL does (`SplitIdentifierString`): comma
/// separated, unquoted names folded, `"quoted"` names kept. `None` when malformed.
pub fn split_search_path(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        name.push('"');
                    }
                    '"' => break,
                    c => name.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                name.extend(c.to_lowercase());
                chars.next();
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if name.is_empty() {
            return if out.is_empty() && chars.peek().is_none() {
                Some(out)
            } else {
                None
            };
        }
        out.push(name);
        match chars.next() {
            None => return Some(out),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_path_values_split_like_postgresql() {
        assert_eq!(
            split_search_path(r#"Bank, "$user" ,"Mixed""Q""#),
            Some(vec!["bank".into(), "$user".into(), "Mixed\"Q".into()])
        );
        assert_eq!(split_search_path(""), Some(vec![]));
        assert_eq!(split_search_path("a,,b"), None);
    }

    #[test]
    fn standard_conforming_strings_off_is_refused() {
        assert!(matches!(
            verdict_for_set("standard_conforming_strings", Some("off")),
            SettingVerdict::Refused(_)
        ));
        assert_eq!(
            verdict_for_set("jit", Some("off")),
            SettingVerdict::Harmless
        );
    }

    #[test]
    fn utf8_is_recognised_in_every_spelling_postgresql_accepts() {
        for v in ["UTF8", "utf-8", "'utf-8'", "Unicode", "utf_8"] {
            assert_eq!(
                verdict_for_set("client_encoding", Some(v)),
                SettingVerdict::Harmless,
                "{v}"
            );
        }
        for v in ["SQL_ASCII", "LATIN1", "GBK", "'sjis'"] {
            assert!(
                matches!(
                    verdict_for_set("client_encoding", Some(v)),
                    SettingVerdict::Refused(_)
                ),
                "{v}"
            );
        }
    }
}

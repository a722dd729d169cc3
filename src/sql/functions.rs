//! Function calls: which functions may run at all (SQL hidden in strings, files,
//! large objects, other sessions' statements, writes: never; user-defined functions
//! only when the policy allows them, since the gate cannot see what they read), and
//! what their arguments may be (a masked column only inside `count`).

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments, Value,
    WindowType,
};

use super::analyser::Analyser;
use super::catalog::{FunctionKind, SecurityDefiner};
use super::error::RefusalKind;
use super::lineage::Lineage;
use super::names::parts;
use super::query::Rows;
use super::scope::Scope;
use super::session::{SearchPath, SessionEffect, TransactionStatus};
use super::settings::{SettingVerdict, may_read, verdict_for_set};

/// Special forms the parser presents as functions; not in `pg_proc`.
const SPECIAL_FORMS: &[&str] = &[
    "row",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "array",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "current_catalog",
    "grouping",
    "xmlelement",
    "xmlforest",
    "xmlconcat",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmlexists",
    "normalize",
    "collation for",
    "any",
    "some",
    "all",
];

/// Functions never allowed, by name or name prefix (`*`), with the reason.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "query_to_xml*",
        "runs SQL given as a string, which the gate cannot see",
    ),
    ("cursor_to_xml*", "returns a cursor's rows unmasked"),
    ("table_to_xml*", "dumps a whole table, unmasked"),
    ("schema_to_xml*", "dumps a whole schema, unmasked"),
    ("database_to_xml*", "dumps the whole database, unmasked"),
    (
        "ts_stat",
        "runs SQL given as a string, which the gate cannot see",
    ),
    (
        "dblink*",
        "runs SQL on another connection, which the gate cannot see",
    ),
    ("pg_read_file", "reads server files"),
    ("pg_read_binary_file", "reads server files"),
    ("pg_stat_file", "reads server files"),
    ("pg_ls_*", "lists server files"),
    ("pg_file_*", "writes server files"),
    (
        "lo_*",
        "reads or writes large objects the gate cannot classify",
    ),
    ("loread", "reads large objects the gate cannot classify"),
    ("lowrite", "writes large objects"),
    ("pg_stat_get_activity", "returns other sessions' statements"),
    (
        "pg_stat_get_backend_activity",
        "returns other sessions' statements",
    ),
    ("pg_stat_statements*", "returns statement text with values"),
    (
        "pg_prepared_statement",
        "returns statement text with looked-up values",
    ),
    ("pg_cursor", "returns statement text with looked-up values"),
    ("pg_mcv_list_items", "returns sampled data values"),
    ("nextval", "advances a sequence, a write"),
    ("setval", "sets a sequence, a write"),
    ("pg_notify", "sends a notification, a side effect"),
    ("pg_reload_conf", "changes the server"),
    ("pg_rotate_logfile", "changes the server"),
    ("pg_terminate_backend", "acts on other sessions"),
    ("pg_cancel_backend", "acts on other sessions"),
    ("pg_promote", "changes the server"),
    ("pg_switch_wal", "changes the server"),
    ("pg_create_*", "changes the server"),
    ("pg_drop_replication_slot", "changes the server"),
    ("pg_replication_*", "acts on replication"),
    ("pg_logical_*", "reads the change stream, unmasked"),
    ("pg_stat_reset*", "changes the server"),
    ("pg_import_system_collations", "changes the server"),
    ("binary_upgrade_*", "changes the server"),
    ("pg_backup_*", "changes the server"),
];

fn forbidden(name: &str) -> Option<&'static str> {
    FORBIDDEN.iter().find_map(|(pattern, reason)| {
        let hit = match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        };
        hit.then_some(*reason)
    })
}

impl Analyser<'_> {
    pub fn function(&mut self, f: &mut Function, scope: &Scope<'_>) -> Lineage {
        let Some(name) = parts(&f.name) else {
            self.unanalysable("a function name is not a plain name");
            return Lineage::clear();
        };
        if !matches!(f.parameters, FunctionArguments::None) {
            self.unanalysable("function parameters in that form are not PostgreSQL");
        }
        let short = name.last().cloned().unwrap_or_default();
        let mut parts_l = Vec::new();
        match &mut f.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(q) => {
                for (_, l) in self.query(q, Some(scope), Rows::Used) {
                    self.consume(&l, &format!("inside {short}(SELECT …)"));
                    parts_l.push(l);
                }
            }
            FunctionArguments::List(list) => {
                if short == "set_config" || short == "current_setting" {
                    self.setting_function(&short, &list.args);
                }
                for clause in &mut list.clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(order) => {
                            for o in order {
                                let l = self.expr(&mut o.expr, scope);
                                self.consume(&l, &format!("in ORDER BY inside {short}()"));
                            }
                        }
                        _ => self.unanalysable("an aggregate clause that is not PostgreSQL"),
                    }
                }
                let l = self.function_args(&name, &mut list.args, Some(scope));
                parts_l.push(l);
                self.check_function(&name);
                return self.function_tail(f, scope, parts_l, &short);
            }
        }
        self.check_function(&name);
        self.function_tail(f, scope, parts_l, &short)
    }

    fn function_tail(
        &mut self,
        f: &mut Function,
        scope: &Scope<'_>,
        parts_l: Vec<Lineage>,
        short: &str,
    ) -> Lineage {
        if let Some(filter) = f.filter.as_mut() {
            let l = self.expr(filter, scope);
            self.consume(&l, "in FILTER (WHERE …)");
        }
        for o in &mut f.within_group {
            let l = self.expr(&mut o.expr, scope);
            self.consume(&l, "in WITHIN GROUP (ORDER BY …)");
        }
        match f.over.as_mut() {
            None => {}
            Some(WindowType::NamedWindow(_)) => self.unanalysable("named windows are not followed"),
            Some(WindowType::WindowSpec(spec)) => {
                for e in &mut spec.partition_by {
                    let l = self.expr(e, scope);
                    self.grouping(&l, &format!("in PARTITION BY of {short}() OVER"));
                }
                for o in &mut spec.order_by {
                    let l = self.expr(&mut o.expr, scope);
                    self.consume(&l, &format!("in ORDER BY of {short}() OVER"));
                }
                if spec.window_frame.is_some() {
                    // Frame offsets are constants in PostgreSQL.
                }
            }
        }
        Lineage::combine(&parts_l)
    }

    /// The arguments of a function (in an expression or in FROM): masked columns are
    /// allowed bare only in `count`; whole rows are judged as such.
    pub fn function_args(
        &mut self,
        name: &[String],
        args: &mut [FunctionArg],
        scope: Option<&Scope<'_>>,
    ) -> Lineage {
        let short = name.last().map_or("", String::as_str).to_owned();
        let empty = Scope::default();
        let scope = scope.unwrap_or(&empty);
        let what = format!("inside the function {short}()");
        let mut parts_l = Vec::with_capacity(args.len());
        for arg in args {
            let arg = match arg {
                FunctionArg::Named { arg, .. }
                | FunctionArg::ExprNamed { arg, .. }
                | FunctionArg::Unnamed(arg) => arg,
            };
            let l = match arg {
                FunctionArgExpr::Expr(e) => self.expr(e, scope),
                FunctionArgExpr::QualifiedWildcard(q) => {
                    match parts(q).and_then(|p| scope.entry(&p).cloned()) {
                        Some(entry) => self.whole_row(&entry),
                        None => {
                            self.unanalysable("a .* argument names no FROM item");
                            Lineage::clear()
                        }
                    }
                }
                FunctionArgExpr::Wildcard | FunctionArgExpr::WildcardWithOptions(_) => {
                    if short != "count" {
                        self.whole_rows(scope);
                    }
                    Lineage::clear()
                }
            };
            if short == "count" {
                if l.bare_masked().is_none() {
                    self.consume(&l, &what);
                }
                continue;
            }
            self.consume(&l, &what);
            parts_l.push(l);
        }
        if short == "count" {
            return Lineage::clear();
        }
        Lineage::combine(&parts_l)
    }

    fn whole_rows(&mut self, scope: &Scope<'_>) {
        for entry in scope.entries.clone() {
            self.whole_row(&entry);
        }
    }

    /// Whether the function may run at all.
    pub fn check_function(&mut self, name: &[String]) {
        let short = name.last().map_or("", String::as_str);
        if let Some(reason) = forbidden(short) {
            self.refuse(
                RefusalKind::Forbidden,
                None,
                format!("the function {short}() is never allowed through the gateway: it {reason}"),
            );
            return;
        }
        if name.len() == 1 && SPECIAL_FORMS.contains(&short) {
            return;
        }
        let found = match name {
            [n] => self
                .schemas
                .iter()
                .find_map(|s| self.catalog.function(s, n).map(|k| (s.clone(), k))),
            [s, n] => self.catalog.function(s, n).map(|k| (s.clone(), k)),
            _ => None,
        };
        match found {
            Some((_, FunctionKind::Builtin)) => {}
            Some((schema, FunctionKind::User { security_definer })) => {
                let full = format!("{schema}.{short}");
                if !self.policy.sql.allowed_functions.contains(&full) {
                    let definer = match security_definer {
                        SecurityDefiner::Definer => "a SECURITY DEFINER",
                        SecurityDefiner::Invoker => "a user-defined",
                    };
                    self.refuse(
                        RefusalKind::Forbidden,
                        None,
                        format!(
                            "{full}() is {definer} function: the gate cannot see what it reads; \
                             the policy must list it in [sql] allowed_functions"
                        ),
                    );
                }
            }
            None => self.refuse(
                RefusalKind::Forbidden,
                None,
                format!(
                    "the function {}() is not a built-in function the gate knows; unknown \
                     functions may read data the gate cannot see",
                    name.join(".")
                ),
            ),
        }
    }

    /// `set_config(name, value, is_local)` and `current_setting(name)`: only with a
    /// literal name, only harmless parameters; `search_path` is followed.
    fn setting_function(&mut self, short: &str, args: &[FunctionArg]) {
        let literal = |i: usize| -> Option<String> {
            match args.get(i) {
                Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => literal_text(e),
                _ => None,
            }
        };
        if short == "current_setting"
            && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) = args.first()
            && let Some(param) = placeholder_index(e)
        {
            // SQLAlchemy's reflection binds the name: checked at Bind.
            self.out.param_settings.push(param);
            return;
        }
        let Some(name) = literal(0).map(|n| n.to_lowercase()) else {
            self.refuse(
                RefusalKind::SessionState,
                None,
                format!("{short}() is allowed only with the parameter name written as a literal"),
            );
            return;
        };
        if short == "current_setting" {
            if let Err(reason) = may_read(&name) {
                self.refuse(RefusalKind::Forbidden, None, reason);
            }
            return;
        }
        let value = literal(1);
        let is_local =
            literal(2).map(|v| matches!(v.to_lowercase().as_str(), "true" | "t" | "on" | "1"));
        match verdict_for_set(&name, value.as_deref()) {
            SettingVerdict::Harmless => {}
            SettingVerdict::Refused(reason) => self.refuse(RefusalKind::SessionState, None, reason),
            SettingVerdict::SearchPath => match value {
                Some(v) if is_local == Some(false) => self.follow_search_path(&v),
                _ => self.refuse(
                    RefusalKind::SessionState,
                    None,
                    "set_config('search_path', …) is followed only with a literal value and \
                     is_local = false"
                        .into(),
                ),
            },
        }
    }

    /// A new `search_path` the statement sets: checked, then an effect.
    pub fn follow_search_path(&mut self, value: &str) {
        if self.session.transaction() != TransactionStatus::Idle {
            self.refuse(
                RefusalKind::SessionState,
                None,
                "search_path may change only outside a transaction block, where the gate can \
                 follow it; run it before BEGIN"
                    .into(),
            );
            return;
        }
        match SearchPath::parse(value).and_then(|p| p.check().map(|()| p)) {
            Ok(path) => self.out.effects.push(SessionEffect::SetSearchPath(path)),
            Err(refusal) => self.out.refused.extend(refusal.uses),
        }
    }
}

/// The text of a string literal (possibly cast), if `e` is one.
/// The `n` of a bare `$n` parameter (through casts and parentheses).
pub fn placeholder_index(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => p.strip_prefix('$')?.parse().ok().filter(|n| *n > 0),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => placeholder_index(expr),
        _ => None,
    }
}

pub fn literal_text(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s.clone()),
            Value::Boolean(b) => Some(b.to_string()),
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => literal_text(expr),
        _ => None,
    }
}

//! What the analysis of one statement text gives the gateway: per statement, the
//! output columns with their predicted source and treatment, the refused uses, the
//! masked-value lookups to perform, notices for the client and effects on the session;
//! and for the whole text, the verdict and (when rewritten) the SQL to send instead.

use std::fmt;

use super::error::{GateRefusal, RefusedUse};
use super::names::ColumnName;
use super::session::SessionEffect;

/// What happens to one output column's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Treatment {
    /// Sent as the server sends it.
    Clear,
    /// Masked by the gateway with this transform (by RowDescription's table oid, attnum).
    Masked { transform: &'static str },
    /// Never sent (the statement is refused).
    Refused,
}

/// One column of the statement's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputColumn {
    /// The column's name as the server will send it (best effort).
    pub name: String,
    /// The base column it is exactly, if any (after views and inheritance).
    pub source: Option<ColumnName>,
    /// What RowDescription's (table oid, attnum) must resolve to, if anything.
    pub described: Option<ColumnName>,
    pub treatment: Treatment,
}

/// How a pseudonym reaches a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupInput {
    /// A literal in the text; already substituted in [`Analysis::sql_to_send`].
    Literal,
    /// A parameter bound later (`$n`); the gateway substitutes at Bind / EXECUTE.
    Parameter,
}

/// A masked-value lookup: explain shows it, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupNote {
    pub column: ColumnName,
    pub input: LookupInput,
    /// How many pseudonyms were looked up (literals), or 1 (a parameter).
    pub pseudonyms: usize,
}

/// A parameter holding a pseudonym: at Bind the gateway reverses it with
/// [`crate::policy::Policy::lookup`] and fills `param` with the first candidate and
/// each of `extra` (parameters the rewrite added, one per older key version held)
/// with the next candidates, repeating the first when there are fewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamLookup {
    /// 1-based parameter number as written (`$1` is 1).
    pub param: usize,
    pub extra: Vec<usize>,
    pub column: ColumnName,
}

/// The statement kind, as explain and audit name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    Query,
    Explain,
    Show,
    Set,
    Transaction,
    Prepare,
    Execute,
    Deallocate,
    Cursor,
    Discard,
    Other,
}

/// The analysis of one statement of the text.
#[derive(Clone, Debug)]
pub struct StatementAnalysis {
    pub kind: StatementKind,
    pub columns: Vec<OutputColumn>,
    pub refused: Vec<RefusedUse>,
    pub lookups: Vec<LookupNote>,
    pub param_lookups: Vec<ParamLookup>,
    /// Parameters (`$n`) that name a run-time parameter read by `current_setting($n)`:
    /// the name is known only at Bind, where it is checked as a literal name would be.
    pub param_settings: Vec<usize>,
    /// Sent to the client as NoticeResponse before the result.
    pub notices: Vec<String>,
    pub effects: Vec<SessionEffect>,
}

impl StatementAnalysis {
    pub fn new(kind: StatementKind) -> Self {
        StatementAnalysis {
            kind,
            columns: Vec::new(),
            refused: Vec::new(),
            lookups: Vec::new(),
            param_lookups: Vec::new(),
            param_settings: Vec::new(),
            notices: Vec::new(),
            effects: Vec::new(),
        }
    }
}

/// SQL text holding real values (substituted lookups): never logged or shown.
#[derive(Clone, PartialEq, Eq)]
pub struct RewrittenSql(pub(crate) String);

impl RewrittenSql {
    /// The text to forward upstream.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RewrittenSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RewrittenSql(<redacted>)")
    }
}

/// The analysis of a whole statement text (one Query message, or one Parse).
#[derive(Clone, Debug)]
pub struct Analysis {
    pub statements: Vec<StatementAnalysis>,
    pub rewritten: Option<RewrittenSql>,
    verdict: Result<(), GateRefusal>,
}

impl Analysis {
    /// Builds the verdict from the statements' refused uses.
    pub fn new(statements: Vec<StatementAnalysis>, rewritten: Option<RewrittenSql>) -> Self {
        let uses: Vec<RefusedUse> = statements
            .iter()
            .flat_map(|s| s.refused.iter().cloned())
            .collect();
        let verdict = if uses.is_empty() {
            Ok(())
        } else {
            Err(GateRefusal::from_uses(uses))
        };
        Analysis {
            statements,
            rewritten,
            verdict,
        }
    }

    /// A text refused as a whole (does not parse, too long …).
    pub fn refused(refusal: GateRefusal) -> Self {
        Analysis {
            statements: Vec::new(),
            rewritten: None,
            verdict: Err(refusal),
        }
    }

    /// `Ok` when the text may be forwarded; the refusal to send otherwise.
    pub fn verdict(&self) -> Result<(), &GateRefusal> {
        self.verdict.as_ref().map(|_| ())
    }

    pub fn is_allowed(&self) -> bool {
        self.verdict.is_ok()
    }

    /// The text to forward upstream: the rewrite when there is one, else `original`.
    pub fn sql_to_send<'a>(&'a self, original: &'a str) -> &'a str {
        self.rewritten.as_ref().map_or(original, |r| r.expose())
    }

    /// Every parameter lookup of the text (extended protocol: one statement).
    pub fn param_lookups(&self) -> impl Iterator<Item = &ParamLookup> {
        self.statements.iter().flat_map(|s| s.param_lookups.iter())
    }

    /// The parameters that name a run-time parameter to read (see
    /// [`StatementAnalysis::param_settings`]).
    pub fn param_settings(&self) -> impl Iterator<Item = usize> + '_ {
        self.statements
            .iter()
            .flat_map(|s| s.param_settings.iter().copied())
    }
}

//! The SQL gate: every statement a consumer sends is analysed before it reaches the
//! database, and refused (SQLSTATE 42501, with a reason a person can act on) unless
//! every use of every sensitive column is one the policy allows. Fail closed: what
//! does not parse, or whose lineage cannot be followed, is refused.
//!
//! # Layout
//!
//! - [`gate`]: [`Gate::analyse`], what the gateway calls; the cache ([`cache`]), also
//!   of analyses shared by texts differing only in literals ([`shape`]); [`lexical`],
//!   the byte classes the shape and the allowlist's lexer read text with.
//! - [`analysis`]: the result: per statement, output columns with predicted source and
//!   treatment, refused uses, lookups, notices, session effects; the rewritten SQL.
//! - [`crosscheck`]: RowDescription against the prediction.
//! - [`session`]: per-session state (search_path, PREPAREd verdicts, transaction).
//! - [`catalog`]: what the gate knows of relations and functions.
//! - The walk: `analyser` (context, sensitivity), `statement`, `execute`, `query`,
//!   `from`, `star`, `expr`, `compare` (equality, lookups), `functions`, with `scope`
//!   (name resolution), `lineage`, `names`, `settings` (run-time parameters).
//! - [`error`]: SQLSTATE and refusal types.

mod analyser;
pub mod analysis;
pub mod cache;
pub mod catalog;
mod compare;
pub mod crosscheck;
pub mod error;
mod execute;
mod expr;
mod from;
mod functions;
pub mod gate;
pub mod lexical;
pub mod lineage;
pub mod names;
mod query;
mod scope;
pub mod session;
pub mod settings;
pub mod shape;
mod star;
mod statement;

pub use analysis::{
    Analysis, LookupInput, LookupNote, OutputColumn, ParamLookup, StatementAnalysis, StatementKind,
    Treatment,
};
pub use catalog::{Catalog, DictionaryCatalog, UpstreamCatalog};
pub use crosscheck::DescribedSource;
pub use error::{GateRefusal, RefusalKind, RefusedUse, SqlState};
pub use gate::{Gate, Keep};
pub use names::{ColumnName, QualifiedName};
pub use query::output_names;
pub use session::{SearchPath, SessionEffect, SessionState, TransactionStatus};

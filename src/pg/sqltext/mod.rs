//! What the gateway reads of SQL text before the SQL analysis lands: tokens, not
//! meaning. Enough to refuse what is not plainly a read (fail closed), to find the
//! relations and functions a statement names, and to read a `COPY … TO STDOUT`.
//!
//! - [`lexer`]: tokens with comments removed and literals recognised (strings,
//!   dollar quotes, quoted identifiers); an unterminated literal is an error.
//! - [`readonly`]: the leading-keyword allowlist for read-only consumers.
//! - [`copy`]: `COPY relation|(query) TO STDOUT` and its options.

pub mod copy;
pub mod lexer;
pub mod readonly;

pub use copy::{CopyFormat, CopyOut};
pub use lexer::{Token, TokenKind, tokenize};
pub use readonly::{Statement, classify};

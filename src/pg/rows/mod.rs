//! Result masking: a [`RowPlan`] is decided once per RowDescription (or COPY), then
//! executed on every row.
//!
//! - [`decide`]: what each output column is — pass, masked (with its transform, type,
//!   format and constraint) — or why the statement is refused.
//! - [`plan`]: [`RowPlan`]: a DataRow can only reach the client's buffer through
//!   [`RowPlan::write`]; an unmasked plan forwards the frame's own bytes.
//! - [`row_memo`]: whole masked rows a plan remembers, for rows read again.
//! - [`copy`]: the same plan on `COPY … TO STDOUT` lines (text and CSV).

pub mod copy;
pub mod decide;
pub mod plan;
pub mod row_memo;

pub use decide::{PlanInput, build_plan};
pub use plan::{MaskError, RowPlan};

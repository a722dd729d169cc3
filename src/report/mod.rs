//! Reports for security teams and auditors.
//!
//! - [`delegated`]: the delegated-processing report built from audit files — per
//!   consumer, which categories and grades it received, in which form, how many
//!   records, and what it was refused.
//! - [`render`]: that report as a terminal table, JSON, or a self-contained HTML page.
//! - [`inventory`]: the self-inspection inventory of a policy — every classified
//!   field, its grade, and what each consumer sees of it.

pub mod delegated;
mod html;
pub mod inventory;
pub mod render;

pub use delegated::{DelegatedReport, ReportFilter, build};

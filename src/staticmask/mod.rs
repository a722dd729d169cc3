//! Static masking: the daily file hand-off to a vendor. A CSV or JSON-lines export of
//! one table is read as a stream and written masked for one consumer, in constant
//! memory. Columns are matched by name against the dictionary of the table.
//!
//! Under `unclassified = "scan"`, a column the dictionary does not know is scanned
//! value by value (see `scan`).
//!
//! A column the consumer may not receive (C3, or refused by the policy) stops the run
//! before any output is written, unless the caller asks to drop such columns.

mod csv_format;
mod jsonl_format;
mod plan;
mod scan;

use std::io::{BufRead, Write};

pub use plan::{ColumnAction, MaskPlan};

use crate::policy::Policy;

/// The file formats `tuomin mask` reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// What a masking run is asked to do.
#[derive(Clone, Debug)]
pub struct MaskJob<'a> {
    pub policy: &'a Policy,
    pub consumer: &'a str,
    /// `schema.table` (a bare table name means `public.table`).
    pub table: String,
    pub format: Format,
    /// Remove refused columns (and say so) instead of stopping.
    pub drop_refused: bool,
}

/// Counts of a finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaskReport {
    pub records: u64,
    pub values_transformed: u64,
    /// Columns removed because they were refused (with `drop_refused`).
    pub dropped: Vec<String>,
    /// Every column seen, with what happened to it (`pass`, `refuse`, `scan`, a
    /// transform).
    pub columns: Vec<(String, &'static str)>,
    /// Under `unclassified = "scan"`: each (column, category) the scan found and masked.
    pub scan_hits: Vec<(String, crate::discovery::detectors::Detected)>,
}

/// Why a masking run stopped. Messages name lines and columns, never values.
#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    #[error("consumer {0} is not in the policy")]
    UnknownConsumer(String),
    #[error("consumer {0} is disabled")]
    DisabledConsumer(String),
    #[error("table {0} is not in the policy's dictionary")]
    UnknownTable(String),
    #[error(
        "refusing to write anything: {}\nleave these columns out of the export, or pass --drop-refused to remove them",
        .0.join("\n")
    )]
    Refused(Vec<String>),
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("line {line}, column {column}: {message}")]
    Transform {
        line: u64,
        column: String,
        message: String,
    },
    #[error("the input has no header line")]
    NoHeader,
    #[error("duplicate column {0} in the header")]
    DuplicateColumn(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Progress callback: called with the number of input bytes consumed so far.
pub type Progress<'a> = &'a mut dyn FnMut(u64);

/// Masks `input` into `output` as `job` says.
pub fn run(
    job: &MaskJob<'_>,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<MaskReport, MaskError> {
    match job.format {
        Format::Csv => csv_format::mask(job, input, output, progress),
        Format::Jsonl => jsonl_format::mask(job, input, output, progress),
    }
}

/// `customers` → `public.customers`; a qualified name is kept.
pub fn qualify_table(table: &str) -> String {
    if table.contains('.') {
        table.to_owned()
    } else {
        format!("public.{table}")
    }
}

//! The commands behind the `tuomin` binary, one file each. `main.rs` parses the command
//! line and calls these; they return `anyhow` errors, shown to the user as they are.

pub mod audit;
pub mod check;
pub mod demo;
pub mod demo_live;
pub mod explain;
pub mod keygen;
pub mod keys;
pub mod mask;
mod mask_audit;
pub mod passwd;
pub mod report;
pub mod scan;
pub mod scram_passwd;
pub mod serve;

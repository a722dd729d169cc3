//! `tuomin passwd`: reads a consumer's PostgreSQL password from standard input and
//! prints its SCRAM-SHA-256 verifier for `[consumers.NAME] scram_verifier`. The
//! password itself is never stored or printed.

use std::io::BufRead;

use anyhow::{Result, bail};

use crate::pg::auth::ScramVerifier;
use crate::pg::auth::verifier::DEFAULT_ITERATIONS;

/// Reads one line (the password) from `input`; returns the verifier line.
pub fn run(input: &mut dyn BufRead) -> Result<String> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("no password on standard input (write it, then a newline)");
    }
    Ok(format!(
        "{}\n",
        ScramVerifier::generate(password, DEFAULT_ITERATIONS)
    ))
}

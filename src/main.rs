//! The `tuomin` binary: parses the command line and hands over to [`tuomin::cli`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tuomin::cli;
use tuomin::staticmask::Format;

/// tuomin (脱敏): a data-masking gateway for financial data (JR/T 0171-2020 grades).
#[derive(Parser)]
#[command(name = "tuomin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy and print what each consumer sees of each field.
    Check {
        #[arg(long)]
        config: PathBuf,
        /// Print the review as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mask a CSV or JSON-lines export of one table for one consumer.
    Mask {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        consumer: String,
        /// The table the file was exported from (`schema.table`, or `table` in `public`).
        #[arg(long)]
        source: String,
        #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
        format: FileFormat,
        /// Read this file instead of standard input.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Write this file (only when the whole run succeeds) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Remove refused columns (and say so) instead of stopping.
        #[arg(long)]
        drop_refused: bool,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run the gateway (the HTTP listener of `[http]`); SIGHUP reloads the policy.
    Serve {
        #[arg(long)]
        config: PathBuf,
        /// Listen here instead of `[http] listen`.
        #[arg(long)]
        http_listen: Option<std::net::SocketAddr>,
    },
    /// Serve the demo bank's sample JSON API (plays the production upstream).
    SampleApi {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 100)]
        customers: u64,
    },
    /// Print a new credential and the hash line to put in the policy.
    Passwd {
        /// A new HTTP API key.
        #[arg(long, required = true)]
        api_key: bool,
    },
    /// Write a new master key file (mode 0600); never overwrites.
    Keygen {
        #[arg(long)]
        out: PathBuf,
        /// The key's version number.
        #[arg(long, default_value_t = 1)]
        key_id: u32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify audit files (oldest first): report the first altered, missing,
    /// reordered or truncated record.
    Verify {
        /// The policy whose master key sealed the trail.
        #[arg(long)]
        config: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    Csv,
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(message) => {
            if !message.is_empty() {
                print!("{message}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tuomin: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<String> {
    match command {
        Command::Check { config, json } => cli::check::run(&config, json),
        Command::Mask {
            config,
            consumer,
            source,
            format,
            input,
            output,
            drop_refused,
        } => {
            let args = cli::mask::MaskArgs {
                config,
                consumer,
                source,
                format: match format {
                    FileFormat::Csv => Format::Csv,
                    FileFormat::Jsonl => Format::Jsonl,
                },
                input,
                output,
                drop_refused,
            };
            let summary = cli::mask::run(&args)?;
            eprintln!("{summary}");
            Ok(String::new())
        }
        Command::Audit {
            command: AuditCommand::Verify { config, files },
        } => cli::audit::verify(&config, &files),
        Command::Serve {
            config,
            http_listen,
        } => cli::serve::serve(&config, http_listen),
        Command::SampleApi {
            listen,
            seed,
            customers,
        } => cli::serve::sample_api(listen, seed, customers),
        Command::Passwd { api_key: _ } => Ok(cli::passwd::api_key()),
        Command::Keygen { out, key_id } => cli::keygen::run(&out, key_id).map(|m| m + "\n"),
    }
}

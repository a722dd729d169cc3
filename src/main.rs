//! The `tuomin` binary: parses the command line and hands over to [`tuomin::cli`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tuomin::cli;
use tuomin::report::render::ReportFormat;
use tuomin::staticmask::Format;

/// The gateway's allocator (why: Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// tuomin (脱敏): a data-masking gateway for financial data (JR/T 0171-2020 grades).
#[derive(Parser)]
#[command(name = "tuomin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The quick start: the demo bank behind both gateways (sample API, PostgreSQL
    /// found or started, HTTP and PostgreSQL gateways); prints the psql and curl
    /// commands to try as each consumer and runs until Ctrl-C.
    Demo {
        #[arg(long, default_value = "config/demo.toml")]
        config: PathBuf,
        /// Start everything, check both gateways as two consumers, stop; exit non-zero
        /// when a check fails.
        #[arg(long, conflicts_with = "files_only")]
        check: bool,
        /// The file walkthrough only: masked CSV exports per consumer, no server.
        #[arg(long)]
        files_only: bool,
        /// The PostgreSQL gateway's port (0: any free port).
        #[arg(long, default_value_t = 6432)]
        pg_port: u16,
        /// The HTTP gateway's port (0: any free port).
        #[arg(long, default_value_t = 8443)]
        http_port: u16,
        /// The sample API's port (0: any free port).
        #[arg(long, default_value_t = 8080)]
        api_port: u16,
        /// The database the demo bank is loaded into (its five tables are replaced).
        #[arg(long, default_value = tuomin::demo::postgres::load::DEMO_DATABASE)]
        database: String,
    },
    /// Write the fictional demo bank (one file per table, or SQL that loads it).
    DemoData {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 100)]
        customers: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = DataFormatArg::Csv)]
        format: DataFormatArg,
    },
    /// Validate a policy and print what each consumer sees of each field.
    Check {
        #[arg(long)]
        config: PathBuf,
        /// Print the review as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// What the SQL gate decides for a statement and a consumer, without running it.
    Explain {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        consumer: String,
        /// The session's search_path (default: "$user", public).
        #[arg(long)]
        search_path: Option<String>,
        /// DDL files completing the dictionary (views, inheritance, column order).
        #[arg(long)]
        schema: Vec<PathBuf>,
        /// Also read the demo bank's schema.
        #[arg(long)]
        demo_schema: bool,
        /// The statement text.
        sql: String,
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
    /// Sample every table of a PostgreSQL database, detect sensitive values, and write
    /// a dictionary fragment to review (no TLS: run it next to the database).
    Scan {
        /// postgres://user@host:port/db (the password may come from PGPASSWORD).
        #[arg(long)]
        upstream: String,
        /// Rows sampled per table.
        #[arg(long, default_value_t = 100)]
        sample: u64,
        /// Compare the findings with this policy's dictionary.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Write the dictionary fragment here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Report what each consumer received (from audit files), or, with --policy, the
    /// self-inspection inventory of a policy.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["audit", "policy"])))]
    Report {
        /// Audit files, oldest first.
        #[arg(long, num_args = 1..)]
        audit: Vec<PathBuf>,
        /// The policy to inventory (instead of audit files).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Only this consumer.
        #[arg(long, requires = "audit")]
        consumer: Option<String>,
        /// Only records since this time (2026-11-01 or RFC 3339).
        #[arg(long, requires = "audit")]
        since: Option<String>,
        /// Verify the trail's integrity with this policy's master key first.
        #[arg(long, requires = "audit")]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run the gateway: the listeners of the policy's `[http]` and `[postgres]` sections
    /// (either may be absent) and the admin listener of `[admin]` (metrics, health,
    /// reload); SIGHUP or POST /reload reloads the policy, SIGTERM / SIGINT stop it.
    Serve {
        #[arg(long)]
        config: PathBuf,
        /// Listen here instead of `[http] listen`.
        #[arg(long)]
        http_listen: Option<std::net::SocketAddr>,
        /// Listen here instead of `[admin] listen` (the policy must have `[admin]`).
        #[arg(long)]
        admin_listen: Option<std::net::SocketAddr>,
        /// Log lines as text (default) or one JSON object per line.
        #[arg(long, value_enum, default_value_t = LogFormatArg::Text)]
        log_format: LogFormatArg,
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
    /// Read a PostgreSQL password on standard input and print its SCRAM-SHA-256 verifier
    /// for `[consumers.NAME] scram_verifier`; with --api-key, print a new HTTP API key
    /// and the hash line for `[consumers.NAME] api_keys` instead.
    Passwd {
        #[arg(long)]
        api_key: bool,
    },
    /// Manage master key versions.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
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
enum KeysCommand {
    /// Destroy a previous master key version: its pseudonyms become irreversible.
    Retire {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        key_id: u32,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
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
enum DataFormatArg {
    Csv,
    Jsonl,
    Sql,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    Csv,
    Jsonl,
}

fn main() -> ExitCode {
    tuomin::serve::panics::install();
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
        Command::Demo {
            config,
            check,
            files_only,
            pg_port,
            http_port,
            api_port,
            database,
        } => {
            let mode = match (check, files_only) {
                (true, _) => cli::demo_live::Mode::Check,
                (_, true) => cli::demo_live::Mode::FilesOnly,
                _ => cli::demo_live::Mode::Live,
            };
            let args = cli::demo_live::DemoArgs {
                config,
                mode,
                ports: tuomin::demo::live::ports::Ports {
                    postgres: pg_port,
                    http: http_port,
                    api: api_port,
                },
                database,
            };
            cli::demo_live::run(&args, &mut std::io::stdout())?;
            Ok(String::new())
        }
        Command::DemoData {
            out,
            customers,
            seed,
            format,
        } => {
            let format = match format {
                DataFormatArg::Csv => cli::demo::DataFormat::Csv,
                DataFormatArg::Jsonl => cli::demo::DataFormat::Jsonl,
                DataFormatArg::Sql => cli::demo::DataFormat::Sql,
            };
            let files = cli::demo::write_data(&out, customers, seed, format)?;
            Ok(files
                .iter()
                .map(|f| format!("wrote {}\n", f.display()))
                .collect())
        }
        Command::Check { config, json } => cli::check::run(&config, json),
        Command::Explain {
            config,
            consumer,
            search_path,
            schema,
            demo_schema,
            sql,
        } => cli::explain::run(&cli::explain::ExplainArgs {
            config: &config,
            consumer: &consumer,
            search_path: search_path.as_deref(),
            schema: &schema,
            demo_schema,
            sql: &sql,
        }),
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
        Command::Scan {
            upstream,
            sample,
            config,
            out,
        } => cli::scan::run(&cli::scan::ScanArgs {
            upstream,
            sample,
            config,
            out,
        }),
        Command::Report {
            audit,
            policy,
            consumer,
            since,
            config,
            format,
            output,
        } => {
            let format = match format {
                OutputFormat::Table => ReportFormat::Table,
                OutputFormat::Json => ReportFormat::Json,
                OutputFormat::Html => ReportFormat::Html,
            };
            let text = match policy {
                Some(path) => cli::report::policy_inventory(&path, format)?,
                None => cli::report::delegated(&cli::report::AuditReportArgs {
                    audit,
                    consumer,
                    since,
                    config,
                    format,
                })?,
            };
            match output {
                Some(path) => {
                    std::fs::write(&path, text)?;
                    Ok(format!("wrote {}\n", path.display()))
                }
                None => Ok(text),
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { config, files },
        } => cli::audit::verify(&config, &files),
        Command::Serve {
            config,
            http_listen,
            admin_listen,
            log_format,
        } => cli::serve::serve(&cli::serve::ServeArgs {
            config: &config,
            http_listen,
            admin_listen,
            log_format: match log_format {
                LogFormatArg::Text => cli::serve::LogFormat::Text,
                LogFormatArg::Json => cli::serve::LogFormat::Json,
            },
        }),
        Command::SampleApi {
            listen,
            seed,
            customers,
        } => cli::serve::sample_api(listen, seed, customers),
        Command::Passwd { api_key: true } => Ok(cli::passwd::api_key()),
        Command::Passwd { api_key: false } => cli::scram_passwd::run(&mut std::io::stdin().lock()),
        Command::Keys {
            command:
                KeysCommand::Retire {
                    config,
                    key_id,
                    yes,
                },
        } => cli::keys::retire(&config, key_id, yes),
        Command::Keygen { out, key_id } => cli::keygen::run(&out, key_id).map(|m| m + "\n"),
    }
}

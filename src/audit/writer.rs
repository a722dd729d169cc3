//! The audit writer: gateways hand events to a bounded channel and go on; one thread
//! numbers, chains, writes and rotates. A write failure is loud (an error log, a failed
//! state the gateways and `/readyz` read) and, with `AuditMode::Required`, makes
//! [`AuditLog::record`] refuse, so a gateway stops serving rather than serve unrecorded.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use ring::hmac;

use super::chain::{GENESIS, seal, unseal};
use super::record::{AuditEvent, AuditRecord};
use crate::keys::SubKey;

/// Where records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditSink {
    /// A file, rotated to `PATH.1`, `PATH.2`, … when it exceeds `rotate_bytes`.
    File { path: PathBuf, rotate_bytes: u64 },
    /// Standard output (one JSON line per record).
    Stdout,
}

/// Whether serving may go on when records cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditMode {
    /// Failures are loud, serving goes on.
    BestEffort,
    /// Failures stop serving: `record` refuses.
    Required,
}

/// How the audit log is set up.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    pub sinks: Vec<AuditSink>,
    pub mode: AuditMode,
    /// Events waiting to be written before `record` reports a backlog.
    pub queue: usize,
}

/// Why an event could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit trail cannot be written ({0}); audit is required, so serving stops")]
    Failed(String),
    #[error("the audit queue is full; audit is required, so this request is refused")]
    Backlog,
    #[error("cannot open the audit file {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// State shared between the handle and the writer thread.
#[derive(Default)]
struct Shared {
    failed: AtomicBool,
    written: AtomicU64,
    dropped: AtomicU64,
    /// Writes that failed.
    failures: AtomicU64,
    /// Events handed over and not yet written (or failed): the writer's lag.
    queued: AtomicU64,
    last_error: std::sync::Mutex<Option<String>>,
}

/// The writer's counters, as the metrics read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditStats {
    /// Records written.
    pub written: u64,
    /// Records lost because the queue was full (best effort) or refused (required).
    pub dropped: u64,
    /// Writes that failed.
    pub failures: u64,
    /// Records waiting for the writer.
    pub queued: u64,
    /// False once a write has failed.
    pub healthy: bool,
    /// Whether a failure stops serving.
    pub mode: AuditMode,
}

enum Message {
    Event(Box<AuditEvent>),
    Flush(SyncSender<()>),
}

/// The handle gateways record through. Cloning is cheap.
#[derive(Clone)]
pub struct AuditLog {
    tx: SyncSender<Message>,
    mode: AuditMode,
    shared: Arc<Shared>,
    thread: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl AuditLog {
    /// Opens the sinks (continuing an existing file's chain) and starts the writer.
    pub fn start(config: AuditConfig, key: &SubKey) -> Result<Self, AuditError> {
        let mut outputs = Vec::new();
        let mut state = ChainState {
            seq: 0,
            prev: GENESIS.to_owned(),
        };
        for sink in &config.sinks {
            let output = Output::open(sink)?;
            if let Some(found) = output.resume_state() {
                state = found;
            }
            outputs.push(output);
        }
        let (tx, rx) = sync_channel(config.queue.max(1));
        let shared = Arc::new(Shared::default());
        let writer = Writer {
            key: key.hmac_key(),
            key_id: key.key_id().to_string(),
            outputs,
            state,
            shared: Arc::clone(&shared),
        };
        let thread = std::thread::Builder::new()
            .name("tuomin-audit".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| AuditError::Failed(e.to_string()))?;
        Ok(AuditLog {
            tx,
            mode: config.mode,
            shared,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        })
    }

    /// Hands an event to the writer. With `Required`, refuses when the trail is failing
    /// or the queue is full; otherwise counts the loss and goes on.
    pub fn record(&self, event: AuditEvent) -> Result<(), AuditError> {
        if self.shared.failed.load(Ordering::Acquire) && self.mode == AuditMode::Required {
            return Err(AuditError::Failed(self.last_error()));
        }
        // Counted before the send, so the writer's decrement never comes first.
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        match self.tx.try_send(Message::Event(Box::new(event))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::error!("audit queue full or writer gone: a record was not written");
                match self.mode {
                    AuditMode::Required => Err(AuditError::Backlog),
                    AuditMode::BestEffort => Ok(()),
                }
            }
        }
    }

    /// Waits until every event handed over so far is written (tests, shutdown).
    pub fn flush(&self) {
        let (tx, rx) = sync_channel(1);
        if self.tx.send(Message::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }

    /// False once a write has failed.
    pub fn healthy(&self) -> bool {
        !self.shared.failed.load(Ordering::Acquire)
    }

    /// Records written, and records lost (queue full), so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.shared.written.load(Ordering::Relaxed),
            self.shared.dropped.load(Ordering::Relaxed),
        )
    }

    /// Every counter of the writer, for the metrics and `/readyz`.
    pub fn stats(&self) -> AuditStats {
        let s = &self.shared;
        AuditStats {
            written: s.written.load(Ordering::Relaxed),
            dropped: s.dropped.load(Ordering::Relaxed),
            failures: s.failures.load(Ordering::Relaxed),
            queued: s.queued.load(Ordering::Relaxed),
            healthy: !s.failed.load(Ordering::Acquire),
            mode: self.mode,
        }
    }

    fn last_error(&self) -> String {
        self.shared
            .last_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .unwrap_or_else(|| "unknown error".into())
    }

    /// Flushes and stops the writer thread.
    pub fn shutdown(self) {
        self.flush();
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        drop(self.tx);
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// The position of the chain: the last sequence number and MAC.
struct ChainState {
    seq: u64,
    prev: String,
}

enum Output {
    File {
        path: PathBuf,
        file: File,
        size: u64,
        rotate_bytes: u64,
    },
    Stdout,
}

impl Output {
    fn open(sink: &AuditSink) -> Result<Self, AuditError> {
        match sink {
            AuditSink::Stdout => Ok(Output::Stdout),
            AuditSink::File { path, rotate_bytes } => {
                set_aside_truncated(path)?;
                let file = open_append(path)?;
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                Ok(Output::File {
                    path: path.clone(),
                    file,
                    size,
                    rotate_bytes: *rotate_bytes,
                })
            }
        }
    }

    /// The chain position at the end of an existing file (restart continues the chain).
    fn resume_state(&self) -> Option<ChainState> {
        let Output::File { path, .. } = self else {
            return None;
        };
        let last = last_line(path)?;
        let (body, mac) = unseal(&last)?;
        let record: AuditRecord = serde_json::from_str(&body).ok()?;
        Some(ChainState {
            seq: record.seq,
            prev: mac.to_owned(),
        })
    }

    fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        match self {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()
            }
            Output::File {
                path,
                file,
                size,
                rotate_bytes,
            } => {
                if *size > 0 && *size + line.len() as u64 + 1 > *rotate_bytes {
                    file.sync_all()?;
                    std::fs::rename(&*path, next_rotation(path))?;
                    *file = open_append(path).map_err(|e| std::io::Error::other(e.to_string()))?;
                    *size = 0;
                }
                file.write_all(line.as_bytes())?;
                file.write_all(b"\n")?;
                *size += line.len() as u64 + 1;
                Ok(())
            }
        }
    }

    fn sync(&mut self) -> std::io::Result<()> {
        match self {
            Output::File { file, .. } => file.sync_data(),
            Output::Stdout => Ok(()),
        }
    }
}

fn open_append(path: &Path) -> Result<File, AuditError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o640);
    }
    options.open(path).map_err(|source| AuditError::Open {
        path: path.to_owned(),
        source,
    })
}

/// `PATH.N` for the first N not taken.
fn next_rotation(path: &Path) -> PathBuf {
    let mut n = 1;
    loop {
        let candidate = PathBuf::from(format!("{}.{n}", path.display()));
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

/// A file whose last line was cut (a crash mid-write) is rotated aside as it is, so
/// `audit verify` reports it, and a fresh file continues the chain.
fn set_aside_truncated(path: &Path) -> Result<(), AuditError> {
    if !is_regular_file(path) {
        return Ok(());
    }
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(());
    };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    tracing::error!(path = %path.display(), "audit file ends with a cut record; set aside");
    std::fs::rename(path, next_rotation(path)).map_err(|source| AuditError::Open {
        path: path.to_owned(),
        source,
    })
}

/// The last complete (newline-terminated) line of a file, or of its latest rotation
/// when the file is empty.
fn last_line(path: &Path) -> Option<String> {
    if !is_regular_file(path) {
        return None;
    }
    last_complete_line(path).or_else(|| {
        let newest = (1..)
            .map(|n| PathBuf::from(format!("{}.{n}", path.display())))
            .take_while(|p| p.exists())
            .last()?;
        last_complete_line(&newest)
    })
}

fn last_complete_line(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let end = bytes.iter().rposition(|b| *b == b'\n')?;
    let start = bytes[..end]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    String::from_utf8(bytes[start..end].to_vec()).ok()
}

/// Only regular files are read back (a device such as `/dev/full` never ends).
fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

struct Writer {
    key: hmac::Key,
    /// The master key version the audit key comes from, written into every record.
    key_id: String,
    outputs: Vec<Output>,
    state: ChainState,
    shared: Arc<Shared>,
}

impl Writer {
    fn run(mut self, rx: Receiver<Message>) {
        while let Ok(message) = rx.recv() {
            match message {
                Message::Event(event) => {
                    self.write(*event);
                    self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                }
                Message::Flush(done) => {
                    for output in &mut self.outputs {
                        if let Err(e) = output.sync() {
                            fail(&self.shared, &e.to_string());
                        }
                    }
                    let _ = done.send(());
                }
            }
        }
    }

    fn write(&mut self, mut event: AuditEvent) {
        event.key_id = self.key_id.clone();
        let record = AuditRecord {
            seq: self.state.seq + 1,
            event,
            prev: self.state.prev.clone(),
        };
        let (line, mac) = match seal(&self.key, &record) {
            Ok(sealed) => sealed,
            Err(e) => return fail(&self.shared, &e.to_string()),
        };
        for output in &mut self.outputs {
            if let Err(e) = output.write_line(&line) {
                return fail(&self.shared, &e.to_string());
            }
        }
        self.state = ChainState {
            seq: record.seq,
            prev: mac,
        };
        self.shared.written.fetch_add(1, Ordering::Relaxed);
    }
}

fn fail(shared: &Shared, error: &str) {
    tracing::error!(error, "audit trail write failed");
    shared.failures.fetch_add(1, Ordering::Relaxed);
    shared.failed.store(true, Ordering::Release);
    if let Ok(mut last) = shared.last_error.lock() {
        *last = Some(error.to_owned());
    }
}

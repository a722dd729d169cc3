//! The audit writer: gateways hand events to a bounded channel and go on; one thread
//! numbers, chains, writes and rotates. A write failure is loud (an error log, a failed
//! state the gateways and `/readyz` read) and, with `AuditMode::Required`, makes
//! [`AuditLog::record`] refuse, so a gateway stops serving rather than serve unrecorded.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use ring::hmac;

use super::chain::{GENESIS, seal_into, unseal};
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
    /// The audit key of a master key version that records may now name.
    Key(String, hmac::Key),
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
            keys: vec![(key.key_id().to_string(), key.hmac_key())],
            outputs,
            state,
            shared: Arc::clone(&shared),
            line: Vec::with_capacity(2048),
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

    /// Lets records name the master key version of `key` (the audit key derived from
    /// it): a reload that rotates the master key hands the new version over before its
    /// policy serves anything, so each record is sealed under, and names, the version
    /// its pseudonyms came from; records of requests served under the previous policy
    /// keep naming theirs. The newest key handed over is the one a record that names
    /// no known version gets.
    pub fn use_key(&self, key: &SubKey) {
        let message = Message::Key(key.key_id().to_string(), key.hmac_key());
        if self.tx.send(message).is_err() {
            tracing::error!("the audit writer is gone: the new key version cannot be used");
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
        /// Written out at the end of each batch of records (see [`Writer::run`]).
        file: BufWriter<File>,
        size: u64,
        rotate_bytes: u64,
    },
    Stdout,
}

/// Room for a batch of records before the buffer writes out by itself.
const FILE_BUFFER: usize = 64 * 1024;

/// Most records written before the buffers are flushed (bounds how long a record
/// waits in memory under a steady stream).
const MAX_BATCH: u64 = 256;

/// How long the writer rests after a batch before it looks for the next.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

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
                    file: BufWriter::with_capacity(FILE_BUFFER, file),
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

    fn write_line(&mut self, line: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(line)?;
                out.write_all(b"\n")?;
                out.flush()
            }
            Output::File {
                path,
                file,
                size,
                rotate_bytes,
            } => {
                if *size > 0 && *size + line.len() as u64 + 1 > *rotate_bytes {
                    file.flush()?;
                    file.get_ref().sync_all()?;
                    std::fs::rename(&*path, next_rotation(path))?;
                    let fresh =
                        open_append(path).map_err(|e| std::io::Error::other(e.to_string()))?;
                    *file = BufWriter::with_capacity(FILE_BUFFER, fresh);
                    *size = 0;
                }
                file.write_all(line)?;
                file.write_all(b"\n")?;
                *size += line.len() as u64 + 1;
                Ok(())
            }
        }
    }

    /// Hands what is buffered to the operating system.
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::File { file, .. } => file.flush(),
            Output::Stdout => Ok(()),
        }
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.flush()?;
        match self {
            Output::File { file, .. } => file.get_ref().sync_data(),
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
    /// Audit keys by master key version (as records name it), the newest last. A record
    /// is sealed with the key of the version it names (the one its pseudonyms came
    /// from, set by the gateway); one naming no version held gets the newest.
    keys: Vec<(String, hmac::Key)>,
    outputs: Vec<Output>,
    state: ChainState,
    shared: Arc<Shared>,
    /// The line being sealed (reused from record to record).
    line: Vec<u8>,
}

impl Writer {
    /// Writes records in batches: whatever is queued when the writer wakes (up to
    /// [`MAX_BATCH`]) goes into the buffers, which are then flushed with one write
    /// each, so under load the trail costs a write and a wake-up per batch rather
    /// than per record. A record waits at most about [`GATHER`] longer to be written;
    /// requests never wait for it.
    fn run(mut self, rx: Receiver<Message>) {
        while let Ok(first) = rx.recv() {
            let mut batch = 0;
            let mut next = Some(first);
            while let Some(message) = next {
                match message {
                    Message::Event(event) => {
                        if self.write(*event) {
                            batch += 1;
                        }
                        self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                    }
                    Message::Key(id, key) => {
                        self.keys.retain(|(held, _)| *held != id);
                        self.keys.push((id, key));
                    }
                    Message::Flush(done) => {
                        self.flush(std::mem::take(&mut batch));
                        for output in &mut self.outputs {
                            if let Err(e) = output.sync() {
                                fail(&self.shared, &e.to_string());
                            }
                        }
                        let _ = done.send(());
                    }
                }
                next = if batch < MAX_BATCH {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            self.flush(batch);
            // Let the next records gather: a sender wakes the writer (a system call and
            // a context switch) only when it is blocked in `recv`, so resting here
            // turns one wake-up per record into one per batch under load.
            std::thread::sleep(GATHER);
        }
    }

    /// Flushes the outputs; the `batch` records buffered since are then written.
    fn flush(&mut self, batch: u64) {
        for output in &mut self.outputs {
            if let Err(e) = output.flush() {
                return fail(&self.shared, &e.to_string());
            }
        }
        self.shared.written.fetch_add(batch, Ordering::Relaxed);
    }

    /// Seals `event` into the chain and buffers it; false when that failed.
    fn write(&mut self, mut event: AuditEvent) -> bool {
        let key = match self.keys.iter().find(|(id, _)| *id == event.key_id) {
            Some((_, key)) => key,
            None => {
                let Some((id, key)) = self.keys.last() else {
                    fail(&self.shared, "the audit writer holds no key");
                    return false;
                };
                event.key_id = id.clone();
                key
            }
        };
        let record = AuditRecord {
            seq: self.state.seq + 1,
            event,
            prev: std::mem::take(&mut self.state.prev),
        };
        let sealed = seal_into(key, &record, &mut self.line).map_err(|e| e.to_string());
        let written = sealed.and_then(|mac| {
            for output in &mut self.outputs {
                output.write_line(&self.line).map_err(|e| e.to_string())?;
            }
            Ok(mac)
        });
        match written {
            Ok(mac) => {
                self.state = ChainState {
                    seq: record.seq,
                    prev: mac,
                };
                true
            }
            Err(e) => {
                // The chain stays where it was: the next record follows the last one.
                self.state.prev = record.prev;
                fail(&self.shared, &e);
                false
            }
        }
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

//! A memo of whole masked rows, one per row plan: a DataRow seen again (a 100-row
//! range re-read, a dashboard's refresh) is written from the masked row it gave the
//! first time — one lookup per row instead of one per masked value, and none of the
//! per-value checks and encoding again. Measured in `benches/pg.md` (100-row masked
//! selects, paired: CPU per transaction −26 %).
//!
//! Only for plans whose masked columns all go through a transform with a pseudonym
//! memo ([`Transform::memoized`](crate::transform::Transform::memoized)): FPE outputs
//! depend on the input alone, so a masked row is a function of the row's bytes and
//! the plan (which fixes the columns, their types, formats and transforms); with
//! `[defaults] pseudonym_memo = 0` there is no row memo either. What it holds: a
//! 128-bit keyed hash of each row's bytes (SipHash-1-3 under a key drawn at random
//! per memo) and the masked row — what this session's consumer was sent. Bounded per
//! memo ([`MAX_ROWS`], emptied when full) and over the process ([`MAX_BYTES`]: past it,
//! nothing more is remembered); rows longer than [`MAX_ROW`] are not remembered.
//!
//! How it holds them: one buffer of records (the hash, which columns were masked, the
//! masked row), appended in the order the rows were first masked, and an index from
//! the hash to its record. A memo much larger than the CPU caches costs a cache miss
//! at each index lookup, and those misses were most of the masked rows' time in a
//! 100-row select (`benches/pg.md`); so a recall first looks at the record after the
//! last one recalled or remembered — rows read again in the order they were first
//! read (a range, a table scan, a dashboard's page) are found there, in memory read
//! in order, without touching the index. Either way a record is only taken when its
//! whole 128-bit hash is the row's.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;

use crate::transform::memo::{HashedKey, keyed_hash};

/// Rows remembered per memo (per row plan of a session).
pub const MAX_ROWS: usize = 65_536;

/// Bytes of remembered rows over the whole process.
pub const MAX_BYTES: usize = 64 << 20;

/// Longer rows are not remembered.
pub const MAX_ROW: usize = 4096;

/// Per remembered row, besides its bytes: its record's header and its index entry.
/// (The record buffer's spare capacity, at most its length again, is not counted.)
const OVERHEAD: usize = 48;

/// A record's header: the row's keyed hash (16 bytes), the columns it masked (8), the
/// masked row's length (4); the masked row follows.
const HEADER: usize = 28;

/// Bytes held by every row memo of the process.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// Bytes held now by every row memo of the process (for the metrics).
pub fn held_bytes() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// One plan's memo.
pub struct RowMemo {
    key: (u64, u64),
    state: Mutex<State>,
    /// The process-wide count this memo's bytes are in ([`HELD`]; tests give their own).
    held: &'static AtomicUsize,
}

#[derive(Default)]
struct State {
    /// The low 64 bits of a row's hash → where its record starts in `records` (the
    /// record holds the whole hash, compared at every recall).
    index: HashMap<u64, u32, BuildHasherDefault<HashedKey>>,
    /// The records, in the order they were remembered.
    records: Vec<u8>,
    /// Where the record after the last one recalled or remembered starts: the first
    /// place a recall looks.
    next: usize,
    /// Bytes counted in `held` for this memo.
    bytes: usize,
}

/// One record, read from the buffer.
struct Record<'a> {
    counted: u64,
    row: &'a [u8],
    /// Where the next record starts.
    end: usize,
}

impl State {
    /// The record starting at `at` when it is the one of `hash`.
    fn record_of(&self, at: usize, hash: u128) -> Option<Record<'_>> {
        let header = self.records.get(at..at.checked_add(HEADER)?)?;
        if header[..16] != hash.to_le_bytes() {
            return None;
        }
        let counted = u64::from_le_bytes(header[16..24].try_into().ok()?);
        let len = u32::from_le_bytes(header[24..28].try_into().ok()?) as usize;
        let end = at + HEADER + len;
        let row = self.records.get(at + HEADER..end)?;
        Some(Record { counted, row, end })
    }

    /// Empties the memo, giving its buffer back (so what is not counted stays at most
    /// the buffer's length again).
    fn clear(&mut self) {
        self.index.clear();
        self.records = Vec::new();
        self.next = 0;
        self.bytes = 0;
    }
}

impl std::fmt::Debug for RowMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowMemo")
    }
}

impl Default for RowMemo {
    fn default() -> Self {
        Self::counted_in(&HELD)
    }
}

impl RowMemo {
    fn counted_in(held: &'static AtomicUsize) -> Self {
        RowMemo {
            key: (rand::random(), rand::random()),
            state: Mutex::default(),
            held,
        }
    }

    /// The keyed hash of a DataRow message's bytes.
    pub fn hash(&self, frame: &[u8]) -> u128 {
        keyed_hash(self.key, frame)
    }

    /// Appends the masked row remembered for `hash` to `out`; which columns it masked.
    pub fn recall(&self, hash: u128, out: &mut BytesMut) -> Option<u64> {
        let mut state = self.lock();
        let found = match state.record_of(state.next, hash) {
            Some(record) => record,
            None => {
                let at = *state.index.get(&(hash as u64))? as usize;
                state.record_of(at, hash)?
            }
        };
        out.extend_from_slice(found.row);
        let (counted, end) = (found.counted, found.end);
        state.next = end;
        Some(counted)
    }

    /// Remembers `row`, the masked form of the row hashed to `hash`.
    pub fn remember(&self, hash: u128, row: &[u8], counted: u64) {
        if row.len() > MAX_ROW {
            return;
        }
        let size = row.len() + OVERHEAD;
        let mut state = self.lock();
        if state.index.len() >= MAX_ROWS {
            self.held.fetch_sub(state.bytes, Ordering::Relaxed);
            state.clear();
        }
        let at = state.records.len();
        // Offsets are 32-bit; the process budget keeps the buffer far below that.
        let (Ok(offset), Ok(_)) = (u32::try_from(at), u32::try_from(at + HEADER + row.len()))
        else {
            return;
        };
        if self.held.fetch_add(size, Ordering::Relaxed) + size > MAX_BYTES {
            self.held.fetch_sub(size, Ordering::Relaxed);
            return;
        }
        let records = &mut state.records;
        records.extend_from_slice(&hash.to_le_bytes());
        records.extend_from_slice(&counted.to_le_bytes());
        records.extend_from_slice(&(row.len() as u32).to_le_bytes());
        records.extend_from_slice(row);
        // A record replaced in the index (two rows whose hashes share their low 64
        // bits) stays in the buffer, counted, until the memo is emptied.
        state.index.insert(hash as u64, offset);
        state.bytes += size;
        state.next = state.records.len();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                // A panic while the memo was being changed: a record may be half
                // written, so the memo starts again empty rather than read it.
                let mut state = poisoned.into_inner();
                self.held.fetch_sub(state.bytes, Ordering::Relaxed);
                state.clear();
                self.state.clear_poison();
                state
            }
        }
    }
}

impl Drop for RowMemo {
    fn drop(&mut self) {
        let bytes = self.lock().bytes;
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_recalled_by_its_bytes_with_what_it_masked() {
        let memo = RowMemo::default();
        let h = memo.hash(b"D row one");
        let mut out = BytesMut::from(&b"before "[..]);
        assert_eq!(memo.recall(h, &mut out), None);
        assert_eq!(&out[..], b"before ", "nothing appended on a miss");
        memo.remember(h, b"D masked one", 0b10);
        assert_eq!(memo.recall(h, &mut out), Some(0b10));
        assert_eq!(&out[..], b"before D masked one");
        assert_ne!(memo.hash(b"D row two"), h);
        assert_ne!(RowMemo::default().hash(b"D row one"), h, "a key per memo");
    }

    #[test]
    fn long_rows_are_not_remembered_and_a_full_memo_starts_again() {
        let memo = RowMemo::default();
        let long = vec![b'x'; MAX_ROW + 1];
        let h = memo.hash(&long);
        memo.remember(h, &long, 1);
        assert_eq!(memo.recall(h, &mut BytesMut::new()), None);
        for i in 0..MAX_ROWS as u128 {
            memo.remember(i, b"r", 1);
        }
        assert_eq!(memo.lock().index.len(), MAX_ROWS);
        memo.remember(u128::MAX, b"r", 1);
        assert_eq!(
            memo.lock().index.len(),
            1,
            "emptied when full, then this one"
        );
        assert_eq!(memo.lock().bytes, 1 + OVERHEAD);
    }

    #[test]
    fn the_process_budget_is_kept_and_given_back() {
        let held: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let memo = RowMemo::counted_in(held);
        memo.remember(1, &[0; 100], 1);
        memo.remember(1, &[0; 50], 1);
        assert_eq!(
            held.load(Ordering::Relaxed),
            150 + 2 * OVERHEAD,
            "a replaced record stays counted until the memo is emptied"
        );
        let mut out = BytesMut::new();
        assert_eq!(memo.recall(1, &mut out), Some(1));
        assert_eq!(out.len(), 50, "the index names the newer record");
        // Past the budget nothing more is remembered.
        held.store(MAX_BYTES - 10, Ordering::Relaxed);
        memo.remember(2, &[0; 50], 1);
        assert_eq!(memo.recall(2, &mut BytesMut::new()), None);
        assert_eq!(held.load(Ordering::Relaxed), MAX_BYTES - 10);
        held.store(150 + 2 * OVERHEAD, Ordering::Relaxed);
        let other = RowMemo::counted_in(held);
        other.remember(3, &[0; 10], 1);
        drop(memo);
        assert_eq!(held.load(Ordering::Relaxed), 10 + OVERHEAD);
        drop(other);
        assert_eq!(held.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn rows_read_again_in_their_first_order_are_found_without_the_index() {
        let memo = RowMemo::default();
        let rows: Vec<(u128, Vec<u8>)> = (0..3u8)
            .map(|i| (memo.hash(&[b'D', i]), vec![b'M', i, i]))
            .collect();
        for (i, (hash, row)) in rows.iter().enumerate() {
            memo.remember(*hash, row, 1 << i);
        }
        // Without the index, only the record after the last one taken can be found.
        {
            let mut state = memo.lock();
            state.index.clear();
            state.next = 0;
        }
        let mut out = BytesMut::new();
        assert_eq!(
            memo.recall(rows[1].0, &mut out),
            None,
            "not the next record"
        );
        for (i, (hash, row)) in rows.iter().enumerate() {
            let before = out.len();
            assert_eq!(memo.recall(*hash, &mut out), Some(1 << i), "row {i}");
            assert_eq!(&out[before..], &row[..]);
        }
        assert_eq!(
            memo.recall(rows[0].0, &mut out),
            None,
            "past the last record"
        );
    }

    #[test]
    fn a_record_is_taken_only_for_its_whole_hash() {
        let memo = RowMemo::default();
        let (low, high) = (5u128, 1u128 << 64);
        memo.remember(high | low, b"masked", 1);
        let mut out = BytesMut::new();
        // Same low 64 bits (the index's key), another hash: by the index, then as the
        // next record.
        assert_eq!(memo.recall((2 * high) | low, &mut out), None);
        memo.lock().next = 0;
        assert_eq!(memo.recall((2 * high) | low, &mut out), None);
        assert!(out.is_empty(), "nothing appended");
        assert_eq!(memo.recall(high | low, &mut out), Some(1));
        assert_eq!(&out[..], b"masked");
    }

    proptest::proptest! {
        /// Whatever the order rows are remembered and read again in (runs of
        /// consecutive rows, as ranges read them, from anywhere), a recall gives
        /// exactly what was remembered for that row, or nothing when it was not.
        #[test]
        fn a_recall_gives_what_was_remembered_for_that_row(
            runs in proptest::collection::vec((0u8..40, 1u8..15), 1..60),
        ) {
            let memo = RowMemo::default();
            let mut model = std::collections::HashMap::new();
            let reads = runs
                .into_iter()
                .flat_map(|(start, len)| (0..len).map(move |i| (start + i) % 40));
            for id in reads {
                let frame = [b'D', id];
                let hash = memo.hash(&frame);
                let mut out = BytesMut::new();
                match memo.recall(hash, &mut out) {
                    Some(counted) => {
                        proptest::prop_assert_eq!(
                            model.get(&id),
                            Some(&(counted, out.to_vec()))
                        );
                    }
                    None => {
                        proptest::prop_assert!(!model.contains_key(&id), "row {} was remembered", id);
                        proptest::prop_assert!(out.is_empty());
                        let masked = vec![b'M'; usize::from(id % 7) + 1];
                        memo.remember(hash, &masked, u64::from(id));
                        model.insert(id, (u64::from(id), masked));
                    }
                }
            }
        }
    }

    #[test]
    fn a_memo_poisoned_by_a_panic_starts_again_empty() {
        let held: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let memo = RowMemo::counted_in(held);
        let hash = memo.hash(b"D row");
        memo.remember(hash, b"D masked", 1);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _state = memo.lock();
            panic!("while the memo is held");
        }));
        assert!(panicked.is_err());
        assert_eq!(memo.recall(hash, &mut BytesMut::new()), None, "emptied");
        assert_eq!(held.load(Ordering::Relaxed), 0, "its bytes given back");
        memo.remember(hash, b"D masked", 1);
        assert_eq!(
            memo.recall(hash, &mut BytesMut::new()),
            Some(1),
            "and used again"
        );
    }
}

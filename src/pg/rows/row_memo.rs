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

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;

use crate::transform::memo::keyed_hash;

/// Rows remembered per memo (per row plan of a session).
pub const MAX_ROWS: usize = 65_536;

/// Bytes of remembered rows over the whole process.
pub const MAX_BYTES: usize = 64 << 20;

/// Longer rows are not remembered.
pub const MAX_ROW: usize = 4096;

/// Per remembered row, besides its bytes (the map's slot and the box).
const OVERHEAD: usize = 48;

/// Bytes held by every row memo of the process.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// One plan's memo.
pub struct RowMemo {
    key: (u64, u64),
    state: Mutex<State>,
    /// The process-wide count this memo's bytes are in ([`HELD`]; tests give their own).
    held: &'static AtomicUsize,
}

#[derive(Default)]
struct State {
    rows: HashMap<u128, Remembered, foldhash::fast::RandomState>,
    bytes: usize,
}

struct Remembered {
    row: Box<[u8]>,
    /// Bit `i`: column `i` was masked (not NULL), for the transform tally.
    counted: u64,
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
        let state = self.lock();
        let found = state.rows.get(&hash)?;
        out.extend_from_slice(&found.row);
        Some(found.counted)
    }

    /// Remembers `row`, the masked form of the row hashed to `hash`.
    pub fn remember(&self, hash: u128, row: &[u8], counted: u64) {
        if row.len() > MAX_ROW {
            return;
        }
        let size = row.len() + OVERHEAD;
        let mut state = self.lock();
        if state.rows.len() >= MAX_ROWS {
            self.held.fetch_sub(state.bytes, Ordering::Relaxed);
            state.rows.clear();
            state.bytes = 0;
        }
        if self.held.fetch_add(size, Ordering::Relaxed) + size > MAX_BYTES {
            self.held.fetch_sub(size, Ordering::Relaxed);
            return;
        }
        let old = state.rows.insert(
            hash,
            Remembered {
                row: row.into(),
                counted,
            },
        );
        state.bytes += size;
        if let Some(old) = old {
            let freed = old.row.len() + OVERHEAD;
            state.bytes -= freed;
            self.held.fetch_sub(freed, Ordering::Relaxed);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
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
        assert_eq!(memo.lock().rows.len(), MAX_ROWS);
        memo.remember(u128::MAX, b"r", 1);
        assert_eq!(
            memo.lock().rows.len(),
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
            50 + OVERHEAD,
            "a replaced row given back"
        );
        // Past the budget nothing more is remembered.
        held.store(MAX_BYTES - 10, Ordering::Relaxed);
        memo.remember(2, &[0; 50], 1);
        assert_eq!(memo.recall(2, &mut BytesMut::new()), None);
        assert_eq!(held.load(Ordering::Relaxed), MAX_BYTES - 10);
        held.store(50 + OVERHEAD, Ordering::Relaxed);
        let other = RowMemo::counted_in(held);
        other.remember(3, &[0; 10], 1);
        drop(memo);
        assert_eq!(held.load(Ordering::Relaxed), 10 + OVERHEAD);
        drop(other);
        assert_eq!(held.load(Ordering::Relaxed), 0);
    }
}

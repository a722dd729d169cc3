//! A bounded memo of one format-preserving transform's outputs, so a value seen again
//! (test suites and dashboards re-read the same rows; vendors re-fetch the same
//! records) is not encrypted again: FF1 costs thousands of instructions per value, a
//! memo hit a few hundred (the keyed hash, the lookup) — plus the memory reads, which
//! dominate once a memo outgrows the CPU caches (`cargo bench --bench transforms --
//! memo_hit`: ~35 ns per value with 3,000 pseudonyms held, 115–210 ns with 60,000).
//!
//! What it holds: for each remembered input, a 128-bit keyed hash of it (SipHash-1-3
//! under a key drawn at random for this memo, never written anywhere) and the
//! pseudonym. No real value is stored; the pseudonyms are what the gateway sends out
//! anyway, and the transform's own key — in the same memory — reverses them, so the
//! memo adds nothing for someone able to read the process's memory. One memo per
//! transform instance: per consumer key scope, pseudonym domain and key version; a
//! policy reload or key rotation builds new transforms with empty memos.
//!
//! Only transforms whose output depends on the input alone (the FPE family, see
//! [`super::spec::TransformSpec::build_memoized`]) are memoized: they ignore
//! [`Context`]. Bounded by two generations: when the current one is full it becomes
//! the old one (the previous old one is dropped); hits in the old one move back.
//! [`stats`] sums hits, misses and entries over every memo of the process (for the
//! admin listener's metrics), counted under the shard locks the memo takes anyway.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use siphasher::sip128::{Hasher128, SipHasher13};

use super::{Context, Properties, Transform, TransformError};

/// Outputs remembered per transform unless the policy says otherwise
/// (`[defaults] pseudonym_memo`): about 70 bytes each, so at most ~4.6 MB per
/// consumer and field.
pub const DEFAULT_ENTRIES: usize = 65_536;

/// Inputs longer than this are not memoized (no FPE format is near it).
const MAX_MEMO_INPUT: usize = 256;

/// Independent locks, so sessions masking the same column rarely wait on each other.
const SHARDS: usize = 8;

/// A transform with a memo of its outputs.
pub struct Memoized {
    inner: Arc<dyn Transform>,
    key: (u64, u64),
    shards: Arc<Shards>,
    per_generation: usize,
}

/// The memo's shards; registered in [`LIVE`] for [`stats`] while the memo lives, their
/// counts moved to [`RETIRED`] when it is dropped (a reload).
struct Shards(Box<[Mutex<Generations>]>);

/// Two generations of remembered outputs, by keyed hash of the input, and the
/// shard's counts.
#[derive(Default)]
struct Generations {
    current: HashMap<u128, Box<str>, BuildHasherDefault<HashedKey>>,
    old: HashMap<u128, Box<str>, BuildHasherDefault<HashedKey>>,
    hits: u64,
    misses: u64,
}

/// Every memo alive in the process.
static LIVE: Mutex<Vec<Weak<Shards>>> = Mutex::new(Vec::new());

/// Hits and misses of the memos already dropped.
static RETIRED: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Values answered from remembered whole rows (`pg::rows::row_memo`) without reaching
/// a memo here: hits too, added once per statement by [`count_recalled`].
static RECALLED: AtomicU64 = AtomicU64::new(0);

/// Counts `n` values answered from remembered whole rows as memo hits.
pub fn count_recalled(n: u64) {
    if n > 0 {
        RECALLED.fetch_add(n, Ordering::Relaxed);
    }
}

/// What the memos of the process have done, and hold now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoStats {
    /// Values answered from a memo, since the process started.
    pub hits: u64,
    /// Values encrypted and remembered, since the process started.
    pub misses: u64,
    /// Outputs held now, over every memo.
    pub entries: u64,
}

/// The sum over every memo of the process (locks each shard briefly).
pub fn stats() -> MemoStats {
    let mut out = MemoStats::default();
    let Ok(live) = LIVE.lock() else {
        return out;
    };
    out.hits = RETIRED[0].load(Ordering::Relaxed) + RECALLED.load(Ordering::Relaxed);
    out.misses = RETIRED[1].load(Ordering::Relaxed);
    for memo in live.iter().filter_map(Weak::upgrade) {
        for shard in memo.0.iter() {
            if let Ok(g) = shard.lock() {
                out.hits += g.hits;
                out.misses += g.misses;
                out.entries += (g.current.len() + g.old.len()) as u64;
            }
        }
    }
    out
}

impl Drop for Memoized {
    /// Moves this memo's counts to [`RETIRED`] and leaves [`LIVE`], both under the
    /// `LIVE` lock that [`stats`] holds while it reads: a reading counts a memo
    /// exactly once, so the counters never go down.
    fn drop(&mut self) {
        let Ok(mut live) = LIVE.lock() else {
            return;
        };
        for shard in self.shards.0.iter() {
            if let Ok(g) = shard.lock() {
                RETIRED[0].fetch_add(g.hits, Ordering::Relaxed);
                RETIRED[1].fetch_add(g.misses, Ordering::Relaxed);
            }
        }
        let me = Arc::downgrade(&self.shards);
        live.retain(|memo| !memo.ptr_eq(&me) && memo.strong_count() > 0);
    }
}

impl Memoized {
    /// `inner` with a memo of at most `entries` outputs (about; split across shards
    /// and two generations).
    pub fn new(inner: Arc<dyn Transform>, entries: usize) -> Self {
        let per_generation = (entries / SHARDS / 2).max(1);
        let shards = Arc::new(Shards((0..SHARDS).map(|_| Mutex::default()).collect()));
        if let Ok(mut live) = LIVE.lock() {
            live.push(Arc::downgrade(&shards));
        }
        Memoized {
            inner,
            key: (rand::random(), rand::random()),
            shards,
            per_generation,
        }
    }

    fn hash(&self, input: &[u8]) -> u128 {
        keyed_hash(self.key, input)
    }

    fn shard(&self, hash: u128) -> &Mutex<Generations> {
        // The hash's top bits pick the shard; the map uses its low bits.
        &self.shards.0[(hash >> 120) as usize % SHARDS]
    }

    /// The remembered output of the input hashed to `hash`, handed to `found`; a miss
    /// is counted only when `count_miss` (the caller encrypts and remembers next).
    fn recall<R>(&self, hash: u128, count_miss: bool, found: impl FnOnce(&str) -> R) -> Option<R> {
        let mut g = self.shard(hash).lock().ok()?;
        if let Some(out) = g.current.get(&hash) {
            let result = found(out);
            g.hits += 1;
            return Some(result);
        }
        let Some(out) = g.old.remove(&hash) else {
            if count_miss {
                g.misses += 1;
            }
            return None;
        };
        let result = found(&out);
        g.hits += 1;
        g.remember(hash, out, self.per_generation);
        Some(result)
    }

    fn remember(&self, hash: u128, output: &str) {
        if let Ok(mut g) = self.shard(hash).lock() {
            g.remember(hash, output.into(), self.per_generation);
        }
    }
}

impl Generations {
    fn remember(&mut self, hash: u128, output: Box<str>, per_generation: usize) {
        if self.current.len() >= per_generation {
            self.old = std::mem::take(&mut self.current);
        }
        self.current.insert(hash, output);
    }
}

impl Transform for Memoized {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn properties(&self) -> Properties {
        self.inner.properties()
    }

    fn apply(&self, input: &str, ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        if input.len() > MAX_MEMO_INPUT {
            return self.inner.apply(input, ctx);
        }
        let hash = self.hash(input.as_bytes());
        if let Some(out) = self.recall(hash, true, |found| String::from(found)) {
            return Ok(Some(out));
        }
        let out = self.inner.apply(input, ctx)?;
        if let Some(out) = &out {
            self.remember(hash, out);
        }
        Ok(out)
    }

    fn reverse(&self, output: &str, ctx: &Context<'_>) -> Result<String, TransformError> {
        self.inner.reverse(output, ctx)
    }

    fn memoized(&self) -> bool {
        true
    }

    /// Keys are hashes of the input's bytes, so `apply`'s memo answers here too. A
    /// miss is not counted: `apply` follows and counts it.
    fn recall_into(&self, input: &[u8], out: &mut String) -> bool {
        if input.len() > MAX_MEMO_INPUT {
            return false;
        }
        self.recall(self.hash(input), false, |found| out.push_str(found))
            .is_some()
    }
}

/// The memos' keyed hash of an input: SipHash-1-3 with a 128-bit output under `key`
/// (drawn at random per memo). Also the row memo's (`pg::rows::row_memo`).
pub fn keyed_hash(key: (u64, u64), input: &[u8]) -> u128 {
    let mut h = SipHasher13::new_with_keys(key.0, key.1);
    h.write(input);
    h.finish128().as_u128()
}

/// The map's hasher: the key is already a keyed hash, so its low bits are used as they
/// are (also the row memo's, `pg::rows::row_memo`).
#[derive(Default)]
pub(crate) struct HashedKey(u64);

impl Hasher for HashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used (the key is a u128); fold anything else in.
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }

    fn write_u128(&mut self, i: u128) {
        self.0 = i as u64;
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{FieldKeys, KeyId, MasterKey};
    use crate::transform::TransformSpec;

    fn mobile() -> Arc<dyn Transform> {
        let master = MasterKey::from_bytes(KeyId(1), [9; 32]);
        TransformSpec::from_parts("fpe_mobile", None)
            .unwrap()
            .build(FieldKeys::new(&master, "qa", "public.customers.mobile"))
            .unwrap()
    }

    fn numbers(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("138{:08}", i * 7919)).collect()
    }

    #[test]
    fn a_memoized_transform_gives_exactly_the_outputs_of_the_transform() {
        let plain = mobile();
        let memo = Memoized::new(mobile(), 64);
        let ctx = Context { subject: None };
        // Three passes over more inputs than the memo holds: hits, misses, evictions.
        for _ in 0..3 {
            for n in numbers(200) {
                assert_eq!(memo.apply(&n, &ctx), plain.apply(&n, &ctx), "{n}");
            }
        }
        assert_eq!(memo.apply("12", &ctx), plain.apply("12", &ctx));
        let out = memo.apply("13800138000", &ctx).unwrap().unwrap();
        assert_eq!(memo.reverse(&out, &ctx).unwrap(), "13800138000");
    }

    #[test]
    fn the_memo_stays_within_its_bound() {
        let memo = Memoized::new(mobile(), 64);
        let ctx = Context { subject: None };
        let inputs = numbers(1000);
        for n in &inputs {
            memo.apply(n, &ctx).unwrap();
        }
        let held: usize = memo
            .shards
            .0
            .iter()
            .map(|s| s.lock().map(|g| g.current.len() + g.old.len()).unwrap())
            .sum();
        assert!(held <= 2 * SHARDS * memo.per_generation, "{held}");
        assert!(held > 0);
    }

    #[test]
    fn stats_count_hits_and_misses_and_outlive_a_dropped_memo() {
        let ctx = Context { subject: None };
        let before = stats();
        let memo = Memoized::new(mobile(), 64);
        memo.apply("13800138000", &ctx).unwrap();
        memo.apply("13800138000", &ctx).unwrap();
        memo.apply("13900139000", &ctx).unwrap();
        let during = stats();
        // Other tests run memos in parallel: counts only grow, by at least ours.
        assert!(during.hits > before.hits);
        assert!(during.misses >= before.misses + 2);
        assert!(during.entries >= 2);
        drop(memo);
        let after = stats();
        assert!(after.hits >= during.hits && after.misses >= during.misses);
    }

    #[test]
    fn two_memos_of_one_transform_hash_differently() {
        let (a, b) = (Memoized::new(mobile(), 64), Memoized::new(mobile(), 64));
        assert_ne!(a.hash(b"13800138000"), b.hash(b"13800138000"));
    }

    #[test]
    fn a_value_is_recalled_from_its_bytes_only_once_it_went_through_apply() {
        let memo = Memoized::new(mobile(), 64);
        let ctx = Context { subject: None };
        let mut out = String::from("kept ");
        assert!(!memo.recall_into(b"13800138000", &mut out));
        assert_eq!(out, "kept ", "nothing appended when not remembered");
        let masked = memo.apply("13800138000", &ctx).unwrap().unwrap();
        assert!(memo.recall_into(b"13800138000", &mut out));
        assert_eq!(out, format!("kept {masked}"));
        // An input the transform refused is never remembered.
        assert!(memo.apply("not a mobile", &ctx).is_err());
        assert!(!memo.recall_into(b"not a mobile", &mut String::new()));
        // Transforms without a memo remember nothing.
        assert!(!mobile().recall_into(b"13800138000", &mut String::new()));
    }

    #[test]
    fn a_recall_that_misses_is_not_counted_as_a_miss() {
        let memo = Memoized::new(mobile(), 64);
        let ctx = Context { subject: None };
        for _ in 0..3 {
            assert!(!memo.recall_into(b"13900139000", &mut String::new()));
        }
        memo.apply("13900139000", &ctx).unwrap();
        assert!(memo.recall_into(b"13900139000", &mut String::new()));
        let (hits, misses) = memo.shards.0.iter().fold((0, 0), |(h, m), shard| {
            let g = shard.lock().unwrap();
            (h + g.hits, m + g.misses)
        });
        assert_eq!((hits, misses), (1, 1));
    }
}

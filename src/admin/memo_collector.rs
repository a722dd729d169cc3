//! The pseudonym memos' counters as metrics, read at each scrape from
//! [`crate::transform::memo::stats`] (the memos count under their own locks and know
//! nothing of Prometheus): the hit rate tells whether `[defaults] pseudonym_memo` fits
//! the working set, the entries what it holds. Also the bytes the PostgreSQL gateway's
//! memos of whole masked rows hold ([`crate::pg::rows::row_memo::held_bytes`]).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;

use super::audit_collector::{counter, gauge};
use crate::pg::rows::row_memo;
use crate::transform::memo;

/// Emits `pseudonym_memo_*` and `row_memo_bytes` metrics.
#[derive(Debug, Default)]
pub struct MemoCollector;

impl Collector for MemoCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = memo::stats();
        let e = &mut encoder;
        counter(
            e,
            "pseudonym_memo_hits",
            "Values answered from a format-preserving transform's memo.",
            s.hits,
        )?;
        counter(
            e,
            "pseudonym_memo_misses",
            "Values encrypted because no memo held them.",
            s.misses,
        )?;
        gauge(
            e,
            "pseudonym_memo_entries",
            "Pseudonyms held by the memos now (about 70 bytes each).",
            i64::try_from(s.entries).unwrap_or(i64::MAX),
        )?;
        gauge(
            e,
            "row_memo_bytes",
            "Bytes held by the PostgreSQL sessions' memos of whole masked rows (at most 64 MiB in all).",
            i64::try_from(row_memo::held_bytes()).unwrap_or(i64::MAX),
        )
    }
}

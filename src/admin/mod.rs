//! Operations of `tuomin serve`: the admin listener (`[admin]` in the policy) and what
//! it reports. See `docs/operations.md` for the reference.
//!
//! - [`metrics`]: every Prometheus metric, with bounded labels and atomic recording;
//!   [`audit_collector`] reads the audit writer's counters at scrape time,
//!   [`memo_collector`] the pseudonym memos'.
//! - [`health`]: what `/readyz` decides; [`probe`]: the PostgreSQL upstream check.
//! - [`server`]: the hyper listener and its four endpoints (`/metrics`, `/healthz`,
//!   `/readyz`, `POST /reload`). Reload itself is [`crate::serve::Live::reload`], the
//!   same code path as SIGHUP.

pub mod audit_collector;
pub mod health;
pub mod memo_collector;
pub mod metrics;
pub mod probe;
pub mod server;

pub use health::Readiness;
pub use metrics::{ConsumerCounters, Metrics, SessionGuard};
pub use server::{AdminServer, AdminState};

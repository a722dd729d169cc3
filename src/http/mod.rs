//! The HTTP/JSON gateway for vendors: each request is identified (client certificate
//! or API key), routed (method + path pattern; unrouted → 404 from tuomin), forwarded
//! with pseudonyms looked up, and its response masked for the consumer's scenario.
//!
//! - [`server`]: listener, TLS ([`tls`]), connections, timeouts, cut-off, shutdown.
//! - [`proxy`]: one request, phase by phase, with its audit record.
//! - [`identity`]: who is calling. [`routes`]: path patterns. [`limits`]: 429s.
//! - [`upstream`]: the client side and header hygiene. [`body`]: caps, decoding.
//! - [`plan`], [`stream`] (one pass over the bytes), [`json`] (the tree masker, its
//!   reference), [`jsonpath`]: the response body filter.
//! - [`lookup`]: pseudonyms in requests mapped back to real values.
//! - [`gateway`]: the snapshot of one policy, swapped on reload.
//! - [`error`]: every refusal, with its status and who is at fault.

pub mod body;
pub mod error;
pub mod gateway;
pub mod identity;
pub mod json;
pub mod jsonpath;
pub mod limits;
pub mod lookup;
pub mod plan;
pub mod proxy;
pub mod routes;
pub mod server;
pub mod stream;
pub mod tls;
pub mod upstream;

pub use server::{HttpReloader, HttpServer};

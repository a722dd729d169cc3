//! Sockets: [`Stream`] (plain TCP or TLS, either side), [`FramedReader`] (a read half
//! with its buffer, cut into frames by the codec; cancel-safe), [`tls`] (rustls
//! configurations for the listener and for the upstream, by mode), and [`tcp`] (the
//! TCP options both sockets get: no Nagle delay, keepalive probes).

pub mod framed;
pub mod stream;
pub mod tcp;
pub mod tls;

pub use framed::FramedReader;
pub use stream::Stream;

//! Sockets: [`Stream`] (plain TCP or TLS, either side), [`FramedReader`] (a read half
//! with its buffer, cut into frames by the codec; cancel-safe), and [`tls`] (rustls
//! configurations for the listener and for the upstream, by mode).

pub mod framed;
pub mod stream;
pub mod tls;

pub use framed::FramedReader;
pub use stream::Stream;

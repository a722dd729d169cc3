//! Messages that travel in both directions with the same tag and layout.

pub mod copy_data;
pub mod copy_done;

pub use copy_data::CopyData;
pub use copy_done::CopyDone;

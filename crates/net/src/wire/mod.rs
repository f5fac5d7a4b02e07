//! The bytes on a stream: protobuf messages ([`pb`]) in varint length-delimited frames
//! ([`framing`]), as Bee's `p2p/protobuf` package writes them.

pub mod framing;
pub mod pb;

pub use framing::{frame, MessageStream, MAX_MESSAGE_SIZE};

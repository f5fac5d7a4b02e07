//! Varint length-delimited protobuf frames on a stream, with a size limit and a timeout per
//! message, and the headers exchange every Swarm stream starts with.
//!
//! A frame is `uvarint(len) ‖ message` (Bee's `protobuf.NewWriterAndReader`, go-msgio's
//! delimited format). comb refuses frames above [`MAX_MESSAGE_SIZE`] before reading them.

use std::time::Duration;

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message;

use crate::wire::pb;
use crate::NetError;

/// The largest frame comb reads: 128 KiB (a chunk delivery is about 4.3 KB, a full pullsync
/// offer of 250 chunks about 27 KB).
pub const MAX_MESSAGE_SIZE: usize = 128 * 1024;

/// Longest varint for a `u64`.
const MAX_VARINT_BYTES: usize = 10;

/// Encodes `message` as one frame: `uvarint(len) ‖ bytes`.
pub fn frame<M: Message>(message: &M) -> Vec<u8> {
    message.encode_length_delimited_to_vec()
}

/// A stream that sends and receives framed protobuf messages, each within `timeout`.
pub struct MessageStream<S> {
    inner: S,
    timeout: Duration,
    max_size: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> MessageStream<S> {
    /// Wraps `inner` with a per-message `timeout` and the default size limit.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            max_size: MAX_MESSAGE_SIZE,
        }
    }

    /// Changes the per-message timeout (the handshake waits longer than other protocols).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends one message.
    pub async fn send<M: Message>(&mut self, message: &M) -> Result<(), NetError> {
        let bytes = frame(message);
        self.send_raw(&bytes).await
    }

    /// Sends bytes as they are (already framed, or deliberately not).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), NetError> {
        let write = async {
            self.inner.write_all(bytes).await?;
            self.inner.flush().await
        };
        tokio::time::timeout(self.timeout, write)
            .await
            .map_err(|_| NetError::Timeout("writing a message"))?
            .map_err(NetError::Io)
    }

    /// Receives one message of type `M`.
    pub async fn recv<M: Message + Default>(&mut self) -> Result<M, NetError> {
        let bytes = tokio::time::timeout(self.timeout, self.read_frame())
            .await
            .map_err(|_| NetError::Timeout("reading a message"))??;
        M::decode(bytes.as_slice()).map_err(|e| NetError::Malformed(e.to_string()))
    }

    /// Reads everything until the peer closes its side, up to `max` bytes.
    pub async fn read_to_end(&mut self, max: usize) -> Result<Vec<u8>, NetError> {
        let limit = u64::try_from(max).unwrap_or(u64::MAX);
        let mut out = Vec::new();
        let mut limited = (&mut self.inner).take(limit);
        tokio::time::timeout(self.timeout, limited.read_to_end(&mut out))
            .await
            .map_err(|_| NetError::Timeout("reading to the end"))??;
        Ok(out)
    }

    /// Closes our writing side; the peer reads end-of-stream.
    pub async fn close(&mut self) -> Result<(), NetError> {
        tokio::time::timeout(self.timeout, self.inner.close())
            .await
            .map_err(|_| NetError::Timeout("closing a stream"))?
            .map_err(NetError::Io)
    }

    /// Bee's `FullClose` (`pkg/p2p/libp2p/stream.go`): close our writing side, then require
    /// the peer's end-of-stream (within the timeout) and nothing else. Bee's handshake
    /// requires it of both sides: a stream dropped instead (rust yamux then sends RST) makes
    /// the Bee dialer disconnect (audit H-16), and the dialer's EOF is its sign that the
    /// responder registered it (H-17). Data where the end was expected is an error, as in
    /// Bee (`ErrExpectedEOF`).
    pub async fn full_close(&mut self) -> Result<(), NetError> {
        self.close().await?;
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(self.timeout, self.inner.read(&mut byte))
            .await
            .map_err(|_| NetError::Timeout("waiting for the end of the stream"))?
            .map_err(NetError::Io)?;
        if read > 0 {
            return Err(NetError::Malformed(
                "data where the end of the stream was expected".into(),
            ));
        }
        Ok(())
    }

    /// Resolves when the peer ends, resets or writes to the stream (no timeout): a handler
    /// that holds a request races its wait against this, so that a peer that went away
    /// does not leave it waiting. Anything the peer wrote is discarded.
    pub async fn peer_done(&mut self) {
        let mut byte = [0u8; 1];
        let _ = self.inner.read(&mut byte).await;
    }

    /// The opener's side of the headers exchange: send ours (empty), read the handler's.
    pub async fn exchange_headers(&mut self) -> Result<pb::Headers, NetError> {
        self.send(&pb::Headers::default()).await?;
        self.recv::<pb::Headers>().await
    }

    /// The handler's side of the headers exchange: read the opener's, answer with ours
    /// (empty).
    pub async fn answer_headers(&mut self) -> Result<pb::Headers, NetError> {
        self.answer_headers_with(pb::Headers::default()).await
    }

    /// The handler's side of the headers exchange answering with `ours` (the swap
    /// receiver's rates, spec `swap.md` §3.4).
    pub async fn answer_headers_with(
        &mut self,
        ours: pb::Headers,
    ) -> Result<pb::Headers, NetError> {
        let headers = self.recv::<pb::Headers>().await?;
        self.send(&ours).await?;
        Ok(headers)
    }

    async fn read_frame(&mut self) -> Result<Vec<u8>, NetError> {
        let length = self.read_varint().await?;
        let size = usize::try_from(length).unwrap_or(usize::MAX);
        if size > self.max_size {
            return Err(NetError::MessageTooLarge {
                size: length,
                max: self.max_size,
            });
        }
        let mut buffer = vec![0u8; size];
        self.inner.read_exact(&mut buffer).await?;
        Ok(buffer)
    }

    async fn read_varint(&mut self) -> Result<u64, NetError> {
        let mut value: u64 = 0;
        for index in 0..MAX_VARINT_BYTES {
            let mut byte = [0u8; 1];
            self.inner.read_exact(&mut byte).await?;
            let low = u64::from(byte[0] & 0x7f);
            let shift = 7 * index as u32;
            if index == MAX_VARINT_BYTES - 1 && byte[0] > 1 {
                return Err(NetError::Malformed("varint overflows 64 bits".into()));
            }
            value |= low << shift;
            if byte[0] & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(NetError::Malformed("varint longer than 10 bytes".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;

    fn stream(bytes: Vec<u8>) -> MessageStream<Cursor<Vec<u8>>> {
        MessageStream::new(Cursor::new(bytes), Duration::from_secs(1))
    }

    #[tokio::test]
    async fn frames_round_trip() {
        let message = pb::Request {
            addr: vec![7u8; 32],
        };
        let mut s = stream(frame(&message));
        let back: pb::Request = s.recv().await.unwrap();
        assert_eq!(back, message);
    }

    #[tokio::test]
    async fn oversized_frame_is_refused_before_reading() {
        let mut bytes = Vec::new();
        prost::encoding::encode_varint(10 * MAX_MESSAGE_SIZE as u64, &mut bytes);
        let mut s = stream(bytes);
        let result = s.recv::<pb::Request>().await;
        assert!(matches!(result, Err(NetError::MessageTooLarge { .. })));
    }

    #[tokio::test]
    async fn overlong_varint_is_malformed() {
        let mut s = stream(vec![0xff; 16]);
        let result = s.recv::<pb::Request>().await;
        assert!(matches!(result, Err(NetError::Malformed(_))));
    }

    #[tokio::test]
    async fn garbage_body_is_malformed_not_a_panic() {
        let mut bytes = vec![5u8];
        bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff]);
        let mut s = stream(bytes);
        let result = s.recv::<pb::PushDelivery>().await;
        assert!(result.unwrap_err().is_misbehaviour());
    }

    #[tokio::test]
    async fn truncated_frame_is_an_io_error() {
        let mut s = stream(vec![40, 1, 2, 3]);
        let result = s.recv::<pb::Request>().await;
        assert!(matches!(result, Err(NetError::Io(_))));
    }
}

//! Pingpong (`/swarm/pingpong/1.0.0/pingpong`, Bee `pkg/pingpong`, audit S-2): the opener
//! sends `Ping{Greeting = 1}` messages one at a time, the handler answers each with
//! `Pong{Response = 1}` whose response is the greeting in braces (`"{" + greeting + "}"`,
//! as Bee's handler builds it), until the opener ends its side; both end with Bee's full
//! close. Bee's operators use it through its API (`POST /pingpong/{peer}`) to measure the
//! round trip. comb's handler answers at most [`MAX_PINGS`] pings per stream (Bee sets no
//! limit) so that one stream cannot hold a handler for ever.

use std::time::{Duration, Instant};

use comb_primitives::B256;
use futures::io::{AsyncRead, AsyncWrite};

use crate::peers::PeerManager;
use crate::protocols::PINGPONG;
use crate::wire::{pb, MessageStream};
use crate::NetError;

/// Pings answered on one stream.
pub const MAX_PINGS: usize = 64;

/// The greetings Bee's client sends (`pingpong.go` `Ping`'s messages from the API).
pub const GREETINGS: [&str; 6] = ["hey", "there", ",", "how are", "you", "?"];

/// Serves pings until the opener ends its side.
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: MessageStream<S>,
) -> Result<(), NetError> {
    for _ in 0..MAX_PINGS {
        let ping: pb::Ping = match stream.recv().await {
            Ok(ping) => ping,
            Err(NetError::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                let _ = stream.full_close().await;
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        stream
            .send(&pb::Pong {
                response: format!("{{{}}}", ping.greeting),
            })
            .await?;
    }
    Err(NetError::Malformed(format!(
        "more than {MAX_PINGS} pings on one stream"
    )))
}

/// The opener's side over any stream: each greeting, its pong checked; the mean round trip.
pub(crate) async fn ping_over<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut MessageStream<S>,
    greetings: &[&str],
) -> Result<Duration, NetError> {
    let started = Instant::now();
    for greeting in greetings {
        stream
            .send(&pb::Ping {
                greeting: (*greeting).to_string(),
            })
            .await?;
        let pong: pb::Pong = stream.recv().await?;
        if pong.response != format!("{{{greeting}}}") {
            return Err(NetError::Malformed(format!(
                "pong {:?} for ping {greeting:?}",
                pong.response
            )));
        }
    }
    let _ = stream.full_close().await;
    let count = u32::try_from(greetings.len().max(1)).unwrap_or(u32::MAX);
    Ok(started.elapsed() / count)
}

/// Pings the connected peer `overlay` with Bee's greetings; the mean round trip.
pub(crate) async fn ping(peers: &PeerManager, overlay: &B256) -> Result<Duration, NetError> {
    let mut stream = peers.open(overlay, PINGPONG).await?;
    ping_over(&mut stream, &GREETINGS).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_util::compat::TokioAsyncReadCompatExt;

    #[tokio::test]
    async fn bee_pings_and_gets_each_greeting_in_braces() {
        let (server, mut bee) = tokio::io::duplex(4096);
        let served = tokio::spawn(serve(MessageStream::new(
            server.compat(),
            Duration::from_secs(5),
        )));
        for greeting in ["hey", "", "how are"] {
            // Ping{string Greeting = 1}, framed.
            let mut message = vec![0x0a, greeting.len() as u8];
            message.extend_from_slice(greeting.as_bytes());
            let mut frame = vec![message.len() as u8];
            frame.extend_from_slice(&message);
            // proto3 leaves an empty string out.
            if greeting.is_empty() {
                frame = vec![0x00];
            }
            bee.write_all(&frame).await.unwrap();
            // Pong{string Response = 1}.
            let response = format!("{{{greeting}}}");
            let mut expected = vec![(response.len() + 2) as u8, 0x0a, response.len() as u8];
            expected.extend_from_slice(response.as_bytes());
            let mut got = vec![0u8; expected.len()];
            bee.read_exact(&mut got).await.unwrap();
            assert_eq!(got, expected);
        }
        crate::test_support::bee_full_close(&mut bee).await;
        served.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_pong_that_is_not_the_greeting_in_braces_is_refused() {
        let (client, mut bee) = tokio::io::duplex(4096);
        let asked = tokio::spawn(async move {
            let mut stream = MessageStream::new(client.compat(), Duration::from_secs(5));
            ping_over(&mut stream, &["hey"]).await
        });
        let mut ping = [0u8; 6];
        bee.read_exact(&mut ping).await.unwrap();
        assert_eq!(ping, [5, 0x0a, 3, b'h', b'e', b'y']);
        bee.write_all(&[5, 0x0a, 3, b'h', b'e', b'y'])
            .await
            .unwrap();
        assert!(matches!(asked.await.unwrap(), Err(NetError::Malformed(_))));
    }
}

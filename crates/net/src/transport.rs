//! Builds the libp2p swarm: TCP with noise and yamux, and the composite behaviour (raw
//! streams for the Swarm protocols, identify, ping).

use std::time::Duration;

use libp2p::identity::Keypair;
use libp2p::swarm::NetworkBehaviour;
use libp2p::{identify, noise, ping, tcp, yamux, Swarm, SwarmBuilder};
use tokio::sync::mpsc;

use crate::protocols;
use crate::streams::{InboundStream, StreamBehaviour};
use crate::NetError;

/// Identify's protocol version string.
const IDENTIFY_PROTOCOL: &str = "/comb/0.1.0";

/// The node's libp2p behaviours.
#[derive(NetworkBehaviour)]
pub struct Behaviour {
    /// Raw streams for the Swarm protocols.
    pub streams: StreamBehaviour,
    /// libp2p identify (agent and listen addresses).
    pub identify: identify::Behaviour,
    /// libp2p ping (liveness).
    pub ping: ping::Behaviour,
}

/// A swarm with TCP (no delay), noise and yamux, delivering inbound Swarm-protocol streams to
/// `inbound`.
///
/// Streams per connection are capped at [`MAX_STREAMS_PER_CONNECTION`] by yamux.
/// Concurrent yamux streams on one connection, both directions (rust-yamux ends the
/// connection beyond it, so it is set well above the dispatcher's per-peer limit). 4096 is
/// the most rust-yamux allows with its 1 GiB connection window (256 KiB per stream).
pub const MAX_STREAMS_PER_CONNECTION: usize = 4096;

pub fn build_swarm(
    keypair: Keypair,
    inbound: mpsc::UnboundedSender<InboundStream>,
) -> Result<Swarm<Behaviour>, NetError> {
    build_swarm_with(
        keypair,
        inbound,
        protocols::ALL
            .iter()
            .map(|id| protocols::stream_protocol(id))
            .collect(),
    )
}

/// [`build_swarm`] answering only `answered` (a test plays a peer that speaks less).
pub(crate) fn build_swarm_with(
    keypair: Keypair,
    inbound: mpsc::UnboundedSender<InboundStream>,
    answered: Vec<libp2p::StreamProtocol>,
) -> Result<Swarm<Behaviour>, NetError> {
    let resolver = resolver_config();
    let swarm = SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            || {
                let mut config = yamux::Config::default();
                // rust-yamux's default of 512 would end the whole connection at stream 513
                // (audit L-5); go-yamux has no such cap. Excess inbound streams are refused
                // one by one by the dispatcher's limits instead.
                config.set_max_num_streams(MAX_STREAMS_PER_CONNECTION);
                config
            },
        )
        .map_err(|e| NetError::Transport(e.to_string()))?
        // `/dns4`, `/dns6`, `/dns` and `/dnsaddr` addresses (Bee's bootnodes are
        // `/dnsaddr/mainnet.ethswarm.org`; audit L-12), resolved with the system's resolver
        // configuration (hosts file first).
        .with_dns_config(resolver.0, resolver.1)
        .with_behaviour(|key| Behaviour {
            streams: StreamBehaviour::new(answered, inbound),
            identify: identify::Behaviour::new(identify::Config::new(
                IDENTIFY_PROTOCOL.to_string(),
                key.public(),
            )),
            ping: ping::Behaviour::default(),
        })
        .map_err(|e| NetError::Transport(e.to_string()))?
        .with_swarm_config(|config| config.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    Ok(swarm)
}

/// The system's resolver configuration; without one (no `/etc/resolv.conf`), names resolve
/// from the hosts file only, and the node still starts.
fn resolver_config() -> (libp2p::dns::ResolverConfig, libp2p::dns::ResolverOpts) {
    match hickory_resolver::system_conf::read_system_conf() {
        Ok(config) => config,
        Err(error) => {
            tracing::warn!(%error, "no system resolver configuration: DNS names resolve from the hosts file only");
            (
                libp2p::dns::ResolverConfig::from_parts(None, Vec::new(), Vec::new()),
                libp2p::dns::ResolverOpts::default(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bzz::{unix_now, BzzAddress, Scheme};
    use crate::handshake::{answer, Local};
    use crate::test_support::AnyStamp;
    use crate::wire::MessageStream;
    use crate::{MemoryStore, NetConfig, Network};
    use comb_primitives::{Signer, B256};
    use futures::StreamExt;
    use libp2p::multiaddr::Protocol;
    use libp2p::swarm::SwarmEvent;
    use std::sync::Arc;

    const NETWORK_ID: u64 = 10;

    /// A node that answers only handshake 14.0.0, as Bee up to v2.7 does: comb's dialler
    /// offers 15.0.0 first, multistream-select settles on 14.0.0 over real TCP, and both
    /// sides complete the handshake with each other's 14-signed address.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn comb_dials_a_node_that_speaks_only_handshake_14() {
        let config = NetConfig {
            network_id: NETWORK_ID,
            pullsync_interval: None,
            request_timeout: Duration::from_secs(5),
            message_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(5),
            ..NetConfig::default()
        };
        let (comb, _task) = Network::start(
            config,
            Signer::random(),
            Arc::new(MemoryStore::new(B256::ZERO)),
            Arc::new(AnyStamp),
        )
        .await
        .unwrap();

        let keypair = Keypair::generate_ed25519();
        let old_peer = keypair.public().to_peer_id();
        let (inbound, mut streams) = mpsc::unbounded_channel();
        let mut swarm = build_swarm_with(
            keypair,
            inbound,
            vec![protocols::stream_protocol(protocols::HANDSHAKE_V14)],
        )
        .unwrap();
        swarm
            .listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
            .unwrap();
        let listening = loop {
            if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
                break address;
            }
        };
        tokio::spawn(async move {
            loop {
                swarm.select_next_some().await;
            }
        });
        let underlay = listening.clone().with(Protocol::P2p(old_peer));
        let signer = Signer::random();
        let nonce = B256::repeat_byte(3);
        let old = BzzAddress::sign_v14(&signer, vec![underlay.clone()], NETWORK_ID, nonce).unwrap();
        let current = BzzAddress::sign(
            &signer,
            vec![underlay.clone()],
            NETWORK_ID,
            nonce,
            unix_now(),
            None,
        )
        .unwrap();
        let old_overlay = old.overlay;
        let responder = tokio::spawn(async move {
            let stream = streams.recv().await.expect("comb opens the handshake");
            assert_eq!(stream.protocol.as_ref(), protocols::HANDSHAKE_V14);
            let local = Local {
                network_id: NETWORK_ID,
                address: &current,
                address_v14: Some(&old),
                full_node: true,
                welcome_message: String::new(),
            };
            let mut messages = MessageStream::new(stream.stream, Duration::from_secs(5));
            answer(&mut messages, &local, Scheme::V14, stream.peer, None, Ok).await
        });

        let info = comb
            .connect(underlay)
            .await
            .expect("handshake 14 completes");
        assert_eq!(info.overlay, old_overlay);
        assert_eq!(info.eth_address, signer.address());
        let handshaked = responder.await.unwrap().expect("the old node accepts comb");
        assert_eq!(handshaked.address.overlay, comb.local_overlay());
        assert_eq!(handshaked.address.scheme, Scheme::V14);
        assert!(comb.peer(&old_overlay).is_some());
    }
}

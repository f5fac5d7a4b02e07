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
            streams: StreamBehaviour::new(
                protocols::ALL
                    .iter()
                    .map(|id| protocols::stream_protocol(id))
                    .collect(),
                inbound,
            ),
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

//! Addresses of the other nodes and the gRPC channels to them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sluice_rpc::v1::forward_client::ForwardClient;
use sluice_rpc::v1::raft_transport_client::RaftTransportClient;
use tonic::transport::{Channel, Endpoint};

use crate::GRPC_MESSAGE_BYTES_MAX;

/// The cluster's nodes by Raft id, with one lazily connected channel each.
#[derive(Clone)]
pub struct Peers {
    addresses: Arc<BTreeMap<u64, String>>,
    channels: Arc<Mutex<BTreeMap<u64, Channel>>>,
}

impl Peers {
    /// `addresses` maps every node id, this node's included, to its gRPC
    /// `host:port`.
    pub fn new(addresses: BTreeMap<u64, String>) -> Peers {
        Peers { addresses: Arc::new(addresses), channels: Arc::new(Mutex::new(BTreeMap::new())) }
    }

    pub fn ids(&self) -> Vec<u64> {
        self.addresses.keys().copied().collect()
    }

    pub fn address(&self, node_id: u64) -> Option<&str> {
        self.addresses.get(&node_id).map(String::as_str)
    }

    /// A channel to `node_id`; connecting happens on first use and again after failures.
    pub fn channel(&self, node_id: u64) -> Option<Channel> {
        let mut channels = self.channels.lock().expect("peer channel lock poisoned");
        if let Some(channel) = channels.get(&node_id) {
            return Some(channel.clone());
        }
        let address = self.addresses.get(&node_id)?;
        let endpoint = Endpoint::from_shared(format!("http://{address}")).ok()?;
        let channel = endpoint
            .connect_timeout(std::time::Duration::from_secs(1))
            .tcp_nodelay(true)
            .connect_lazy();
        channels.insert(node_id, channel.clone());
        Some(channel)
    }

    pub fn forward_client(&self, node_id: u64) -> Option<ForwardClient<Channel>> {
        let client = ForwardClient::new(self.channel(node_id)?)
            .max_decoding_message_size(GRPC_MESSAGE_BYTES_MAX)
            .max_encoding_message_size(GRPC_MESSAGE_BYTES_MAX);
        Some(client)
    }

    pub fn transport_client(&self, node_id: u64) -> Option<RaftTransportClient<Channel>> {
        let client = RaftTransportClient::new(self.channel(node_id)?)
            .max_decoding_message_size(GRPC_MESSAGE_BYTES_MAX)
            .max_encoding_message_size(GRPC_MESSAGE_BYTES_MAX);
        Some(client)
    }
}

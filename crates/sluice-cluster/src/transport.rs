//! Raft messages to other nodes over gRPC: one batching task per peer.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use protobuf::Message as _;
use raft::prelude::{Message, MessageType};
use sluice_replication::{Node, Transport};
use sluice_rpc::v1::{RaftBatch, RaftEnvelope, SnapshotChunk};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tracing::{debug, info, warn};

use crate::peers::Peers;

/// Messages queued for one peer at most; more are dropped (Raft resends).
const PEER_QUEUE_MESSAGES_MAX: usize = 65_536;
/// Messages per batch at most.
const BATCH_MESSAGES_MAX: usize = 4_096;
/// Bytes per batch at most (estimate of the encoded size).
const BATCH_BYTES_MAX: usize = 8 << 20;
/// Size of one snapshot chunk.
const SNAPSHOT_CHUNK_BYTES: usize = 1 << 20;
/// After a failed stream, messages to that peer are dropped for this long
/// instead of reconnecting on every message.
const RECONNECT_BACKOFF: Duration = Duration::from_millis(200);

/// The node this transport reports delivery problems to, set once it exists.
pub type NodeHandle = Arc<OnceLock<Weak<Node>>>;

/// A [`Transport`] that sends each peer's messages over one gRPC stream.
pub struct GrpcTransport {
    node_id: u64,
    queues: BTreeMap<u64, mpsc::Sender<(u64, Message)>>,
    peers: Peers,
    runtime: Handle,
    node: NodeHandle,
}

impl GrpcTransport {
    /// Starts one sender task per peer on `runtime`.
    pub fn start(node_id: u64, peers: Peers, runtime: Handle, node: NodeHandle) -> GrpcTransport {
        let mut queues = BTreeMap::new();
        for peer_id in peers.ids().into_iter().filter(|&id| id != node_id) {
            let (sender, receiver) = mpsc::channel(PEER_QUEUE_MESSAGES_MAX);
            runtime.spawn(run_peer(node_id, peer_id, peers.clone(), receiver, node.clone()));
            queues.insert(peer_id, sender);
        }
        GrpcTransport { node_id, queues, peers, runtime, node }
    }
}

impl Transport for GrpcTransport {
    fn send(&self, group_id: u64, message: Message) {
        let to = message.to;
        if message.get_msg_type() == MessageType::MsgSnapshot {
            let task = send_snapshot(self.node_id, group_id, message, self.peers.clone(), self.node.clone());
            self.runtime.spawn(task);
            return;
        }
        let Some(queue) = self.queues.get(&to) else {
            warn!(group_id, to, "dropping a raft message to an unknown node");
            return;
        };
        if queue.try_send((group_id, message)).is_err() {
            debug!(group_id, to, "peer queue full; dropping a raft message");
        }
    }
}

fn report_unreachable(node: &NodeHandle, groups: impl IntoIterator<Item = u64>, to: u64) {
    if let Some(node) = node.get().and_then(Weak::upgrade) {
        for group_id in groups {
            node.report_unreachable(group_id, to);
        }
    }
}

/// Sends everything queued for `peer_id`, batching what accumulated while
/// the previous batch was in flight.
async fn run_peer(
    node_id: u64,
    peer_id: u64,
    peers: Peers,
    mut queue: mpsc::Receiver<(u64, Message)>,
    node: NodeHandle,
) {
    let mut stream: Option<mpsc::Sender<RaftBatch>> = None;
    let mut failed_at: Option<Instant> = None;
    while let Some(first) = queue.recv().await {
        let mut envelopes = Vec::new();
        let mut groups = Vec::new();
        let mut bytes = 0usize;
        let mut next = Some(first);
        while let Some((group_id, message)) = next.take() {
            let payload = message.write_to_bytes().expect("encoding a raft message cannot fail");
            bytes += payload.len();
            groups.push(group_id);
            envelopes.push(RaftEnvelope { group_id, payload });
            if envelopes.len() >= BATCH_MESSAGES_MAX || bytes >= BATCH_BYTES_MAX {
                break;
            }
            next = queue.try_recv().ok();
        }
        if failed_at.is_some_and(|at| at.elapsed() < RECONNECT_BACKOFF) {
            report_unreachable(&node, groups, peer_id);
            continue;
        }
        let sender = match &stream {
            Some(sender) if !sender.is_closed() => sender.clone(),
            _ => match open_stream(peer_id, &peers) {
                Some(sender) => {
                    stream = Some(sender.clone());
                    sender
                }
                None => {
                    failed_at = Some(Instant::now());
                    report_unreachable(&node, groups, peer_id);
                    continue;
                }
            },
        };
        let batch = RaftBatch { from_node_id: node_id, messages: envelopes };
        if sender.send(batch).await.is_err() {
            debug!(peer_id, "raft stream closed; reconnecting on the next message");
            stream = None;
            failed_at = Some(Instant::now());
            report_unreachable(&node, groups, peer_id);
        } else {
            failed_at = None;
        }
    }
}

/// Opens a `RaftTransport.Stream` call fed by the returned channel. The call
/// runs in its own task; when it fails the channel closes.
fn open_stream(peer_id: u64, peers: &Peers) -> Option<mpsc::Sender<RaftBatch>> {
    let mut client = peers.transport_client(peer_id)?;
    let (sender, receiver) = mpsc::channel::<RaftBatch>(64);
    tokio::spawn(async move {
        match client.stream(ReceiverStream::new(receiver)).await {
            Ok(summary) => debug!(peer_id, received = summary.into_inner().messages_received, "raft stream ended"),
            Err(status) => debug!(peer_id, code = ?status.code(), message = status.message(), "raft stream failed"),
        }
    });
    Some(sender)
}

/// Streams one MsgSnapshot in chunks and reports the result to Raft.
async fn send_snapshot(node_id: u64, group_id: u64, message: Message, peers: Peers, node: NodeHandle) {
    let to = message.to;
    let data = message.write_to_bytes().expect("encoding a raft message cannot fail");
    let crc = crc32fast::hash(&data);
    let total = data.len();
    let chunk_count = total.div_ceil(SNAPSHOT_CHUNK_BYTES).max(1);
    let chunks: Vec<SnapshotChunk> = (0..chunk_count)
        .map(|index| {
            let start = index * SNAPSHOT_CHUNK_BYTES;
            let end = (start + SNAPSHOT_CHUNK_BYTES).min(total);
            let last = index + 1 == chunk_count;
            SnapshotChunk {
                from_node_id: node_id,
                group_id,
                data: data[start..end].to_vec(),
                crc32: if last { crc } else { 0 },
                last,
            }
        })
        .collect();
    let delivered = match peers.transport_client(to) {
        Some(mut client) => match client.install_snapshot(tokio_stream::iter(chunks)).await {
            Ok(ack) => ack.into_inner().accepted,
            Err(status) => {
                warn!(group_id, to, code = ?status.code(), message = status.message(), "sending a snapshot failed");
                false
            }
        },
        None => false,
    };
    info!(group_id, to, bytes = total, chunks = chunk_count, delivered, "sent snapshot");
    if let Some(node) = node.get().and_then(Weak::upgrade) {
        node.report_snapshot(group_id, to, delivered);
    }
}

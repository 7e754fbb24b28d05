//! The gRPC server of a node: Raft messages in, forwarded requests in.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use protobuf::Message as _;
use raft::prelude::Message;
use sluice_queue::ReceiveRequest;
use sluice_replication::{Command, Node, ProposeError};
use sluice_rpc::v1::forward_server::{Forward, ForwardServer};
use sluice_rpc::v1::raft_transport_server::{RaftTransport, RaftTransportServer};
use sluice_rpc::v1::{
    counts_reply, propose_reply, Counts, CountsReply, CountsRequest, ForwardReceiveRequest, ProposeReply,
    ProposeRequest, RaftBatch, SnapshotAck, SnapshotChunk, StreamSummary, WaitVisibleRequest,
};
use tonic::{Request, Response, Status, Streaming};
use tracing::{info, warn};

use crate::{now_ms, GRPC_MESSAGE_BYTES_MAX};

/// Largest snapshot message a node accepts, in bytes.
const SNAPSHOT_BYTES_MAX: usize = 4 << 30;
/// Maximum long poll of a forwarded receive (the SQS maximum is 20 s).
const FORWARDED_WAIT_MAX: Duration = Duration::from_secs(20);

/// Serves `RaftTransport` and `Forward` on `address` until `shutdown` resolves.
pub async fn serve(
    node: Arc<Node>,
    address: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let service = NodeService { node };
    let transport = RaftTransportServer::new(service.clone())
        .max_decoding_message_size(GRPC_MESSAGE_BYTES_MAX)
        .max_encoding_message_size(GRPC_MESSAGE_BYTES_MAX);
    let forward = ForwardServer::new(service)
        .max_decoding_message_size(GRPC_MESSAGE_BYTES_MAX)
        .max_encoding_message_size(GRPC_MESSAGE_BYTES_MAX);
    info!(%address, "gRPC server listening");
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(transport)
        .add_service(forward)
        .serve_with_shutdown(address, shutdown)
        .await
}

#[derive(Clone)]
struct NodeService {
    node: Arc<Node>,
}

fn decode_message(payload: &[u8]) -> Result<Message, Status> {
    Message::parse_from_bytes(payload).map_err(|error| Status::invalid_argument(format!("undecodable raft message: {error}")))
}

#[tonic::async_trait]
impl RaftTransport for NodeService {
    async fn stream(&self, request: Request<Streaming<RaftBatch>>) -> Result<Response<StreamSummary>, Status> {
        let mut batches = request.into_inner();
        let mut received = 0u64;
        while let Some(batch) = batches.message().await? {
            for envelope in batch.messages {
                let message = decode_message(&envelope.payload)?;
                // A full queue drops the message; Raft resends.
                self.node.step(envelope.group_id, message);
                received += 1;
            }
        }
        Ok(Response::new(StreamSummary { messages_received: received }))
    }

    async fn install_snapshot(&self, request: Request<Streaming<SnapshotChunk>>) -> Result<Response<SnapshotAck>, Status> {
        let mut chunks = request.into_inner();
        let mut data = Vec::new();
        let mut group_id = None;
        while let Some(chunk) = chunks.message().await? {
            if *group_id.get_or_insert(chunk.group_id) != chunk.group_id {
                return Err(Status::invalid_argument("snapshot chunks name different groups"));
            }
            if data.len() + chunk.data.len() > SNAPSHOT_BYTES_MAX {
                return Err(Status::resource_exhausted(format!("snapshot larger than {SNAPSHOT_BYTES_MAX} bytes")));
            }
            data.extend_from_slice(&chunk.data);
            if chunk.last {
                let actual = crc32fast::hash(&data);
                if actual != chunk.crc32 {
                    warn!(group_id = chunk.group_id, expected = chunk.crc32, actual, "snapshot crc32 mismatch");
                    return Err(Status::data_loss("snapshot crc32 mismatch"));
                }
                let message = decode_message(&data)?;
                info!(group_id = chunk.group_id, bytes = data.len(), from = chunk.from_node_id, "received snapshot");
                let accepted = self.node.step(chunk.group_id, message);
                return Ok(Response::new(SnapshotAck { accepted }));
            }
        }
        Err(Status::invalid_argument("snapshot stream ended before its last chunk"))
    }
}

fn reply_error(error: ProposeError) -> ProposeReply {
    let result = match error {
        ProposeError::NotLeader { leader_id } => propose_reply::Result::NotLeader(leader_id),
        other => propose_reply::Result::Unavailable(other.to_string()),
    };
    ProposeReply { result: Some(result) }
}

fn reply_outcome<T: serde::Serialize>(value: &T) -> ProposeReply {
    let bytes = bincode::serialize(value).expect("encoding an outcome cannot fail");
    ProposeReply { result: Some(propose_reply::Result::Outcome(bytes)) }
}

#[tonic::async_trait]
impl Forward for NodeService {
    async fn propose(&self, request: Request<ProposeRequest>) -> Result<Response<ProposeReply>, Status> {
        let request = request.into_inner();
        let command: Command = bincode::deserialize(&request.command)
            .map_err(|error| Status::invalid_argument(format!("undecodable command: {error}")))?;
        let reply = match self.node.propose_command(request.group_id, command).await {
            Ok(outcome) => reply_outcome(&outcome),
            Err(error) => reply_error(error),
        };
        Ok(Response::new(reply))
    }

    async fn receive(&self, request: Request<ForwardReceiveRequest>) -> Result<Response<ProposeReply>, Status> {
        let request = request.into_inner();
        let receive: ReceiveRequest = bincode::deserialize(&request.request)
            .map_err(|error| Status::invalid_argument(format!("undecodable receive: {error}")))?;
        let wait = Duration::from_millis(request.wait_ms).min(FORWARDED_WAIT_MAX);
        let reply = match crate::poll::receive_local(&self.node, request.group_id, receive, wait).await {
            Ok(result) => reply_outcome(&result),
            Err(error) => reply_error(error),
        };
        Ok(Response::new(reply))
    }

    async fn wait_visible(&self, request: Request<WaitVisibleRequest>) -> Result<Response<ProposeReply>, Status> {
        let request = request.into_inner();
        let wait = Duration::from_millis(request.wait_ms).min(FORWARDED_WAIT_MAX);
        let reply = match crate::poll::wait_visible_local(&self.node, request.group_id, request.fifo, wait).await {
            Ok(visible) => reply_outcome(&visible),
            Err(error) => reply_error(error),
        };
        Ok(Response::new(reply))
    }

    async fn counts(&self, request: Request<CountsRequest>) -> Result<Response<CountsReply>, Status> {
        let request = request.into_inner();
        let node_id = self.node.node_id();
        let result = match (self.node.leader_of(request.group_id), self.node.partition(request.group_id)) {
            (Some(leader_id), Some(cell)) if leader_id == node_id => {
                let counts = cell.read().counts(now_ms(), request.retention_ms);
                counts_reply::Result::Counts(Counts {
                    visible: counts.visible,
                    in_flight: counts.in_flight,
                    delayed: counts.delayed,
                })
            }
            (Some(leader_id), _) => counts_reply::Result::NotLeader(leader_id),
            (None, _) => counts_reply::Result::Unavailable(format!("no leader known for group {}", request.group_id)),
        };
        Ok(Response::new(CountsReply { result: Some(result) }))
    }
}

//! Node-to-node traffic of a Sluice cluster.
//!
//! - [`GrpcTransport`] carries raft-rs messages to other nodes: per peer, one
//!   long-lived `RaftTransport.Stream` call carries batches of messages of
//!   every group; snapshots go in checksummed chunks over `InstallSnapshot`.
//! - [`serve`] runs the gRPC server that receives them and answers requests
//!   forwarded by other nodes' gateways (`Forward`).
//! - [`Router`] sends a gateway's proposal to the group's leader: a local call
//!   when this node leads, a `Forward` call otherwise, following not-leader
//!   hints until the request's deadline.
//!
//! Architecture invariant: no SQS or HTTP here; commands and outcomes cross
//! the wire as the replication layer's own types, bincode-encoded.

mod peers;
mod poll;
mod router;
mod server;
mod transport;

pub use peers::Peers;
pub use poll::{receive_local, wait_visible_local};
pub use router::{RouteError, Router};
pub use server::serve;
pub use transport::{GrpcTransport, NodeHandle};

/// Wall-clock milliseconds, used only for reads (counts, long-poll
/// wake-ups); writes are stamped by the Raft leader when proposed.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Largest gRPC message a node sends or accepts: a batch of Raft messages or
/// one snapshot chunk.
pub const GRPC_MESSAGE_BYTES_MAX: usize = 64 << 20;

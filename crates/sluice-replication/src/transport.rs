//! The boundary between the Raft thread and the network.

use raft::prelude::Message;

/// Carries Raft messages to other nodes. Implementations MUST NOT block the
/// Raft thread: `send` queues the message and returns at once. A message may
/// be lost; Raft retries.
pub trait Transport: Send + 'static {
    fn send(&self, group_id: u64, message: Message);
}

/// The transport of a single-node cluster: a group whose only voter is this
/// node never sends a message, so none arrives here.
pub struct NoTransport;

impl Transport for NoTransport {
    fn send(&self, group_id: u64, message: Message) {
        tracing::warn!(group_id, to = message.to, "dropping a raft message: this node has no peers");
    }
}

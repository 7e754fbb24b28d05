//! The payload of every Raft log entry written by Sluice.

use serde::{Deserialize, Serialize};
use sluice_queue::{CatalogCommand, CatalogOutcome, PartitionCommand, PartitionOutcome, QueueError, TimestampMs};

/// A state change for one group's state machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Catalog(CatalogCommand),
    Partition(PartitionCommand),
}

/// The result of applying a [`Command`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Catalog(Result<CatalogOutcome, QueueError>),
    Partition(Result<PartitionOutcome, QueueError>),
}

/// A command with the leader's timestamp, as stored in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Envelope {
    pub now_ms: TimestampMs,
    pub command: Command,
}

impl Envelope {
    pub fn encode(&self) -> Vec<u8> {
        bincode::serialize(self).expect("encoding an envelope cannot fail")
    }

    pub fn decode(bytes: &[u8]) -> Result<Envelope, bincode::Error> {
        bincode::deserialize(bytes)
    }
}

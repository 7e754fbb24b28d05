//! Drives every Raft group of one node: the metadata group (id 0) that contains
//! the queue catalog and one group per queue partition.
//!
//! One thread owns all `RawNode`s and runs the loop
//! `receive proposals -> tick -> ready -> persist -> send -> apply -> reply`.
//! Architecture invariants:
//! - Every state change is a Raft proposal; a caller is answered only after
//!   its entry is committed, fsynced and applied.
//! - All groups' new entries and hard states of one loop iteration are written
//!   in one RocksDB write batch with one fsync (group commit).
//! - Each entry carries the wall-clock time of the leader that proposed it;
//!   the state machines never read a clock.

mod driver;
mod envelope;
mod node;
mod records;
mod transport;

pub use envelope::{Command, Outcome};
pub use node::{Node, NodeConfig, PartitionCell, ProposeError, StartError};
pub use transport::{NoTransport, Transport};

/// Raft group id of the metadata group, which contains the queue catalog.
pub const METADATA_GROUP_ID: u64 = 0;

#[cfg(test)]
mod tests;

//! SQS queue semantics as deterministic state machines.
//!
//! Two machines live here, each applied from a Raft log:
//! - [`Catalog`]: the queue catalog of the metadata group (names, attributes,
//!   tags, the Raft group of each partition).
//! - [`Partition`]: the messages of one queue partition and their receipt state.
//!
//! Architecture invariant: no I/O and no clock. Message records go through
//! the [`MessageStore`] trait, which a node implements over RocksDB. Time arrives as `now_ms`, the
//! wall-clock milliseconds that the Raft leader stamped on the entry when it
//! proposed it, so every replica that applies the same log reaches the same
//! state.

mod catalog;
mod error;
mod expiring;
mod move_tasks;
mod partition;
mod placement;
mod receipt;
mod store;

pub use catalog::{Catalog, CatalogCommand, CatalogOutcome, QueueKey, QueueMeta};
pub use error::QueueError;
pub use move_tasks::{MoveTask, MoveTaskStatus, MOVE_TASKS_PER_SOURCE_MAX};
pub use partition::{
    Counts, DeadLetter, DeleteOutcome, MessageView, NewMessage, Partition, PartitionCommand,
    PartitionOutcome, ReceiveRequest, SendOutcome, VisibilityChange,
};
pub use placement::place_partitions;
pub use receipt::ReceiptHandle;
pub use store::{MemoryStore, MessageStore, StoredMessage};

/// Milliseconds since the Unix epoch, as stamped by the Raft leader.
pub type TimestampMs = u64;

/// How long a FIFO queue remembers a deduplication id or a receive attempt id.
pub const DEDUPLICATION_INTERVAL_MS: u64 = 5 * 60 * 1000;

/// How long after a purge another PurgeQueue is rejected.
pub const PURGE_INTERVAL_MS: u64 = 60 * 1000;

/// How long after DeleteQueue a queue of the same name cannot be created.
pub const QUEUE_RECREATE_DELAY_MS: u64 = 60 * 1000;

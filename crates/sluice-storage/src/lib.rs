//! Durable storage of one Sluice node: a single RocksDB instance holding, for
//! every Raft group on the node, its log, its hard state, the latest
//! snapshot of its state machine and, for partition groups, the records of
//! the stored messages.
//!
//! Architecture invariants:
//! - Every record is framed as `crc32 (4 bytes, big endian) | payload`; the
//!   crc is computed before the write and checked on every read. A mismatch is
//!   [`StorageError::Corrupt`], never a skipped record.
//! - Keys start with the Raft group id (8 bytes, big endian), so one group's
//!   records are contiguous and a group can be dropped with a range delete.
//! - Nothing here knows about SQS or HTTP.

mod group;
mod messages;
mod record;
mod store;

pub use group::GroupStorage;
pub use messages::MessageRecords;
pub use store::{LogBatch, NodeStore, SnapshotRecord};

use thiserror::Error;

/// A storage failure. Corruption is reported with the column family and key.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("rocksdb: {0}")]
    RocksDb(#[from] rocksdb::Error),
    #[error("corrupt record in column family {column_family} at key {key}: {reason}")]
    Corrupt { column_family: &'static str, key: String, reason: String },
}

impl From<StorageError> for raft::Error {
    fn from(error: StorageError) -> Self {
        raft::Error::Store(raft::StorageError::Other(Box::new(error)))
    }
}

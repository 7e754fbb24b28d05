//! Storage of the contents of a partition's messages.
//!
//! A partition holds only an index in memory; bodies and attributes go to a
//! [`MessageStore`]: RocksDB on a node, a map in tests. A record is written
//! once, when its message is stored, and never changed, so writing it again
//! while replaying the log is harmless.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::partition::NewMessage;
use crate::TimestampMs;

/// The unchanging part of a stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub message: NewMessage,
    pub sent_ms: TimestampMs,
    /// For a message moved here from a dead-letter source: the source queue's ARN.
    pub source_arn: Option<String>,
}

impl StoredMessage {
    pub fn encode(&self) -> Vec<u8> {
        bincode::serialize(self).expect("encoding a stored message cannot fail")
    }

    pub fn decode(bytes: &[u8]) -> Result<StoredMessage, String> {
        bincode::deserialize(bytes).map_err(|error| format!("stored message: {error}"))
    }
}

/// Message records of one partition, by sequence number.
///
/// Writes may be buffered until [`MessageStore::flush`], but `get` must see
/// them at once: a receive can follow the send it reads in the same batch
/// of applied entries.
pub trait MessageStore: Send + Sync {
    /// Reads the record of `sequence`: `None` if there is none or it cannot be read.
    fn get(&self, sequence: u64) -> Option<StoredMessage>;
    fn put(&mut self, sequence: u64, message: &StoredMessage);
    fn delete(&mut self, sequence: u64);
    /// Deletes every record with a sequence in `from..to`.
    fn delete_range(&mut self, from: u64, to: u64);
    /// Writes what the calls above buffered. An error stops the node: the
    /// command was applied in memory but not stored.
    fn flush(&mut self) -> Result<(), String>;
}

/// A [`MessageStore`] in memory, for tests and tools.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStore {
    records: BTreeMap<u64, StoredMessage>,
}

impl MemoryStore {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl MessageStore for MemoryStore {
    fn get(&self, sequence: u64) -> Option<StoredMessage> {
        self.records.get(&sequence).cloned()
    }

    fn put(&mut self, sequence: u64, message: &StoredMessage) {
        self.records.insert(sequence, message.clone());
    }

    fn delete(&mut self, sequence: u64) {
        self.records.remove(&sequence);
    }

    fn delete_range(&mut self, from: u64, to: u64) {
        if from >= to {
            return;
        }
        let mut kept = self.records.split_off(&from);
        let mut after = kept.split_off(&to);
        self.records.append(&mut after);
    }

    fn flush(&mut self) -> Result<(), String> {
        Ok(())
    }
}

//! The partition state machine's [`MessageStore`] over the node's RocksDB.

use sluice_queue::{MessageStore, StoredMessage};
use sluice_storage::MessageRecords;
use tracing::error;

pub(crate) struct RocksMessageStore {
    records: MessageRecords,
}

impl RocksMessageStore {
    pub(crate) fn new(records: MessageRecords) -> RocksMessageStore {
        RocksMessageStore { records }
    }
}

impl MessageStore for RocksMessageStore {
    fn get(&self, sequence: u64) -> Option<StoredMessage> {
        let payload = match self.records.get(sequence) {
            Ok(payload) => payload?,
            Err(error) => {
                error!(sequence, %error, "cannot read a message record");
                return None;
            }
        };
        match StoredMessage::decode(&payload) {
            Ok(stored) => Some(stored),
            Err(reason) => {
                error!(sequence, %reason, "cannot decode a message record");
                None
            }
        }
    }

    fn put(&mut self, sequence: u64, message: &StoredMessage) {
        self.records.put(sequence, &message.encode());
    }

    fn delete(&mut self, sequence: u64) {
        self.records.delete(sequence);
    }

    fn delete_range(&mut self, from: u64, to: u64) {
        self.records.delete_range(from, to);
    }

    fn flush(&mut self) -> Result<(), String> {
        self.records.flush().map_err(|error| error.to_string())
    }
}

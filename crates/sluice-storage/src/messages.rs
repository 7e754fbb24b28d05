//! Message records of partition groups, in the `messages` column family.
//!
//! The partition state machine writes a record when it stores a message and
//! deletes it when the message goes. Writes are buffered, readable at once,
//! and written with one unsynced write per apply step. Their WAL records
//! reach the disk with the next fsynced log write. Anything lost in a crash
//! is written again when the log is replayed from the last snapshot.

use std::collections::HashMap;
use std::sync::Arc;

use rocksdb::{WriteBatch, WriteOptions, DB};

use crate::record::{self, CF_MESSAGES};
use crate::StorageError;

/// One group's message records, with a buffer of writes not yet in RocksDB.
///
/// Puts go through `&mut self` on the Raft thread; gateway threads read
/// through `&self` under the partition's lock, so the buffer needs no lock of
/// its own.
pub struct MessageRecords {
    group_id: u64,
    db: Arc<DB>,
    /// Framed records put, or `None` for deleted, by sequence.
    pending: HashMap<u64, Option<Vec<u8>>>,
    /// Ranges deleted, `from..to`. A later put in such a range is in `pending`.
    deleted_ranges: Vec<(u64, u64)>,
}

impl MessageRecords {
    pub(crate) fn new(group_id: u64, db: Arc<DB>) -> MessageRecords {
        MessageRecords { group_id, db, pending: HashMap::new(), deleted_ranges: Vec::new() }
    }

    /// Reads the payload of the record of `sequence`, checked against its crc32.
    pub fn get(&self, sequence: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let key = record::message_key(self.group_id, sequence);
        if let Some(framed) = self.pending.get(&sequence) {
            return match framed {
                Some(framed) => Ok(Some(record::unframe(CF_MESSAGES, &key, framed)?.to_vec())),
                None => Ok(None),
            };
        }
        if self.deleted_ranges.iter().any(|&(from, to)| (from..to).contains(&sequence)) {
            return Ok(None);
        }
        let Some(raw) = self.db.get_pinned_cf(self.cf(), key)? else {
            return Ok(None);
        };
        Ok(Some(record::unframe(CF_MESSAGES, &key, &raw)?.to_vec()))
    }

    pub fn put(&mut self, sequence: u64, payload: &[u8]) {
        self.pending.insert(sequence, Some(record::frame(payload)));
    }

    pub fn delete(&mut self, sequence: u64) {
        self.pending.insert(sequence, None);
    }

    /// Deletes the records of the sequences `from..to`.
    pub fn delete_range(&mut self, from: u64, to: u64) {
        if from >= to {
            return;
        }
        if to - from == 1 {
            return self.delete(from);
        }
        self.pending.retain(|sequence, _| !(from..to).contains(sequence));
        self.deleted_ranges.push((from, to));
    }

    /// Writes the buffered changes with one write, without waiting for an
    /// fsync. Range deletes go first: every put or delete in `pending` came
    /// after the range deletes that cover it.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        if self.pending.is_empty() && self.deleted_ranges.is_empty() {
            return Ok(());
        }
        let cf = self.db.cf_handle(CF_MESSAGES).expect("messages column family must exist");
        let mut batch = WriteBatch::default();
        for (from, to) in self.deleted_ranges.drain(..) {
            let (start, end) = (record::message_key(self.group_id, from), record::message_key(self.group_id, to));
            batch.delete_range_cf(cf, start, end);
        }
        for (sequence, framed) in self.pending.drain() {
            let key = record::message_key(self.group_id, sequence);
            match framed {
                Some(framed) => batch.put_cf(cf, key, framed),
                None => batch.delete_cf(cf, key),
            }
        }
        let mut options = WriteOptions::default();
        options.set_sync(false);
        self.db.write_opt(batch, &options)?;
        Ok(())
    }

    fn cf(&self) -> &rocksdb::ColumnFamily {
        self.db.cf_handle(CF_MESSAGES).expect("messages column family must exist")
    }
}

/// Encodes the data of a Raft snapshot: the state machine's own snapshot
/// (`state`) and every message record of the group, read now.
///
/// The records may be newer than `state`. That is fine: the receiver replays
/// the log from the snapshot's index, and every record write in the log is a
/// put of an unchanging record or a delete.
pub(crate) fn encode_snapshot(db: &DB, group_id: u64, state: &[u8]) -> Result<Vec<u8>, StorageError> {
    let mut data = Vec::with_capacity(8 + state.len());
    data.extend_from_slice(&(state.len() as u64).to_be_bytes());
    data.extend_from_slice(state);
    let cf = db.cf_handle(CF_MESSAGES).expect("messages column family must exist");
    let mut iterator = db.raw_iterator_cf(cf);
    iterator.seek(record::group_key(group_id));
    while iterator.valid() {
        let (key, value) = (iterator.key().expect("valid"), iterator.value().expect("valid"));
        if key.len() != 16 || key[..8] != group_id.to_be_bytes() {
            break;
        }
        record::unframe(CF_MESSAGES, key, value)?;
        data.extend_from_slice(&key[8..]);
        data.extend_from_slice(&(value.len() as u32).to_be_bytes());
        data.extend_from_slice(value);
        iterator.next();
    }
    iterator.status()?;
    Ok(data)
}

/// Splits the data of a Raft snapshot into the state machine's snapshot and
/// the framed records by sequence.
pub(crate) fn decode_snapshot(data: &[u8]) -> Result<(&[u8], Vec<(u64, &[u8])>), String> {
    let take = |at: usize, len: usize| data.get(at..at + len).ok_or_else(|| format!("snapshot data truncated at byte {at}"));
    let state_len = u64::from_be_bytes(take(0, 8)?.try_into().expect("8 bytes")) as usize;
    let state = take(8, state_len)?;
    let mut records = Vec::new();
    let mut at = 8 + state_len;
    while at < data.len() {
        let sequence = u64::from_be_bytes(take(at, 8)?.try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(take(at + 8, 4)?.try_into().expect("4 bytes")) as usize;
        records.push((sequence, take(at + 12, len)?));
        at += 12 + len;
    }
    Ok((state, records))
}

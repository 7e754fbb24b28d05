//! The node's RocksDB instance and the write batch that persists all Raft
//! groups' log entries and hard states with one fsync (group commit).

use std::path::Path;
use std::sync::{Arc, RwLock};

use protobuf::Message as _;
use raft::prelude::{ConfState, Entry, HardState};
use rocksdb::{BlockBasedOptions, Cache, ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB};

use crate::group::{GroupState, GroupStorage};
use crate::messages::MessageRecords;
use crate::record::{self, CF_LOG, CF_MESSAGES, CF_RAFT_STATE, CF_STATE_MACHINE, CONF_STATE_KIND, HARD_STATE_KIND};
use crate::StorageError;

/// A state-machine snapshot of one group at an applied log index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRecord {
    pub index: u64,
    pub term: u64,
    pub voters: Vec<u64>,
    /// The state machine, serialized by its owner.
    pub data: Vec<u8>,
}

impl SnapshotRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(20 + 8 * self.voters.len() + self.data.len());
        bytes.extend_from_slice(&self.index.to_be_bytes());
        bytes.extend_from_slice(&self.term.to_be_bytes());
        bytes.extend_from_slice(&(self.voters.len() as u32).to_be_bytes());
        for voter in &self.voters {
            bytes.extend_from_slice(&voter.to_be_bytes());
        }
        bytes.extend_from_slice(&self.data);
        bytes
    }

    pub(crate) fn decode(key: &[u8], bytes: &[u8]) -> Result<SnapshotRecord, StorageError> {
        let corrupt = |reason: &str| StorageError::Corrupt {
            column_family: CF_STATE_MACHINE,
            key: record::hex(key),
            reason: reason.to_string(),
        };
        let read_u64 = |at: usize| -> Result<u64, StorageError> {
            let slice = bytes.get(at..at + 8).ok_or_else(|| corrupt("snapshot header truncated"))?;
            Ok(u64::from_be_bytes(slice.try_into().expect("8 bytes")))
        };
        let index = read_u64(0)?;
        let term = read_u64(8)?;
        let count_bytes = bytes.get(16..20).ok_or_else(|| corrupt("snapshot header truncated"))?;
        let voter_count = u32::from_be_bytes(count_bytes.try_into().expect("4 bytes")) as usize;
        let voters = (0..voter_count).map(|i| read_u64(20 + 8 * i)).collect::<Result<Vec<_>, _>>()?;
        let data = bytes[20 + 8 * voter_count..].to_vec();
        Ok(SnapshotRecord { index, term, voters, data })
    }
}

/// The block cache shared by every column family. Index and filter blocks
/// live in it too, so the memory that RocksDB needs to read a large backlog
/// is bounded by this and the memtables.
const BLOCK_CACHE_BYTES: usize = 32 << 20;

fn column_family_options(cache: &Cache) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    table.set_block_size(16 << 10);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut options = Options::default();
    options.set_block_based_table_factory(&table);
    // Most records are deleted soon after they are written, so only the
    // bottom level, where a backlog settles, is worth compressing.
    options.set_compression_type(rocksdb::DBCompressionType::None);
    options.set_bottommost_compression_type(rocksdb::DBCompressionType::Lz4);
    // The WAL is fsynced by every group-commit write, so the memtables can
    // stay large and flush rarely.
    options.set_write_buffer_size(32 << 20);
    options
}

/// The node's single RocksDB instance, shared by every Raft group.
#[derive(Clone)]
pub struct NodeStore {
    db: Arc<DB>,
}

impl NodeStore {
    /// Opens (or creates) the store under `path`.
    pub fn open(path: &Path) -> Result<NodeStore, StorageError> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        // All memtables together stay under this, whatever the number of
        // column families, so memory does not grow with the backlog.
        options.set_db_write_buffer_size(80 << 20);
        options.set_max_background_jobs(2);
        // Flushes and compactions hand their pages to the disk every MiB
        // instead of leaving a large amount of dirty page cache, which the
        // kernel would otherwise write back all at once, in front of the
        // WAL's next fsync.
        options.set_bytes_per_sync(1 << 20);
        // The small column families (Raft state, snapshots) fill their
        // memtables slowly and would keep every WAL file alive meanwhile.
        // Past this total RocksDB flushes them, so the WAL that a restart
        // replays into memory stays small.
        options.set_max_total_wal_size(256 << 20);
        // A memtable switch starts a new WAL file. Reusing old files instead
        // of creating them keeps the fsync after a switch as fast as any other.
        options.set_recycle_log_file_num(4);
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        let families = [CF_LOG, CF_RAFT_STATE, CF_STATE_MACHINE, CF_MESSAGES]
            .into_iter()
            .map(|name| ColumnFamilyDescriptor::new(name, column_family_options(&cache)));
        let db = DB::open_cf_descriptors(&options, path, families)?;
        Ok(NodeStore { db: Arc::new(db) })
    }

    /// Loads the storage of one Raft group, empty if the group is new.
    pub fn group(&self, group_id: u64) -> Result<GroupStorage, StorageError> {
        let hard_state: HardState = self
            .read_proto(CF_RAFT_STATE, &record::state_key(group_id, HARD_STATE_KIND))?
            .unwrap_or_default();
        let conf_state: ConfState = self
            .read_proto(CF_RAFT_STATE, &record::state_key(group_id, CONF_STATE_KIND))?
            .unwrap_or_default();
        let snapshot = self.load_snapshot(group_id)?;
        let (snapshot_index, snapshot_term) = snapshot.as_ref().map_or((0, 0), |s| (s.index, s.term));
        let last_index = self.last_log_index(group_id)?.unwrap_or(snapshot_index).max(snapshot_index);
        let state = GroupState { hard_state, conf_state, snapshot_index, snapshot_term, last_index };
        Ok(GroupStorage::new(group_id, self.db.clone(), Arc::new(RwLock::new(state))))
    }

    /// Makes `voters` the first configuration of a new group, durably.
    pub fn bootstrap(&self, group: &GroupStorage, voters: &[u64]) -> Result<(), StorageError> {
        let mut conf_state = ConfState::default();
        conf_state.set_voters(voters.to_vec());
        let mut batch = self.batch();
        batch.set_conf_state(group, &conf_state);
        self.write(batch, true)
    }

    /// Opens the message records of a partition group.
    pub fn message_records(&self, group_id: u64) -> MessageRecords {
        MessageRecords::new(group_id, self.db.clone())
    }

    pub fn batch(&self) -> LogBatch {
        LogBatch { batch: WriteBatch::default(), updates: Vec::new(), db: self.db.clone() }
    }

    /// Writes a batch; with `sync`, returns only after the WAL is fsynced.
    pub fn write(&self, batch: LogBatch, sync: bool) -> Result<(), StorageError> {
        let mut options = WriteOptions::default();
        options.set_sync(sync);
        self.db.write_opt(batch.batch, &options)?;
        for (state, update) in batch.updates {
            let mut state = state.write().expect("group state lock poisoned");
            match update {
                Update::LastIndex(index) => state.last_index = index,
                Update::HardState(hard_state) => state.hard_state = hard_state,
                Update::ConfState(conf_state) => state.conf_state = conf_state,
            }
        }
        Ok(())
    }

    /// Stores a snapshot of a group's state machine and removes the log
    /// entries it covers, with one fsynced write.
    pub fn save_snapshot(&self, group: &GroupStorage, snapshot: &SnapshotRecord) -> Result<(), StorageError> {
        let group_id = group.group_id();
        let mut batch = WriteBatch::default();
        let cf_state = self.cf(CF_STATE_MACHINE);
        batch.put_cf(cf_state, record::group_key(group_id), record::frame(&snapshot.encode()));
        let cf_log = self.cf(CF_LOG);
        batch.delete_range_cf(cf_log, record::log_key(group_id, 0), record::log_key(group_id, snapshot.index + 1));
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        group.compacted_to(snapshot.index, snapshot.term);
        Ok(())
    }

    /// Installs a snapshot received from a leader: stores the state machine's
    /// part, replaces the group's message records and configuration and
    /// drops its whole log, with one fsynced write. `snapshot.data` is the
    /// snapshot's data as the leader's storage encoded it; the stored record
    /// keeps only the state machine's part, which is returned.
    pub fn install_snapshot(&self, group: &GroupStorage, snapshot: &SnapshotRecord) -> Result<Vec<u8>, StorageError> {
        let group_id = group.group_id();
        let key = record::group_key(group_id);
        let (state, records) = crate::messages::decode_snapshot(&snapshot.data)
            .map_err(|reason| StorageError::Corrupt { column_family: CF_STATE_MACHINE, key: record::hex(&key), reason })?;
        let stored = SnapshotRecord { data: state.to_vec(), ..snapshot.clone() };
        let mut conf_state = ConfState::default();
        conf_state.set_voters(snapshot.voters.clone());
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_STATE_MACHINE), key, record::frame(&stored.encode()));
        let conf_payload = conf_state.write_to_bytes().expect("encoding a conf state cannot fail");
        batch.put_cf(self.cf(CF_RAFT_STATE), record::state_key(group_id, CONF_STATE_KIND), record::frame(&conf_payload));
        batch.delete_range_cf(self.cf(CF_LOG), record::log_key(group_id, 0), record::log_key(group_id, u64::MAX));
        let cf_messages = self.cf(CF_MESSAGES);
        batch.delete_range_cf(cf_messages, record::group_key(group_id), record::group_key(group_id + 1));
        for (sequence, framed) in records {
            let record_key = record::message_key(group_id, sequence);
            record::unframe(CF_MESSAGES, &record_key, framed)?;
            batch.put_cf(cf_messages, record_key, framed);
        }
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        group.installed_snapshot(snapshot.index, snapshot.term, conf_state);
        Ok(stored.data)
    }

    pub fn load_snapshot(&self, group_id: u64) -> Result<Option<SnapshotRecord>, StorageError> {
        let key = record::group_key(group_id);
        let Some(raw) = self.db.get_pinned_cf(self.cf(CF_STATE_MACHINE), key)? else {
            return Ok(None);
        };
        let payload = record::unframe(CF_STATE_MACHINE, &key, &raw)?;
        SnapshotRecord::decode(&key, payload).map(Some)
    }

    /// Removes every record of a group, durably.
    pub fn drop_group(&self, group_id: u64) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        let (from, to) = (record::group_key(group_id), record::group_key(group_id + 1));
        for name in [CF_LOG, CF_RAFT_STATE, CF_STATE_MACHINE, CF_MESSAGES] {
            batch.delete_range_cf(self.cf(name), from, to);
        }
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        Ok(())
    }

    fn last_log_index(&self, group_id: u64) -> Result<Option<u64>, StorageError> {
        let mut iterator = self.db.raw_iterator_cf(self.cf(CF_LOG));
        iterator.seek_for_prev(record::log_key(group_id, u64::MAX));
        if !iterator.valid() {
            iterator.status()?;
            return Ok(None);
        }
        let key = iterator.key().expect("valid iterator has a key");
        if key.len() != 16 || key[..8] != group_id.to_be_bytes() {
            return Ok(None);
        }
        Ok(Some(u64::from_be_bytes(key[8..].try_into().expect("16-byte key"))))
    }

    fn read_proto<M: protobuf::Message>(&self, name: &'static str, key: &[u8]) -> Result<Option<M>, StorageError> {
        let Some(raw) = self.db.get_pinned_cf(self.cf(name), key)? else {
            return Ok(None);
        };
        let payload = record::unframe(name, key, &raw)?;
        let message = M::parse_from_bytes(payload).map_err(|error| StorageError::Corrupt {
            column_family: name,
            key: record::hex(key),
            reason: format!("protobuf decode failed: {error}"),
        })?;
        Ok(Some(message))
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        self.db.cf_handle(name).unwrap_or_else(|| panic!("column family {name} must exist"))
    }
}

enum Update {
    LastIndex(u64),
    HardState(HardState),
    ConfState(ConfState),
}

/// Log entries and Raft states of any number of groups, written together by
/// [`NodeStore::write`]. The groups' cached indexes change only after the
/// write succeeds.
pub struct LogBatch {
    batch: WriteBatch,
    updates: Vec<(Arc<RwLock<GroupState>>, Update)>,
    db: Arc<DB>,
}

impl LogBatch {
    /// Appends entries to a group's log, replacing any conflicting suffix.
    pub fn append(&mut self, group: &GroupStorage, entries: &[Entry]) {
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return;
        };
        let group_id = group.group_id();
        let cf = self.db.cf_handle(CF_LOG).expect("raft_log column family must exist");
        let old_last = group.cached_last_index();
        if first.index <= old_last {
            self.batch.delete_range_cf(cf, record::log_key(group_id, first.index), record::log_key(group_id, old_last + 1));
        }
        for entry in entries {
            let payload = entry.write_to_bytes().expect("encoding a raft entry cannot fail");
            self.batch.put_cf(cf, record::log_key(group_id, entry.index), record::frame(&payload));
        }
        self.updates.push((group.shared_state(), Update::LastIndex(last.index)));
    }

    pub fn set_hard_state(&mut self, group: &GroupStorage, hard_state: &HardState) {
        let cf = self.db.cf_handle(CF_RAFT_STATE).expect("raft_state column family must exist");
        let payload = hard_state.write_to_bytes().expect("encoding a hard state cannot fail");
        self.batch.put_cf(cf, record::state_key(group.group_id(), HARD_STATE_KIND), record::frame(&payload));
        self.updates.push((group.shared_state(), Update::HardState(hard_state.clone())));
    }

    pub fn set_conf_state(&mut self, group: &GroupStorage, conf_state: &ConfState) {
        let cf = self.db.cf_handle(CF_RAFT_STATE).expect("raft_state column family must exist");
        let payload = conf_state.write_to_bytes().expect("encoding a conf state cannot fail");
        self.batch.put_cf(cf, record::state_key(group.group_id(), CONF_STATE_KIND), record::frame(&payload));
        self.updates.push((group.shared_state(), Update::ConfState(conf_state.clone())));
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }
}

//! One Raft group's view of the node store, implementing `raft::Storage`.

use std::sync::{Arc, RwLock};

use protobuf::Message as _;
use raft::prelude::{ConfState, Entry, HardState, Snapshot};
use raft::{GetEntriesContext, RaftState, Storage};
use rocksdb::DB;

use crate::record::{self, CF_LOG, CF_STATE_MACHINE};
use crate::{SnapshotRecord, StorageError};

/// What a group keeps in memory about its durable state. Changed only after
/// the write that makes the change durable.
#[derive(Debug, Default)]
pub(crate) struct GroupState {
    pub hard_state: HardState,
    pub conf_state: ConfState,
    /// Index and term of the last entry covered by the stored snapshot.
    pub snapshot_index: u64,
    pub snapshot_term: u64,
    pub last_index: u64,
}

/// A cheap handle on one group's log; clones share the same cached state.
#[derive(Clone)]
pub struct GroupStorage {
    group_id: u64,
    db: Arc<DB>,
    state: Arc<RwLock<GroupState>>,
}

impl GroupStorage {
    pub(crate) fn new(group_id: u64, db: Arc<DB>, state: Arc<RwLock<GroupState>>) -> GroupStorage {
        GroupStorage { group_id, db, state }
    }

    pub fn group_id(&self) -> u64 {
        self.group_id
    }

    pub(crate) fn shared_state(&self) -> Arc<RwLock<GroupState>> {
        self.state.clone()
    }

    pub(crate) fn cached_last_index(&self) -> u64 {
        self.read_state().last_index
    }

    pub(crate) fn compacted_to(&self, index: u64, term: u64) {
        let mut state = self.state.write().expect("group state lock poisoned");
        state.snapshot_index = index;
        state.snapshot_term = term;
        state.last_index = state.last_index.max(index);
    }

    pub(crate) fn installed_snapshot(&self, index: u64, term: u64, conf_state: ConfState) {
        let mut state = self.state.write().expect("group state lock poisoned");
        state.snapshot_index = index;
        state.snapshot_term = term;
        state.last_index = index;
        state.conf_state = conf_state;
        state.hard_state.commit = state.hard_state.commit.max(index);
        state.hard_state.term = state.hard_state.term.max(term);
    }

    /// Index of the last entry covered by the stored snapshot (0 if none).
    pub fn snapshot_index(&self) -> u64 {
        self.read_state().snapshot_index
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, GroupState> {
        self.state.read().expect("group state lock poisoned")
    }

    fn read_entry(&self, index: u64) -> Result<Entry, StorageError> {
        let key = record::log_key(self.group_id, index);
        let cf = self.db.cf_handle(CF_LOG).expect("raft_log column family must exist");
        let raw = self.db.get_pinned_cf(cf, key)?.ok_or_else(|| StorageError::Corrupt {
            column_family: CF_LOG,
            key: record::hex(&key),
            reason: format!("entry {index} of group {} is missing from the log", self.group_id),
        })?;
        decode_entry(&key, &raw)
    }
}

fn decode_entry(key: &[u8], raw: &[u8]) -> Result<Entry, StorageError> {
    let payload = record::unframe(CF_LOG, key, raw)?;
    Entry::parse_from_bytes(payload).map_err(|error| StorageError::Corrupt {
        column_family: CF_LOG,
        key: record::hex(key),
        reason: format!("protobuf decode failed: {error}"),
    })
}

impl Storage for GroupStorage {
    fn initial_state(&self) -> raft::Result<RaftState> {
        let state = self.read_state();
        Ok(RaftState::new(state.hard_state.clone(), state.conf_state.clone()))
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        let max_size = max_size.into().unwrap_or(u64::MAX);
        let (first, last) = {
            let state = self.read_state();
            (state.snapshot_index + 1, state.last_index)
        };
        if low < first {
            return Err(raft::Error::Store(raft::StorageError::Compacted));
        }
        assert!(high <= last + 1, "entries({low}, {high}) past last index {last} of group {}", self.group_id);

        let cf = self.db.cf_handle(CF_LOG).expect("raft_log column family must exist");
        let mut iterator = self.db.raw_iterator_cf(cf);
        iterator.seek(record::log_key(self.group_id, low));
        let mut entries = Vec::with_capacity((high - low) as usize);
        let mut size = 0u64;
        for expected_index in low..high {
            if !iterator.valid() {
                iterator.status().map_err(StorageError::from)?;
                break;
            }
            let key = iterator.key().expect("valid iterator has a key");
            let entry = decode_entry(key, iterator.value().expect("valid iterator has a value"))?;
            if entry.index != expected_index {
                let reason = format!("expected entry {expected_index}, found {}", entry.index);
                let error = StorageError::Corrupt { column_family: CF_LOG, key: record::hex(key), reason };
                return Err(error.into());
            }
            size += u64::from(entry.compute_size());
            if !entries.is_empty() && size > max_size {
                break;
            }
            entries.push(entry);
            iterator.next();
        }
        if entries.len() as u64 != high - low && size <= max_size {
            let reason = format!("log of group {} ends before index {high}", self.group_id);
            let key = record::hex(&record::log_key(self.group_id, low));
            return Err(StorageError::Corrupt { column_family: CF_LOG, key, reason }.into());
        }
        Ok(entries)
    }

    fn term(&self, index: u64) -> raft::Result<u64> {
        let (snapshot_index, snapshot_term, last_index) = {
            let state = self.read_state();
            (state.snapshot_index, state.snapshot_term, state.last_index)
        };
        if index == snapshot_index {
            return Ok(snapshot_term);
        }
        if index < snapshot_index {
            return Err(raft::Error::Store(raft::StorageError::Compacted));
        }
        if index > last_index {
            return Err(raft::Error::Store(raft::StorageError::Unavailable));
        }
        Ok(self.read_entry(index)?.term)
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.read_state().snapshot_index + 1)
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.read_state().last_index)
    }

    /// Returns the stored state-machine snapshot with the group's message
    /// records, for a follower that is behind the truncated log.
    fn snapshot(&self, request_index: u64, _to: u64) -> raft::Result<Snapshot> {
        let key = record::group_key(self.group_id);
        let cf = self.db.cf_handle(CF_STATE_MACHINE).expect("state_machine column family must exist");
        let raw = self.db.get_pinned_cf(cf, key).map_err(StorageError::from)?;
        let Some(raw) = raw else {
            return Err(raft::Error::Store(raft::StorageError::SnapshotTemporarilyUnavailable));
        };
        let stored = SnapshotRecord::decode(&key, record::unframe(CF_STATE_MACHINE, &key, &raw)?)?;
        if stored.index < request_index {
            return Err(raft::Error::Store(raft::StorageError::SnapshotTemporarilyUnavailable));
        }
        let data = crate::messages::encode_snapshot(&self.db, self.group_id, &stored.data)?;
        let mut snapshot = Snapshot { data: data.into(), ..Default::default() };
        let metadata = snapshot.mut_metadata();
        metadata.index = stored.index;
        metadata.term = stored.term;
        metadata.mut_conf_state().set_voters(stored.voters);
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NodeStore, SnapshotRecord};

    fn entry(index: u64, term: u64) -> Entry {
        Entry { index, term, data: format!("entry {index}").into_bytes().into(), ..Default::default() }
    }

    fn append(store: &NodeStore, group: &GroupStorage, entries: &[Entry]) {
        let mut batch = store.batch();
        batch.append(group, entries);
        store.write(batch, true).unwrap();
    }

    #[test]
    fn log_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = NodeStore::open(dir.path()).unwrap();
            let group = store.group(5).unwrap();
            store.bootstrap(&group, &[1]).unwrap();
            append(&store, &group, &[entry(1, 1), entry(2, 1), entry(3, 2)]);
            let mut batch = store.batch();
            let hard_state = HardState { term: 2, commit: 3, ..Default::default() };
            batch.set_hard_state(&group, &hard_state);
            store.write(batch, true).unwrap();
        }
        let store = NodeStore::open(dir.path()).unwrap();
        let group = store.group(5).unwrap();
        let state = group.initial_state().unwrap();
        assert_eq!(state.hard_state.commit, 3);
        assert_eq!(state.conf_state.voters, vec![1]);
        assert_eq!(group.last_index().unwrap(), 3);
        assert_eq!(group.term(3).unwrap(), 2);
        let entries = group.entries(1, 4, None, GetEntriesContext::empty(false)).unwrap();
        assert_eq!(entries.iter().map(|e| e.index).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(store.group(6).unwrap().last_index().unwrap(), 0, "groups do not see each other");
    }

    #[test]
    fn conflicting_suffix_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(dir.path()).unwrap();
        let group = store.group(1).unwrap();
        append(&store, &group, &[entry(1, 1), entry(2, 1), entry(3, 1)]);
        append(&store, &group, &[entry(2, 2)]);
        assert_eq!(group.last_index().unwrap(), 2);
        assert_eq!(group.term(2).unwrap(), 2);
        let reopened = store.group(1).unwrap();
        assert_eq!(reopened.last_index().unwrap(), 2, "the replaced suffix is gone on disk too");
    }

    #[test]
    fn snapshot_compacts_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(dir.path()).unwrap();
        let group = store.group(1).unwrap();
        append(&store, &group, &[entry(1, 1), entry(2, 1), entry(3, 1)]);
        let snapshot = SnapshotRecord { index: 2, term: 1, voters: vec![1], data: b"state".to_vec() };
        store.save_snapshot(&group, &snapshot).unwrap();
        assert_eq!(group.first_index().unwrap(), 3);
        assert!(group.entries(1, 3, None, GetEntriesContext::empty(false)).is_err(), "compacted");
        assert_eq!(store.load_snapshot(1).unwrap(), Some(snapshot));
        let reopened = store.group(1).unwrap();
        assert_eq!(reopened.first_index().unwrap(), 3);
        assert_eq!(reopened.last_index().unwrap(), 3);
    }

    #[test]
    fn snapshot_carries_message_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(dir.path()).unwrap();
        let group = store.group(4).unwrap();
        append(&store, &group, &[entry(1, 1), entry(2, 1)]);
        let mut records = store.message_records(4);
        records.put(7, b"seven");
        records.put(8, b"eight");
        records.put(9, b"nine");
        records.delete(8);
        records.flush().unwrap();
        let mut other_group = store.message_records(5);
        other_group.put(1, b"other group");
        other_group.flush().unwrap();
        let saved = SnapshotRecord { index: 2, term: 1, voters: vec![1, 2], data: b"index".to_vec() };
        store.save_snapshot(&group, &saved).unwrap();
        let snapshot = group.snapshot(2, 2).unwrap();

        let other_dir = tempfile::tempdir().unwrap();
        let other = NodeStore::open(other_dir.path()).unwrap();
        let follower = other.group(4).unwrap();
        let mut stale = other.message_records(4);
        stale.put(3, b"stale");
        stale.flush().unwrap();
        let received = SnapshotRecord { index: 2, term: 1, voters: vec![1, 2], data: snapshot.data.to_vec() };
        let state = other.install_snapshot(&follower, &received).unwrap();
        assert_eq!(state, b"index");
        assert_eq!(other.load_snapshot(4).unwrap().unwrap().data, b"index", "only the state machine's part is stored");
        let installed = other.message_records(4);
        assert_eq!(installed.get(7).unwrap().as_deref(), Some(&b"seven"[..]));
        assert_eq!(installed.get(8).unwrap(), None, "deleted before the snapshot");
        assert_eq!(installed.get(9).unwrap().as_deref(), Some(&b"nine"[..]));
        assert_eq!(installed.get(3).unwrap(), None, "records the leader does not have are dropped");
        assert_eq!(follower.first_index().unwrap(), 3);
    }

    #[test]
    fn pending_record_writes_are_readable() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(dir.path()).unwrap();
        let mut records = store.message_records(2);
        records.put(1, b"one");
        records.flush().unwrap();
        records.put(2, b"two");
        records.put(5, b"five");
        records.delete(1);
        records.delete_range(4, 9);
        assert_eq!(records.get(1).unwrap(), None, "a pending delete hides a stored record");
        assert_eq!(records.get(2).unwrap().as_deref(), Some(&b"two"[..]), "a pending put is readable");
        assert_eq!(records.get(5).unwrap(), None, "a pending range delete hides a pending put");
        assert_eq!(store.message_records(2).get(2).unwrap(), None, "nothing is written before the flush");
        records.flush().unwrap();
        let reread = store.message_records(2);
        assert_eq!(reread.get(1).unwrap(), None);
        assert_eq!(reread.get(2).unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(reread.get(5).unwrap(), None);
    }

    #[test]
    fn corrupt_entry_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(dir.path()).unwrap();
        let group = store.group(1).unwrap();
        append(&store, &group, &[entry(1, 1)]);
        let cf = store_db(&group).cf_handle(CF_LOG).unwrap();
        let mut raw = store_db(&group).get_cf(cf, record::log_key(1, 1)).unwrap().unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 0xff;
        store_db(&group).put_cf(cf, record::log_key(1, 1), raw).unwrap();
        let error = group.entries(1, 2, None, GetEntriesContext::empty(false)).unwrap_err();
        assert!(error.to_string().contains("crc32 mismatch"), "got {error}");
    }

    fn store_db(group: &GroupStorage) -> &DB {
        &group.db
    }
}

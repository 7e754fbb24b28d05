//! The Raft thread: owns every `RawNode` of the node and runs the ready loop.
//!
//! The order inside one iteration is the contract that makes replies safe:
//! 1. Proposals received so far are proposed (stamped with the wall clock).
//! 2. Every group's `Ready` entries and hard state go into ONE write batch,
//!    which is written with fsync. Nothing is sent or applied before that.
//! 3. Messages are sent (a single-voter group has none).
//! 4. Committed entries are applied and the waiting callers get their outcomes.
//!    A caller MUST NEVER get an outcome before its entry is applied.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use raft::prelude::{Entry, EntryType, Message, MessageType, Snapshot};
use raft::{RawNode, SnapshotStatus, StateRole};
use sluice_queue::{Catalog, CatalogOutcome, Partition, QueueError};
use sluice_storage::{GroupStorage, NodeStore, SnapshotRecord, StorageError};
use tokio::sync::oneshot;
use tracing::{debug, error, info, warn};

use crate::envelope::Envelope;
use crate::node::{NodeConfig, PartitionCell, ProposeError, Shared, StartError};
use crate::records::RocksMessageStore;
use crate::{Command, Outcome, Transport, METADATA_GROUP_ID};

/// Requests drained from the channel per loop iteration at most, so that one
/// fsync covers many proposals without starving ticks.
const REQUESTS_PER_ITERATION_MAX: usize = 4_096;
/// Proposals that may wait for a group to elect its leader.
const WAITING_FOR_LEADER_MAX: usize = 16_384;

pub(crate) type Reply = oneshot::Sender<Result<Outcome, ProposeError>>;

pub(crate) type ReadReply = oneshot::Sender<Result<(), ProposeError>>;

pub(crate) enum Request {
    Propose { group_id: u64, command: Command, reply: Reply },
    ReadIndex { group_id: u64, reply: ReadReply },
    Step { group_id: u64, message: Message },
    ReportSnapshot { group_id: u64, to: u64, delivered: bool },
    ReportUnreachable { group_id: u64, to: u64 },
    Shutdown,
}

enum StateMachine {
    Catalog,
    Partition(Arc<PartitionCell>),
}

struct Group {
    raw: RawNode<GroupStorage>,
    storage: GroupStorage,
    state_machine: StateMachine,
    applied_index: u64,
    applied_term: u64,
    /// Commit index found on disk at start; recovery ends when it is applied.
    recovered_commit: u64,
    waiting_for_leader: Vec<(Command, Reply)>,
    /// ReadIndex requests sent to Raft, by context, not yet confirmed.
    reads_unconfirmed: HashMap<u64, ReadReply>,
    /// Confirmed reads that wait for the applied index to reach theirs.
    reads_waiting_apply: Vec<(u64, ReadReply)>,
    leader_id: u64,
}

struct Waiter {
    group_id: u64,
    reply: Reply,
}

pub(crate) struct Driver {
    config: NodeConfig,
    store: NodeStore,
    shared: Arc<Shared>,
    receiver: Receiver<Request>,
    groups: BTreeMap<u64, Group>,
    waiters: HashMap<u64, Waiter>,
    next_proposal_id: u64,
    logger: slog::Logger,
    transport: Box<dyn Transport>,
}

fn wall_clock_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

impl Driver {
    /// Loads the metadata group and every partition group named by its
    /// snapshot. Groups created by log entries after that snapshot are loaded
    /// when those entries are applied again.
    pub fn recover(
        config: NodeConfig,
        store: NodeStore,
        shared: Arc<Shared>,
        receiver: Receiver<Request>,
        transport: Box<dyn Transport>,
    ) -> Result<Driver, StartError> {
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let mut driver = Driver {
            config,
            store,
            shared,
            receiver,
            groups: BTreeMap::new(),
            waiters: HashMap::new(),
            next_proposal_id: 1,
            logger,
            transport,
        };
        let members = driver.config.members.clone();
        driver
            .open_group(METADATA_GROUP_ID, &members)
            .map_err(|reason| StartError::Recovery { group_id: METADATA_GROUP_ID, reason })?;
        driver.open_local_partitions().map_err(|error| StartError::Recovery { group_id: 0, reason: error.to_string() })?;
        info!(node_id = driver.config.node_id, groups = driver.groups.len(), "loaded raft groups from snapshots");
        Ok(driver)
    }

    /// Opens every partition group of the applied catalog that has a replica
    /// on this node and is not open yet.
    fn open_local_partitions(&mut self) -> Result<(), StorageError> {
        let partitions = self.shared.catalog.read().expect("catalog lock poisoned").all_partition_groups();
        for (group_id, replicas) in partitions {
            if replicas.contains(&self.config.node_id) {
                self.open_group(group_id, &replicas).map_err(|reason| StorageError::Corrupt {
                    column_family: "raft_state",
                    key: group_id.to_string(),
                    reason,
                })?;
            }
        }
        Ok(())
    }

    /// Opens a group from the store, bootstrapping it with `voters` if it is
    /// new, and loads its state machine from its snapshot.
    fn open_group(&mut self, group_id: u64, voters: &[u64]) -> Result<(), String> {
        if self.groups.contains_key(&group_id) {
            return Ok(());
        }
        let storage = self.store.group(group_id).map_err(|error| error.to_string())?;
        let initial = raft::Storage::initial_state(&storage).map_err(|error| error.to_string())?;
        let bootstrapped = initial.conf_state.voters.is_empty();
        if bootstrapped {
            self.store.bootstrap(&storage, voters).map_err(|error| error.to_string())?;
        }
        let snapshot = self.store.load_snapshot(group_id).map_err(|error| error.to_string())?;
        let (applied_index, applied_term) = snapshot.as_ref().map_or((0, 0), |s| (s.index, s.term));
        let state_machine = self.load_state_machine(group_id, snapshot.as_ref())?;

        let raft_config = raft::Config {
            id: self.config.node_id,
            election_tick: 10,
            heartbeat_tick: 2,
            applied: applied_index,
            max_size_per_msg: 1 << 20,
            // Bounds the entries handed to one apply step, so a restart that
            // replays a long log does not load all of it into memory at once.
            max_committed_size_per_ready: 16 << 20,
            max_inflight_msgs: 256,
            check_quorum: true,
            pre_vote: true,
            ..Default::default()
        };
        let mut raw = RawNode::new(&raft_config, storage.clone(), &self.logger).map_err(|error| error.to_string())?;
        // A group whose only voter is this node elects itself at once. A new
        // group is first led by its preferred leader, the first voter, which
        // spreads leaders as evenly as placement spread the first voters.
        let single_voter = voters == [self.config.node_id];
        if single_voter || (bootstrapped && voters.first() == Some(&self.config.node_id)) {
            raw.campaign().map_err(|error| error.to_string())?;
        }
        let recovered_commit = raw.raft.raft_log.committed;
        debug!(group_id, applied_index, recovered_commit, ?voters, "opened raft group");
        self.groups.insert(
            group_id,
            Group {
                raw,
                storage,
                state_machine,
                applied_index,
                applied_term,
                recovered_commit,
                waiting_for_leader: Vec::new(),
                reads_unconfirmed: HashMap::new(),
                reads_waiting_apply: Vec::new(),
                leader_id: 0,
            },
        );
        Ok(())
    }

    fn load_state_machine(&self, group_id: u64, snapshot: Option<&SnapshotRecord>) -> Result<StateMachine, String> {
        if group_id == 0 {
            let catalog: Catalog = match snapshot {
                Some(snapshot) => bincode::deserialize(&snapshot.data).map_err(|error| format!("catalog snapshot: {error}"))?,
                None => Catalog::default(),
            };
            *self.shared.catalog.write().expect("catalog lock poisoned") = catalog;
            return Ok(StateMachine::Catalog);
        }
        let store = Box::new(RocksMessageStore::new(self.store.message_records(group_id)));
        let partition = match snapshot {
            Some(snapshot) => Partition::decode_index(&snapshot.data, store)?,
            None => Partition::new(store),
        };
        let cell = Arc::new(PartitionCell::new(partition));
        self.shared.partitions.write().expect("partition map lock poisoned").insert(group_id, cell.clone());
        Ok(StateMachine::Partition(cell))
    }

    /// Runs until shutdown. Reports on `recovered` once every group applied
    /// the entries committed before the start. A storage error stops the node:
    /// continuing could acknowledge writes that are not durable.
    pub fn run(&mut self, recovered: std::sync::mpsc::Sender<Result<(), StartError>>) {
        let mut recovered = Some(recovered);
        let mut last_tick = Instant::now();
        loop {
            let timeout = self.config.tick_interval.saturating_sub(last_tick.elapsed());
            match self.receiver.recv_timeout(timeout.max(Duration::from_millis(1))) {
                Ok(Request::Shutdown) => break,
                Ok(request) => self.handle(request),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.drain_requests() {
                break;
            }
            if last_tick.elapsed() >= self.config.tick_interval {
                for group in self.groups.values_mut() {
                    group.raw.tick();
                }
                last_tick = Instant::now();
            }
            if let Err(error) = self.process_ready() {
                error!(%error, "storage failure in the ready loop; stopping the node");
                std::process::abort();
            }
            self.propose_waiting();
            if recovered.is_some() && self.groups.values().all(|group| group.applied_index >= group.recovered_commit) {
                info!(node_id = self.config.node_id, groups = self.groups.len(), "recovery finished");
                let _ = recovered.take().expect("checked above").send(Ok(()));
            }
        }
        info!(node_id = self.config.node_id, "raft thread stopped");
    }

    /// Handles queued requests; returns true on shutdown.
    fn drain_requests(&mut self) -> bool {
        for _ in 0..REQUESTS_PER_ITERATION_MAX {
            match self.receiver.try_recv() {
                Ok(Request::Shutdown) => return true,
                Ok(request) => self.handle(request),
                Err(_) => break,
            }
        }
        false
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Propose { group_id, command, reply } => self.handle_propose(group_id, command, reply),
            Request::ReadIndex { group_id, reply } => self.handle_read_index(group_id, reply),
            Request::Step { group_id, message } => {
                let Some(group) = self.groups.get_mut(&group_id) else {
                    // A group this node has not opened yet (its catalog entry
                    // is not applied here yet): Raft resends.
                    debug!(group_id, from = message.from, "dropping a message for a group that is not open");
                    return;
                };
                let mut message = message;
                let behind = tolerate_lost_log(group_id, group, &mut message);
                if let Err(error) = group.raw.step(message) {
                    debug!(group_id, %error, "raft rejected a message");
                }
                if let Some(rejection) = behind {
                    self.transport.send(group_id, rejection);
                }
            }
            Request::ReportSnapshot { group_id, to, delivered } => {
                if let Some(group) = self.groups.get_mut(&group_id) {
                    let status = if delivered { SnapshotStatus::Finish } else { SnapshotStatus::Failure };
                    group.raw.report_snapshot(to, status);
                }
            }
            Request::ReportUnreachable { group_id, to } => {
                if let Some(group) = self.groups.get_mut(&group_id) {
                    group.raw.report_unreachable(to);
                }
            }
            Request::Shutdown => {}
        }
    }

    fn handle_propose(&mut self, group_id: u64, command: Command, reply: Reply) {
        let Some(group) = self.groups.get_mut(&group_id) else {
            let _ = reply.send(Err(ProposeError::GroupNotFound(group_id)));
            return;
        };
        if group.raw.raft.state == StateRole::Leader {
            self.propose(group_id, command, reply);
        } else if group.leader_id != 0 {
            let _ = reply.send(Err(ProposeError::NotLeader { leader_id: group.leader_id }));
        } else if group.waiting_for_leader.len() >= WAITING_FOR_LEADER_MAX {
            let _ = reply.send(Err(ProposeError::Overloaded));
        } else {
            group.waiting_for_leader.push((command, reply));
        }
    }

    fn handle_read_index(&mut self, group_id: u64, reply: ReadReply) {
        let Some(group) = self.groups.get_mut(&group_id) else {
            let _ = reply.send(Err(ProposeError::GroupNotFound(group_id)));
            return;
        };
        if group.leader_id == 0 {
            let _ = reply.send(Err(ProposeError::NoLeader));
            return;
        }
        let context = self.next_proposal_id;
        self.next_proposal_id += 1;
        group.raw.read_index(context.to_be_bytes().to_vec());
        group.reads_unconfirmed.insert(context, reply);
    }

    fn propose(&mut self, group_id: u64, command: Command, reply: Reply) {
        if reply.is_closed() {
            return; // the caller gave up before the command was proposed
        }
        let group = self.groups.get_mut(&group_id).expect("caller checked the group");
        let proposal_id = self.next_proposal_id;
        self.next_proposal_id += 1;
        let envelope = Envelope { now_ms: wall_clock_ms(), command };
        let context = proposal_context(self.config.node_id, proposal_id);
        match group.raw.propose(context, envelope.encode()) {
            Ok(()) => {
                self.waiters.insert(proposal_id, Waiter { group_id, reply });
            }
            Err(error) => {
                warn!(group_id, %error, "raft rejected a proposal");
                let _ = reply.send(Err(ProposeError::Dropped));
            }
        }
    }

    /// Proposes what waited for an election once this node won it, and
    /// redirects it once another node did.
    fn propose_waiting(&mut self) {
        for group in self.groups.values_mut() {
            if group.leader_id != 0 && group.raw.raft.state != StateRole::Leader {
                for (_, reply) in group.waiting_for_leader.drain(..) {
                    let _ = reply.send(Err(ProposeError::NotLeader { leader_id: group.leader_id }));
                }
            }
        }
        let ready: Vec<u64> = self
            .groups
            .iter()
            .filter(|(_, group)| group.raw.raft.state == StateRole::Leader && !group.waiting_for_leader.is_empty())
            .map(|(&group_id, _)| group_id)
            .collect();
        for group_id in ready {
            let waiting = std::mem::take(&mut self.groups.get_mut(&group_id).expect("listed above").waiting_for_leader);
            for (command, reply) in waiting {
                // A caller that stopped waiting (its request timed out and may
                // have been retried) must not have its command applied later.
                if !reply.is_closed() {
                    self.propose(group_id, command, reply);
                }
            }
        }
    }

    /// Runs steps 2 to 4 of the loop contract once for every group.
    fn process_ready(&mut self) -> Result<(), StorageError> {
        let mut batch = self.store.batch();
        let mut readies = Vec::new();
        let mut catalog_restored = false;
        let mut lost_leadership = Vec::new();
        for (&group_id, group) in self.groups.iter_mut() {
            if !group.raw.has_ready() {
                continue;
            }
            let mut ready = group.raw.ready();
            if let Some(soft_state) = ready.ss() {
                let (leader_id, role) = (soft_state.leader_id, soft_state.raft_state);
                if note_leader(group_id, group, leader_id, role, &self.shared) {
                    lost_leadership.push(group_id);
                }
            }
            if !ready.snapshot().is_empty() {
                install_snapshot(group_id, group, ready.snapshot(), &self.store, &self.shared)?;
                catalog_restored |= group_id == METADATA_GROUP_ID;
            }
            for read_state in ready.take_read_states() {
                let Ok(context) = <[u8; 8]>::try_from(read_state.request_ctx.as_slice()) else { continue };
                if let Some(reply) = group.reads_unconfirmed.remove(&u64::from_be_bytes(context)) {
                    group.reads_waiting_apply.push((read_state.index, reply));
                }
            }
            batch.append(&group.storage, ready.entries());
            if let Some(hard_state) = ready.hs() {
                batch.set_hard_state(&group.storage, hard_state);
            }
            // A leader's appends to its followers may leave before its own
            // fsync (raft-rs puts only such messages here), so the followers'
            // fsyncs overlap the leader's.
            for message in ready.take_messages() {
                self.transport.send(group_id, message);
            }
            readies.push((group_id, ready));
        }
        if catalog_restored {
            self.open_local_partitions()?;
        }
        for group_id in lost_leadership {
            self.fail_waiters(group_id, ProposeError::Dropped);
        }
        if readies.is_empty() {
            return Ok(());
        }
        if !batch.is_empty() {
            let started = Instant::now();
            self.store.write(batch, true)?;
            note_slow("persisting raft entries with fsync", started);
        }

        let mut commit_updates = self.store.batch();
        let started = Instant::now();
        for (group_id, mut ready) in readies {
            // Votes and acknowledgements go out only now, after the entries and
            // states they describe are durable.
            self.send(group_id, ready.take_persisted_messages());
            let committed = ready.take_committed_entries();
            self.apply(group_id, committed)?;
            let Some(group) = self.groups.get_mut(&group_id) else {
                continue; // the group was removed while applying
            };
            let mut light = group.raw.advance(ready);
            if light.commit_index().is_some() {
                commit_updates.set_hard_state(&group.storage, &group.raw.raft.hard_state());
            }
            let messages = light.take_messages();
            let committed = light.take_committed_entries();
            self.send(group_id, messages);
            self.apply(group_id, committed)?;
            if let Some(group) = self.groups.get_mut(&group_id) {
                group.raw.advance_apply();
                answer_reads(group);
            }
        }
        // The commit index can be recomputed after a crash, so it needs no fsync.
        if !commit_updates.is_empty() {
            self.store.write(commit_updates, false)?;
        }
        note_slow("sending and applying", started);
        Ok(())
    }

    /// Fails every caller waiting on an entry of `group_id` with `error`.
    fn fail_waiters(&mut self, group_id: u64, error: ProposeError) {
        let failed: Vec<u64> =
            self.waiters.iter().filter(|(_, waiter)| waiter.group_id == group_id).map(|(&id, _)| id).collect();
        for proposal_id in failed {
            let waiter = self.waiters.remove(&proposal_id).expect("listed above");
            let _ = waiter.reply.send(Err(error.clone()));
        }
        if let Some(group) = self.groups.get_mut(&group_id) {
            for reply in group.reads_unconfirmed.drain().map(|(_, reply)| reply) {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }

    fn send(&self, group_id: u64, messages: Vec<Message>) {
        for message in messages {
            self.transport.send(group_id, message);
        }
    }

    fn apply(&mut self, group_id: u64, entries: Vec<Entry>) -> Result<(), StorageError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut catalog_effects = Vec::new();
        let mut replies = Vec::new();
        for entry in entries {
            let Some(group) = self.groups.get_mut(&group_id) else {
                return Ok(());
            };
            group.applied_index = entry.index;
            group.applied_term = entry.term;
            if entry.data.is_empty() || entry.get_entry_type() != EntryType::EntryNormal {
                continue; // the empty entry a new leader appends, or a conf change
            }
            let envelope = match Envelope::decode(&entry.data) {
                Ok(envelope) => envelope,
                Err(error) => panic!("entry {} of group {group_id} does not decode: {error}", entry.index),
            };
            let outcome = apply_command(group, entry.index, envelope, &self.shared);
            if let Outcome::Catalog(Ok(effect)) = &outcome {
                catalog_effects.push(effect.clone());
            }
            if let Some((node_id, proposal_id)) = parse_context(&entry.context) {
                if node_id == self.config.node_id {
                    if let Some(waiter) = self.waiters.remove(&proposal_id) {
                        replies.push((waiter.reply, outcome));
                    }
                }
            }
        }
        if let Some(group) = self.groups.get(&group_id) {
            if let StateMachine::Partition(cell) = &group.state_machine {
                flush_records(group_id, cell)?;
                cell.version.send_modify(|version| *version += 1);
            }
        }
        for effect in catalog_effects {
            self.apply_catalog_effect(effect)?;
        }
        // Callers hear back only once the partition groups that their catalog
        // change creates or removes are open or gone on this node.
        for (reply, outcome) in replies {
            let _ = reply.send(Ok(outcome));
        }
        self.maybe_snapshot(group_id)
    }

    /// Creates or removes the partition groups that a catalog change names.
    fn apply_catalog_effect(&mut self, effect: CatalogOutcome) -> Result<(), StorageError> {
        match effect {
            CatalogOutcome::Queue(meta) => {
                for (group_id, replicas) in meta.partition_groups.into_iter().zip(meta.partition_replicas) {
                    if !replicas.contains(&self.config.node_id) {
                        continue;
                    }
                    if let Err(reason) = self.open_group(group_id, &replicas) {
                        error!(group_id, %reason, "failed to open a partition group");
                        return Err(StorageError::Corrupt { column_family: "raft_state", key: group_id.to_string(), reason });
                    }
                }
            }
            CatalogOutcome::Deleted { partition_groups } => {
                for group_id in partition_groups {
                    self.remove_group(group_id)?;
                }
            }
            CatalogOutcome::Updated | CatalogOutcome::MoveTask(_) => {}
        }
        Ok(())
    }

    fn remove_group(&mut self, group_id: u64) -> Result<(), StorageError> {
        let Some(group) = self.groups.remove(&group_id) else {
            return Ok(()); // no replica on this node
        };
        for (_, reply) in group.waiting_for_leader {
            let _ = reply.send(Ok(Outcome::Partition(Err(QueueError::QueueDoesNotExist))));
        }
        for reply in group.reads_unconfirmed.into_values() {
            let _ = reply.send(Err(ProposeError::GroupNotFound(group_id)));
        }
        for (_, reply) in group.reads_waiting_apply {
            let _ = reply.send(Err(ProposeError::GroupNotFound(group_id)));
        }
        self.shared.leaders.write().expect("leader map lock poisoned").remove(&group_id);
        let orphaned: Vec<u64> =
            self.waiters.iter().filter(|(_, waiter)| waiter.group_id == group_id).map(|(&id, _)| id).collect();
        for proposal_id in orphaned {
            let waiter = self.waiters.remove(&proposal_id).expect("listed above");
            let _ = waiter.reply.send(Ok(Outcome::Partition(Err(QueueError::QueueDoesNotExist))));
        }
        self.shared.partitions.write().expect("partition map lock poisoned").remove(&group_id);
        self.store.drop_group(group_id)?;
        info!(group_id, "removed partition group");
        Ok(())
    }

    fn maybe_snapshot(&mut self, group_id: u64) -> Result<(), StorageError> {
        let Some(group) = self.groups.get(&group_id) else {
            return Ok(());
        };
        // A snapshot copies the in-memory index (message records are already
        // in RocksDB), so it waits for at least a quarter as many new entries
        // as the index has entries. The copying then costs a bounded amount
        // per applied entry however large the index grows, and the log that
        // a restart replays stays short.
        let state_size = match &group.state_machine {
            StateMachine::Catalog => 0,
            StateMachine::Partition(cell) => cell.read().index_entries() as u64 / 4,
        };
        let interval = self.config.snapshot_interval_entries.max(state_size);
        if group.applied_index < group.storage.snapshot_index() + interval {
            return Ok(());
        }
        let started = Instant::now();
        let data = match &group.state_machine {
            StateMachine::Catalog => bincode::serialize(&*self.shared.catalog.read().expect("catalog lock poisoned")),
            StateMachine::Partition(cell) => Ok(cell.read().encode_index()),
        }
        .expect("encoding a state machine cannot fail");
        note_slow("encoding a snapshot", started);
        let voters = group.raw.raft.prs().conf().voters().ids().iter().collect();
        let snapshot = SnapshotRecord { index: group.applied_index, term: group.applied_term, voters, data };
        let started = Instant::now();
        self.store.save_snapshot(&group.storage, &snapshot)?;
        note_slow("saving a snapshot", started);
        info!(group_id, index = snapshot.index, bytes = snapshot.data.len(), "saved snapshot and truncated the log");
        Ok(())
    }
}

/// A step of the Raft thread longer than this is logged: every group on the
/// node waits for it.
const SLOW_STEP: Duration = Duration::from_millis(50);

fn note_slow(step: &str, started: Instant) {
    let elapsed = started.elapsed();
    if elapsed >= SLOW_STEP {
        warn!(elapsed_ms = elapsed.as_millis() as u64, "slow raft thread step: {step}");
    }
}

/// Records a group's new leader. A node that lost leadership fails every
/// waiting caller of that group with a retryable error, because their entries
/// may or may not commit under the new leader.
/// Returns true when this node lost the leadership.
fn note_leader(group_id: u64, group: &mut Group, leader_id: u64, role: StateRole, shared: &Shared) -> bool {
    info!(group_id, leader_id, ?role, "raft role changed");
    let was_leader = group.leader_id == group.raw.raft.id && group.leader_id != 0;
    group.leader_id = leader_id;
    shared.leaders.write().expect("leader map lock poisoned").insert(group_id, leader_id);
    let lost = was_leader && role != StateRole::Leader;
    if lost {
        warn!(group_id, new_leader_id = leader_id, "lost leadership; failing in-flight requests");
    }
    lost
}

/// Writes a snapshot received from the leader and replaces the group's state
/// machine with it.
fn install_snapshot(
    group_id: u64,
    group: &mut Group,
    snapshot: &Snapshot,
    store: &NodeStore,
    shared: &Shared,
) -> Result<(), StorageError> {
    let metadata = snapshot.get_metadata();
    let record = SnapshotRecord {
        index: metadata.index,
        term: metadata.term,
        voters: metadata.get_conf_state().voters.clone(),
        data: snapshot.data.to_vec(),
    };
    let state = store.install_snapshot(&group.storage, &record)?;
    let restored = match &group.state_machine {
        StateMachine::Catalog => bincode::deserialize::<Catalog>(&state)
            .map(|catalog| *shared.catalog.write().expect("catalog lock poisoned") = catalog)
            .map_err(|error| error.to_string()),
        StateMachine::Partition(cell) => {
            let records = Box::new(RocksMessageStore::new(store.message_records(group_id)));
            Partition::decode_index(&state, records)
                .map(|partition| *cell.state.write().expect("partition lock poisoned") = partition)
        }
    };
    if let Err(error) = restored {
        panic!("snapshot {} of group {group_id} does not decode: {error}", record.index);
    }
    group.applied_index = record.index;
    group.applied_term = record.term;
    if let StateMachine::Partition(cell) = &group.state_machine {
        cell.version.send_modify(|version| *version += 1);
    }
    info!(group_id, index = record.index, bytes = record.data.len(), "installed snapshot from the leader");
    Ok(())
}

/// Lets a node whose data directory was lost rejoin under its old id.
///
/// Such a node's log is shorter than what the leader recorded as replicated
/// to it. raft-rs panics on a heartbeat that commits past the local log and
/// treats the node's rejections as stale, so the two cases are adjusted here:
/// the follower takes only the part of the commit index its log holds, and
/// the leader moves the node's progress back to what the node reports.
// NOTE: entries that only the lost node and a minority held are lost with it;
// losing one node's data at a time, with the others healthy, loses nothing.
///
/// Returns a rejection to send to the leader when a heartbeat shows that this
/// node's log is shorter than the leader believes: an idle leader would
/// otherwise never send the missing entries.
fn tolerate_lost_log(group_id: u64, group: &mut Group, message: &mut Message) -> Option<Message> {
    match message.get_msg_type() {
        MessageType::MsgHeartbeat => {
            let last_index = group.raw.raft.raft_log.last_index();
            if message.commit <= last_index {
                return None;
            }
            warn!(group_id, leader_id = message.from, commit = message.commit, last_index,
                "the leader commits past this node's log; asking it to replicate again");
            message.commit = last_index;
            let mut rejection = Message::default();
            rejection.set_msg_type(MessageType::MsgAppendResponse);
            rejection.to = message.from;
            rejection.from = group.raw.raft.id;
            rejection.term = message.term;
            rejection.reject = true;
            rejection.index = last_index;
            rejection.reject_hint = last_index;
            Some(rejection)
        }
        MessageType::MsgAppendResponse if message.reject => {
            let progress = group.raw.raft.mut_prs().get_mut(message.from)?;
            if message.reject_hint < progress.matched {
                warn!(group_id, node_id = message.from, matched = progress.matched, last_index = message.reject_hint,
                    "a follower lost log entries it had acknowledged; replicating them again");
                progress.matched = message.reject_hint;
                progress.next_idx = message.reject_hint + 1;
                progress.become_probe();
            }
            None
        }
        _ => None,
    }
}

/// Completes the ReadIndex requests whose index this node has now applied.
fn answer_reads(group: &mut Group) {
    if group.reads_waiting_apply.is_empty() {
        return;
    }
    let applied_index = group.applied_index;
    let (done, waiting): (Vec<_>, Vec<_>) =
        group.reads_waiting_apply.drain(..).partition(|(index, _)| *index <= applied_index);
    group.reads_waiting_apply = waiting;
    for (_, reply) in done {
        let _ = reply.send(Ok(()));
    }
}

/// Applies one entry's command; a partition's record writes stay buffered
/// until [`flush_records`].
fn apply_command(group: &mut Group, index: u64, envelope: Envelope, shared: &Shared) -> Outcome {
    match (&group.state_machine, envelope.command) {
        (StateMachine::Catalog, Command::Catalog(command)) => {
            let mut catalog = shared.catalog.write().expect("catalog lock poisoned");
            Outcome::Catalog(catalog.apply(command, envelope.now_ms))
        }
        (StateMachine::Partition(cell), Command::Partition(command)) => {
            let mut partition = cell.state.write().expect("partition lock poisoned");
            let group_id = group.storage.group_id();
            Outcome::Partition(partition.apply(group_id, index, envelope.now_ms, command))
        }
        (_, command) => panic!("entry {index} carries {command:?}, which its group cannot apply"),
    }
}

/// Writes the message records of the entries just applied to a partition,
/// with one unsynced write. A failure stops the node like any other storage
/// error: the entries are applied in memory but their records are not stored.
fn flush_records(group_id: u64, cell: &PartitionCell) -> Result<(), StorageError> {
    let started = Instant::now();
    let mut partition = cell.state.write().expect("partition lock poisoned");
    partition.flush().map_err(|reason| StorageError::Corrupt {
        column_family: "messages",
        key: group_id.to_string(),
        reason: format!("writing message records failed: {reason}"),
    })?;
    note_slow("writing message records", started);
    Ok(())
}

/// Entry context: proposing node id and node-local proposal id, so that only
/// the proposer answers, and answers the right caller.
fn proposal_context(node_id: u64, proposal_id: u64) -> Vec<u8> {
    let mut context = Vec::with_capacity(16);
    context.extend_from_slice(&node_id.to_be_bytes());
    context.extend_from_slice(&proposal_id.to_be_bytes());
    context
}

fn parse_context(context: &[u8]) -> Option<(u64, u64)> {
    if context.len() != 16 {
        return None;
    }
    let node_id = u64::from_be_bytes(context[..8].try_into().ok()?);
    let proposal_id = u64::from_be_bytes(context[8..].try_into().ok()?);
    Some((node_id, proposal_id))
}

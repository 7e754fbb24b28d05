//! The public face of the replication layer: start a node, propose commands,
//! read the applied state.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use sluice_queue::{Catalog, CatalogCommand, CatalogOutcome, Partition, PartitionCommand, PartitionOutcome, QueueError};
use sluice_storage::{NodeStore, StorageError};
use thiserror::Error;
use tokio::sync::{oneshot, watch};

use crate::driver::{Driver, Request};
use crate::{Command, Outcome, Transport};

/// Settings of the replication layer of one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Raft id of this node; never 0.
    pub node_id: u64,
    /// Raft ids of the initial cluster members, this node included; they are
    /// the voters of the metadata group.
    pub members: Vec<u64>,
    /// Directory of the node's RocksDB instance.
    pub data_dir: PathBuf,
    /// Interval between Raft ticks.
    pub tick_interval: Duration,
    /// Applied entries after which a group's state is snapshotted and its log truncated.
    pub snapshot_interval_entries: u64,
    /// Proposals that may wait for the Raft thread before callers get Overloaded.
    pub proposal_queue_capacity: usize,
}

impl NodeConfig {
    pub fn new(data_dir: PathBuf) -> NodeConfig {
        NodeConfig {
            node_id: 1,
            members: vec![1],
            data_dir,
            tick_interval: Duration::from_millis(100),
            snapshot_interval_entries: 10_000,
            proposal_queue_capacity: 16_384,
        }
    }
}

/// Reason a proposal got no outcome. The command may still be applied later
/// (for example [`ProposeError::Dropped`] after a leader change), so callers
/// retry only idempotent commands.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProposeError {
    #[error("raft group {0} does not exist on this node")]
    GroupNotFound(u64),
    #[error("the proposal queue is full; retry later")]
    Overloaded,
    #[error("raft dropped the proposal (no leader or leadership changed); retry")]
    Dropped,
    #[error("this node does not lead raft group; node {leader_id} does")]
    NotLeader { leader_id: u64 },
    #[error("no leader is known for the raft group yet; retry")]
    NoLeader,
    #[error("the replication thread has stopped")]
    Stopped,
}

/// Failure to start a node.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("opening the store in {path}: {source}")]
    Store { path: PathBuf, source: StorageError },
    #[error("recovering group {group_id}: {reason}")]
    Recovery { group_id: u64, reason: String },
    #[error("the replication thread stopped during recovery")]
    Stopped,
}

/// The applied state of one partition and a counter bumped after every
/// command applied to it, so that long polls wake up without polling.
pub struct PartitionCell {
    pub state: RwLock<Partition>,
    pub version: watch::Sender<u64>,
}

impl PartitionCell {
    pub(crate) fn new(partition: Partition) -> PartitionCell {
        PartitionCell { state: RwLock::new(partition), version: watch::Sender::new(0) }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Partition> {
        self.state.read().expect("partition lock poisoned")
    }
}

/// State shared between the Raft thread, which writes it while applying, and
/// the gateway, which reads it.
#[derive(Default)]
pub(crate) struct Shared {
    pub catalog: RwLock<Catalog>,
    pub partitions: RwLock<HashMap<u64, Arc<PartitionCell>>>,
    /// Leader of each local group as last seen by this node (0: none known).
    pub leaders: RwLock<HashMap<u64, u64>>,
}

/// A running node. Dropping it stops the Raft thread.
pub struct Node {
    node_id: u64,
    members: Vec<u64>,
    sender: SyncSender<Request>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Node {
    /// Opens the store, recovers every group (snapshot, then the committed log
    /// after it) and returns once all of them have applied what was committed
    /// before the restart.
    pub fn start(config: NodeConfig, transport: Box<dyn Transport>) -> Result<Node, StartError> {
        assert!(config.node_id != 0, "node_id must not be zero");
        assert!(config.members.contains(&config.node_id), "members {:?} must contain node_id {}", config.members, config.node_id);
        let node_id = config.node_id;
        let members = config.members.clone();
        let store = NodeStore::open(&config.data_dir)
            .map_err(|source| StartError::Store { path: config.data_dir.clone(), source })?;
        let shared = Arc::new(Shared::default());
        let (sender, receiver) = mpsc::sync_channel(config.proposal_queue_capacity);
        let (recovered_sender, recovered) = std::sync::mpsc::channel();
        let mut driver = Driver::recover(config, store, shared.clone(), receiver, transport)?;
        let thread = std::thread::Builder::new()
            .name("sluice-raft".into())
            .spawn(move || driver.run(recovered_sender))
            .expect("spawning the raft thread");
        match recovered.recv() {
            Ok(Ok(())) => Ok(Node { node_id, members, sender, shared, thread: Some(thread) }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(StartError::Stopped),
        }
    }

    /// Proposes a catalog change to the metadata group and waits until it is applied.
    pub async fn propose_catalog(&self, command: CatalogCommand) -> Result<Result<CatalogOutcome, QueueError>, ProposeError> {
        match self.propose_command(0, Command::Catalog(command)).await? {
            Outcome::Catalog(result) => Ok(result),
            Outcome::Partition(_) => unreachable!("group 0 applies catalog commands only"),
        }
    }

    /// Proposes a partition change and waits until it is applied.
    pub async fn propose_partition(
        &self,
        group_id: u64,
        command: PartitionCommand,
    ) -> Result<Result<PartitionOutcome, QueueError>, ProposeError> {
        match self.propose_command(group_id, Command::Partition(command)).await? {
            Outcome::Partition(result) => Ok(result),
            Outcome::Catalog(_) => unreachable!("partition groups apply partition commands only"),
        }
    }

    /// Waits until this node has applied everything the group's leader had
    /// committed when the call was made (Raft ReadIndex), so that a read of
    /// the local state that follows sees every write acknowledged before it.
    pub async fn read_index(&self, group_id: u64) -> Result<(), ProposeError> {
        let (reply, done) = oneshot::channel();
        self.enqueue(Request::ReadIndex { group_id, reply })?;
        done.await.map_err(|_| ProposeError::Stopped)?
    }

    /// Hands a Raft message from another node to the Raft thread. Returns
    /// false if the queue is full, so the message was dropped (Raft retries).
    pub fn step(&self, group_id: u64, message: raft::prelude::Message) -> bool {
        self.sender.try_send(Request::Step { group_id, message }).is_ok()
    }

    /// Tells Raft whether a snapshot sent to `to` was installed.
    pub fn report_snapshot(&self, group_id: u64, to: u64, delivered: bool) {
        let _ = self.sender.try_send(Request::ReportSnapshot { group_id, to, delivered });
    }

    /// Tells Raft that a peer could not be reached.
    pub fn report_unreachable(&self, group_id: u64, to: u64) {
        let _ = self.sender.try_send(Request::ReportUnreachable { group_id, to });
    }

    pub fn node_id(&self) -> u64 {
        self.node_id
    }

    /// Returns the initial cluster members, the voters of the metadata group.
    pub fn members(&self) -> &[u64] {
        &self.members
    }

    /// Returns the leader of a group this node is a replica of, if one is known.
    pub fn leader_of(&self, group_id: u64) -> Option<u64> {
        let leaders = self.shared.leaders.read().expect("leader map lock poisoned");
        leaders.get(&group_id).copied().filter(|&leader_id| leader_id != 0)
    }

    fn enqueue(&self, request: Request) -> Result<(), ProposeError> {
        match self.sender.try_send(request) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(ProposeError::Overloaded),
            Err(TrySendError::Disconnected(_)) => Err(ProposeError::Stopped),
        }
    }

    /// Proposes a command to a group this node leads and waits until it is
    /// applied. A follower returns [`ProposeError::NotLeader`] with the leader it knows.
    pub async fn propose_command(&self, group_id: u64, command: Command) -> Result<Outcome, ProposeError> {
        let (reply, outcome) = oneshot::channel();
        self.enqueue(Request::Propose { group_id, command, reply })?;
        outcome.await.map_err(|_| ProposeError::Stopped)?
    }

    /// Returns the applied queue catalog.
    pub fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        self.shared.catalog.read().expect("catalog lock poisoned")
    }

    /// Returns the applied state of one partition group, if it exists on this node.
    pub fn partition(&self, group_id: u64) -> Option<Arc<PartitionCell>> {
        self.shared.partitions.read().expect("partition map lock poisoned").get(&group_id).cloned()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.sender.send(Request::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

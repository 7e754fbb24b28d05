//! Sends each request to the leader of its Raft group.

use std::sync::Arc;
use std::time::Duration;

use sluice_queue::{Counts, MessageView, QueueError, ReceiveRequest};
use sluice_replication::{Command, Node, Outcome, ProposeError, METADATA_GROUP_ID};
use sluice_rpc::v1::{counts_reply, propose_reply, CountsRequest, ForwardReceiveRequest, ProposeRequest, WaitVisibleRequest};
use thiserror::Error;
use tracing::debug;

use crate::peers::Peers;

/// Pause before trying again when no leader is known.
const NO_LEADER_RETRY_DELAY: Duration = Duration::from_millis(50);
/// Maximum time of one attempt at one node, besides a receive's long poll,
/// so that a frozen node costs one attempt, not the whole deadline.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a routed request has no outcome. The request may still have been
/// applied (an attempt can time out after its entry committed), so a caller
/// retrying it relies on the command being idempotent: sends carry a message
/// id that the partition stores once, and PurgeQueue and DeleteQueue carry
/// the request id.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RouteError {
    #[error("no leader answered for raft group {group_id} within {timeout_ms} ms: {last_error}")]
    Unavailable { group_id: u64, timeout_ms: u64, last_error: String },
    #[error("raft group {0} does not exist")]
    GroupNotFound(u64),
}

/// Result of one attempt at one node.
enum Attempt<T> {
    Done(T),
    NotLeader(u64),
    Retry(String),
}

/// Routes proposals, receives and counts to group leaders.
#[derive(Clone)]
pub struct Router {
    node: Arc<Node>,
    peers: Peers,
    timeout: Duration,
}

impl Router {
    /// `timeout` bounds each routed call, retries and redirects included.
    pub fn new(node: Arc<Node>, peers: Peers, timeout: Duration) -> Router {
        Router { node, peers, timeout }
    }

    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Proposes a command to its group's leader and returns the applied outcome.
    pub async fn propose(&self, group_id: u64, command: Command) -> Result<Outcome, RouteError> {
        let command = Arc::new(command);
        self.route(group_id, |target| {
            let command = command.clone();
            async move {
                if target == self.node.node_id() {
                    return from_local(self.node.propose_command(group_id, (*command).clone()).await);
                }
                let bytes = bincode::serialize(&*command).expect("encoding a command cannot fail");
                let request = ProposeRequest { group_id, command: bytes };
                let Some(mut client) = self.peers.forward_client(target) else {
                    return Attempt::Retry(format!("node {target} has no known address"));
                };
                match client.propose(request).await {
                    Ok(reply) => decode_reply(reply.into_inner().result),
                    Err(status) => Attempt::Retry(format!("forwarding to node {target}: {}", status.message())),
                }
            }
        })
        .await
    }

    /// Receives from a partition on its leader, long polling up to `wait`.
    pub async fn receive(
        &self,
        group_id: u64,
        request: ReceiveRequest,
        wait: Duration,
    ) -> Result<Result<Vec<MessageView>, QueueError>, RouteError> {
        let request = Arc::new(request);
        self.route_with_timeout(group_id, self.timeout + wait, ATTEMPT_TIMEOUT + wait, |target| {
            let request = request.clone();
            async move {
                if target == self.node.node_id() {
                    let local = crate::poll::receive_local(&self.node, group_id, (*request).clone(), wait).await;
                    return from_local(local);
                }
                let bytes = bincode::serialize(&*request).expect("encoding a receive cannot fail");
                let forwarded = ForwardReceiveRequest { group_id, request: bytes, wait_ms: wait.as_millis() as u64 };
                let Some(mut client) = self.peers.forward_client(target) else {
                    return Attempt::Retry(format!("node {target} has no known address"));
                };
                match client.receive(forwarded).await {
                    Ok(reply) => decode_reply(reply.into_inner().result),
                    Err(status) => Attempt::Retry(format!("forwarding to node {target}: {}", status.message())),
                }
            }
        })
        .await
    }

    /// Waits on the partition's leader up to `wait` until a receive would find
    /// a message; returns whether one is there. Nothing is received.
    pub async fn wait_visible(&self, group_id: u64, fifo: bool, wait: Duration) -> Result<bool, RouteError> {
        self.route_with_timeout(group_id, self.timeout + wait, ATTEMPT_TIMEOUT + wait, |target| async move {
            if target == self.node.node_id() {
                return from_local(crate::poll::wait_visible_local(&self.node, group_id, fifo, wait).await);
            }
            let request = WaitVisibleRequest { group_id, fifo, wait_ms: wait.as_millis() as u64 };
            let Some(mut client) = self.peers.forward_client(target) else {
                return Attempt::Retry(format!("node {target} has no known address"));
            };
            match client.wait_visible(request).await {
                Ok(reply) => decode_reply(reply.into_inner().result),
                Err(status) => Attempt::Retry(format!("forwarding to node {target}: {}", status.message())),
            }
        })
        .await
    }

    /// Approximate counts of a partition, read on its leader.
    pub async fn counts(&self, group_id: u64, retention_ms: u64) -> Result<Counts, RouteError> {
        self.route(group_id, |target| async move {
            if target == self.node.node_id() {
                if self.node.leader_of(group_id) != Some(target) {
                    return match self.node.leader_of(group_id) {
                        Some(leader_id) => Attempt::NotLeader(leader_id),
                        None => Attempt::Retry("no leader known".into()),
                    };
                }
                let Some(cell) = self.node.partition(group_id) else {
                    return Attempt::Retry(format!("group {group_id} is not open here"));
                };
                return Attempt::Done(cell.read().counts(crate::now_ms(), retention_ms));
            }
            let Some(mut client) = self.peers.forward_client(target) else {
                return Attempt::Retry(format!("node {target} has no known address"));
            };
            match client.counts(CountsRequest { group_id, retention_ms }).await {
                Ok(reply) => match reply.into_inner().result {
                    Some(counts_reply::Result::Counts(counts)) => Attempt::Done(Counts {
                        visible: counts.visible,
                        in_flight: counts.in_flight,
                        delayed: counts.delayed,
                    }),
                    Some(counts_reply::Result::NotLeader(leader_id)) => Attempt::NotLeader(leader_id),
                    Some(counts_reply::Result::Unavailable(reason)) => Attempt::Retry(reason),
                    None => Attempt::Retry("empty reply".into()),
                },
                Err(status) => Attempt::Retry(format!("forwarding to node {target}: {}", status.message())),
            }
        })
        .await
    }

    /// Waits until the local catalog reflects every catalog change committed
    /// before the call, so that a lookup after it finds them.
    pub async fn sync_catalog(&self) -> Result<(), RouteError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.node.read_index(METADATA_GROUP_ID)).await;
            match attempt {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) if tokio::time::Instant::now() < deadline => {
                    debug!(%error, "catalog read index failed; retrying");
                    tokio::time::sleep(NO_LEADER_RETRY_DELAY).await;
                }
                Ok(Err(error)) => return Err(self.unavailable(METADATA_GROUP_ID, error.to_string())),
                Err(_) => return Err(self.unavailable(METADATA_GROUP_ID, "timed out".into())),
            }
        }
    }

    async fn route<T, F, Fut>(&self, group_id: u64, attempt: F) -> Result<T, RouteError>
    where
        F: Fn(u64) -> Fut,
        Fut: std::future::Future<Output = Attempt<T>>,
    {
        self.route_with_timeout(group_id, self.timeout, ATTEMPT_TIMEOUT, attempt).await
    }

    /// Tries the node believed to lead the group, follows not-leader hints,
    /// and otherwise cycles through the group's replicas until `timeout`.
    async fn route_with_timeout<T, F, Fut>(
        &self,
        group_id: u64,
        timeout: Duration,
        attempt_timeout: Duration,
        attempt: F,
    ) -> Result<T, RouteError>
    where
        F: Fn(u64) -> Fut,
        Fut: std::future::Future<Output = Attempt<T>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        // The catalog is searched for the replicas only when no leader is
        // known locally, which keeps the common case off the catalog lock.
        let mut replicas: Option<Vec<u64>> = None;
        let mut tries = 0usize;
        let mut target = self.pick_target(group_id, &mut replicas, tries)?;
        let mut last_error = String::from("no attempt made");
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(RouteError::Unavailable { group_id, timeout_ms: timeout.as_millis() as u64, last_error });
            }
            match tokio::time::timeout(remaining.min(attempt_timeout), attempt(target)).await {
                Ok(Attempt::Done(value)) => return Ok(value),
                Ok(Attempt::NotLeader(leader_id)) if leader_id != 0 && leader_id != target => {
                    target = leader_id;
                    continue;
                }
                Ok(Attempt::NotLeader(_)) => last_error = format!("node {target} knows no leader"),
                Ok(Attempt::Retry(reason)) => last_error = reason,
                Err(_) => last_error = format!("node {target} did not answer in time"),
            }
            tries += 1;
            tokio::time::sleep(NO_LEADER_RETRY_DELAY).await;
            target = self.pick_target(group_id, &mut replicas, tries)?;
        }
    }

    /// Returns the leader known locally, else the replica for try number
    /// `tries`, looking the replicas up once and caching them in `replicas`.
    fn pick_target(&self, group_id: u64, replicas: &mut Option<Vec<u64>>, tries: usize) -> Result<u64, RouteError> {
        if let Some(leader_id) = self.node.leader_of(group_id) {
            return Ok(leader_id);
        }
        if replicas.is_none() {
            *replicas = Some(self.replicas(group_id).ok_or(RouteError::GroupNotFound(group_id))?);
        }
        let list = replicas.as_ref().expect("set above");
        Ok(list[tries % list.len()])
    }

    /// Returns the nodes of a group: every member for the metadata group, the
    /// placement in the catalog for a partition.
    fn replicas(&self, group_id: u64) -> Option<Vec<u64>> {
        if group_id == METADATA_GROUP_ID {
            return Some(self.node.members().to_vec());
        }
        self.node.catalog().replicas_of(group_id).map(<[u64]>::to_vec)
    }

    fn unavailable(&self, group_id: u64, last_error: String) -> RouteError {
        RouteError::Unavailable { group_id, timeout_ms: self.timeout.as_millis() as u64, last_error }
    }
}

fn from_local<T>(result: Result<T, ProposeError>) -> Attempt<T> {
    match result {
        Ok(value) => Attempt::Done(value),
        Err(ProposeError::NotLeader { leader_id }) => Attempt::NotLeader(leader_id),
        Err(error) => Attempt::Retry(error.to_string()),
    }
}

fn decode_reply<T: serde::de::DeserializeOwned>(result: Option<propose_reply::Result>) -> Attempt<T> {
    match result {
        Some(propose_reply::Result::Outcome(bytes)) => match bincode::deserialize(&bytes) {
            Ok(value) => Attempt::Done(value),
            Err(error) => Attempt::Retry(format!("undecodable forwarded outcome: {error}")),
        },
        Some(propose_reply::Result::NotLeader(leader_id)) => Attempt::NotLeader(leader_id),
        Some(propose_reply::Result::Unavailable(reason)) => Attempt::Retry(reason),
        None => Attempt::Retry("empty reply".into()),
    }
}

//! ReceiveMessage on the node that leads the partition, with long polling.

use std::time::Duration;

use sluice_queue::{MessageView, PartitionCommand, PartitionOutcome, QueueError, ReceiveRequest};
use sluice_replication::{Node, ProposeError};

use crate::now_ms;


/// Waits up to `wait` until a partition this node leads has a message that a
/// receive would return, without receiving it. Returns whether it has one.
pub async fn wait_visible_local(node: &Node, group_id: u64, fifo: bool, wait: Duration) -> Result<bool, ProposeError> {
    let cell = node.partition(group_id).ok_or(ProposeError::GroupNotFound(group_id))?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = cell.version.subscribe();
    loop {
        match node.leader_of(group_id) {
            Some(leader_id) if leader_id == node.node_id() => {}
            Some(leader_id) => return Err(ProposeError::NotLeader { leader_id }),
            None => return Err(ProposeError::NoLeader),
        }
        changes.borrow_and_update();
        let now = now_ms();
        let (has_visible, next_visible_ms) = {
            let partition = cell.read();
            (partition.has_visible(now, fifo), partition.next_visible_ms(now))
        };
        if has_visible {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        let wake_at = match next_visible_ms {
            Some(visible_ms) => {
                let until_visible = Duration::from_millis(visible_ms.saturating_sub(now_ms()));
                deadline.min(tokio::time::Instant::now() + until_visible)
            }
            None => deadline,
        };
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return Ok(false);
                }
            }
            () = tokio::time::sleep_until(wake_at) => {}
        }
    }
}

/// Receives from a partition of this node, waiting up to `wait` for a message.
///
/// A receive is proposed only when the applied state shows a visible message
/// (or a FIFO retry names an earlier attempt), so an idle poll writes nothing.
/// The wait ends early on every command applied to the partition and at the
/// moment the next message becomes visible, never by polling on an interval.
pub async fn receive_local(
    node: &Node,
    group_id: u64,
    request: ReceiveRequest,
    wait: Duration,
) -> Result<Result<Vec<MessageView>, QueueError>, ProposeError> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut always_propose = request.attempt_id.is_some();
    loop {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !always_propose && !wait_visible_local(node, group_id, request.fifo, remaining).await? {
            return Ok(Ok(Vec::new()));
        }
        always_propose = false;
        let command = PartitionCommand::Receive(request.clone());
        match node.propose_partition(group_id, command).await? {
            Ok(PartitionOutcome::Received(views)) if !views.is_empty() => return Ok(Ok(views)),
            Ok(PartitionOutcome::Received(_)) if tokio::time::Instant::now() >= deadline => return Ok(Ok(Vec::new())),
            Ok(PartitionOutcome::Received(_)) => {}
            Ok(other) => panic!("a receive applied as {other:?}"),
            Err(error) => return Ok(Err(error)),
        }
    }
}

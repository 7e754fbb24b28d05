//! ReceiveMessage on the node that leads the partition, with long polling.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sluice_queue::{MessageView, PartitionCommand, PartitionOutcome, QueueError, ReceiveRequest};
use sluice_replication::{Node, ProposeError};

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

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
/// The wait ends early on every command applied to the partition (its version
/// counter) and at the moment the next message becomes visible, never by
/// polling on a fixed interval.
pub async fn receive_local(
    node: &Node,
    group_id: u64,
    request: ReceiveRequest,
    wait: Duration,
) -> Result<Result<Vec<MessageView>, QueueError>, ProposeError> {
    let cell = node.partition(group_id).ok_or(ProposeError::GroupNotFound(group_id))?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = cell.version.subscribe();
    let mut always_propose = request.attempt_id.is_some();
    loop {
        // Only the leader's state is current: a follower (reached through a
        // stale hint, or after losing leadership during the wait) would wait
        // on messages it cannot see, so it redirects instead.
        match node.leader_of(group_id) {
            Some(leader_id) if leader_id == node.node_id() => {}
            Some(leader_id) => return Err(ProposeError::NotLeader { leader_id }),
            None => return Err(ProposeError::NoLeader),
        }
        changes.borrow_and_update();
        let now = now_ms();
        let (has_visible, next_visible_ms) = {
            let partition = cell.read();
            (partition.has_visible(now, request.fifo), partition.next_visible_ms(now))
        };
        if has_visible || always_propose {
            always_propose = false;
            let command = PartitionCommand::Receive(request.clone());
            match node.propose_partition(group_id, command).await? {
                Ok(PartitionOutcome::Received(views)) if !views.is_empty() => return Ok(Ok(views)),
                Ok(PartitionOutcome::Received(_)) => {}
                Ok(other) => panic!("a receive applied as {other:?}"),
                Err(error) => return Ok(Err(error)),
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Ok(Vec::new()));
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
                    return Ok(Err(QueueError::QueueDoesNotExist));
                }
            }
            () = tokio::time::sleep_until(wake_at) => {}
        }
    }
}

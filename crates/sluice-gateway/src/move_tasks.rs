//! Runs message move tasks.
//!
//! Each node works on the source partitions it leads, so the work follows
//! leadership through failovers. For one partition and one task it:
//! 1. stores at the destination the messages the task took earlier and has
//!    not stored yet (after a crash or failover),
//! 2. while the task is RUNNING, takes the next batch (`TakeForMove`, which
//!    hides the messages from receives), stores each with an idempotent
//!    `MoveIn` keyed by (source group, sequence), and removes them at the source,
//! 3. reports the count moved to the catalog.
//!
//! The node leading the metadata group ends tasks: COMPLETED when the
//! source has no visible message left, CANCELLED once CANCELLING.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sluice_queue::{CatalogCommand, DeadLetter, MoveTask, MoveTaskStatus, PartitionCommand, PartitionOutcome};
use sluice_replication::{Command, Outcome, METADATA_GROUP_ID};
use tracing::{debug, info};

use crate::actions::redrive::{local_queue_by_arn, queue_arn};
use crate::dead_letters::target_partition;
use crate::http::Gateway;

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Pause between scans.
const SCAN_INTERVAL: Duration = Duration::from_millis(100);
/// Scans per second, to turn a rate per second into a batch per scan.
const SCANS_PER_SECOND: u32 = 10;
/// Rate of a task that names none, in messages per second.
const DEFAULT_RATE_PER_SECOND: u32 = 500;
/// Messages taken per partition per scan at most.
const TAKE_PER_SCAN_MAX: u32 = 100;

/// Messages each (task, partition) may still take: a token bucket filled at
/// the task's rate divided by the partition count, so that the whole task
/// keeps to MaxNumberOfMessagesPerSecond.
type Budgets = HashMap<(String, u64), f64>;

/// Runs until the process stops.
pub async fn run_move_task_mover(gateway: Arc<Gateway>) {
    let mut budgets = Budgets::new();
    loop {
        tokio::time::sleep(SCAN_INTERVAL).await;
        let tasks = gateway.node().catalog().active_move_tasks();
        budgets.retain(|(handle, _), _| tasks.iter().any(|task| &task.handle == handle));
        for task in &tasks {
            if let Err(error) = work_on(&gateway, task, &mut budgets).await {
                debug!(task = %task.handle, %error, "message move task step failed; retrying on the next scan");
            }
        }
        if gateway.node().leader_of(METADATA_GROUP_ID) == Some(gateway.node().node_id()) {
            for task in tasks {
                if let Err(error) = finish_if_done(&gateway, &task).await {
                    debug!(task = %task.handle, %error, "checking a message move task failed");
                }
            }
        }
    }
}

async fn work_on(gateway: &Gateway, task: &MoveTask, budgets: &mut Budgets) -> Result<(), String> {
    let Some(source) = local_queue_by_arn(gateway, &task.source_arn) else {
        return update(gateway, task, 0, Some(MoveTaskStatus::Failed), Some("The source queue does not exist.")).await;
    };
    let node = gateway.node();
    let partitions = source.partition_groups.len() as u32;
    let rate = task.rate_per_second.unwrap_or(DEFAULT_RATE_PER_SECOND);
    let refill = f64::from(rate) / f64::from(SCANS_PER_SECOND * partitions);
    for &group_id in &source.partition_groups {
        if node.leader_of(group_id) != Some(node.node_id()) {
            continue;
        }
        let Some(cell) = node.partition(group_id) else { continue };
        let pending = cell.read().moving_for(&task.handle, TAKE_PER_SCAN_MAX as usize);
        if !pending.is_empty() {
            deliver(gateway, task, group_id, pending).await?;
        }
        if task.status != MoveTaskStatus::Running {
            continue;
        }
        let budget = budgets.entry((task.handle.clone(), group_id)).or_insert(0.0);
        *budget = (*budget + refill).min(f64::from(TAKE_PER_SCAN_MAX));
        let max = budget.floor() as u32;
        if max == 0 {
            continue;
        }
        let command = PartitionCommand::TakeForMove {
            task: task.handle.clone(),
            max,
            require_source: task.destination_arn.is_none(),
        };
        let taken = match gateway.router.propose(group_id, Command::Partition(command)).await {
            Ok(Outcome::Partition(Ok(PartitionOutcome::Taken(taken)))) => taken,
            Ok(other) => return Err(format!("TakeForMove applied as {other:?}")),
            Err(error) => return Err(error.to_string()),
        };
        if taken.is_empty() && task.destination_arn.is_none() && cell.read().has_visible_without_source(now_ms()) {
            let reason = "Some messages have no original source queue; name a DestinationArn to move them.";
            return update(gateway, task, 0, Some(MoveTaskStatus::Failed), Some(reason)).await;
        }
        if let Some(budget) = budgets.get_mut(&(task.handle.clone(), group_id)) {
            *budget -= taken.len() as f64;
        }
        if !taken.is_empty() {
            deliver(gateway, task, group_id, taken).await?;
        }
    }
    Ok(())
}

/// Stores taken messages at their destination, removes them at the source
/// and reports the count. A missing destination fails the task and puts the
/// messages back.
async fn deliver(gateway: &Gateway, task: &MoveTask, group_id: u64, letters: Vec<DeadLetter>) -> Result<(), String> {
    let mut moved = Vec::with_capacity(letters.len());
    for letter in letters {
        let destination_arn = task.destination_arn.clone().or_else(|| letter.source_arn.clone());
        let Some(destination) = destination_arn.as_deref().and_then(|arn| local_queue_by_arn(gateway, arn)) else {
            let command = PartitionCommand::ReturnMoving { task: task.handle.clone() };
            let _ = gateway.router.propose(group_id, Command::Partition(command)).await;
            return update(gateway, task, moved.len() as u64, Some(MoveTaskStatus::Failed), Some("The destination queue does not exist.")).await;
        };
        let target_group = target_partition(&destination, &letter);
        let command = PartitionCommand::MoveIn {
            message: letter.message,
            source: (group_id, letter.sequence),
            sent_ms: letter.sent_ms,
            source_arn: None,
        };
        match gateway.router.propose(target_group, Command::Partition(command)).await {
            Ok(Outcome::Partition(Ok(_))) => moved.push(letter.sequence),
            Ok(other) => return Err(format!("MoveIn applied as {other:?}")),
            Err(error) => return Err(error.to_string()),
        }
    }
    let count = moved.len() as u64;
    let command = PartitionCommand::DeadLettered { sequences: moved };
    match gateway.router.propose(group_id, Command::Partition(command)).await {
        Ok(Outcome::Partition(Ok(_))) => update(gateway, task, count, None, None).await,
        Ok(other) => Err(format!("forgetting moved messages applied as {other:?}")),
        Err(error) => Err(error.to_string()),
    }
}

async fn update(
    gateway: &Gateway,
    task: &MoveTask,
    moved: u64,
    status: Option<MoveTaskStatus>,
    failure_reason: Option<&str>,
) -> Result<(), String> {
    if let Some(status) = status {
        info!(task = %task.handle, source = %task.source_arn, status = status.as_str(), "message move task ended");
    }
    let command = CatalogCommand::UpdateMoveTask {
        handle: task.handle.clone(),
        moved,
        status,
        failure_reason: failure_reason.map(str::to_string),
    };
    match gateway.router.propose(METADATA_GROUP_ID, Command::Catalog(command)).await {
        Ok(Outcome::Catalog(Ok(_))) => Ok(()),
        Ok(other) => Err(format!("UpdateMoveTask applied as {other:?}")),
        Err(error) => Err(error.to_string()),
    }
}

/// Ends a cancelling task, or a running one whose source is empty.
async fn finish_if_done(gateway: &Gateway, task: &MoveTask) -> Result<(), String> {
    if task.status == MoveTaskStatus::Cancelling {
        return update(gateway, task, 0, Some(MoveTaskStatus::Cancelled), None).await;
    }
    let Some(source) = local_queue_by_arn(gateway, &task.source_arn) else {
        return Ok(()); // the partition movers fail the task
    };
    let retention_ms = crate::actions::attribute_u64(&source, "MessageRetentionPeriod") * 1_000;
    for &group_id in &source.partition_groups {
        let counts = gateway.router.counts(group_id, retention_ms).await.map_err(|error| error.to_string())?;
        if counts.visible > 0 {
            return Ok(());
        }
        if let Some(cell) = gateway.node().partition(group_id) {
            if !cell.read().moving_for(&task.handle, 1).is_empty() {
                return Ok(());
            }
        }
    }
    debug!(task = %task.handle, source = %queue_arn(&source), "message move task source is empty");
    update(gateway, task, 0, Some(MoveTaskStatus::Completed), None).await
}

//! Moves messages past their queue's maxReceiveCount into its dead-letter queue.
//!
//! A receive that finds a message already received maxReceiveCount times sets
//! it aside in the source partition (it is no longer delivered or counted).
//! This task, on the node that leads the source partition, then:
//! 1. proposes `MoveIn` to a partition of the dead-letter queue, keyed by the
//!    source (group id, sequence): applying the same key twice stores the
//!    message once, so a retry after a crash or failover never duplicates it;
//! 2. proposes `DeadLettered` to the source partition, which forgets it.
//!
//! A crash between the two steps leaves the message set aside in the source;
//! the next leader repeats step 1, which stores nothing new, then step 2. So
//! the message is never lost and never stored twice in the dead-letter queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice_queue::{DeadLetter, PartitionCommand, QueueMeta};
use sluice_replication::{Command, Outcome};
use tracing::{debug, warn};

use crate::actions::redrive::{local_queue_by_arn, queue_arn, redrive_policy};
use crate::http::Gateway;

/// Pause between scans of the local partitions.
const SCAN_INTERVAL: Duration = Duration::from_millis(100);
/// Messages moved per partition per scan at most.
const MOVES_PER_SCAN_MAX: usize = 100;
/// Minimum pause between two warnings about the same missing dead-letter queue.
const MISSING_TARGET_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// Runs until the process stops.
pub async fn run_dead_letter_mover(gateway: Arc<Gateway>) {
    let mut last_warning: Option<Instant> = None;
    loop {
        tokio::time::sleep(SCAN_INTERVAL).await;
        for (source, group_id) in local_sources(&gateway) {
            let node = gateway.node();
            let Some(cell) = node.partition(group_id) else { continue };
            let dead_letters = cell.read().dead_letters(MOVES_PER_SCAN_MAX);
            if dead_letters.is_empty() {
                continue;
            }
            let Some(target) = dead_letter_target(&gateway, &source) else {
                if last_warning.is_none_or(|at| at.elapsed() >= MISSING_TARGET_WARNING_INTERVAL) {
                    warn!(queue = %source.key.name, group_id, "the dead-letter queue of the RedrivePolicy does not exist; messages wait");
                    last_warning = Some(Instant::now());
                }
                continue;
            };
            if let Err(error) = move_batch(&gateway, &source, group_id, &target, dead_letters).await {
                debug!(queue = %source.key.name, group_id, %error, "moving dead letters failed; retrying on the next scan");
            }
        }
    }
}

/// Source partitions led by this node whose queue has a RedrivePolicy.
fn local_sources(gateway: &Gateway) -> Vec<(QueueMeta, u64)> {
    let node = gateway.node();
    let catalog = node.catalog();
    let mut sources = Vec::new();
    for meta in catalog.queues().filter(|meta| redrive_policy(meta).is_some()) {
        for &group_id in &meta.partition_groups {
            if node.leader_of(group_id) == Some(node.node_id()) {
                sources.push((meta.clone(), group_id));
            }
        }
    }
    sources
}

fn dead_letter_target(gateway: &Gateway, source: &QueueMeta) -> Option<QueueMeta> {
    let policy = redrive_policy(source)?;
    local_queue_by_arn(gateway, &policy.dead_letter_target_arn)
}

async fn move_batch(
    gateway: &Gateway,
    source: &QueueMeta,
    group_id: u64,
    target: &QueueMeta,
    dead_letters: Vec<DeadLetter>,
) -> Result<(), String> {
    let source_arn = queue_arn(source);
    let mut moved = Vec::with_capacity(dead_letters.len());
    for dead_letter in dead_letters {
        let target_group = target_partition(target, &dead_letter);
        let command = PartitionCommand::MoveIn {
            message: dead_letter.message,
            source: (group_id, dead_letter.sequence),
            sent_ms: dead_letter.sent_ms,
            source_arn: Some(source_arn.clone()),
        };
        match gateway.router.propose(target_group, Command::Partition(command)).await {
            Ok(Outcome::Partition(Ok(_))) => moved.push(dead_letter.sequence),
            Ok(other) => return Err(format!("moving into group {target_group} applied as {other:?}")),
            Err(error) => return Err(error.to_string()),
        }
    }
    let command = PartitionCommand::DeadLettered { sequences: moved };
    match gateway.router.propose(group_id, Command::Partition(command)).await {
        Ok(Outcome::Partition(Ok(_))) => Ok(()),
        Ok(other) => Err(format!("forgetting moved messages applied as {other:?}")),
        Err(error) => Err(error.to_string()),
    }
}

/// FIFO dead letters keep their group in one partition; standard ones spread.
pub(crate) fn target_partition(target: &QueueMeta, dead_letter: &DeadLetter) -> u64 {
    let partitions = target.partition_groups.len();
    let index = match (&dead_letter.message.group_id, target.fifo) {
        (Some(group), true) => crc32fast::hash(group.as_bytes()) as usize % partitions,
        _ => (dead_letter.sequence % partitions as u64) as usize,
    };
    target.partition_groups[index]
}

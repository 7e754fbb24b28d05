//! StartMessageMoveTask, CancelMessageMoveTask and ListMessageMoveTasks.
//! The moving itself is done by [`crate::move_tasks::run_move_task_mover`].

use sluice_queue::{CatalogCommand, CatalogOutcome, MoveTask, MoveTaskStatus, QueueKey, QueueMeta};
use sluice_sqs::{ErrorCode, MessageMoveTask, Response, SqsError};

use super::redrive::{parse_queue_arn, queue_arn, redrive_policy};
use super::{attribute_u64, lookup_queue, propose_catalog};
use crate::errors::from_route_error;
use crate::http::Gateway;

/// Highest MaxNumberOfMessagesPerSecond (API reference, StartMessageMoveTask).
const MOVE_RATE_PER_SECOND_MAX: i32 = 500;
/// Tasks ListMessageMoveTasks returns by default and at most.
const LIST_MOVE_TASKS_DEFAULT: i32 = 1;
const LIST_MOVE_TASKS_MAX: i32 = 10;

fn not_found(parameter: &str) -> SqsError {
    SqsError::new(
        ErrorCode::ResourceNotFound,
        format!("The resource that you specified for the {parameter} parameter doesn't exist."),
    )
}

/// Finds a queue by its ARN, or returns ResourceNotFoundException naming `parameter`.
pub(crate) async fn queue_by_arn(gateway: &Gateway, arn: &str, parameter: &str) -> Result<QueueMeta, SqsError> {
    let (region, account_id, name) = parse_queue_arn(arn).ok_or_else(|| not_found(parameter))?;
    lookup_queue(gateway, &QueueKey { account_id, region, name }).await.map_err(|_| not_found(parameter))
}

pub async fn start_message_move_task(
    gateway: &Gateway,
    source_arn: String,
    destination_arn: Option<String>,
    rate_per_second: Option<i32>,
) -> Result<Response, SqsError> {
    let source = queue_by_arn(gateway, &source_arn, "SourceArn").await?;
    if let Some(rate) = rate_per_second {
        if !(1..=MOVE_RATE_PER_SECOND_MAX).contains(&rate) {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and {MOVE_RATE_PER_SECOND_MAX}."
            )));
        }
    }
    let is_dead_letter_queue = gateway
        .node()
        .catalog()
        .queues()
        .any(|meta| redrive_policy(meta).is_some_and(|policy| policy.dead_letter_target_arn == source_arn));
    if !is_dead_letter_queue {
        return Err(SqsError::invalid_parameter_value("Source queue must be configured as a Dead Letter Queue."));
    }
    if let Some(destination_arn) = &destination_arn {
        let destination = queue_by_arn(gateway, destination_arn, "DestinationArn").await?;
        if destination.fifo != source.fifo {
            return Err(SqsError::invalid_parameter_value(
                "The destination queue must be of the same type (FIFO or standard) as the source queue.",
            ));
        }
    }
    let retention_ms = attribute_u64(&source, "MessageRetentionPeriod") * 1_000;
    let mut to_move = 0;
    for &group_id in &source.partition_groups {
        to_move += gateway.router.counts(group_id, retention_ms).await.map_err(from_route_error)?.visible;
    }
    let task = MoveTask {
        handle: uuid::Uuid::new_v4().to_string(),
        source_arn: queue_arn(&source),
        destination_arn,
        rate_per_second: rate_per_second.map(|rate| rate as u32),
        status: MoveTaskStatus::Running,
        moved: 0,
        to_move,
        started_ms: 0,
        failure_reason: None,
        sequence: 0,
    };
    match propose_catalog(gateway, CatalogCommand::StartMoveTask { task }).await? {
        CatalogOutcome::MoveTask(task) => Ok(Response::StartMessageMoveTask { task_handle: task.handle }),
        other => Err(SqsError::internal_error(format!("StartMessageMoveTask applied as {other:?}"))),
    }
}

pub async fn cancel_message_move_task(gateway: &Gateway, task_handle: String) -> Result<Response, SqsError> {
    match propose_catalog(gateway, CatalogCommand::CancelMoveTask { handle: task_handle }).await? {
        CatalogOutcome::MoveTask(task) => {
            Ok(Response::CancelMessageMoveTask { approximate_number_of_messages_moved: task.moved as i64 })
        }
        other => Err(SqsError::internal_error(format!("CancelMessageMoveTask applied as {other:?}"))),
    }
}

pub async fn list_message_move_tasks(
    gateway: &Gateway,
    source_arn: String,
    max_results: Option<i32>,
) -> Result<Response, SqsError> {
    let max_results = max_results.unwrap_or(LIST_MOVE_TASKS_DEFAULT);
    if !(1..=LIST_MOVE_TASKS_MAX).contains(&max_results) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {max_results} for parameter MaxResults is invalid. Reason: Must be between 1 and {LIST_MOVE_TASKS_MAX}."
        )));
    }
    let source = queue_by_arn(gateway, &source_arn, "SourceArn").await?;
    gateway.router.sync_catalog().await.map_err(from_route_error)?;
    let catalog = gateway.node().catalog();
    let results = catalog
        .move_tasks_of(&queue_arn(&source))
        .into_iter()
        .take(max_results as usize)
        .map(|task| MessageMoveTask {
            task_handle: (task.status == MoveTaskStatus::Running).then(|| task.handle.clone()),
            status: task.status.as_str().to_string(),
            source_arn: task.source_arn.clone(),
            destination_arn: task.destination_arn.clone(),
            max_number_of_messages_per_second: task.rate_per_second.map(|rate| rate as i32),
            approximate_number_of_messages_moved: task.moved as i64,
            approximate_number_of_messages_to_move: Some(task.to_move as i64),
            failure_reason: task.failure_reason.clone(),
            started_timestamp: task.started_ms as i64,
        })
        .collect();
    Ok(Response::ListMessageMoveTasks { results })
}

//! Mapping of lower layers' errors to SQS errors. The codes, statuses and
//! messages themselves live in `sluice_sqs::SqsError`.

use sluice_cluster::RouteError;
use sluice_queue::QueueError;
use sluice_sqs::SqsError;
use tracing::warn;

pub fn from_queue_error(error: QueueError) -> SqsError {
    match error {
        QueueError::QueueDoesNotExist => SqsError::queue_does_not_exist(),
        QueueError::QueueAlreadyExists(message) => SqsError::queue_already_exists(message),
        QueueError::QueueDeletedRecently => SqsError::queue_deleted_recently(
            "You must wait 60 seconds after deleting a queue before you can create another queue with the same name.",
        ),
        QueueError::PurgeQueueInProgress(name) => SqsError::purge_queue_in_progress(format!(
            "Only one PurgeQueue operation on {name} is allowed every 60 seconds."
        )),
        QueueError::ReceiptHandleIsInvalid(message) => SqsError::receipt_handle_is_invalid(message),
        QueueError::MessageNotInflight => SqsError::message_not_inflight(),
        QueueError::InvalidParameterValue(message) => SqsError::invalid_parameter_value(message),
        QueueError::MoveTaskActive(_) => SqsError::invalid_parameter_value(
            "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
        ),
        QueueError::MoveTaskNotFound(_) => SqsError::new(sluice_sqs::ErrorCode::ResourceNotFound, "Task does not exist."),
        QueueError::MoveTaskNotRunning(_) => {
            SqsError::invalid_parameter_value("Only a RUNNING message move task can be cancelled.")
        }
        QueueError::PolicyChanged => SqsError::service_unavailable("The queue policy changed concurrently; retry the request."),
    }
}

/// Routing failures are transient: the AWS SDKs retry 5xx responses.
pub fn from_route_error(error: RouteError) -> SqsError {
    warn!(%error, "routing a request failed");
    match error {
        RouteError::GroupNotFound(_) => SqsError::queue_does_not_exist(),
        RouteError::Unavailable { .. } => SqsError::service_unavailable("No leader is available for the queue now; retry the request."),
    }
}


use thiserror::Error;

/// A state-dependent failure found while applying a command. Input that is
/// invalid on its face is rejected by the gateway before it is proposed.
#[derive(Clone, Debug, PartialEq, Eq, Error, serde::Serialize, serde::Deserialize)]
pub enum QueueError {
    #[error("the specified queue does not exist")]
    QueueDoesNotExist,
    /// The queue exists with different attributes or tags.
    #[error("{0}")]
    QueueAlreadyExists(String),
    #[error("you must wait 60 seconds after deleting a queue before you can create another with the same name")]
    QueueDeletedRecently,
    #[error("only one PurgeQueue operation on {0} is allowed every 60 seconds")]
    PurgeQueueInProgress(String),
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    #[error("the message referred to is not in flight")]
    MessageNotInflight,
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("there is already an active message move task for source {0}")]
    MoveTaskActive(String),
    #[error("no message move task has handle {0}")]
    MoveTaskNotFound(String),
    #[error("the message move task {0} is not running")]
    MoveTaskNotRunning(String),
    /// The Policy attribute changed between the read and the proposed replacement.
    #[error("the queue policy changed concurrently; retry")]
    PolicyChanged,
}

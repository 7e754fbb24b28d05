//! Message move tasks (StartMessageMoveTask and friends) as catalog state, so
//! a task's progress is replicated and survives the failover of any node.

use serde::{Deserialize, Serialize};

use crate::TimestampMs;

/// Tasks kept per source queue; older finished ones are forgotten.
pub const MOVE_TASKS_PER_SOURCE_MAX: usize = 10;

/// The status names of the SQS API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveTaskStatus {
    Running,
    Completed,
    Cancelling,
    Cancelled,
    Failed,
}

impl MoveTaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MoveTaskStatus::Running => "RUNNING",
            MoveTaskStatus::Completed => "COMPLETED",
            MoveTaskStatus::Cancelling => "CANCELLING",
            MoveTaskStatus::Cancelled => "CANCELLED",
            MoveTaskStatus::Failed => "FAILED",
        }
    }

    /// Whether movers still work on the task.
    pub fn is_active(self) -> bool {
        matches!(self, MoveTaskStatus::Running | MoveTaskStatus::Cancelling)
    }
}

/// One message move task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveTask {
    pub handle: String,
    pub source_arn: String,
    /// `None`: each message goes back to the queue it was dead-lettered from.
    pub destination_arn: Option<String>,
    /// MaxNumberOfMessagesPerSecond; `None` lets the mover choose.
    pub rate_per_second: Option<u32>,
    pub status: MoveTaskStatus,
    pub moved: u64,
    /// Messages in the source queue when the task started.
    pub to_move: u64,
    pub started_ms: TimestampMs,
    pub failure_reason: Option<String>,
    /// Order of creation, to list the most recent tasks first.
    pub sequence: u64,
}

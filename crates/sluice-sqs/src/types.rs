//! Typed SQS requests and responses, shared by both wire protocols.
//!
//! Field names follow the SQS API reference (2012-11-05) in snake case.
//! A decoder fills these from AWS JSON 1.0 or from Query form parameters;
//! an encoder writes a [`Response`] back in the protocol of the request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Queue attributes by name (`VisibilityTimeout` -> `"30"`), as on the wire.
pub type AttributeMap = BTreeMap<String, String>;

/// Queue tags by key.
pub type TagMap = BTreeMap<String, String>;

/// One message attribute value (`MessageAttributeValue` in the API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAttributeValue {
    /// `String`, `Number` or `Binary`, optionally followed by `.` and a custom label.
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

/// Message attributes by name, sorted by name as the MD5 digest requires.
pub type MessageAttributes = BTreeMap<String, MessageAttributeValue>;

/// The wire protocol a request arrived in; the response uses the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0 with `X-Amz-Target: AmazonSQS.<Action>`.
    Json,
    /// Query protocol: form-encoded `Action=...`, XML responses.
    Query,
}

/// One message to send: the body of `SendMessage`, or one `SendMessageBatch` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendEntry {
    /// Batch entry id; empty for `SendMessage`.
    pub id: String,
    pub message_body: String,
    pub delay_seconds: Option<i32>,
    pub message_attributes: MessageAttributes,
    /// Only `AWSTraceHeader` is accepted here.
    pub message_system_attributes: MessageAttributes,
    pub message_deduplication_id: Option<String>,
    pub message_group_id: Option<String>,
}

/// One `DeleteMessageBatch` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteEntry {
    pub id: String,
    pub receipt_handle: String,
}

/// One `ChangeMessageVisibilityBatch` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeVisibilityEntry {
    pub id: String,
    pub receipt_handle: String,
    pub visibility_timeout: i32,
}

/// A decoded SQS request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    CreateQueue { queue_name: String, attributes: AttributeMap, tags: TagMap },
    GetQueueUrl { queue_name: String, queue_owner_aws_account_id: Option<String> },
    ListQueues { queue_name_prefix: Option<String>, max_results: Option<i32>, next_token: Option<String> },
    DeleteQueue { queue_url: String },
    GetQueueAttributes { queue_url: String, attribute_names: Vec<String> },
    SetQueueAttributes { queue_url: String, attributes: AttributeMap },
    PurgeQueue { queue_url: String },
    SendMessage { queue_url: String, entry: SendEntry },
    SendMessageBatch { queue_url: String, entries: Vec<SendEntry> },
    ReceiveMessage {
        queue_url: String,
        max_number_of_messages: Option<i32>,
        visibility_timeout: Option<i32>,
        wait_time_seconds: Option<i32>,
        /// The legacy `AttributeNames` list; merged with the next one by the caller.
        attribute_names: Vec<String>,
        message_system_attribute_names: Vec<String>,
        message_attribute_names: Vec<String>,
        receive_request_attempt_id: Option<String>,
    },
    DeleteMessage { queue_url: String, receipt_handle: String },
    DeleteMessageBatch { queue_url: String, entries: Vec<DeleteEntry> },
    ChangeMessageVisibility { queue_url: String, receipt_handle: String, visibility_timeout: i32 },
    ChangeMessageVisibilityBatch { queue_url: String, entries: Vec<ChangeVisibilityEntry> },
    TagQueue { queue_url: String, tags: TagMap },
    UntagQueue { queue_url: String, tag_keys: Vec<String> },
    ListQueueTags { queue_url: String },
    ListDeadLetterSourceQueues { queue_url: String, max_results: Option<i32>, next_token: Option<String> },
    AddPermission { queue_url: String, label: String, aws_account_ids: Vec<String>, actions: Vec<String> },
    RemovePermission { queue_url: String, label: String },
    StartMessageMoveTask { source_arn: String, destination_arn: Option<String>, max_number_of_messages_per_second: Option<i32> },
    CancelMessageMoveTask { task_handle: String },
    ListMessageMoveTasks { source_arn: String, max_results: Option<i32> },
}

/// The result of one successfully sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendResult {
    pub message_id: String,
    pub md5_of_message_body: String,
    pub md5_of_message_attributes: Option<String>,
    pub md5_of_message_system_attributes: Option<String>,
    /// FIFO queues only: a decimal string of up to 128 bits.
    pub sequence_number: Option<String>,
}

/// One failed batch entry (`BatchResultErrorEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchResultError {
    pub id: String,
    pub code: String,
    pub message: String,
    pub sender_fault: bool,
}

/// One received message (`Message` in the API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub md5_of_body: String,
    pub body: String,
    /// Requested system attributes (`SentTimestamp` -> `"1700000000000"`).
    pub attributes: AttributeMap,
    /// Digest of the returned message attributes; `None` when none are returned.
    pub md5_of_message_attributes: Option<String>,
    pub message_attributes: MessageAttributes,
}

/// One message move task (`ListMessageMoveTasksResultEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageMoveTask {
    /// Present only while the task is RUNNING.
    pub task_handle: Option<String>,
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
    pub status: String,
    pub source_arn: String,
    pub destination_arn: Option<String>,
    pub max_number_of_messages_per_second: Option<i32>,
    pub approximate_number_of_messages_moved: i64,
    pub approximate_number_of_messages_to_move: Option<i64>,
    pub failure_reason: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub started_timestamp: i64,
}

/// A response to encode in the protocol of its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    CreateQueue { queue_url: String },
    GetQueueUrl { queue_url: String },
    ListQueues { queue_urls: Vec<String>, next_token: Option<String> },
    GetQueueAttributes { attributes: AttributeMap },
    SendMessage(SendResult),
    SendMessageBatch { successful: Vec<(String, SendResult)>, failed: Vec<BatchResultError> },
    ReceiveMessage { messages: Vec<ReceivedMessage> },
    DeleteMessageBatch { successful: Vec<String>, failed: Vec<BatchResultError> },
    ChangeMessageVisibilityBatch { successful: Vec<String>, failed: Vec<BatchResultError> },
    ListQueueTags { tags: TagMap },
    ListDeadLetterSourceQueues { queue_urls: Vec<String>, next_token: Option<String> },
    StartMessageMoveTask { task_handle: String },
    CancelMessageMoveTask { approximate_number_of_messages_moved: i64 },
    ListMessageMoveTasks { results: Vec<MessageMoveTask> },
    /// An action whose response carries no fields: DeleteQueue, SetQueueAttributes,
    /// PurgeQueue, DeleteMessage, ChangeMessageVisibility, TagQueue, UntagQueue.
    Empty { action: &'static str },
}

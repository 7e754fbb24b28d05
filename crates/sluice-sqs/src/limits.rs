//! SQS limits and defaults, each named once with its unit.
//!
//! Values follow the SQS API reference for API version 2012-11-05, as
//! documented in botocore 1.44's SQS model. The maximum message size there is
//! 1 MiB, where botocore 1.31 still documented 256 KiB.

/// Maximum length of a queue name, `.fifo` suffix included.
pub const QUEUE_NAME_CHARS_MAX: usize = 80;

/// Suffix that every FIFO queue name ends with.
pub const FIFO_SUFFIX: &str = ".fifo";

/// Range of the `DelaySeconds` queue attribute and per-message parameter.
pub const DELAY_S_MIN: i32 = 0;
pub const DELAY_S_MAX: i32 = 900;
pub const DELAY_S_DEFAULT: i32 = 0;

/// Range of the `VisibilityTimeout` queue attribute and of the
/// `ReceiveMessage` and `ChangeMessageVisibility` parameters.
pub const VISIBILITY_TIMEOUT_S_MIN: i32 = 0;
pub const VISIBILITY_TIMEOUT_S_MAX: i32 = 43_200;
pub const VISIBILITY_TIMEOUT_S_DEFAULT: i32 = 30;

/// Range of the `MaximumMessageSize` queue attribute; the default is the maximum.
pub const MESSAGE_SIZE_BYTES_MIN: i32 = 1_024;
pub const MESSAGE_SIZE_BYTES_MAX: i32 = 1_048_576;
pub const MESSAGE_SIZE_BYTES_DEFAULT: i32 = MESSAGE_SIZE_BYTES_MAX;

/// Range of the `MessageRetentionPeriod` queue attribute (1 minute to 14 days).
pub const MESSAGE_RETENTION_S_MIN: i32 = 60;
pub const MESSAGE_RETENTION_S_MAX: i32 = 1_209_600;
pub const MESSAGE_RETENTION_S_DEFAULT: i32 = 345_600;

/// Range of the `ReceiveMessageWaitTimeSeconds` queue attribute and of the
/// `WaitTimeSeconds` parameter of `ReceiveMessage`.
pub const RECEIVE_WAIT_S_MIN: i32 = 0;
pub const RECEIVE_WAIT_S_MAX: i32 = 20;
pub const RECEIVE_WAIT_S_DEFAULT: i32 = 0;

/// Range of `MaxNumberOfMessages` in `ReceiveMessage`; the default is 1.
pub const RECEIVE_MESSAGES_MIN: i32 = 1;
pub const RECEIVE_MESSAGES_MAX: i32 = 10;
pub const RECEIVE_MESSAGES_DEFAULT: i32 = 1;

/// Range of the `KmsDataKeyReusePeriodSeconds` queue attribute.
pub const KMS_DATA_KEY_REUSE_S_MIN: i32 = 60;
pub const KMS_DATA_KEY_REUSE_S_MAX: i32 = 86_400;
pub const KMS_DATA_KEY_REUSE_S_DEFAULT: i32 = 300;

/// Range of `maxReceiveCount` inside a `RedrivePolicy`.
pub const MAX_RECEIVE_COUNT_MIN: i64 = 1;
pub const MAX_RECEIVE_COUNT_MAX: i64 = 1_000;

/// Maximum number of `sourceQueueArns` in a `RedriveAllowPolicy` of type `byQueue`.
pub const REDRIVE_ALLOW_SOURCE_QUEUES_MAX: usize = 10;

/// Maximum number of entries in one batch request.
pub const BATCH_ENTRIES_MAX: usize = 10;

/// Maximum length of a batch entry `Id`.
pub const BATCH_ENTRY_ID_CHARS_MAX: usize = 80;

/// Maximum total size of the messages in one `SendMessageBatch`, counted as
/// message sizes are (body plus message attributes).
pub const BATCH_SIZE_BYTES_MAX: usize = 1_048_576;

/// Maximum number of message attributes on one message.
pub const MESSAGE_ATTRIBUTES_MAX: usize = 10;

/// Maximum length of a message attribute name and of its data type.
pub const MESSAGE_ATTRIBUTE_NAME_CHARS_MAX: usize = 256;
pub const MESSAGE_ATTRIBUTE_TYPE_CHARS_MAX: usize = 256;

/// Maximum length of `MessageDeduplicationId`, `MessageGroupId` and
/// `ReceiveRequestAttemptId`.
pub const DEDUPLICATION_ID_CHARS_MAX: usize = 128;
pub const MESSAGE_GROUP_ID_CHARS_MAX: usize = 128;
pub const RECEIVE_REQUEST_ATTEMPT_ID_CHARS_MAX: usize = 128;

/// Interval in which a repeated `MessageDeduplicationId` is dropped (FIFO queues).
pub const DEDUPLICATION_INTERVAL_S: u64 = 300;

/// Minimum interval between two `PurgeQueue` calls on one queue.
pub const PURGE_INTERVAL_S: u64 = 60;

/// Time after `DeleteQueue` before a queue of the same name can be created.
pub const QUEUE_RECREATE_DELAY_S: u64 = 60;

/// Maximum and default `MaxResults` of `ListQueues`.
pub const LIST_QUEUES_RESULTS_MAX: i32 = 1_000;

/// Limits on queue tags (`TagQueue`, `CreateQueue`).
pub const TAG_KEY_CHARS_MAX: usize = 128;
pub const TAG_VALUE_CHARS_MAX: usize = 256;

/// Number of tags per queue above which AWS advises against tagging; a
/// recommendation, not a limit that AWS enforces.
pub const TAGS_PER_QUEUE_RECOMMENDED_MAX: usize = 50;

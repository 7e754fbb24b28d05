//! SQS error codes as the AWS SDK for Rust reports them.
//!
//! SQS returns AWS JSON 1.0 errors with a `__type` such as
//! `com.amazonaws.sqs#QueueDoesNotExist` and an `x-amzn-query-error` header
//! carrying the older Query protocol code and fault, for example
//! `AWS.SimpleQueueService.NonExistentQueue;Sender`. The SDK (aws-sdk-sqs 1.x)
//! takes the code from that header when it is present, and matches its modeled
//! errors (`QueueDoesNotExist`, `QueueNameExists`, ...) on the Query code. So
//! `ProvideErrorMetadata::code()` returns the Query code for every error below,
//! and these are also the `<Code>` values of a Query protocol `ErrorResponse`.

/// The queue named by `QueueUrl` or `QueueName` does not exist (`QueueDoesNotExist`).
pub const NON_EXISTENT_QUEUE: &str = "AWS.SimpleQueueService.NonExistentQueue";
/// CreateQueue of an existing name with different attribute values (`QueueNameExists`).
pub const QUEUE_ALREADY_EXISTS: &str = "QueueAlreadyExists";
/// An unknown queue attribute name.
pub const INVALID_ATTRIBUTE_NAME: &str = "InvalidAttributeName";
/// A queue attribute value outside its documented range.
pub const INVALID_ATTRIBUTE_VALUE: &str = "InvalidAttributeValue";
/// A request parameter with an invalid value.
pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValue";
/// A required request parameter that is missing or empty.
pub const MISSING_PARAMETER: &str = "MissingParameter";
/// A message body with characters outside the allowed set.
pub const INVALID_MESSAGE_CONTENTS: &str = "InvalidMessageContents";
/// A receipt handle that the server did not issue.
pub const RECEIPT_HANDLE_IS_INVALID: &str = "ReceiptHandleIsInvalid";
/// A second PurgeQueue within 60 seconds of the previous one.
pub const PURGE_QUEUE_IN_PROGRESS: &str = "AWS.SimpleQueueService.PurgeQueueInProgress";
/// A batch request with no entries.
pub const EMPTY_BATCH_REQUEST: &str = "AWS.SimpleQueueService.EmptyBatchRequest";
/// A batch request with more than 10 entries.
pub const TOO_MANY_ENTRIES_IN_BATCH_REQUEST: &str =
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest";
/// Two batch entries with the same `Id`.
pub const BATCH_ENTRY_IDS_NOT_DISTINCT: &str = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct";
/// A batch entry `Id` that is not 1 to 80 alphanumeric, hyphen or underscore characters.
pub const INVALID_BATCH_ENTRY_ID: &str = "AWS.SimpleQueueService.InvalidBatchEntryId";
/// A Query request whose `Action` is not an SQS action.
pub const INVALID_ACTION: &str = "InvalidAction";
pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";

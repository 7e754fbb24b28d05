//! Decoding of SQS requests, shared by both wire protocols.
//!
//! Each protocol reads parameters through [`Params`]; this module maps the
//! parameters of each action onto a [`Request`]. A parameter has a JSON member
//! name (botocore's current model) and one or more Query names (the location
//! names of botocore 1.31's Query model), given together as a [`Name`].

use std::collections::BTreeMap;

use crate::error::SqsError;
use crate::types::{
    ChangeVisibilityEntry, DeleteEntry, MessageAttributes, Protocol, Request, SendEntry,
};
use crate::{json, query};

/// Decodes one SQS request.
///
/// For [`Protocol::Json`], `target` is the `X-Amz-Target` header
/// (`AmazonSQS.<Action>`) and `body` a JSON object. For [`Protocol::Query`],
/// the parameters of the URL query string and of the form-encoded body are
/// merged, and the body wins on a repeated name. A Query request without
/// `QueueUrl` decodes with an empty `queue_url`, which the caller fills from
/// the request path.
///
/// Errors: `InvalidAction` for an unknown action and `MissingParameter` for
/// an absent required parameter. A Query value that does not parse gives
/// `InvalidParameterValue`. A JSON body that is not an object, or has a member
/// of the wrong type, gives a serialization error.
pub fn decode_request(
    protocol: Protocol,
    target: Option<&str>,
    query_string: Option<&str>,
    body: &[u8],
) -> Result<Request, SqsError> {
    match protocol {
        Protocol::Json => json::decode(target, body),
        Protocol::Query => query::decode(query_string, body),
    }
}

/// The name of one request parameter in each protocol.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Name {
    /// Member name in AWS JSON 1.0.
    pub json: &'static str,
    /// Query names to try in order; empty means the same as `json`.
    pub query: &'static [&'static str],
}

impl Name {
    const fn same(name: &'static str) -> Self {
        Name {
            json: name,
            query: &[],
        }
    }

    const fn new(json: &'static str, query: &'static [&'static str]) -> Self {
        Name { json, query }
    }

    /// Returns the Query names of this parameter, in the order to try them.
    pub fn query_names(&self) -> &[&'static str] {
        if self.query.is_empty() {
            std::slice::from_ref(&self.json)
        } else {
            self.query
        }
    }
}

/// A string-to-string map parameter; Query flattens it as
/// `{name}.N.{key}` / `{name}.N.{value}`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MapName {
    pub name: Name,
    pub key: &'static str,
    pub value: &'static str,
}

/// Read access to the parameters of one request, or of one batch entry.
pub(crate) trait Params: Sized {
    const PROTOCOL: Protocol;

    fn string(&self, name: &Name) -> Result<Option<String>, SqsError>;
    fn int(&self, name: &Name) -> Result<Option<i32>, SqsError>;
    fn string_list(&self, name: &Name) -> Result<Vec<String>, SqsError>;
    fn string_map(&self, map: &MapName) -> Result<BTreeMap<String, String>, SqsError>;
    fn message_attributes(&self, name: &Name) -> Result<MessageAttributes, SqsError>;
    /// Returns the entries of a batch list, each readable as parameters of its own.
    fn entries(&self, name: &Name) -> Result<Vec<Self>, SqsError>;
    /// Returns the full name of a parameter as the client sent it, for error messages.
    fn path(&self, name: &Name) -> String;
}

const QUEUE_URL: Name = Name::same("QueueUrl");
const QUEUE_NAME: Name = Name::same("QueueName");
const QUEUE_NAME_PREFIX: Name = Name::same("QueueNamePrefix");
const QUEUE_OWNER: Name = Name::same("QueueOwnerAWSAccountId");
const MAX_RESULTS: Name = Name::same("MaxResults");
const NEXT_TOKEN: Name = Name::same("NextToken");
const ATTRIBUTE_NAMES: Name = Name::new("AttributeNames", &["AttributeName"]);
const SYSTEM_ATTRIBUTE_NAMES: Name = Name::new(
    "MessageSystemAttributeNames",
    &["MessageSystemAttributeName"],
);
const MESSAGE_ATTRIBUTE_NAMES: Name = Name::new("MessageAttributeNames", &["MessageAttributeName"]);
const TAG_KEYS: Name = Name::new("TagKeys", &["TagKey"]);
const LABEL: Name = Name::same("Label");
const SOURCE_ARN: Name = Name::same("SourceArn");
const DESTINATION_ARN: Name = Name::same("DestinationArn");
const MOVE_RATE: Name = Name::same("MaxNumberOfMessagesPerSecond");
const TASK_HANDLE: Name = Name::same("TaskHandle");
const ACCOUNT_IDS: Name = Name::new("AWSAccountIds", &["AWSAccountId"]);
const ACTION_NAMES: Name = Name::new("Actions", &["ActionName"]);
const MESSAGE_BODY: Name = Name::same("MessageBody");
const DELAY_SECONDS: Name = Name::same("DelaySeconds");
const MESSAGE_ATTRIBUTES: Name = Name::new("MessageAttributes", &["MessageAttribute"]);
const SYSTEM_ATTRIBUTES: Name = Name::new("MessageSystemAttributes", &["MessageSystemAttribute"]);
const DEDUPLICATION_ID: Name = Name::same("MessageDeduplicationId");
const GROUP_ID: Name = Name::same("MessageGroupId");
const RECEIPT_HANDLE: Name = Name::same("ReceiptHandle");
const VISIBILITY_TIMEOUT: Name = Name::same("VisibilityTimeout");
const MAX_NUMBER_OF_MESSAGES: Name = Name::same("MaxNumberOfMessages");
const WAIT_TIME_SECONDS: Name = Name::same("WaitTimeSeconds");
const ATTEMPT_ID: Name = Name::same("ReceiveRequestAttemptId");
const ENTRY_ID: Name = Name::same("Id");
const SEND_ENTRIES: Name = Name::new("Entries", &["SendMessageBatchRequestEntry"]);
const DELETE_ENTRIES: Name = Name::new("Entries", &["DeleteMessageBatchRequestEntry"]);
const VISIBILITY_ENTRIES: Name =
    Name::new("Entries", &["ChangeMessageVisibilityBatchRequestEntry"]);

const ATTRIBUTES: MapName = MapName {
    name: Name::new("Attributes", &["Attribute"]),
    key: "Name",
    value: "Value",
};
/// `CreateQueue` spells its tag map `tags` in JSON.
const CREATE_TAGS: MapName = MapName {
    name: Name::new("tags", &["Tag"]),
    key: "Key",
    value: "Value",
};
/// botocore 1.31 sends `Tags.N.*` for `TagQueue`; the API reference examples use `Tag.N.*`.
const TAGS: MapName = MapName {
    name: Name::new("Tags", &["Tag", "Tags"]),
    key: "Key",
    value: "Value",
};

impl Request {
    /// Returns the SQS action name of this request, e.g. `SendMessage`.
    pub fn action(&self) -> &str {
        match self {
            Request::CreateQueue { .. } => "CreateQueue",
            Request::GetQueueUrl { .. } => "GetQueueUrl",
            Request::ListQueues { .. } => "ListQueues",
            Request::DeleteQueue { .. } => "DeleteQueue",
            Request::GetQueueAttributes { .. } => "GetQueueAttributes",
            Request::SetQueueAttributes { .. } => "SetQueueAttributes",
            Request::PurgeQueue { .. } => "PurgeQueue",
            Request::SendMessage { .. } => "SendMessage",
            Request::SendMessageBatch { .. } => "SendMessageBatch",
            Request::ReceiveMessage { .. } => "ReceiveMessage",
            Request::DeleteMessage { .. } => "DeleteMessage",
            Request::DeleteMessageBatch { .. } => "DeleteMessageBatch",
            Request::ChangeMessageVisibility { .. } => "ChangeMessageVisibility",
            Request::ChangeMessageVisibilityBatch { .. } => "ChangeMessageVisibilityBatch",
            Request::TagQueue { .. } => "TagQueue",
            Request::UntagQueue { .. } => "UntagQueue",
            Request::ListQueueTags { .. } => "ListQueueTags",
            Request::ListDeadLetterSourceQueues { .. } => "ListDeadLetterSourceQueues",
            Request::AddPermission { .. } => "AddPermission",
            Request::StartMessageMoveTask { .. } => "StartMessageMoveTask",
            Request::CancelMessageMoveTask { .. } => "CancelMessageMoveTask",
            Request::ListMessageMoveTasks { .. } => "ListMessageMoveTasks",
            Request::RemovePermission { .. } => "RemovePermission",
        }
    }
}

/// Maps the parameters of `action` onto a [`Request`].
pub(crate) fn decode_action<P: Params>(action: &str, p: &P) -> Result<Request, SqsError> {
    match action {
        "CreateQueue" => create_queue(p),
        "GetQueueUrl" => get_queue_url(p),
        "ListQueues" => list_queues(p),
        "DeleteQueue" => Ok(Request::DeleteQueue {
            queue_url: queue_url(p)?,
        }),
        "GetQueueAttributes" => get_queue_attributes(p),
        "SetQueueAttributes" => set_queue_attributes(p),
        "PurgeQueue" => Ok(Request::PurgeQueue {
            queue_url: queue_url(p)?,
        }),
        "SendMessage" => send_message(p),
        "SendMessageBatch" => send_message_batch(p),
        "ReceiveMessage" => receive_message(p),
        "DeleteMessage" => delete_message(p),
        "DeleteMessageBatch" => delete_message_batch(p),
        "ChangeMessageVisibility" => change_message_visibility(p),
        "ChangeMessageVisibilityBatch" => change_message_visibility_batch(p),
        "TagQueue" => Ok(Request::TagQueue {
            queue_url: queue_url(p)?,
            tags: p.string_map(&TAGS)?,
        }),
        "UntagQueue" => Ok(Request::UntagQueue {
            queue_url: queue_url(p)?,
            tag_keys: p.string_list(&TAG_KEYS)?,
        }),
        "ListQueueTags" => Ok(Request::ListQueueTags {
            queue_url: queue_url(p)?,
        }),
        "AddPermission" => Ok(Request::AddPermission {
            queue_url: queue_url(p)?,
            label: required_string(p, &LABEL)?,
            aws_account_ids: p.string_list(&ACCOUNT_IDS)?,
            actions: p.string_list(&ACTION_NAMES)?,
        }),
        "StartMessageMoveTask" => Ok(Request::StartMessageMoveTask {
            source_arn: required_string(p, &SOURCE_ARN)?,
            destination_arn: p.string(&DESTINATION_ARN)?,
            max_number_of_messages_per_second: p.int(&MOVE_RATE)?,
        }),
        "CancelMessageMoveTask" => Ok(Request::CancelMessageMoveTask {
            task_handle: required_string(p, &TASK_HANDLE)?,
        }),
        "ListMessageMoveTasks" => Ok(Request::ListMessageMoveTasks {
            source_arn: required_string(p, &SOURCE_ARN)?,
            max_results: p.int(&MAX_RESULTS)?,
        }),
        "RemovePermission" => Ok(Request::RemovePermission {
            queue_url: queue_url(p)?,
            label: required_string(p, &LABEL)?,
        }),
        "ListDeadLetterSourceQueues" => Ok(Request::ListDeadLetterSourceQueues {
            queue_url: queue_url(p)?,
            max_results: p.int(&MAX_RESULTS)?,
            next_token: p.string(&NEXT_TOKEN)?,
        }),
        unknown => Err(SqsError::invalid_action(format!(
            "The action {unknown} is not valid for this endpoint."
        ))),
    }
}

fn required_string<P: Params>(p: &P, name: &Name) -> Result<String, SqsError> {
    p.string(name)?
        .ok_or_else(|| SqsError::missing_named_parameter(&p.path(name)))
}

fn required_int<P: Params>(p: &P, name: &Name) -> Result<i32, SqsError> {
    p.int(name)?
        .ok_or_else(|| SqsError::missing_named_parameter(&p.path(name)))
}

/// `QueueUrl` is required in JSON; a Query request may address the queue by
/// its path instead, so an absent `QueueUrl` decodes as empty there.
fn queue_url<P: Params>(p: &P) -> Result<String, SqsError> {
    match P::PROTOCOL {
        Protocol::Json => required_string(p, &QUEUE_URL),
        Protocol::Query => Ok(p.string(&QUEUE_URL)?.unwrap_or_default()),
    }
}

fn create_queue<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::CreateQueue {
        queue_name: required_string(p, &QUEUE_NAME)?,
        attributes: p.string_map(&ATTRIBUTES)?,
        tags: p.string_map(&CREATE_TAGS)?,
    })
}

fn get_queue_url<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::GetQueueUrl {
        queue_name: required_string(p, &QUEUE_NAME)?,
        queue_owner_aws_account_id: p.string(&QUEUE_OWNER)?,
    })
}

fn list_queues<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::ListQueues {
        queue_name_prefix: p.string(&QUEUE_NAME_PREFIX)?,
        max_results: p.int(&MAX_RESULTS)?,
        next_token: p.string(&NEXT_TOKEN)?,
    })
}

fn get_queue_attributes<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::GetQueueAttributes {
        queue_url: queue_url(p)?,
        attribute_names: p.string_list(&ATTRIBUTE_NAMES)?,
    })
}

fn set_queue_attributes<P: Params>(p: &P) -> Result<Request, SqsError> {
    let queue_url = queue_url(p)?;
    let attributes = p.string_map(&ATTRIBUTES)?;
    // `Attributes` is required by the model; an empty map carries nothing to set.
    if attributes.is_empty() {
        return Err(SqsError::missing_named_parameter(&p.path(&ATTRIBUTES.name)));
    }
    Ok(Request::SetQueueAttributes {
        queue_url,
        attributes,
    })
}

/// Reads the fields of one message: `SendMessage` or a `SendMessageBatch` entry.
fn send_entry<P: Params>(p: &P, id: String) -> Result<SendEntry, SqsError> {
    Ok(SendEntry {
        id,
        message_body: required_string(p, &MESSAGE_BODY)?,
        delay_seconds: p.int(&DELAY_SECONDS)?,
        message_attributes: p.message_attributes(&MESSAGE_ATTRIBUTES)?,
        message_system_attributes: p.message_attributes(&SYSTEM_ATTRIBUTES)?,
        message_deduplication_id: p.string(&DEDUPLICATION_ID)?,
        message_group_id: p.string(&GROUP_ID)?,
    })
}

fn send_message<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::SendMessage {
        queue_url: queue_url(p)?,
        entry: send_entry(p, String::new())?,
    })
}

fn send_message_batch<P: Params>(p: &P) -> Result<Request, SqsError> {
    let queue_url = queue_url(p)?;
    let entries = p
        .entries(&SEND_ENTRIES)?
        .iter()
        .map(|entry| send_entry(entry, required_string(entry, &ENTRY_ID)?))
        .collect::<Result<_, _>>()?;
    Ok(Request::SendMessageBatch { queue_url, entries })
}

fn receive_message<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::ReceiveMessage {
        queue_url: queue_url(p)?,
        max_number_of_messages: p.int(&MAX_NUMBER_OF_MESSAGES)?,
        visibility_timeout: p.int(&VISIBILITY_TIMEOUT)?,
        wait_time_seconds: p.int(&WAIT_TIME_SECONDS)?,
        attribute_names: p.string_list(&ATTRIBUTE_NAMES)?,
        message_system_attribute_names: p.string_list(&SYSTEM_ATTRIBUTE_NAMES)?,
        message_attribute_names: p.string_list(&MESSAGE_ATTRIBUTE_NAMES)?,
        receive_request_attempt_id: p.string(&ATTEMPT_ID)?,
    })
}

fn delete_message<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::DeleteMessage {
        queue_url: queue_url(p)?,
        receipt_handle: required_string(p, &RECEIPT_HANDLE)?,
    })
}

fn delete_message_batch<P: Params>(p: &P) -> Result<Request, SqsError> {
    let queue_url = queue_url(p)?;
    let entries = p
        .entries(&DELETE_ENTRIES)?
        .iter()
        .map(|entry| {
            Ok(DeleteEntry {
                id: required_string(entry, &ENTRY_ID)?,
                receipt_handle: required_string(entry, &RECEIPT_HANDLE)?,
            })
        })
        .collect::<Result<_, SqsError>>()?;
    Ok(Request::DeleteMessageBatch { queue_url, entries })
}

fn change_message_visibility<P: Params>(p: &P) -> Result<Request, SqsError> {
    Ok(Request::ChangeMessageVisibility {
        queue_url: queue_url(p)?,
        receipt_handle: required_string(p, &RECEIPT_HANDLE)?,
        visibility_timeout: required_int(p, &VISIBILITY_TIMEOUT)?,
    })
}

fn change_message_visibility_batch<P: Params>(p: &P) -> Result<Request, SqsError> {
    let queue_url = queue_url(p)?;
    let entries = p
        .entries(&VISIBILITY_ENTRIES)?
        .iter()
        .map(|entry| {
            Ok(ChangeVisibilityEntry {
                id: required_string(entry, &ENTRY_ID)?,
                receipt_handle: required_string(entry, &RECEIPT_HANDLE)?,
                // The model gives the entry's VisibilityTimeout a default of 0.
                visibility_timeout: entry.int(&VISIBILITY_TIMEOUT)?.unwrap_or(0),
            })
        })
        .collect::<Result<_, SqsError>>()?;
    Ok(Request::ChangeMessageVisibilityBatch { queue_url, entries })
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

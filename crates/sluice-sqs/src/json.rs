//! AWS JSON 1.0, the protocol of current SDKs: `X-Amz-Target: AmazonSQS.<Action>`,
//! a JSON object body named as in botocore's current model, JSON responses.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::decode::{decode_action, MapName, Name, Params};
use crate::encode::EncodedResponse;
use crate::error::SqsError;
use crate::types::{
    BatchResultError, MessageAttributeValue, MessageAttributes, Protocol, ReceivedMessage, Request,
    Response, SendResult,
    MessageMoveTask,
};

/// Content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Prefix of the `X-Amz-Target` header of every SQS action.
pub const TARGET_PREFIX: &str = "AmazonSQS.";

/// Decodes a JSON request; see [`crate::decode_request`].
pub(crate) fn decode(target: Option<&str>, body: &[u8]) -> Result<Request, SqsError> {
    let target = target.ok_or_else(|| {
        SqsError::invalid_action("The request must contain the X-Amz-Target header.")
    })?;
    let action = target.strip_prefix(TARGET_PREFIX).ok_or_else(|| {
        SqsError::invalid_action(format!(
            "The target {target} is not valid for this endpoint."
        ))
    })?;

    let value = parse_body(body)?;
    let Value::Object(object) = value else {
        return Err(SqsError::serialization(
            "The request body must be a JSON object.",
        ));
    };
    decode_action(
        action,
        &JsonParams {
            object: &object,
            path: String::new(),
        },
    )
}

fn parse_body(body: &[u8]) -> Result<Value, SqsError> {
    // SDKs send `{}` for an action without parameters; an empty body means the same.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|error| {
        SqsError::serialization(format!("The request body is not valid JSON: {error}."))
    })
}

/// The members of one JSON object: the request, or one batch entry.
pub(crate) struct JsonParams<'a> {
    object: &'a Map<String, Value>,
    /// Path of this object for error messages, e.g. `Entries.2.`.
    path: String,
}

impl<'a> JsonParams<'a> {
    /// Returns the member, treating an explicit `null` as absent.
    fn member(&self, name: &Name) -> Option<&'a Value> {
        self.object.get(name.json).filter(|value| !value.is_null())
    }

    fn type_error(&self, name: &str, expected: &str, found: &Value) -> SqsError {
        SqsError::serialization(format!(
            "Expected {expected} for {}{name}, found {}.",
            self.path,
            json_type_name(found)
        ))
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn expect_str<'v>(
    params: &JsonParams<'_>,
    name: &str,
    value: &'v Value,
) -> Result<&'v str, SqsError> {
    value
        .as_str()
        .ok_or_else(|| params.type_error(name, "a string", value))
}

impl Params for JsonParams<'_> {
    const PROTOCOL: Protocol = Protocol::Json;

    fn string(&self, name: &Name) -> Result<Option<String>, SqsError> {
        self.member(name)
            .map(|value| expect_str(self, name.json, value).map(str::to_owned))
            .transpose()
    }

    fn int(&self, name: &Name) -> Result<Option<i32>, SqsError> {
        let Some(value) = self.member(name) else {
            return Ok(None);
        };
        let integer = value.as_i64().and_then(|i| i32::try_from(i).ok());
        integer
            .map(Some)
            .ok_or_else(|| self.type_error(name.json, "a 32-bit integer", value))
    }

    fn string_list(&self, name: &Name) -> Result<Vec<String>, SqsError> {
        let Some(value) = self.member(name) else {
            return Ok(Vec::new());
        };
        let items = value
            .as_array()
            .ok_or_else(|| self.type_error(name.json, "a list", value))?;
        items
            .iter()
            .map(|item| expect_str(self, name.json, item).map(str::to_owned))
            .collect()
    }

    fn string_map(&self, map: &MapName) -> Result<BTreeMap<String, String>, SqsError> {
        let Some(value) = self.member(&map.name) else {
            return Ok(BTreeMap::new());
        };
        let object = value
            .as_object()
            .ok_or_else(|| self.type_error(map.name.json, "an object", value))?;
        object
            .iter()
            .map(|(key, item)| {
                Ok((
                    key.clone(),
                    expect_str(self, map.name.json, item)?.to_owned(),
                ))
            })
            .collect()
    }

    fn message_attributes(&self, name: &Name) -> Result<MessageAttributes, SqsError> {
        let Some(value) = self.member(name) else {
            return Ok(MessageAttributes::new());
        };
        let object = value
            .as_object()
            .ok_or_else(|| self.type_error(name.json, "an object", value))?;
        object
            .iter()
            .map(|(attribute, item)| {
                Ok((
                    attribute.clone(),
                    self.attribute_value(name, attribute, item)?,
                ))
            })
            .collect()
    }

    fn entries(&self, name: &Name) -> Result<Vec<Self>, SqsError> {
        let Some(value) = self.member(name) else {
            return Ok(Vec::new());
        };
        let items = value
            .as_array()
            .ok_or_else(|| self.type_error(name.json, "a list", value))?;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let object = item
                    .as_object()
                    .ok_or_else(|| self.type_error(name.json, "a list of objects", item))?;
                Ok(JsonParams {
                    object,
                    path: format!("{}{}.{}.", self.path, name.json, index + 1),
                })
            })
            .collect()
    }

    fn path(&self, name: &Name) -> String {
        format!("{}{}", self.path, name.json)
    }
}

impl JsonParams<'_> {
    /// Reads one `MessageAttributeValue`; a missing `DataType` decodes as empty
    /// so that validation reports it in AWS's wording.
    fn attribute_value(
        &self,
        map: &Name,
        attribute: &str,
        value: &Value,
    ) -> Result<MessageAttributeValue, SqsError> {
        let path = format!("{}.{attribute}", map.json);
        let object = value
            .as_object()
            .ok_or_else(|| self.type_error(&path, "an object", value))?;
        let field = |member: &str| object.get(member).filter(|v| !v.is_null());

        let data_type = field("DataType")
            .map(|v| expect_str(self, &path, v))
            .transpose()?
            .unwrap_or_default();
        let string_value = field("StringValue")
            .map(|v| expect_str(self, &path, v))
            .transpose()?;
        let binary_value = field("BinaryValue")
            .map(|v| {
                let encoded = expect_str(self, &path, v)?;
                BASE64.decode(encoded).map_err(|_| {
                    SqsError::serialization(format!(
                        "BinaryValue of {}{path} is not valid base64.",
                        self.path
                    ))
                })
            })
            .transpose()?;
        Ok(MessageAttributeValue {
            data_type: data_type.to_owned(),
            string_value: string_value.map(str::to_owned),
            binary_value,
        })
    }
}

/// Encodes a successful response as the model's output shape.
pub(crate) fn encode_response(request_id: &str, response: &Response) -> EncodedResponse {
    let body = response_body(response);
    EncodedResponse {
        status: 200,
        content_type: CONTENT_TYPE,
        headers: vec![("x-amzn-RequestId", request_id.to_owned())],
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

/// Encodes an error as `{"__type", "message"}` with the `x-amzn-query-error`
/// header that awsQueryCompatible SDKs read the Query error code from.
pub(crate) fn encode_error(request_id: &str, error: &SqsError) -> EncodedResponse {
    let body = json!({ "__type": error.json_type(), "message": error.message });
    EncodedResponse {
        status: error.status(),
        content_type: CONTENT_TYPE,
        headers: vec![
            ("x-amzn-RequestId", request_id.to_owned()),
            ("x-amzn-query-error", error.query_error_header()),
        ],
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

/// Builds the output object; empty optional lists and maps are left out as AWS does.
fn response_body(response: &Response) -> Value {
    let mut out = Map::new();
    match response {
        Response::CreateQueue { queue_url } | Response::GetQueueUrl { queue_url } => {
            out.insert("QueueUrl".into(), queue_url.as_str().into());
        }
        Response::ListQueues {
            queue_urls,
            next_token,
        } => {
            if !queue_urls.is_empty() {
                out.insert("QueueUrls".into(), json!(queue_urls));
            }
            insert_opt(&mut out, "NextToken", next_token.as_deref());
        }
        Response::ListDeadLetterSourceQueues {
            queue_urls,
            next_token,
        } => {
            // queueUrls is required in the model, so it is sent even when empty.
            out.insert("queueUrls".into(), json!(queue_urls));
            insert_opt(&mut out, "NextToken", next_token.as_deref());
        }
        Response::GetQueueAttributes { attributes } => {
            insert_string_map(&mut out, "Attributes", attributes)
        }
        Response::StartMessageMoveTask { task_handle } => {
            out.insert("TaskHandle".into(), task_handle.as_str().into());
        }
        Response::CancelMessageMoveTask {
            approximate_number_of_messages_moved,
        } => {
            out.insert("ApproximateNumberOfMessagesMoved".into(), json!(approximate_number_of_messages_moved));
        }
        Response::ListMessageMoveTasks { results } => {
            if !results.is_empty() {
                out.insert("Results".into(), results.iter().map(move_task_entry).collect());
            }
        }
        Response::SendMessage(result) => send_result(&mut out, result),
        Response::SendMessageBatch { successful, failed } => {
            let entries = successful
                .iter()
                .map(|(id, result)| send_batch_entry(id, result))
                .collect();
            out.insert("Successful".into(), Value::Array(entries));
            out.insert("Failed".into(), failed_entries(failed));
        }
        Response::ReceiveMessage { messages } => {
            if !messages.is_empty() {
                out.insert("Messages".into(), messages.iter().map(message).collect());
            }
        }
        Response::DeleteMessageBatch { successful, failed }
        | Response::ChangeMessageVisibilityBatch { successful, failed } => {
            out.insert(
                "Successful".into(),
                successful.iter().map(|id| json!({ "Id": id })).collect(),
            );
            out.insert("Failed".into(), failed_entries(failed));
        }
        Response::ListQueueTags { tags } => insert_string_map(&mut out, "Tags", tags),
        Response::Empty { .. } => {}
    }
    Value::Object(out)
}

fn move_task_entry(task: &MessageMoveTask) -> Value {
    let mut entry = Map::new();
    insert_opt(&mut entry, "TaskHandle", task.task_handle.as_deref());
    entry.insert("Status".into(), task.status.as_str().into());
    entry.insert("SourceArn".into(), task.source_arn.as_str().into());
    insert_opt(&mut entry, "DestinationArn", task.destination_arn.as_deref());
    if let Some(rate) = task.max_number_of_messages_per_second {
        entry.insert("MaxNumberOfMessagesPerSecond".into(), json!(rate));
    }
    entry.insert("ApproximateNumberOfMessagesMoved".into(), json!(task.approximate_number_of_messages_moved));
    if let Some(to_move) = task.approximate_number_of_messages_to_move {
        entry.insert("ApproximateNumberOfMessagesToMove".into(), json!(to_move));
    }
    insert_opt(&mut entry, "FailureReason", task.failure_reason.as_deref());
    entry.insert("StartedTimestamp".into(), json!(task.started_timestamp));
    Value::Object(entry)
}

fn insert_opt(out: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.insert(key.into(), value.into());
    }
}

fn insert_string_map(out: &mut Map<String, Value>, key: &str, map: &BTreeMap<String, String>) {
    if !map.is_empty() {
        out.insert(key.into(), json!(map));
    }
}

fn send_result(out: &mut Map<String, Value>, result: &SendResult) {
    out.insert(
        "MD5OfMessageBody".into(),
        result.md5_of_message_body.as_str().into(),
    );
    insert_opt(
        out,
        "MD5OfMessageAttributes",
        result.md5_of_message_attributes.as_deref(),
    );
    insert_opt(
        out,
        "MD5OfMessageSystemAttributes",
        result.md5_of_message_system_attributes.as_deref(),
    );
    out.insert("MessageId".into(), result.message_id.as_str().into());
    insert_opt(out, "SequenceNumber", result.sequence_number.as_deref());
}

fn send_batch_entry(id: &str, result: &SendResult) -> Value {
    let mut entry = Map::new();
    entry.insert("Id".into(), id.into());
    send_result(&mut entry, result);
    Value::Object(entry)
}

fn failed_entries(failed: &[BatchResultError]) -> Value {
    failed
        .iter()
        .map(|f| json!({ "Id": f.id, "SenderFault": f.sender_fault, "Code": f.code, "Message": f.message }))
        .collect()
}

fn message(message: &ReceivedMessage) -> Value {
    let mut out = Map::new();
    out.insert("MessageId".into(), message.message_id.as_str().into());
    out.insert(
        "ReceiptHandle".into(),
        message.receipt_handle.as_str().into(),
    );
    out.insert("MD5OfBody".into(), message.md5_of_body.as_str().into());
    out.insert("Body".into(), message.body.as_str().into());
    insert_string_map(&mut out, "Attributes", &message.attributes);
    insert_opt(
        &mut out,
        "MD5OfMessageAttributes",
        message.md5_of_message_attributes.as_deref(),
    );
    if !message.message_attributes.is_empty() {
        let attributes = message
            .message_attributes
            .iter()
            .map(|(name, value)| (name.clone(), attribute_value(value)))
            .collect();
        out.insert("MessageAttributes".into(), Value::Object(attributes));
    }
    Value::Object(out)
}

fn attribute_value(value: &MessageAttributeValue) -> Value {
    let mut out = Map::new();
    insert_opt(&mut out, "StringValue", value.string_value.as_deref());
    if let Some(bytes) = &value.binary_value {
        out.insert("BinaryValue".into(), BASE64.encode(bytes).into());
    }
    out.insert("DataType".into(), value.data_type.as_str().into());
    Value::Object(out)
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;

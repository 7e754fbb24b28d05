//! Encoding of responses and errors in the protocol of their request.

use crate::error::SqsError;
use crate::types::{Protocol, Response};
use crate::{json, query};

/// An HTTP response ready to send; the caller adds `Content-Length`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedResponse {
    pub status: u16,
    pub content_type: &'static str,
    /// Extra headers: `x-amzn-RequestId` always, `x-amzn-query-error` on JSON errors.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Encodes a successful response: a JSON object for [`Protocol::Json`], an
/// `<{Action}Response>` XML document for [`Protocol::Query`].
pub fn encode_response(
    protocol: Protocol,
    request_id: &str,
    response: &Response,
) -> EncodedResponse {
    match protocol {
        Protocol::Json => json::encode_response(request_id, response),
        Protocol::Query => query::encode_response(request_id, response),
    }
}

/// Encodes an error with the status of its code: `{"__type", "message"}` plus
/// the `x-amzn-query-error` header for JSON, an `<ErrorResponse>` for Query.
pub fn encode_error(protocol: Protocol, request_id: &str, error: &SqsError) -> EncodedResponse {
    match protocol {
        Protocol::Json => json::encode_error(request_id, error),
        Protocol::Query => query::encode_error(request_id, error),
    }
}

impl Response {
    /// Returns the action whose output this response is, as in `<{action}Response>`.
    pub fn action(&self) -> &'static str {
        match self {
            Response::CreateQueue { .. } => "CreateQueue",
            Response::GetQueueUrl { .. } => "GetQueueUrl",
            Response::ListQueues { .. } => "ListQueues",
            Response::ListDeadLetterSourceQueues { .. } => "ListDeadLetterSourceQueues",
            Response::StartMessageMoveTask { .. } => "StartMessageMoveTask",
            Response::CancelMessageMoveTask { .. } => "CancelMessageMoveTask",
            Response::ListMessageMoveTasks { .. } => "ListMessageMoveTasks",
            Response::GetQueueAttributes { .. } => "GetQueueAttributes",
            Response::SendMessage(_) => "SendMessage",
            Response::SendMessageBatch { .. } => "SendMessageBatch",
            Response::ReceiveMessage { .. } => "ReceiveMessage",
            Response::DeleteMessageBatch { .. } => "DeleteMessageBatch",
            Response::ChangeMessageVisibilityBatch { .. } => "ChangeMessageVisibilityBatch",
            Response::ListQueueTags { .. } => "ListQueueTags",
            Response::Empty { action } => action,
        }
    }
}

//! XML responses of the Query protocol, with the flattened element names of
//! botocore 1.31's Query model (`<QueueUrl>` repeated, `<Attribute>` with
//! `<Name>` and `<Value>`, `<SendMessageBatchResultEntry>`, ...).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::{CONTENT_TYPE, XML_NAMESPACE};
use crate::encode::EncodedResponse;
use crate::error::SqsError;
use crate::types::{BatchResultError, MessageAttributes, ReceivedMessage, Response, SendResult};

/// Encodes `<{Action}Response><{Action}Result>...</...><ResponseMetadata>`;
/// actions without output fields get no Result element.
pub(crate) fn encode_response(request_id: &str, response: &Response) -> EncodedResponse {
    let action = response.action();
    let mut xml = XmlWriter::new();
    xml.open_with_namespace(&format!("{action}Response"));
    if !matches!(response, Response::Empty { .. }) {
        let result = format!("{action}Result");
        xml.open(&result);
        write_result(&mut xml, response);
        xml.close(&result);
    }
    xml.open("ResponseMetadata");
    xml.element("RequestId", request_id);
    xml.close("ResponseMetadata");
    xml.close(&format!("{action}Response"));
    finish(200, request_id, xml)
}

/// Encodes `<ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error><RequestId/>`.
pub(crate) fn encode_error(request_id: &str, error: &SqsError) -> EncodedResponse {
    let mut xml = XmlWriter::new();
    xml.open_with_namespace("ErrorResponse");
    xml.open("Error");
    xml.element("Type", error.fault_name());
    xml.element("Code", error.query_code());
    xml.element("Message", &error.message);
    xml.empty("Detail");
    xml.close("Error");
    xml.element("RequestId", request_id);
    xml.close("ErrorResponse");
    finish(error.status(), request_id, xml)
}

fn finish(status: u16, request_id: &str, xml: XmlWriter) -> EncodedResponse {
    EncodedResponse {
        status,
        content_type: CONTENT_TYPE,
        headers: vec![("x-amzn-RequestId", request_id.to_owned())],
        body: xml.out.into_bytes(),
    }
}

fn write_result(xml: &mut XmlWriter, response: &Response) {
    match response {
        Response::CreateQueue { queue_url } | Response::GetQueueUrl { queue_url } => {
            xml.element("QueueUrl", queue_url);
        }
        Response::ListQueues {
            queue_urls,
            next_token,
        }
        | Response::ListDeadLetterSourceQueues {
            queue_urls,
            next_token,
        } => {
            for url in queue_urls {
                xml.element("QueueUrl", url);
            }
            xml.optional("NextToken", next_token.as_deref());
        }
        Response::GetQueueAttributes { attributes } => {
            write_pairs(xml, "Attribute", "Name", attributes)
        }
        Response::StartMessageMoveTask { task_handle } => xml.element("TaskHandle", task_handle),
        Response::CancelMessageMoveTask {
            approximate_number_of_messages_moved,
        } => xml.element(
            "ApproximateNumberOfMessagesMoved",
            &approximate_number_of_messages_moved.to_string(),
        ),
        Response::ListMessageMoveTasks { results } => {
            for task in results {
                xml.open("ListMessageMoveTasksResultEntry");
                xml.optional("TaskHandle", task.task_handle.as_deref());
                xml.element("Status", &task.status);
                xml.element("SourceArn", &task.source_arn);
                xml.optional("DestinationArn", task.destination_arn.as_deref());
                let rate = task.max_number_of_messages_per_second.map(|rate| rate.to_string());
                xml.optional("MaxNumberOfMessagesPerSecond", rate.as_deref());
                let moved = task.approximate_number_of_messages_moved.to_string();
                xml.element("ApproximateNumberOfMessagesMoved", &moved);
                let to_move = task.approximate_number_of_messages_to_move.map(|count| count.to_string());
                xml.optional("ApproximateNumberOfMessagesToMove", to_move.as_deref());
                xml.optional("FailureReason", task.failure_reason.as_deref());
                xml.element("StartedTimestamp", &task.started_timestamp.to_string());
                xml.close("ListMessageMoveTasksResultEntry");
            }
        }
        Response::SendMessage(result) => write_send_result(xml, result),
        Response::SendMessageBatch { successful, failed } => {
            for (id, result) in successful {
                xml.open("SendMessageBatchResultEntry");
                xml.element("Id", id);
                write_send_result(xml, result);
                xml.close("SendMessageBatchResultEntry");
            }
            write_failed(xml, failed);
        }
        Response::ReceiveMessage { messages } => {
            messages.iter().for_each(|m| write_message(xml, m))
        }
        Response::DeleteMessageBatch { successful, failed } => {
            write_ids(xml, "DeleteMessageBatchResultEntry", successful);
            write_failed(xml, failed);
        }
        Response::ChangeMessageVisibilityBatch { successful, failed } => {
            write_ids(xml, "ChangeMessageVisibilityBatchResultEntry", successful);
            write_failed(xml, failed);
        }
        Response::ListQueueTags { tags } => write_pairs(xml, "Tag", "Key", tags),
        Response::Empty { .. } => {}
    }
}

/// Writes a flattened map: `<{element}><{key_tag}>k</..><Value>v</Value></{element}>` per entry.
fn write_pairs<'a>(
    xml: &mut XmlWriter,
    element: &str,
    key_tag: &str,
    pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
) {
    for (key, value) in pairs {
        xml.open(element);
        xml.element(key_tag, key);
        xml.element("Value", value);
        xml.close(element);
    }
}

fn write_send_result(xml: &mut XmlWriter, result: &SendResult) {
    xml.element("MessageId", &result.message_id);
    xml.element("MD5OfMessageBody", &result.md5_of_message_body);
    xml.optional(
        "MD5OfMessageAttributes",
        result.md5_of_message_attributes.as_deref(),
    );
    xml.optional(
        "MD5OfMessageSystemAttributes",
        result.md5_of_message_system_attributes.as_deref(),
    );
    xml.optional("SequenceNumber", result.sequence_number.as_deref());
}

fn write_ids(xml: &mut XmlWriter, element: &str, ids: &[String]) {
    for id in ids {
        xml.open(element);
        xml.element("Id", id);
        xml.close(element);
    }
}

fn write_failed(xml: &mut XmlWriter, failed: &[BatchResultError]) {
    for entry in failed {
        xml.open("BatchResultErrorEntry");
        xml.element("Id", &entry.id);
        xml.element(
            "SenderFault",
            if entry.sender_fault { "true" } else { "false" },
        );
        xml.element("Code", &entry.code);
        xml.element("Message", &entry.message);
        xml.close("BatchResultErrorEntry");
    }
}

fn write_message(xml: &mut XmlWriter, message: &ReceivedMessage) {
    xml.open("Message");
    xml.element("MessageId", &message.message_id);
    xml.element("ReceiptHandle", &message.receipt_handle);
    xml.element("MD5OfBody", &message.md5_of_body);
    xml.element("Body", &message.body);
    write_pairs(xml, "Attribute", "Name", &message.attributes);
    xml.optional(
        "MD5OfMessageAttributes",
        message.md5_of_message_attributes.as_deref(),
    );
    write_message_attributes(xml, &message.message_attributes);
    xml.close("Message");
}

fn write_message_attributes(xml: &mut XmlWriter, attributes: &MessageAttributes) {
    for (name, value) in attributes {
        xml.open("MessageAttribute");
        xml.element("Name", name);
        xml.open("Value");
        xml.optional("StringValue", value.string_value.as_deref());
        if let Some(bytes) = &value.binary_value {
            xml.element("BinaryValue", &BASE64.encode(bytes));
        }
        xml.element("DataType", &value.data_type);
        xml.close("Value");
        xml.close("MessageAttribute");
    }
}

/// A minimal writer for the element-only documents above.
struct XmlWriter {
    out: String,
}

impl XmlWriter {
    fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\"?>"),
        }
    }

    fn open_with_namespace(&mut self, tag: &str) {
        self.out
            .push_str(&format!("<{tag} xmlns=\"{XML_NAMESPACE}\">"));
    }

    fn open(&mut self, tag: &str) {
        self.out.push_str(&format!("<{tag}>"));
    }

    fn close(&mut self, tag: &str) {
        self.out.push_str(&format!("</{tag}>"));
    }

    fn empty(&mut self, tag: &str) {
        self.out.push_str(&format!("<{tag}/>"));
    }

    fn element(&mut self, tag: &str, text: &str) {
        self.open(tag);
        self.out.push_str(&escape_text(text));
        self.close(tag);
    }

    fn optional(&mut self, tag: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.element(tag, text);
        }
    }
}

/// Escapes `<`, `>`, `&`, `'` and `"` with quick-xml, and carriage returns as
/// `&#xD;` because an XML parser turns a literal CR into LF.
fn escape_text(text: &str) -> String {
    let escaped = quick_xml::escape::escape(text);
    if escaped.contains('\r') {
        escaped.replace('\r', "&#xD;")
    } else {
        escaped.into_owned()
    }
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;

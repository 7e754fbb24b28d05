use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;
use crate::types::{AttributeMap, MessageAttributeValue, Protocol, TagMap};

/// One parsed element: its name, text, namespace attribute and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    xmlns: Option<String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {:?}", self.name, self.child_names()))
    }

    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn child_names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }

    fn text_of(&self, name: &str) -> &str {
        &self.child(name).text
    }
}

fn start_node(element: &quick_xml::events::BytesStart<'_>) -> Node {
    let xmlns = element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == b"xmlns")
        .map(|a| String::from_utf8(a.value.to_vec()).unwrap());
    Node {
        name: String::from_utf8(element.name().as_ref().to_vec()).unwrap(),
        xmlns,
        ..Node::default()
    }
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> String {
    if let Some(c) = reference.resolve_char_ref().unwrap() {
        return c.to_string();
    }
    let name = reference.decode().unwrap();
    quick_xml::escape::resolve_predefined_entity(&name)
        .unwrap_or_else(|| panic!("unknown entity {name}"))
        .to_owned()
}

/// Parses an element-only document into its root node.
fn parse(body: &[u8]) -> Node {
    let text = std::str::from_utf8(body).unwrap();
    assert!(
        text.starts_with("<?xml version=\"1.0\"?>"),
        "missing XML declaration: {text}"
    );
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(element) => stack.push(start_node(&element)),
            Event::Empty(element) => stack
                .last_mut()
                .unwrap()
                .children
                .push(start_node(&element)),
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&resolve_reference(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element expected");
    document.children.pop().unwrap()
}

/// Encodes `response` and returns its `<{Action}Result>`, checking the envelope.
fn encode_result(response: &Response) -> Node {
    let encoded = crate::encode_response(Protocol::Query, "req-9", response);
    assert_eq!(encoded.status, 200);
    assert_eq!(encoded.content_type, "text/xml");
    let root = parse(&encoded.body);
    let action = response.action();
    assert_eq!(root.name, format!("{action}Response"));
    assert_eq!(
        root.xmlns.as_deref(),
        Some("http://queue.amazonaws.com/doc/2012-11-05/")
    );
    assert_eq!(root.child("ResponseMetadata").text_of("RequestId"), "req-9");
    let mut root = root;
    let index = root
        .children
        .iter()
        .position(|c| c.name == format!("{action}Result"))
        .expect("no Result element");
    root.children.swap_remove(index)
}

fn send_result(with_sequence: bool) -> SendResult {
    SendResult {
        message_id: "m-1".into(),
        md5_of_message_body: "fafb00f5732ab283681e124bf8747ed1".into(),
        md5_of_message_attributes: Some("3ae8f24a165a8cedc005670c81a27295".into()),
        md5_of_message_system_attributes: None,
        sequence_number: with_sequence.then(|| "18849496460467696128".into()),
    }
}

#[test]
fn empty_response_has_only_metadata() {
    let encoded = crate::encode_response(
        Protocol::Query,
        "req-1",
        &Response::Empty {
            action: "DeleteQueue",
        },
    );
    let root = parse(&encoded.body);
    assert_eq!(root.name, "DeleteQueueResponse");
    assert_eq!(root.child_names(), ["ResponseMetadata"]);
    assert_eq!(root.child("ResponseMetadata").text_of("RequestId"), "req-1");
}

#[test]
fn queue_url_results() {
    for response in [
        Response::CreateQueue {
            queue_url: "u".into(),
        },
        Response::GetQueueUrl {
            queue_url: "u".into(),
        },
    ] {
        let result = encode_result(&response);
        assert_eq!(result.child_names(), ["QueueUrl"]);
        assert_eq!(result.text_of("QueueUrl"), "u");
    }
}

#[test]
fn list_queues_repeats_queue_url() {
    let response = Response::ListQueues {
        queue_urls: vec!["a".into(), "b".into()],
        next_token: Some("t".into()),
    };
    let result = encode_result(&response);
    assert_eq!(result.child_names(), ["QueueUrl", "QueueUrl", "NextToken"]);
    let urls: Vec<&str> = result
        .all("QueueUrl")
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(urls, ["a", "b"]);

    let empty = encode_result(&Response::ListQueues {
        queue_urls: vec![],
        next_token: None,
    });
    assert!(empty.children.is_empty());
}

#[test]
fn queue_attributes_and_tags_are_flattened_pairs() {
    let attributes = AttributeMap::from([
        ("DelaySeconds".into(), "0".into()),
        ("QueueArn".into(), "arn".into()),
    ]);
    let result = encode_result(&Response::GetQueueAttributes { attributes });
    let pairs: Vec<(&str, &str)> = result
        .all("Attribute")
        .iter()
        .map(|a| (a.text_of("Name"), a.text_of("Value")))
        .collect();
    assert_eq!(pairs, [("DelaySeconds", "0"), ("QueueArn", "arn")]);

    let tags = TagMap::from([("team".into(), "a".into())]);
    let result = encode_result(&Response::ListQueueTags { tags });
    assert_eq!(result.child_names(), ["Tag"]);
    assert_eq!(result.child("Tag").text_of("Key"), "team");
    assert_eq!(result.child("Tag").text_of("Value"), "a");
}

#[test]
fn send_message_result_fields() {
    let result = encode_result(&Response::SendMessage(send_result(true)));
    assert_eq!(result.text_of("MessageId"), "m-1");
    assert_eq!(
        result.text_of("MD5OfMessageBody"),
        "fafb00f5732ab283681e124bf8747ed1"
    );
    assert_eq!(
        result.text_of("MD5OfMessageAttributes"),
        "3ae8f24a165a8cedc005670c81a27295"
    );
    assert_eq!(result.text_of("SequenceNumber"), "18849496460467696128");
    assert!(result.all("MD5OfMessageSystemAttributes").is_empty());
}

#[test]
fn batch_results_use_entry_elements() {
    let failed = vec![BatchResultError {
        id: "bad".into(),
        code: "InvalidParameterValue".into(),
        message: "too <big>".into(),
        sender_fault: true,
    }];
    let send = encode_result(&Response::SendMessageBatch {
        successful: vec![("ok".into(), send_result(false))],
        failed: failed.clone(),
    });
    assert_eq!(
        send.child_names(),
        ["SendMessageBatchResultEntry", "BatchResultErrorEntry"]
    );
    let entry = send.child("SendMessageBatchResultEntry");
    assert_eq!(entry.text_of("Id"), "ok");
    assert_eq!(entry.text_of("MessageId"), "m-1");
    assert_eq!(
        entry.text_of("MD5OfMessageBody"),
        "fafb00f5732ab283681e124bf8747ed1"
    );
    let error = send.child("BatchResultErrorEntry");
    assert_eq!(error.text_of("Id"), "bad");
    assert_eq!(error.text_of("SenderFault"), "true");
    assert_eq!(error.text_of("Code"), "InvalidParameterValue");
    assert_eq!(error.text_of("Message"), "too <big>");

    let delete = encode_result(&Response::DeleteMessageBatch {
        successful: vec!["a".into(), "b".into()],
        failed: failed.clone(),
    });
    assert_eq!(
        delete.child_names(),
        [
            "DeleteMessageBatchResultEntry",
            "DeleteMessageBatchResultEntry",
            "BatchResultErrorEntry"
        ]
    );
    assert_eq!(
        delete.all("DeleteMessageBatchResultEntry")[1].text_of("Id"),
        "b"
    );

    let change = encode_result(&Response::ChangeMessageVisibilityBatch {
        successful: vec!["c".into()],
        failed: vec![],
    });
    assert_eq!(
        change.child_names(),
        ["ChangeMessageVisibilityBatchResultEntry"]
    );
    assert_eq!(
        change
            .child("ChangeMessageVisibilityBatchResultEntry")
            .text_of("Id"),
        "c"
    );
}

fn received_message(body: &str) -> ReceivedMessage {
    ReceivedMessage {
        message_id: "m".into(),
        receipt_handle: "r+/=".into(),
        md5_of_body: crate::md5_of_body(body),
        body: body.into(),
        attributes: AttributeMap::from([
            ("ApproximateReceiveCount".into(), "1".into()),
            ("SentTimestamp".into(), "1700000000000".into()),
        ]),
        md5_of_message_attributes: Some("amd5".into()),
        message_attributes: MessageAttributes::from([
            (
                "bin".into(),
                MessageAttributeValue {
                    data_type: "Binary".into(),
                    string_value: None,
                    binary_value: Some(vec![0, 1, 2]),
                },
            ),
            (
                "color".into(),
                MessageAttributeValue {
                    data_type: "String".into(),
                    string_value: Some("blue".into()),
                    binary_value: None,
                },
            ),
        ]),
    }
}

#[test]
fn receive_message_shape() {
    let result = encode_result(&Response::ReceiveMessage {
        messages: vec![received_message("hi"), received_message("yo")],
    });
    assert_eq!(result.child_names(), ["Message", "Message"]);
    let message = result.child("Message");
    assert_eq!(
        message.child_names(),
        [
            "MessageId",
            "ReceiptHandle",
            "MD5OfBody",
            "Body",
            "Attribute",
            "Attribute",
            "MD5OfMessageAttributes",
            "MessageAttribute",
            "MessageAttribute"
        ]
    );
    assert_eq!(message.text_of("ReceiptHandle"), "r+/=");
    let attributes: Vec<(&str, &str)> = message
        .all("Attribute")
        .iter()
        .map(|a| (a.text_of("Name"), a.text_of("Value")))
        .collect();
    assert_eq!(
        attributes,
        [
            ("ApproximateReceiveCount", "1"),
            ("SentTimestamp", "1700000000000")
        ]
    );

    let user = message.all("MessageAttribute");
    assert_eq!(user[0].text_of("Name"), "bin");
    assert_eq!(
        user[0].child("Value").child_names(),
        ["BinaryValue", "DataType"]
    );
    assert_eq!(user[0].child("Value").text_of("BinaryValue"), "AAEC");
    assert_eq!(user[1].text_of("Name"), "color");
    assert_eq!(
        user[1].child("Value").child_names(),
        ["StringValue", "DataType"]
    );
    assert_eq!(user[1].child("Value").text_of("StringValue"), "blue");
    assert_eq!(user[1].child("Value").text_of("DataType"), "String");

    let empty = encode_result(&Response::ReceiveMessage { messages: vec![] });
    assert!(empty.children.is_empty());
}

#[test]
fn body_text_survives_round_trip() {
    let bodies = [
        "<tag attr=\"x\">&amp;</tag>",
        "it's \"quoted\"",
        "line1\r\nline2\rline3\n",
        "\ttab \u{E000} \u{10FFFF} é",
    ];
    for body in bodies {
        let encoded = crate::encode_response(
            Protocol::Query,
            "r",
            &Response::ReceiveMessage {
                messages: vec![received_message(body)],
            },
        );
        let raw = std::str::from_utf8(&encoded.body).unwrap();
        assert!(!raw.contains('\r'), "literal CR in output for {body:?}");
        let parsed = parse(&encoded.body);
        let result = parsed.child("ReceiveMessageResult");
        assert_eq!(result.child("Message").text_of("Body"), body);
    }
    assert!(escape_text("a\rb").contains("&#xD;"));
}

#[test]
fn error_response_shape() {
    let cases = [
        (
            SqsError::queue_does_not_exist(),
            400,
            "Sender",
            "AWS.SimpleQueueService.NonExistentQueue",
        ),
        (
            SqsError::receipt_handle_is_invalid("bad & <handle>"),
            404,
            "Sender",
            "ReceiptHandleIsInvalid",
        ),
        (
            SqsError::internal_error("boom"),
            500,
            "Receiver",
            "InternalError",
        ),
        (
            SqsError::service_unavailable("later"),
            503,
            "Receiver",
            "ServiceUnavailable",
        ),
    ];
    for (error, status, fault, code) in cases {
        let encoded = crate::encode_error(Protocol::Query, "req-e", &error);
        assert_eq!(encoded.status, status, "{code}");
        assert_eq!(encoded.content_type, "text/xml");
        assert!(encoded
            .headers
            .contains(&("x-amzn-RequestId", "req-e".to_string())));
        assert!(encoded
            .headers
            .iter()
            .all(|(name, _)| *name != "x-amzn-query-error"));
        let root = parse(&encoded.body);
        assert_eq!(root.name, "ErrorResponse");
        assert_eq!(
            root.xmlns.as_deref(),
            Some("http://queue.amazonaws.com/doc/2012-11-05/")
        );
        assert_eq!(root.child_names(), ["Error", "RequestId"]);
        assert_eq!(root.text_of("RequestId"), "req-e");
        let detail = root.child("Error");
        assert_eq!(detail.child_names(), ["Type", "Code", "Message", "Detail"]);
        assert_eq!(detail.text_of("Type"), fault);
        assert_eq!(detail.text_of("Code"), code);
        assert_eq!(detail.text_of("Message"), error.message);
    }
}

use super::*;
use crate::error::ErrorCode;
use crate::types::{ChangeVisibilityEntry, DeleteEntry, SendEntry};
use crate::{decode_request, AttributeMap, TagMap};

const URL: &str = "http://localhost/000000000000/q";

/// Query parameters as (name, value) pairs.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

fn form(params: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// Decodes `Action=action` plus `params`, all in the form body.
fn decode_query(action: &str, params: &[(&str, &str)]) -> Result<Request, SqsError> {
    let mut all = vec![("Action", action), ("Version", "2012-11-05")];
    all.extend_from_slice(params);
    decode_request(Protocol::Query, None, None, form(&all).as_bytes())
}

fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: data_type.into(),
        string_value: Some(value.into()),
        binary_value: None,
    }
}

#[test]
fn create_queue_with_attribute_and_tag_maps() {
    let request = decode_query(
        "CreateQueue",
        &[
            ("QueueName", "q.fifo"),
            ("Attribute.1.Name", "FifoQueue"),
            ("Attribute.1.Value", "true"),
            ("Attribute.2.Name", "VisibilityTimeout"),
            ("Attribute.2.Value", "60"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "a b"),
        ],
    )
    .unwrap();
    let expected = Request::CreateQueue {
        queue_name: "q.fifo".into(),
        attributes: AttributeMap::from([
            ("FifoQueue".into(), "true".into()),
            ("VisibilityTimeout".into(), "60".into()),
        ]),
        tags: TagMap::from([("team".into(), "a b".into())]),
    };
    assert_eq!(request, expected);
}

#[test]
fn queue_actions() {
    let cases: Vec<(&str, Pairs, Request)> = vec![
        (
            "GetQueueUrl",
            vec![("QueueName", "q"), ("QueueOwnerAWSAccountId", "1")],
            Request::GetQueueUrl {
                queue_name: "q".into(),
                queue_owner_aws_account_id: Some("1".into()),
            },
        ),
        (
            "ListQueues",
            vec![
                ("QueueNamePrefix", "p"),
                ("MaxResults", "10"),
                ("NextToken", "t"),
            ],
            Request::ListQueues {
                queue_name_prefix: Some("p".into()),
                max_results: Some(10),
                next_token: Some("t".into()),
            },
        ),
        (
            "DeleteQueue",
            vec![("QueueUrl", URL)],
            Request::DeleteQueue {
                queue_url: URL.into(),
            },
        ),
        (
            "PurgeQueue",
            vec![("QueueUrl", URL)],
            Request::PurgeQueue {
                queue_url: URL.into(),
            },
        ),
        (
            "GetQueueAttributes",
            vec![
                ("QueueUrl", URL),
                ("AttributeName.1", "QueueArn"),
                ("AttributeName.2", "All"),
            ],
            Request::GetQueueAttributes {
                queue_url: URL.into(),
                attribute_names: vec!["QueueArn".into(), "All".into()],
            },
        ),
        (
            "SetQueueAttributes",
            vec![
                ("QueueUrl", URL),
                ("Attribute.1.Name", "DelaySeconds"),
                ("Attribute.1.Value", "5"),
            ],
            Request::SetQueueAttributes {
                queue_url: URL.into(),
                attributes: AttributeMap::from([("DelaySeconds".into(), "5".into())]),
            },
        ),
        (
            "UntagQueue",
            vec![("QueueUrl", URL), ("TagKey.1", "a"), ("TagKey.2", "b")],
            Request::UntagQueue {
                queue_url: URL.into(),
                tag_keys: vec!["a".into(), "b".into()],
            },
        ),
        (
            "ListQueueTags",
            vec![("QueueUrl", URL)],
            Request::ListQueueTags {
                queue_url: URL.into(),
            },
        ),
    ];
    for (action, params, expected) in cases {
        assert_eq!(decode_query(action, &params).unwrap(), expected, "{action}");
    }
}

#[test]
fn tag_queue_accepts_tag_and_tags_prefixes() {
    let expected = Request::TagQueue {
        queue_url: URL.into(),
        tags: TagMap::from([("k".into(), "v".into())]),
    };
    for prefix in ["Tag", "Tags"] {
        let key = format!("{prefix}.1.Key");
        let value = format!("{prefix}.1.Value");
        let request =
            decode_query("TagQueue", &[("QueueUrl", URL), (&key, "k"), (&value, "v")]).unwrap();
        assert_eq!(request, expected, "{prefix}");
    }
}

#[test]
fn lists_are_ordered_by_index_not_text() {
    let mut params = vec![("QueueUrl", URL)];
    let names: Vec<(String, String)> = (1..=11)
        .map(|n| (format!("AttributeName.{n}"), format!("a{n}")))
        .collect();
    params.extend(names.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let Request::GetQueueAttributes {
        attribute_names, ..
    } = decode_query("GetQueueAttributes", &params).unwrap()
    else {
        panic!("wrong request kind");
    };
    let expected: Vec<String> = (1..=11).map(|n| format!("a{n}")).collect();
    assert_eq!(attribute_names, expected);
}

#[test]
fn send_message_with_attributes() {
    let request = decode_query(
        "SendMessage",
        &[
            ("QueueUrl", URL),
            ("MessageBody", "This is a test message"),
            ("DelaySeconds", "45"),
            ("MessageAttribute.1.Name", "my_attribute_name_1"),
            (
                "MessageAttribute.1.Value.StringValue",
                "my_attribute_value_1",
            ),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.2.Name", "bin"),
            ("MessageAttribute.2.Value.BinaryValue", "AAEC"),
            ("MessageAttribute.2.Value.DataType", "Binary"),
            ("MessageSystemAttribute.1.Name", "AWSTraceHeader"),
            ("MessageSystemAttribute.1.Value.StringValue", "Root=1"),
            ("MessageSystemAttribute.1.Value.DataType", "String"),
            ("MessageDeduplicationId", "d"),
            ("MessageGroupId", "g"),
        ],
    )
    .unwrap();
    let expected_attributes = MessageAttributes::from([
        (
            "my_attribute_name_1".into(),
            string_attr("String", "my_attribute_value_1"),
        ),
        (
            "bin".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                string_value: None,
                binary_value: Some(vec![0, 1, 2]),
            },
        ),
    ]);
    let expected = Request::SendMessage {
        queue_url: URL.into(),
        entry: SendEntry {
            id: String::new(),
            message_body: "This is a test message".into(),
            delay_seconds: Some(45),
            message_attributes: expected_attributes,
            message_system_attributes: MessageAttributes::from([(
                "AWSTraceHeader".into(),
                string_attr("String", "Root=1"),
            )]),
            message_deduplication_id: Some("d".into()),
            message_group_id: Some("g".into()),
        },
    };
    assert_eq!(request, expected);
}

#[test]
fn send_message_batch_entries() {
    let request = decode_query(
        "SendMessageBatch",
        &[
            ("QueueUrl", URL),
            ("SendMessageBatchRequestEntry.1.Id", "test_msg_001"),
            (
                "SendMessageBatchRequestEntry.1.MessageBody",
                "test message body 1",
            ),
            ("SendMessageBatchRequestEntry.2.Id", "test_msg_002"),
            (
                "SendMessageBatchRequestEntry.2.MessageBody",
                "test message body 2",
            ),
            ("SendMessageBatchRequestEntry.2.DelaySeconds", "60"),
            (
                "SendMessageBatchRequestEntry.2.MessageAttribute.1.Name",
                "test_attribute_name_1",
            ),
            (
                "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue",
                "test_attribute_value_1",
            ),
            (
                "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType",
                "String",
            ),
        ],
    )
    .unwrap();
    let expected = Request::SendMessageBatch {
        queue_url: URL.into(),
        entries: vec![
            SendEntry {
                id: "test_msg_001".into(),
                message_body: "test message body 1".into(),
                ..SendEntry::default()
            },
            SendEntry {
                id: "test_msg_002".into(),
                message_body: "test message body 2".into(),
                delay_seconds: Some(60),
                message_attributes: MessageAttributes::from([(
                    "test_attribute_name_1".into(),
                    string_attr("String", "test_attribute_value_1"),
                )]),
                ..SendEntry::default()
            },
        ],
    };
    assert_eq!(request, expected);
}

#[test]
fn delete_and_change_visibility_batches() {
    let delete = decode_query(
        "DeleteMessageBatch",
        &[
            ("QueueUrl", URL),
            ("DeleteMessageBatchRequestEntry.1.Id", "a"),
            ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", "r1"),
            ("DeleteMessageBatchRequestEntry.2.Id", "b"),
            ("DeleteMessageBatchRequestEntry.2.ReceiptHandle", "r2"),
        ],
    )
    .unwrap();
    let expected = Request::DeleteMessageBatch {
        queue_url: URL.into(),
        entries: vec![
            DeleteEntry {
                id: "a".into(),
                receipt_handle: "r1".into(),
            },
            DeleteEntry {
                id: "b".into(),
                receipt_handle: "r2".into(),
            },
        ],
    };
    assert_eq!(delete, expected);

    let change = decode_query(
        "ChangeMessageVisibilityBatch",
        &[
            ("QueueUrl", URL),
            ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "a"),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
                "r1",
            ),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout",
                "45",
            ),
        ],
    )
    .unwrap();
    let expected = Request::ChangeMessageVisibilityBatch {
        queue_url: URL.into(),
        entries: vec![ChangeVisibilityEntry {
            id: "a".into(),
            receipt_handle: "r1".into(),
            visibility_timeout: 45,
        }],
    };
    assert_eq!(change, expected);
}

#[test]
fn receive_message_lists_and_numbers() {
    let request = decode_query(
        "ReceiveMessage",
        &[
            ("QueueUrl", URL),
            ("MaxNumberOfMessages", "5"),
            ("VisibilityTimeout", "15"),
            ("WaitTimeSeconds", "10"),
            ("AttributeName.1", "All"),
            ("MessageSystemAttributeName.1", "SenderId"),
            ("MessageSystemAttributeName.2", "SentTimestamp"),
            ("MessageAttributeName.1", "color"),
            ("ReceiveRequestAttemptId", "attempt"),
        ],
    )
    .unwrap();
    let expected = Request::ReceiveMessage {
        queue_url: URL.into(),
        max_number_of_messages: Some(5),
        visibility_timeout: Some(15),
        wait_time_seconds: Some(10),
        attribute_names: vec!["All".into()],
        message_system_attribute_names: vec!["SenderId".into(), "SentTimestamp".into()],
        message_attribute_names: vec!["color".into()],
        receive_request_attempt_id: Some("attempt".into()),
    };
    assert_eq!(request, expected);
}

#[test]
fn single_message_actions() {
    let delete = decode_query(
        "DeleteMessage",
        &[("QueueUrl", URL), ("ReceiptHandle", "r+/=")],
    )
    .unwrap();
    assert_eq!(
        delete,
        Request::DeleteMessage {
            queue_url: URL.into(),
            receipt_handle: "r+/=".into()
        }
    );
    let change = decode_query(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", URL),
            ("ReceiptHandle", "r"),
            ("VisibilityTimeout", "0"),
        ],
    )
    .unwrap();
    assert_eq!(
        change,
        Request::ChangeMessageVisibility {
            queue_url: URL.into(),
            receipt_handle: "r".into(),
            visibility_timeout: 0
        }
    );
}

#[test]
fn missing_queue_url_decodes_empty() {
    let request = decode_query("SendMessage", &[("MessageBody", "x")]).unwrap();
    let Request::SendMessage { queue_url, .. } = request else {
        panic!("wrong request kind");
    };
    assert_eq!(queue_url, "");
}

#[test]
fn query_string_and_body_are_merged() {
    let query = form(&[
        ("Action", "SendMessage"),
        ("QueueUrl", URL),
        ("MessageBody", "from-url"),
    ]);
    let body = form(&[("MessageBody", "from-body")]);
    let request = decode_request(Protocol::Query, None, Some(&query), body.as_bytes()).unwrap();
    let Request::SendMessage { queue_url, entry } = request else {
        panic!("wrong request kind");
    };
    assert_eq!(queue_url, URL);
    assert_eq!(entry.message_body, "from-body");

    let get_only = decode_request(Protocol::Query, None, Some("Action=ListQueues"), b"").unwrap();
    assert_eq!(
        get_only,
        Request::ListQueues {
            queue_name_prefix: None,
            max_results: None,
            next_token: None
        }
    );
}

#[test]
fn form_decoding_keeps_special_characters() {
    let body = "Action=SendMessage&MessageBody=a%2Bb+c%26d%0D%0A%E2%9C%93";
    let Request::SendMessage { entry, .. } =
        decode_request(Protocol::Query, None, None, body.as_bytes()).unwrap()
    else {
        panic!("wrong request kind");
    };
    assert_eq!(entry.message_body, "a+b c&d\r\n\u{2713}");
}

#[test]
fn missing_parameters() {
    let cases: Vec<(&str, Pairs, &str)> = vec![
        ("CreateQueue", vec![], "The request must contain the parameter QueueName."),
        ("SendMessage", vec![("QueueUrl", URL)], "The request must contain the parameter MessageBody."),
        (
            "ChangeMessageVisibility",
            vec![("QueueUrl", URL), ("ReceiptHandle", "r")],
            "The request must contain the parameter VisibilityTimeout.",
        ),
        (
            "SendMessageBatch",
            vec![("SendMessageBatchRequestEntry.1.Id", "a")],
            "The request must contain the parameter SendMessageBatchRequestEntry.1.MessageBody.",
        ),
        (
            "DeleteMessageBatch",
            vec![("DeleteMessageBatchRequestEntry.3.Id", "a")],
            "The request must contain the parameter DeleteMessageBatchRequestEntry.3.ReceiptHandle.",
        ),
        (
            "CreateQueue",
            vec![("QueueName", "q"), ("Attribute.1.Name", "DelaySeconds")],
            "The request must contain the parameter Attribute.1.Value.",
        ),
        (
            "SendMessage",
            vec![("MessageBody", "x"), ("MessageAttribute.1.Value.StringValue", "v")],
            "The request must contain the parameter MessageAttribute.1.Name.",
        ),
        ("SetQueueAttributes", vec![("QueueUrl", URL)], "The request must contain the parameter Attribute."),
    ];
    for (action, params, message) in cases {
        let error = decode_query(action, &params).unwrap_err();
        assert_eq!(error.code, ErrorCode::MissingParameter, "{action}");
        assert_eq!(error.message, message, "{action}");
    }
    let no_action = decode_request(Protocol::Query, None, None, b"QueueName=q").unwrap_err();
    assert_eq!(no_action.code, ErrorCode::MissingParameter);
}

#[test]
fn integers_that_do_not_parse() {
    let cases: Vec<(&str, Pairs, &str)> = vec![
        (
            "ReceiveMessage",
            vec![("MaxNumberOfMessages", "ten")],
            "Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.",
        ),
        (
            "SendMessage",
            vec![("MessageBody", "x"), ("DelaySeconds", "1.5")],
            "Value 1.5 for parameter DelaySeconds is invalid. Reason: Must be an integer.",
        ),
        (
            "ListQueues",
            vec![("MaxResults", "99999999999")],
            "Value 99999999999 for parameter MaxResults is invalid. Reason: Must be an integer.",
        ),
        (
            "ChangeMessageVisibilityBatch",
            vec![
                ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "a"),
                ("ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", "r"),
                ("ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", ""),
            ],
            "Value  for parameter ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout is invalid. \
             Reason: Must be an integer.",
        ),
    ];
    for (action, params, message) in cases {
        let error = decode_query(action, &params).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{action}");
        assert_eq!(error.message, message, "{action}");
    }
}

#[test]
fn invalid_base64_binary_value() {
    let error = decode_query(
        "SendMessage",
        &[
            ("MessageBody", "x"),
            ("MessageAttribute.1.Name", "b"),
            ("MessageAttribute.1.Value.DataType", "Binary"),
            ("MessageAttribute.1.Value.BinaryValue", "***"),
        ],
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidParameterValue);
}

#[test]
fn unknown_action_rejected() {
    let error = decode_query("Bogus", &[]).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidAction);
}

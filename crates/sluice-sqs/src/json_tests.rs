use serde_json::json;

use super::*;
use crate::error::ErrorCode;
use crate::types::{ChangeVisibilityEntry, DeleteEntry, SendEntry};
use crate::{decode_request, AttributeMap, TagMap};

fn decode_json(action: &str, body: Value) -> Result<Request, SqsError> {
    let target = format!("AmazonSQS.{action}");
    decode_request(
        Protocol::Json,
        Some(&target),
        None,
        body.to_string().as_bytes(),
    )
}

fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: data_type.into(),
        string_value: Some(value.into()),
        binary_value: None,
    }
}

const URL: &str = "http://localhost/000000000000/q";

#[test]
fn decode_queue_actions() {
    let cases: Vec<(&str, Value, Request)> = vec![
        (
            "CreateQueue",
            json!({"QueueName": "q", "Attributes": {"VisibilityTimeout": "5"}, "tags": {"team": "a"}}),
            Request::CreateQueue {
                queue_name: "q".into(),
                attributes: AttributeMap::from([("VisibilityTimeout".into(), "5".into())]),
                tags: TagMap::from([("team".into(), "a".into())]),
            },
        ),
        (
            "GetQueueUrl",
            json!({"QueueName": "q", "QueueOwnerAWSAccountId": "123"}),
            Request::GetQueueUrl {
                queue_name: "q".into(),
                queue_owner_aws_account_id: Some("123".into()),
            },
        ),
        (
            "ListQueues",
            json!({"QueueNamePrefix": "p", "MaxResults": 5, "NextToken": "t"}),
            Request::ListQueues {
                queue_name_prefix: Some("p".into()),
                max_results: Some(5),
                next_token: Some("t".into()),
            },
        ),
        (
            "ListQueues",
            json!({}),
            Request::ListQueues {
                queue_name_prefix: None,
                max_results: None,
                next_token: None,
            },
        ),
        (
            "DeleteQueue",
            json!({"QueueUrl": URL}),
            Request::DeleteQueue {
                queue_url: URL.into(),
            },
        ),
        (
            "PurgeQueue",
            json!({"QueueUrl": URL}),
            Request::PurgeQueue {
                queue_url: URL.into(),
            },
        ),
        (
            "GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": ["All", "QueueArn"]}),
            Request::GetQueueAttributes {
                queue_url: URL.into(),
                attribute_names: vec!["All".into(), "QueueArn".into()],
            },
        ),
        (
            "SetQueueAttributes",
            json!({"QueueUrl": URL, "Attributes": {"DelaySeconds": "3"}}),
            Request::SetQueueAttributes {
                queue_url: URL.into(),
                attributes: AttributeMap::from([("DelaySeconds".into(), "3".into())]),
            },
        ),
        (
            "TagQueue",
            json!({"QueueUrl": URL, "Tags": {"k": "v"}}),
            Request::TagQueue {
                queue_url: URL.into(),
                tags: TagMap::from([("k".into(), "v".into())]),
            },
        ),
        (
            "UntagQueue",
            json!({"QueueUrl": URL, "TagKeys": ["k"]}),
            Request::UntagQueue {
                queue_url: URL.into(),
                tag_keys: vec!["k".into()],
            },
        ),
        (
            "ListQueueTags",
            json!({"QueueUrl": URL}),
            Request::ListQueueTags {
                queue_url: URL.into(),
            },
        ),
    ];
    for (action, body, expected) in cases {
        assert_eq!(decode_json(action, body).unwrap(), expected, "{action}");
    }
}

#[test]
fn decode_send_message() {
    let body = json!({
        "QueueUrl": URL,
        "MessageBody": "hello",
        "DelaySeconds": 10,
        "MessageAttributes": {
            "s": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": "AAEC"}
        },
        "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}},
        "MessageDeduplicationId": "d",
        "MessageGroupId": "g"
    });
    let Request::SendMessage { queue_url, entry } = decode_json("SendMessage", body).unwrap()
    else {
        panic!("wrong request kind");
    };
    assert_eq!(queue_url, URL);
    assert_eq!(entry.id, "");
    assert_eq!(entry.message_body, "hello");
    assert_eq!(entry.delay_seconds, Some(10));
    assert_eq!(entry.message_attributes["s"], string_attr("String", "v"));
    assert_eq!(
        entry.message_attributes["b"].binary_value.as_deref(),
        Some(&[0u8, 1, 2][..])
    );
    assert_eq!(
        entry.message_system_attributes["AWSTraceHeader"],
        string_attr("String", "Root=1")
    );
    assert_eq!(entry.message_deduplication_id.as_deref(), Some("d"));
    assert_eq!(entry.message_group_id.as_deref(), Some("g"));
}

#[test]
fn decode_batches() {
    let send = json!({"QueueUrl": URL, "Entries": [
        {"Id": "a", "MessageBody": "1"},
        {"Id": "b", "MessageBody": "2", "DelaySeconds": 1}
    ]});
    let expected = Request::SendMessageBatch {
        queue_url: URL.into(),
        entries: vec![
            SendEntry {
                id: "a".into(),
                message_body: "1".into(),
                ..SendEntry::default()
            },
            SendEntry {
                id: "b".into(),
                message_body: "2".into(),
                delay_seconds: Some(1),
                ..SendEntry::default()
            },
        ],
    };
    assert_eq!(decode_json("SendMessageBatch", send).unwrap(), expected);

    let delete = json!({"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": "r"}]});
    let expected = Request::DeleteMessageBatch {
        queue_url: URL.into(),
        entries: vec![DeleteEntry {
            id: "a".into(),
            receipt_handle: "r".into(),
        }],
    };
    assert_eq!(decode_json("DeleteMessageBatch", delete).unwrap(), expected);

    let change = json!({"QueueUrl": URL, "Entries": [
        {"Id": "a", "ReceiptHandle": "r", "VisibilityTimeout": 7},
        {"Id": "b", "ReceiptHandle": "s"}
    ]});
    let expected = Request::ChangeMessageVisibilityBatch {
        queue_url: URL.into(),
        entries: vec![
            ChangeVisibilityEntry {
                id: "a".into(),
                receipt_handle: "r".into(),
                visibility_timeout: 7,
            },
            ChangeVisibilityEntry {
                id: "b".into(),
                receipt_handle: "s".into(),
                visibility_timeout: 0,
            },
        ],
    };
    assert_eq!(
        decode_json("ChangeMessageVisibilityBatch", change).unwrap(),
        expected
    );

    let empty = decode_json(
        "DeleteMessageBatch",
        json!({"QueueUrl": URL, "Entries": []}),
    )
    .unwrap();
    assert_eq!(
        empty,
        Request::DeleteMessageBatch {
            queue_url: URL.into(),
            entries: vec![]
        }
    );
}

#[test]
fn decode_receive_and_single_message_actions() {
    let body = json!({
        "QueueUrl": URL, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0, "WaitTimeSeconds": 20,
        "AttributeNames": ["All"], "MessageSystemAttributeNames": ["SentTimestamp"],
        "MessageAttributeNames": ["foo.*"], "ReceiveRequestAttemptId": "x"
    });
    let expected = Request::ReceiveMessage {
        queue_url: URL.into(),
        max_number_of_messages: Some(10),
        visibility_timeout: Some(0),
        wait_time_seconds: Some(20),
        attribute_names: vec!["All".into()],
        message_system_attribute_names: vec!["SentTimestamp".into()],
        message_attribute_names: vec!["foo.*".into()],
        receive_request_attempt_id: Some("x".into()),
    };
    assert_eq!(decode_json("ReceiveMessage", body).unwrap(), expected);

    let delete = decode_json(
        "DeleteMessage",
        json!({"QueueUrl": URL, "ReceiptHandle": "r"}),
    )
    .unwrap();
    assert_eq!(
        delete,
        Request::DeleteMessage {
            queue_url: URL.into(),
            receipt_handle: "r".into()
        }
    );

    let change = json!({"QueueUrl": URL, "ReceiptHandle": "r", "VisibilityTimeout": 60});
    assert_eq!(
        decode_json("ChangeMessageVisibility", change).unwrap(),
        Request::ChangeMessageVisibility {
            queue_url: URL.into(),
            receipt_handle: "r".into(),
            visibility_timeout: 60
        }
    );
}

#[test]
fn decode_unknown_action() {
    let error = decode_json("FlyToMoon", json!({})).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidAction);
    assert_eq!(
        error.message,
        "The action FlyToMoon is not valid for this endpoint."
    );
}

#[test]
fn decode_rejects_bad_targets() {
    let missing = decode_request(Protocol::Json, None, None, b"{}").unwrap_err();
    assert_eq!(missing.code, ErrorCode::InvalidAction);
    let foreign = decode_request(
        Protocol::Json,
        Some("DynamoDB_20120810.GetItem"),
        None,
        b"{}",
    )
    .unwrap_err();
    assert_eq!(foreign.code, ErrorCode::InvalidAction);
}

#[test]
fn decode_accepts_empty_body_and_null_members() {
    let empty = decode_request(Protocol::Json, Some("AmazonSQS.ListQueues"), None, b"").unwrap();
    assert_eq!(
        empty,
        Request::ListQueues {
            queue_name_prefix: None,
            max_results: None,
            next_token: None
        }
    );
    let nulls = decode_json(
        "ListQueues",
        json!({"QueueNamePrefix": null, "MaxResults": null}),
    )
    .unwrap();
    assert_eq!(nulls, empty);
}

#[test]
fn decode_missing_required_parameters() {
    let cases = [
        (
            "CreateQueue",
            json!({}),
            "The request must contain the parameter QueueName.",
        ),
        (
            "GetQueueUrl",
            json!({}),
            "The request must contain the parameter QueueName.",
        ),
        (
            "DeleteQueue",
            json!({}),
            "The request must contain the parameter QueueUrl.",
        ),
        (
            "SendMessage",
            json!({"QueueUrl": URL}),
            "The request must contain the parameter MessageBody.",
        ),
        (
            "DeleteMessage",
            json!({"QueueUrl": URL}),
            "The request must contain the parameter ReceiptHandle.",
        ),
        (
            "ChangeMessageVisibility",
            json!({"QueueUrl": URL, "ReceiptHandle": "r"}),
            "The request must contain the parameter VisibilityTimeout.",
        ),
        (
            "SendMessageBatch",
            json!({"QueueUrl": URL, "Entries": [{"Id": "a", "MessageBody": "x"}, {"Id": "b"}]}),
            "The request must contain the parameter Entries.2.MessageBody.",
        ),
        (
            "DeleteMessageBatch",
            json!({"QueueUrl": URL, "Entries": [{"ReceiptHandle": "r"}]}),
            "The request must contain the parameter Entries.1.Id.",
        ),
        (
            "SetQueueAttributes",
            json!({"QueueUrl": URL, "Attributes": {}}),
            "The request must contain the parameter Attributes.",
        ),
    ];
    for (action, body, message) in cases {
        let error = decode_json(action, body).unwrap_err();
        assert_eq!(error.code, ErrorCode::MissingParameter, "{action}");
        assert_eq!(error.message, message, "{action}");
    }
}

#[test]
fn decode_wrong_types_are_serialization_errors() {
    let cases = [
        ("CreateQueue", json!({"QueueName": 5})),
        ("ListQueues", json!({"MaxResults": "5"})),
        ("ListQueues", json!({"MaxResults": 1.5})),
        ("ListQueues", json!({"MaxResults": 4_294_967_296_i64})),
        (
            "GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": "All"}),
        ),
        (
            "GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": [1]}),
        ),
        (
            "SetQueueAttributes",
            json!({"QueueUrl": URL, "Attributes": ["x"]}),
        ),
        (
            "SetQueueAttributes",
            json!({"QueueUrl": URL, "Attributes": {"DelaySeconds": 3}}),
        ),
        (
            "SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x", "MessageAttributes": {"a": "v"}}),
        ),
        (
            "SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x", "MessageAttributes": {"a": {"DataType": 1}}}),
        ),
        (
            "SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x",
                   "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "not base64!"}}}),
        ),
        (
            "SendMessageBatch",
            json!({"QueueUrl": URL, "Entries": {"Id": "a"}}),
        ),
        (
            "SendMessageBatch",
            json!({"QueueUrl": URL, "Entries": ["a"]}),
        ),
    ];
    for (action, body) in cases {
        let error = decode_json(action, body.clone()).unwrap_err();
        assert_eq!(error.code, ErrorCode::Serialization, "{action} {body}");
    }
}

#[test]
fn decode_rejects_non_object_bodies() {
    for body in [&b"[1]"[..], b"\"x\"", b"{not json", b"null"] {
        let error =
            decode_request(Protocol::Json, Some("AmazonSQS.ListQueues"), None, body).unwrap_err();
        assert_eq!(
            error.code,
            ErrorCode::Serialization,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn decode_attribute_without_data_type_keeps_it_empty() {
    let body = json!({"QueueUrl": URL, "MessageBody": "x", "MessageAttributes": {"a": {"StringValue": "v"}}});
    let Request::SendMessage { entry, .. } = decode_json("SendMessage", body).unwrap() else {
        panic!("wrong request kind");
    };
    assert_eq!(entry.message_attributes["a"].data_type, "");
}

fn encode_json(response: &Response) -> Value {
    let encoded = encode_response("req-1", response);
    assert_eq!(encoded.status, 200);
    assert_eq!(encoded.content_type, "application/x-amz-json-1.0");
    assert!(encoded
        .headers
        .contains(&("x-amzn-RequestId", "req-1".to_string())));
    serde_json::from_slice(&encoded.body).unwrap()
}

fn send_result() -> SendResult {
    SendResult {
        message_id: "m-1".into(),
        md5_of_message_body: "body-md5".into(),
        md5_of_message_attributes: Some("attr-md5".into()),
        md5_of_message_system_attributes: None,
        sequence_number: Some("1000".into()),
    }
}

#[test]
fn encode_empty_outputs_as_empty_objects() {
    let cases = [
        Response::Empty {
            action: "DeleteQueue",
        },
        Response::ReceiveMessage { messages: vec![] },
        Response::ListQueues {
            queue_urls: vec![],
            next_token: None,
        },
        Response::GetQueueAttributes {
            attributes: AttributeMap::new(),
        },
        Response::ListQueueTags {
            tags: TagMap::new(),
        },
    ];
    for response in cases {
        assert_eq!(encode_json(&response), json!({}), "{response:?}");
    }
}

#[test]
fn encode_queue_outputs() {
    let create = encode_json(&Response::CreateQueue {
        queue_url: URL.into(),
    });
    assert_eq!(create, json!({"QueueUrl": URL}));
    let list = encode_json(&Response::ListQueues {
        queue_urls: vec![URL.into()],
        next_token: Some("t".into()),
    });
    assert_eq!(list, json!({"QueueUrls": [URL], "NextToken": "t"}));
    let attributes = AttributeMap::from([("VisibilityTimeout".into(), "30".into())]);
    let get = encode_json(&Response::GetQueueAttributes { attributes });
    assert_eq!(get, json!({"Attributes": {"VisibilityTimeout": "30"}}));
    let tags = encode_json(&Response::ListQueueTags {
        tags: TagMap::from([("k".into(), "v".into())]),
    });
    assert_eq!(tags, json!({"Tags": {"k": "v"}}));
}

#[test]
fn encode_send_outputs() {
    let single = encode_json(&Response::SendMessage(send_result()));
    assert_eq!(
        single,
        json!({"MD5OfMessageBody": "body-md5", "MD5OfMessageAttributes": "attr-md5",
               "MessageId": "m-1", "SequenceNumber": "1000"})
    );
    let failed = BatchResultError {
        id: "b".into(),
        code: "InvalidParameterValue".into(),
        message: "bad".into(),
        sender_fault: true,
    };
    let batch = encode_json(&Response::SendMessageBatch {
        successful: vec![("a".into(), send_result())],
        failed: vec![failed],
    });
    assert_eq!(batch["Successful"][0]["Id"], "a");
    assert_eq!(batch["Successful"][0]["MessageId"], "m-1");
    assert_eq!(batch["Successful"][0]["MD5OfMessageBody"], "body-md5");
    assert!(batch["Successful"][0]
        .get("MD5OfMessageSystemAttributes")
        .is_none());
    assert_eq!(
        batch["Failed"][0],
        json!({"Id": "b", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "bad"})
    );
}

#[test]
fn encode_batch_outputs_keep_required_lists() {
    let delete = encode_json(&Response::DeleteMessageBatch {
        successful: vec!["a".into()],
        failed: vec![],
    });
    assert_eq!(delete, json!({"Successful": [{"Id": "a"}], "Failed": []}));
    let change = encode_json(&Response::ChangeMessageVisibilityBatch {
        successful: vec![],
        failed: vec![],
    });
    assert_eq!(change, json!({"Successful": [], "Failed": []}));
}

#[test]
fn encode_received_message() {
    let message = ReceivedMessage {
        message_id: "m".into(),
        receipt_handle: "r".into(),
        md5_of_body: "md5".into(),
        body: "<b>&\r\n".into(),
        attributes: AttributeMap::from([("SentTimestamp".into(), "1".into())]),
        md5_of_message_attributes: Some("amd5".into()),
        message_attributes: MessageAttributes::from([
            ("s".into(), string_attr("String", "v")),
            (
                "b".into(),
                MessageAttributeValue {
                    data_type: "Binary".into(),
                    string_value: None,
                    binary_value: Some(vec![0, 1, 2]),
                },
            ),
        ]),
    };
    let body = encode_json(&Response::ReceiveMessage {
        messages: vec![message],
    });
    assert_eq!(
        body,
        json!({"Messages": [{
            "MessageId": "m", "ReceiptHandle": "r", "MD5OfBody": "md5", "Body": "<b>&\r\n",
            "Attributes": {"SentTimestamp": "1"}, "MD5OfMessageAttributes": "amd5",
            "MessageAttributes": {
                "s": {"StringValue": "v", "DataType": "String"},
                "b": {"BinaryValue": "AAEC", "DataType": "Binary"}
            }
        }]})
    );
}

#[test]
fn encode_received_message_omits_empty_maps() {
    let message = ReceivedMessage {
        message_id: "m".into(),
        receipt_handle: "r".into(),
        md5_of_body: "md5".into(),
        body: "b".into(),
        attributes: AttributeMap::new(),
        md5_of_message_attributes: None,
        message_attributes: MessageAttributes::new(),
    };
    let body = encode_json(&Response::ReceiveMessage {
        messages: vec![message],
    });
    assert_eq!(
        body,
        json!({"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "MD5OfBody": "md5", "Body": "b"}]})
    );
}

#[test]
fn encode_errors_with_query_header() {
    let cases = [
        (
            SqsError::queue_does_not_exist(),
            400,
            "com.amazonaws.sqs#QueueDoesNotExist",
            "AWS.SimpleQueueService.NonExistentQueue;Sender",
        ),
        (
            SqsError::queue_already_exists("exists"),
            400,
            "com.amazonaws.sqs#QueueNameExists",
            "QueueAlreadyExists;Sender",
        ),
        (
            SqsError::internal_error("boom"),
            500,
            "com.amazon.coral.service#InternalFailure",
            "InternalError;Receiver",
        ),
        (
            SqsError::service_unavailable("later"),
            503,
            "com.amazon.coral.service#ServiceUnavailableException",
            "ServiceUnavailable;Receiver",
        ),
    ];
    for (error, status, json_type, header) in cases {
        let encoded = crate::encode_error(Protocol::Json, "req-2", &error);
        assert_eq!(encoded.status, status, "{json_type}");
        assert_eq!(encoded.content_type, "application/x-amz-json-1.0");
        assert!(
            encoded
                .headers
                .contains(&("x-amzn-query-error", header.to_string())),
            "{json_type}"
        );
        assert!(encoded
            .headers
            .contains(&("x-amzn-RequestId", "req-2".to_string())));
        let body: Value = serde_json::from_slice(&encoded.body).unwrap();
        assert_eq!(body, json!({"__type": json_type, "message": error.message}));
    }
}

#[test]
fn decode_round_trips_through_encode_of_send_result() {
    // The SDK reads MD5OfMessageBody back and compares it with its own digest.
    let digest = crate::md5_of_body("This is a test message");
    let result = SendResult {
        md5_of_message_body: digest.clone(),
        ..send_result()
    };
    let body = encode_json(&Response::SendMessage(result));
    assert_eq!(body["MD5OfMessageBody"], digest.as_str());
}

#[test]
fn request_action_names() {
    let cases = [
        ("CreateQueue", json!({"QueueName": "q"})),
        ("SendMessageBatch", json!({"QueueUrl": URL, "Entries": []})),
        ("ChangeMessageVisibilityBatch", json!({"QueueUrl": URL})),
        ("ListQueueTags", json!({"QueueUrl": URL})),
        ("AddPermission", json!({"QueueUrl": URL, "Label": "l", "AWSAccountIds": ["1"], "Actions": ["SendMessage"]})),
        ("StartMessageMoveTask", json!({"SourceArn": "arn:aws:sqs:us-east-1:000000000000:dlq"})),
    ];
    for (action, body) in cases {
        assert_eq!(decode_json(action, body).unwrap().action(), action);
    }
}

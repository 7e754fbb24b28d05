//! Single messages: SendMessage, ReceiveMessage and DeleteMessage, with
//! digests, message attributes, system attributes, delays, counts and limits.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::primitives::Blob;
use sluice_tests::aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{
    codes, create_queue, eventually, expect_service_error, md5_hex, md5_of_message_attributes,
    md5_of_sdk_message_attributes, queue_attributes, unix_now_millis, AttributeValue, Node,
};

/// Bound for approximate counts, which AWS documents as eventually consistent.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

fn string_attribute(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .expect("a message attribute with a data type is valid")
}

fn binary_attribute(data_type: &str, value: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .binary_value(Blob::new(value.to_vec()))
        .build()
        .expect("a message attribute with a data type is valid")
}

/// Receives up to `max` messages, long polling for up to `wait_seconds`.
async fn receive(client: &Client, url: &str, max: i32, wait_seconds: i32) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .unwrap_or_else(|err| panic!("ReceiveMessage on {url} failed: {err:?}"))
        .messages()
        .to_vec()
}

/// Waits until the queue's approximate counts equal `(visible, not_visible, delayed)`.
async fn wait_for_counts(client: &Client, url: &str, expected: (&str, &str, &str)) {
    eventually(
        &format!("queue counts (visible, not visible, delayed) reach {expected:?}"),
        SETTLE_TIMEOUT,
        || async move {
            let attributes = queue_attributes(client, url).await;
            let get = |name: &str| attributes.get(name).cloned().unwrap_or_default();
            let actual = (
                get("ApproximateNumberOfMessages"),
                get("ApproximateNumberOfMessagesNotVisible"),
                get("ApproximateNumberOfMessagesDelayed"),
            );
            if (actual.0.as_str(), actual.1.as_str(), actual.2.as_str()) == expected {
                Ok(())
            } else {
                Err(format!("counts are {actual:?}"))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn send_receive_delete_round_trip() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "round-trip", &[]).await;

    let sent = client
        .send_message()
        .queue_url(&url)
        .message_body("hello")
        .send()
        .await
        .expect("SendMessage");
    let message_id = sent
        .message_id()
        .expect("SendMessage returns a MessageId")
        .to_string();
    assert!(!message_id.is_empty(), "MessageId must not be empty");
    assert_eq!(
        sent.md5_of_message_body(),
        Some(md5_hex("hello").as_str()),
        "MD5OfMessageBody of 'hello'"
    );
    assert_eq!(
        sent.md5_of_message_attributes(),
        None,
        "no MD5OfMessageAttributes without message attributes"
    );
    assert_eq!(
        sent.sequence_number(),
        None,
        "a standard queue returns no SequenceNumber"
    );

    let messages = receive(&client, &url, 1, 5).await;
    assert_eq!(messages.len(), 1, "the sent message must be received");
    let message = &messages[0];
    assert_eq!(message.body(), Some("hello"), "received body");
    assert_eq!(
        message.message_id(),
        Some(message_id.as_str()),
        "received MessageId equals the sent one"
    );
    assert_eq!(
        message.md5_of_body(),
        Some(md5_hex("hello").as_str()),
        "MD5OfBody of the received message"
    );
    let handle = message
        .receipt_handle()
        .expect("a received message has a ReceiptHandle");
    assert!(!handle.is_empty(), "ReceiptHandle must not be empty");

    client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(handle)
        .send()
        .await
        .expect("DeleteMessage with a fresh receipt handle");

    wait_for_counts(&client, &url, ("0", "0", "0")).await;
    let again = receive(&client, &url, 10, 1).await;
    assert!(
        again.is_empty(),
        "a deleted message must not be received again: {again:?}"
    );
}

#[tokio::test]
async fn unicode_body_round_trip() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "unicode", &[]).await;
    let body = "tab\tnewline\ncarriage\r é 世界 \u{1F680} \u{E000} \u{FFFD} \u{10FFFF} <xml>&amp;</xml> \"json\"";

    let sent = client
        .send_message()
        .queue_url(&url)
        .message_body(body)
        .send()
        .await
        .expect("SendMessage of Unicode");
    assert_eq!(
        sent.md5_of_message_body(),
        Some(md5_hex(body).as_str()),
        "MD5OfMessageBody is over the UTF-8 bytes"
    );

    let messages = receive(&client, &url, 1, 5).await;
    assert_eq!(messages.len(), 1, "the Unicode message must be received");
    assert_eq!(
        messages[0].body(),
        Some(body),
        "the body must come back byte for byte"
    );
    assert_eq!(
        messages[0].md5_of_body(),
        Some(md5_hex(body).as_str()),
        "MD5OfBody of the Unicode body"
    );
}

#[tokio::test]
async fn message_attributes_digest() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "attributes", &[]).await;

    let sent = client
        .send_message()
        .queue_url(&url)
        .message_body("with attributes")
        .message_attributes("color", string_attribute("String", "blue"))
        .message_attributes("count", string_attribute("Number", "42"))
        .message_attributes("ratio", string_attribute("Number.float", "0.25"))
        .message_attributes("label", string_attribute("String.custom", "été"))
        .message_attributes("blob", binary_attribute("Binary", &[0, 1, 2, 255]))
        .send()
        .await
        .expect("SendMessage with five attributes");

    let expected_digest = md5_of_message_attributes(&[
        ("color", "String", AttributeValue::String("blue".into())),
        ("count", "Number", AttributeValue::String("42".into())),
        (
            "ratio",
            "Number.float",
            AttributeValue::String("0.25".into()),
        ),
        (
            "label",
            "String.custom",
            AttributeValue::String("été".into()),
        ),
        ("blob", "Binary", AttributeValue::Binary(vec![0, 1, 2, 255])),
    ])
    .expect("five attributes have a digest");
    assert_eq!(
        sent.md5_of_message_attributes(),
        Some(expected_digest.as_str()),
        "MD5OfMessageAttributes returned by SendMessage"
    );

    let received = client
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("All")
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage with MessageAttributeNames=All");
    let message = received
        .messages()
        .first()
        .expect("the message with attributes must be received");
    let attributes = message.message_attributes().cloned().unwrap_or_default();
    assert_eq!(
        attributes.len(),
        5,
        "all five attributes are returned: {attributes:?}"
    );
    assert_eq!(
        attributes.get("color"),
        Some(&string_attribute("String", "blue")),
        "String attribute"
    );
    assert_eq!(
        attributes.get("count"),
        Some(&string_attribute("Number", "42")),
        "Number attribute"
    );
    assert_eq!(
        attributes.get("ratio"),
        Some(&string_attribute("Number.float", "0.25")),
        "Number attribute with a label"
    );
    assert_eq!(
        attributes.get("label"),
        Some(&string_attribute("String.custom", "été")),
        "String attribute with a label"
    );
    assert_eq!(
        attributes.get("blob"),
        Some(&binary_attribute("Binary", &[0, 1, 2, 255])),
        "Binary attribute"
    );
    assert_eq!(
        message.md5_of_message_attributes(),
        Some(expected_digest.as_str()),
        "MD5OfMessageAttributes of the received message"
    );
}

#[tokio::test]
async fn message_attribute_name_filters() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "filters", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("filtered")
        .message_attributes("color", string_attribute("String", "red"))
        .message_attributes("size", string_attribute("Number", "3"))
        .message_attributes("meta.a", string_attribute("String", "x"))
        .message_attributes("meta.b", string_attribute("String", "y"))
        .send()
        .await
        .expect("SendMessage with four attributes");

    let cases: [(&[&str], &[&str]); 5] = [
        (&[], &[]),
        (&["color"], &["color"]),
        (&["color", "absent"], &["color"]),
        (&["meta.*"], &["meta.a", "meta.b"]),
        (&[".*"], &["color", "meta.a", "meta.b", "size"]),
    ];
    for (filter, expected) in cases {
        let mut request = client
            .receive_message()
            .queue_url(&url)
            .visibility_timeout(0)
            .wait_time_seconds(5);
        for name in filter {
            request = request.message_attribute_names(*name);
        }
        let output = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("ReceiveMessage with filter {filter:?}: {err:?}"));
        let message = output.messages().first().unwrap_or_else(|| {
            panic!("the message must be receivable again for filter {filter:?}")
        });

        let returned = message.message_attributes().cloned().unwrap_or_default();
        let mut names: Vec<&str> = returned.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names, expected,
            "attributes returned for MessageAttributeNames={filter:?}"
        );

        let expected_digest = md5_of_sdk_message_attributes(&returned);
        assert_eq!(
            message.md5_of_message_attributes().map(str::to_string),
            expected_digest,
            "MD5OfMessageAttributes covers exactly the returned attributes for {filter:?}"
        );
    }
}

#[tokio::test]
async fn system_attributes_on_receive() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "system", &[]).await;
    let before_send = unix_now_millis();
    client
        .send_message()
        .queue_url(&url)
        .message_body("stamped")
        .send()
        .await
        .expect("SendMessage");
    let after_send = unix_now_millis();

    let first = client
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .visibility_timeout(0)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("first ReceiveMessage with all system attributes");
    let message = first
        .messages()
        .first()
        .expect("the message must be received");
    let attributes = message.attributes().cloned().unwrap_or_default();
    let get = |name: MessageSystemAttributeName| attributes.get(&name).cloned();

    let sent_at: u64 = get(MessageSystemAttributeName::SentTimestamp)
        .expect("SentTimestamp is returned for All")
        .parse()
        .expect("SentTimestamp is epoch milliseconds");
    assert!(
        sent_at + 1000 >= before_send && sent_at <= after_send + 1000,
        "SentTimestamp {sent_at} must lie between {before_send} and {after_send} (epoch ms)"
    );
    assert_eq!(
        get(MessageSystemAttributeName::ApproximateReceiveCount).as_deref(),
        Some("1"),
        "first receive count"
    );
    let first_receive: u64 = get(MessageSystemAttributeName::ApproximateFirstReceiveTimestamp)
        .expect("ApproximateFirstReceiveTimestamp is returned for All")
        .parse()
        .expect("ApproximateFirstReceiveTimestamp is epoch milliseconds");
    assert!(
        first_receive >= sent_at,
        "the first receive ({first_receive}) cannot precede the send ({sent_at})"
    );
    let sender = get(MessageSystemAttributeName::SenderId).expect("SenderId is returned for All");
    assert!(!sender.is_empty(), "SenderId must not be empty");
    assert_eq!(
        get(MessageSystemAttributeName::MessageGroupId),
        None,
        "a standard message has no MessageGroupId"
    );

    let second = client
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .message_system_attribute_names(
            MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
        )
        .visibility_timeout(0)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("second ReceiveMessage with two system attributes");
    let message = second
        .messages()
        .first()
        .expect("the message with visibility 0 must be received again");
    let attributes = message.attributes().cloned().unwrap_or_default();
    let mut names: Vec<&str> = attributes
        .keys()
        .map(MessageSystemAttributeName::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "ApproximateFirstReceiveTimestamp",
            "ApproximateReceiveCount"
        ],
        "only the requested system attributes are returned"
    );
    assert_eq!(
        attributes
            .get(&MessageSystemAttributeName::ApproximateReceiveCount)
            .map(String::as_str),
        Some("2"),
        "ApproximateReceiveCount after the second receive"
    );
    assert_eq!(
        attributes
            .get(&MessageSystemAttributeName::ApproximateFirstReceiveTimestamp)
            .and_then(|value| value.parse::<u64>().ok()),
        Some(first_receive),
        "ApproximateFirstReceiveTimestamp must not change on later receives"
    );

    let plain = client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage without system attribute names");
    let message = plain
        .messages()
        .first()
        .expect("the message must be received a third time");
    let returned = message.attributes().map(|map| map.len()).unwrap_or(0);
    assert_eq!(
        returned, 0,
        "no system attributes are returned unless requested"
    );
}

#[tokio::test]
async fn send_message_invalid_characters() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "strict-body", &[]).await;

    let cases = [
        ("\u{0}", "U+0000"),
        ("bell\u{7}", "U+0007"),
        ("unit\u{1F}separator", "U+001F"),
        ("\u{FFFE}", "U+FFFE"),
        ("\u{FFFF}end", "U+FFFF"),
    ];
    for (body, description) in cases {
        let result = client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await;
        let code =
            expect_service_error(&format!("SendMessage of a body with {description}"), result);
        assert_eq!(
            code,
            codes::INVALID_MESSAGE_CONTENTS,
            "error code for a body with {description}"
        );
    }

    wait_for_counts(&client, &url, ("0", "0", "0")).await;
}

#[tokio::test]
async fn send_message_empty_body() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "empty-body", &[]).await;

    let result = client
        .send_message()
        .queue_url(&url)
        .message_body("")
        .send()
        .await;
    let code = expect_service_error("SendMessage with an empty body", result);
    assert_eq!(
        code,
        codes::MISSING_PARAMETER,
        "error code for an empty MessageBody"
    );
}

#[tokio::test]
async fn send_message_size_limit() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "small",
        &[(QueueAttributeName::MaximumMessageSize, "1024")],
    )
    .await;

    let fits = "x".repeat(1024);
    let sent = client
        .send_message()
        .queue_url(&url)
        .message_body(&fits)
        .send()
        .await;
    assert!(
        sent.is_ok(),
        "a 1024-byte body fits MaximumMessageSize=1024: {sent:?}"
    );

    let too_big = "x".repeat(1025);
    let result = client
        .send_message()
        .queue_url(&url)
        .message_body(&too_big)
        .send()
        .await;
    let code = expect_service_error(
        "SendMessage of 1025 bytes with MaximumMessageSize=1024",
        result,
    );
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for a body above MaximumMessageSize"
    );
}

#[tokio::test]
async fn send_message_invalid_delay() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "delays", &[]).await;

    for delay in [-1, 901] {
        let result = client
            .send_message()
            .queue_url(&url)
            .message_body("late")
            .delay_seconds(delay)
            .send()
            .await;
        let code = expect_service_error(&format!("SendMessage DelaySeconds={delay}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for DelaySeconds={delay}"
        );
    }
}

#[tokio::test]
async fn send_message_invalid_attributes() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "bad-attributes", &[]).await;

    let eleven: HashMap<String, MessageAttributeValue> = (0..11)
        .map(|index| (format!("a{index}"), string_attribute("String", "v")))
        .collect();
    let cases: Vec<(&str, HashMap<String, MessageAttributeValue>)> = vec![
        (
            "an empty String value",
            HashMap::from([("empty".to_string(), string_attribute("String", ""))]),
        ),
        (
            "a Number that is not a number",
            HashMap::from([("n".to_string(), string_attribute("Number", "abc"))]),
        ),
        (
            "an unknown data type",
            HashMap::from([("t".to_string(), string_attribute("Bogus", "v"))]),
        ),
        (
            "a name with the reserved AWS. prefix",
            HashMap::from([("AWS.name".to_string(), string_attribute("String", "v"))]),
        ),
        (
            "a name with the reserved Amazon. prefix",
            HashMap::from([("amazon.name".to_string(), string_attribute("String", "v"))]),
        ),
        (
            "a name with a space",
            HashMap::from([("bad name".to_string(), string_attribute("String", "v"))]),
        ),
        ("eleven attributes", eleven),
    ];
    for (description, attributes) in cases {
        let result = client
            .send_message()
            .queue_url(&url)
            .message_body("body")
            .set_message_attributes(Some(attributes))
            .send()
            .await;
        let code = expect_service_error(&format!("SendMessage with {description}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for {description}"
        );
    }

    wait_for_counts(&client, &url, ("0", "0", "0")).await;
}

#[tokio::test]
async fn message_actions_missing_queue() {
    let node = Node::start().await;
    let client = node.client();
    let missing = node.queue_url("missing");

    let result = client
        .send_message()
        .queue_url(&missing)
        .message_body("x")
        .send()
        .await;
    let code = expect_service_error("SendMessage to a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "SendMessage error code for a missing queue"
    );

    let result = client.receive_message().queue_url(&missing).send().await;
    let code = expect_service_error("ReceiveMessage from a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "ReceiveMessage error code for a missing queue"
    );

    let result = client
        .delete_message()
        .queue_url(&missing)
        .receipt_handle("handle")
        .send()
        .await;
    let code = expect_service_error("DeleteMessage on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "DeleteMessage error code for a missing queue"
    );

    let result = client
        .change_message_visibility()
        .queue_url(&missing)
        .receipt_handle("handle")
        .visibility_timeout(5)
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibility on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "ChangeMessageVisibility error code for a missing queue"
    );
}

#[tokio::test]
async fn receive_message_invalid_parameters() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "receive-limits", &[]).await;

    for max in [0, 11] {
        let result = client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(max)
            .send()
            .await;
        let code =
            expect_service_error(&format!("ReceiveMessage MaxNumberOfMessages={max}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for MaxNumberOfMessages={max}"
        );
    }

    for wait in [-1, 21] {
        let result = client
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(wait)
            .send()
            .await;
        let code = expect_service_error(&format!("ReceiveMessage WaitTimeSeconds={wait}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for WaitTimeSeconds={wait}"
        );
    }

    let result = client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(43201)
        .send()
        .await;
    let code = expect_service_error("ReceiveMessage VisibilityTimeout=43201", result);
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for a receive VisibilityTimeout above 12 hours"
    );
}

#[tokio::test]
async fn receive_respects_max_number() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "many", &[]).await;
    let mut expected = HashSet::new();
    for index in 0..15 {
        let body = format!("message {index}");
        client
            .send_message()
            .queue_url(&url)
            .message_body(&body)
            .send()
            .await
            .expect("SendMessage");
        expected.insert(body);
    }

    let single = receive(&client, &url, 1, 5).await;
    assert_eq!(
        single.len(),
        1,
        "MaxNumberOfMessages=1 returns exactly one of 15 available messages"
    );
    let default_max = client
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage without MaxNumberOfMessages")
        .messages()
        .to_vec();
    assert_eq!(
        default_max.len(),
        1,
        "without MaxNumberOfMessages a receive returns at most one message (the default is 1)"
    );
    let mut received: HashSet<String> = single
        .iter()
        .chain(default_max.iter())
        .filter_map(|message| message.body().map(str::to_string))
        .collect();

    let deadline = Instant::now() + Duration::from_secs(30);
    while received.len() < expected.len() && Instant::now() < deadline {
        let batch = receive(&client, &url, 10, 1).await;
        assert!(
            batch.len() <= 10,
            "a receive must not return more than MaxNumberOfMessages=10, got {}",
            batch.len()
        );
        for message in batch {
            let body = message
                .body()
                .expect("a received message has a body")
                .to_string();
            assert!(
                received.insert(body.clone()),
                "{body} was received twice while its 30 s visibility timeout had not expired"
            );
        }
    }
    assert_eq!(
        received, expected,
        "all 15 messages are received exactly once"
    );
    wait_for_counts(&client, &url, ("0", "15", "0")).await;
}

#[tokio::test]
async fn delete_message_invalid_handle() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "handles", &[]).await;

    let result = client
        .delete_message()
        .queue_url(&url)
        .receipt_handle("not-a-receipt-handle")
        .send()
        .await;
    let is_modeled = matches!(&result, Err(err) if err.as_service_error().is_some_and(|e| e.is_receipt_handle_is_invalid()));
    let code = expect_service_error("DeleteMessage with a made-up receipt handle", result);
    assert_eq!(
        code,
        codes::RECEIPT_HANDLE_IS_INVALID,
        "error code for a receipt handle the server never issued"
    );
    assert!(
        is_modeled,
        "the SDK must map the error to DeleteMessageError::ReceiptHandleIsInvalid"
    );
}

#[tokio::test]
async fn queue_counts_track_message_states() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "counted", &[]).await;
    for index in 0..3 {
        client
            .send_message()
            .queue_url(&url)
            .message_body(format!("m{index}"))
            .send()
            .await
            .expect("SendMessage");
    }
    client
        .send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(600)
        .send()
        .await
        .expect("SendMessage with DelaySeconds=600");
    wait_for_counts(&client, &url, ("3", "0", "1")).await;

    let in_flight = receive(&client, &url, 1, 5).await;
    assert_eq!(in_flight.len(), 1, "one visible message must be received");
    wait_for_counts(&client, &url, ("2", "1", "1")).await;

    let handle = in_flight[0].receipt_handle().expect("ReceiptHandle");
    client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(handle)
        .send()
        .await
        .expect("DeleteMessage");
    wait_for_counts(&client, &url, ("2", "0", "1")).await;
}

#[tokio::test]
async fn per_message_delay() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "per-message-delay", &[]).await;

    let sent_at = Instant::now();
    client
        .send_message()
        .queue_url(&url)
        .message_body("later")
        .delay_seconds(2)
        .send()
        .await
        .expect("SendMessage with DelaySeconds=2");

    let early = receive(&client, &url, 10, 0).await;
    if sent_at.elapsed() < Duration::from_millis(1500) {
        assert!(
            early.is_empty(),
            "a message delayed by 2 s must not be received at once: {early:?}"
        );
    }

    let messages = receive(&client, &url, 10, 10).await;
    let waited = sent_at.elapsed();
    assert_eq!(
        messages.len(),
        1,
        "the delayed message must be received within a 10 s long poll"
    );
    assert_eq!(
        messages[0].body(),
        Some("later"),
        "body of the delayed message"
    );
    assert!(
        waited >= Duration::from_millis(1500),
        "the delayed message arrived after {waited:?}, before its 2 s delay"
    );
}

#[tokio::test]
async fn queue_delay_applies() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "queue-delay",
        &[(QueueAttributeName::DelaySeconds, "2")],
    )
    .await;

    let sent_at = Instant::now();
    client
        .send_message()
        .queue_url(&url)
        .message_body("held")
        .send()
        .await
        .expect("SendMessage");
    let attributes = queue_attributes(&client, &url).await;
    if sent_at.elapsed() < Duration::from_millis(1500) {
        assert_eq!(
            attributes
                .get("ApproximateNumberOfMessagesDelayed")
                .map(String::as_str),
            Some("1"),
            "a message inside the queue's 2 s delay counts as delayed"
        );
    }

    let messages = receive(&client, &url, 10, 10).await;
    let waited = sent_at.elapsed();
    assert_eq!(
        messages.len(),
        1,
        "the delayed message must be received within a 10 s long poll"
    );
    assert!(
        waited >= Duration::from_millis(1500),
        "the message arrived after {waited:?}, before the queue's 2 s delay"
    );

    let sent_at = Instant::now();
    client
        .send_message()
        .queue_url(&url)
        .message_body("now")
        .delay_seconds(0)
        .send()
        .await
        .expect("SendMessage with DelaySeconds=0 overriding the queue delay");
    let messages = receive(&client, &url, 10, 5).await;
    assert_eq!(
        messages.len(),
        1,
        "a message with DelaySeconds=0 must be received"
    );
    assert_eq!(
        messages[0].body(),
        Some("now"),
        "body of the undelayed message"
    );
    assert!(
        sent_at.elapsed() < Duration::from_millis(1900),
        "DelaySeconds=0 on the message must override the queue's 2 s delay, but it took {:?}",
        sent_at.elapsed()
    );
}

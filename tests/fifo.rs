//! FIFO queues: order per message group, groups blocked while a message is in
//! flight, deduplication by id and by content, SequenceNumber and
//! ReceiveRequestAttemptId.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::operation::send_message::SendMessageOutput;
use sluice_tests::aws_sdk_sqs::types::{
    Message, MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry,
};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{
    codes, create_queue, eventually, expect_service_error, md5_hex, queue_attributes, Node,
};

async fn create_fifo_queue(
    client: &Client,
    name: &str,
    content_based_deduplication: bool,
) -> String {
    let content_based = if content_based_deduplication {
        "true"
    } else {
        "false"
    };
    create_queue(
        client,
        name,
        &[
            (QueueAttributeName::FifoQueue, "true"),
            (QueueAttributeName::ContentBasedDeduplication, content_based),
        ],
    )
    .await
}

async fn send_fifo(
    client: &Client,
    url: &str,
    group: &str,
    deduplication_id: &str,
    body: &str,
) -> SendMessageOutput {
    client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .message_group_id(group)
        .message_deduplication_id(deduplication_id)
        .send()
        .await
        .unwrap_or_else(|err| panic!("SendMessage {body} to group {group} failed: {err:?}"))
}

async fn receive(client: &Client, url: &str, max: i32, wait_seconds: i32) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .wait_time_seconds(wait_seconds)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap_or_else(|err| panic!("ReceiveMessage on {url} failed: {err:?}"))
        .messages()
        .to_vec()
}

async fn delete(client: &Client, url: &str, message: &Message) {
    let handle = message
        .receipt_handle()
        .expect("a received message has a ReceiptHandle");
    client
        .delete_message()
        .queue_url(url)
        .receipt_handle(handle)
        .send()
        .await
        .unwrap_or_else(|err| panic!("DeleteMessage of {:?} failed: {err:?}", message.body()));
}

fn system_attribute(message: &Message, name: MessageSystemAttributeName) -> Option<String> {
    message
        .attributes()
        .and_then(|attributes| attributes.get(&name).cloned())
}

/// Receives and deletes messages until `count` have been seen or 30 s pass,
/// returning the bodies in the order received.
async fn drain(client: &Client, url: &str, count: usize) -> Vec<Message> {
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received.len() < count && Instant::now() < deadline {
        for message in receive(client, url, 10, 1).await {
            delete(client, url, &message).await;
            received.push(message);
        }
    }
    received
}

#[tokio::test]
async fn fifo_order_per_group() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "orders.fifo", false).await;

    let mut sequence_numbers: HashMap<String, Vec<u128>> = HashMap::new();
    for index in 0..6 {
        for group in ["red", "blue"] {
            let body = format!("{group}-{index}");
            let sent = send_fifo(&client, &url, group, &body, &body).await;
            assert_eq!(
                sent.md5_of_message_body(),
                Some(md5_hex(&body).as_str()),
                "MD5OfMessageBody of {body}"
            );
            let sequence: u128 = sent
                .sequence_number()
                .unwrap_or_else(|| panic!("a FIFO send of {body} returns a SequenceNumber"))
                .parse()
                .expect("SequenceNumber is a decimal number of up to 128 bits");
            sequence_numbers
                .entry(group.to_string())
                .or_default()
                .push(sequence);
        }
    }
    for (group, numbers) in &sequence_numbers {
        assert!(
            numbers.windows(2).all(|pair| pair[0] < pair[1]),
            "SequenceNumbers of group {group} must increase in send order: {numbers:?}"
        );
    }

    let received = drain(&client, &url, 12).await;
    assert_eq!(received.len(), 12, "all 12 messages are received");
    for group in ["red", "blue"] {
        let order: Vec<&str> = received
            .iter()
            .filter_map(Message::body)
            .filter(|body| body.starts_with(group))
            .collect();
        let expected: Vec<String> = (0..6).map(|index| format!("{group}-{index}")).collect();
        assert_eq!(
            order, expected,
            "messages of group {group} must be received in send order"
        );
    }
}

#[tokio::test]
async fn fifo_group_blocked_while_in_flight() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "blocking.fifo", false).await;
    send_fifo(&client, &url, "g1", "a", "a").await;
    send_fifo(&client, &url, "g1", "b", "b").await;

    let first = receive(&client, &url, 1, 5).await;
    let bodies: Vec<&str> = first.iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        ["a"],
        "the first receive returns the head of group g1"
    );

    let blocked = receive(&client, &url, 10, 1).await;
    assert!(
        blocked.is_empty(),
        "group g1 must stay blocked while 'a' is in flight: {blocked:?}"
    );

    send_fifo(&client, &url, "g2", "c", "c").await;
    let other_group = receive(&client, &url, 10, 5).await;
    let bodies: Vec<&str> = other_group.iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        ["c"],
        "another group is not blocked by g1's in-flight message"
    );

    delete(&client, &url, &first[0]).await;
    let next = receive(&client, &url, 10, 5).await;
    let bodies: Vec<&str> = next.iter().filter_map(Message::body).collect();
    assert_eq!(bodies, ["b"], "after 'a' is deleted, 'b' is delivered");
}

#[tokio::test]
async fn fifo_expired_message_redelivered_first() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "redelivery.fifo", false).await;
    send_fifo(&client, &url, "g", "a", "a").await;
    send_fifo(&client, &url, "g", "b", "b").await;

    let first = client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(1)
        .visibility_timeout(1)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage with VisibilityTimeout=1");
    let bodies: Vec<&str> = first.messages().iter().filter_map(Message::body).collect();
    assert_eq!(bodies, ["a"], "the head of the group is received first");

    let again = eventually(
        "'a' becomes visible again after its 1 s visibility timeout",
        Duration::from_secs(15),
        || {
            let client = &client;
            let url = &url;
            async move {
                let messages = receive(client, url, 1, 1).await;
                if messages.is_empty() {
                    Err("nothing received yet".to_string())
                } else {
                    Ok(messages)
                }
            }
        },
    )
    .await;
    assert_eq!(
        again[0].body(),
        Some("a"),
        "the expired head 'a' is redelivered before 'b'"
    );
    assert_eq!(
        system_attribute(
            &again[0],
            MessageSystemAttributeName::ApproximateReceiveCount
        )
        .as_deref(),
        Some("2"),
        "ApproximateReceiveCount of the redelivered message"
    );
}

#[tokio::test]
async fn fifo_deduplication_by_id() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "dedup.fifo", false).await;

    let first = send_fifo(&client, &url, "g", "order-17", "original").await;
    let repeat = send_fifo(&client, &url, "g", "order-17", "original").await;
    let other_body = send_fifo(&client, &url, "g", "order-17", "changed body").await;
    let other_group = send_fifo(&client, &url, "h", "order-17", "other group").await;
    for (output, description) in [
        (&first, "first"),
        (&repeat, "repeat"),
        (&other_body, "changed body"),
        (&other_group, "other group"),
    ] {
        assert!(
            output.message_id().is_some(),
            "the {description} send is accepted with a MessageId"
        );
    }

    let received = drain(&client, &url, 1).await;
    let extra = receive(&client, &url, 10, 2).await;
    let bodies: Vec<&str> = received
        .iter()
        .chain(extra.iter())
        .filter_map(Message::body)
        .collect();
    assert_eq!(
        bodies,
        ["original"],
        "sends with a repeated MessageDeduplicationId within 5 minutes are accepted but not delivered \
         (DeduplicationScope=queue covers other groups too)"
    );
    assert_eq!(
        received[0].message_id(),
        first.message_id(),
        "the delivered message is the first one sent"
    );
}

#[tokio::test]
async fn fifo_deduplication_survives_delete() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "dedup-after-delete.fifo", false).await;

    send_fifo(&client, &url, "g", "once", "once").await;
    let received = drain(&client, &url, 1).await;
    assert_eq!(
        received.len(),
        1,
        "the first message is received and deleted"
    );

    send_fifo(&client, &url, "g", "once", "once").await;
    let again = receive(&client, &url, 10, 2).await;
    assert!(
        again.is_empty(),
        "a resend with the same MessageDeduplicationId within 5 minutes is not delivered, even after the delete: {again:?}"
    );
}

#[tokio::test]
async fn fifo_content_based_deduplication() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "content.fifo", true).await;

    for body in ["same", "same", "different"] {
        client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .message_group_id("g")
            .send()
            .await
            .unwrap_or_else(|err| {
                panic!("SendMessage {body} without a deduplication id failed: {err:?}")
            });
    }

    let received = drain(&client, &url, 2).await;
    let extra = receive(&client, &url, 10, 2).await;
    let bodies: Vec<&str> = received
        .iter()
        .chain(extra.iter())
        .filter_map(Message::body)
        .collect();
    assert_eq!(
        bodies,
        ["same", "different"],
        "identical bodies are deduplicated by their SHA-256"
    );
}

#[tokio::test]
async fn fifo_send_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "strict.fifo", false).await;

    let result = client
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_deduplication_id("d")
        .send()
        .await;
    let code = expect_service_error("FIFO SendMessage without MessageGroupId", result);
    assert_eq!(
        code,
        codes::MISSING_PARAMETER,
        "error code for a missing MessageGroupId"
    );

    let result = client
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .send()
        .await;
    let code = expect_service_error(
        "FIFO SendMessage without a deduplication id or content-based deduplication",
        result,
    );
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for a missing MessageDeduplicationId"
    );

    let result = client
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .message_deduplication_id("d")
        .delay_seconds(5)
        .send()
        .await;
    let code = expect_service_error("FIFO SendMessage with a per-message DelaySeconds", result);
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for DelaySeconds on a FIFO message"
    );

    let attributes = queue_attributes(&client, &url).await;
    assert_eq!(
        attributes
            .get("ApproximateNumberOfMessages")
            .map(String::as_str),
        Some("0"),
        "rejected sends must not enqueue anything"
    );
}

#[tokio::test]
async fn fifo_system_attributes() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "attributes.fifo", false).await;
    let sent = send_fifo(&client, &url, "group-7", "dedup-7", "payload").await;

    let messages = receive(&client, &url, 1, 5).await;
    let message = messages.first().expect("the FIFO message is received");
    assert_eq!(
        system_attribute(message, MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("group-7"),
        "MessageGroupId system attribute"
    );
    assert_eq!(
        system_attribute(message, MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
        Some("dedup-7"),
        "MessageDeduplicationId system attribute"
    );
    assert_eq!(
        system_attribute(message, MessageSystemAttributeName::SequenceNumber).as_deref(),
        sent.sequence_number(),
        "SequenceNumber system attribute equals the one SendMessage returned"
    );
}

#[tokio::test]
async fn fifo_receive_request_attempt_id() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "attempts.fifo", false).await;
    send_fifo(&client, &url, "g", "a", "a").await;
    send_fifo(&client, &url, "g", "b", "b").await;

    let receive_with_attempt = |attempt: &'static str| {
        let client = &client;
        let url = &url;
        async move {
            client
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .receive_request_attempt_id(attempt)
                .send()
                .await
                .unwrap_or_else(|err| {
                    panic!("ReceiveMessage with attempt id {attempt} failed: {err:?}")
                })
                .messages()
                .to_vec()
        }
    };

    let first = receive_with_attempt("attempt-1").await;
    let first_ids: Vec<&str> = first.iter().filter_map(Message::message_id).collect();
    let first_bodies: Vec<&str> = first.iter().filter_map(Message::body).collect();
    assert!(
        !first_bodies.is_empty(),
        "the first attempt receives the head of the group"
    );
    assert_eq!(
        first_bodies,
        ["a", "b"][..first_bodies.len()],
        "the first attempt receives the group in order"
    );

    let retried = receive_with_attempt("attempt-1").await;
    let retried_ids: Vec<&str> = retried.iter().filter_map(Message::message_id).collect();
    assert_eq!(
        retried_ids, first_ids,
        "a retry with the same ReceiveRequestAttemptId returns the same messages"
    );
    let first_handles: Vec<&str> = first.iter().filter_map(Message::receipt_handle).collect();
    let retried_handles: Vec<&str> = retried.iter().filter_map(Message::receipt_handle).collect();
    assert_eq!(
        retried_handles, first_handles,
        "a retry with the same ReceiveRequestAttemptId returns the same receipt handles"
    );

    let other = receive_with_attempt("attempt-2").await;
    assert!(
        other.is_empty(),
        "another attempt id gets nothing while the group is in flight: {other:?}"
    );

    for message in &retried {
        delete(&client, &url, message).await;
    }
}

#[tokio::test]
async fn fifo_batch_keeps_order() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_fifo_queue(&client, "batch.fifo", false).await;

    let mut request = client.send_message_batch().queue_url(&url);
    for index in 0..10 {
        let entry = SendMessageBatchRequestEntry::builder()
            .id(format!("e{index}"))
            .message_body(format!("m{index}"))
            .message_group_id(if index % 2 == 0 { "even" } else { "odd" })
            .message_deduplication_id(format!("d{index}"))
            .build()
            .expect("a valid FIFO batch entry");
        request = request.entries(entry);
    }
    let output = request.send().await.expect("FIFO SendMessageBatch of ten");
    assert!(
        output.failed().is_empty(),
        "no FIFO batch entry may fail: {:?}",
        output.failed()
    );
    assert_eq!(
        output.successful().len(),
        10,
        "all ten FIFO batch entries succeed"
    );
    for entry in output.successful() {
        assert!(
            entry.sequence_number().is_some(),
            "FIFO batch entry {} carries a SequenceNumber",
            entry.id()
        );
    }

    let received = drain(&client, &url, 10).await;
    for (group, parity) in [("even", 0), ("odd", 1)] {
        let order: Vec<&str> = received
            .iter()
            .filter(|message| {
                system_attribute(message, MessageSystemAttributeName::MessageGroupId).as_deref()
                    == Some(group)
            })
            .filter_map(Message::body)
            .collect();
        let expected: Vec<String> = (0..10)
            .filter(|index| index % 2 == parity)
            .map(|index| format!("m{index}"))
            .collect();
        assert_eq!(
            order, expected,
            "batch entries of group {group} are received in entry order"
        );
    }
}

//! Visibility timeouts: expiry and redelivery, the queue default, and
//! ChangeMessageVisibility.

use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{codes, create_queue, eventually, expect_service_error, Node};

async fn receive(
    client: &Client,
    url: &str,
    visibility_timeout: Option<i32>,
    wait_seconds: i32,
) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .set_visibility_timeout(visibility_timeout)
        .wait_time_seconds(wait_seconds)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .unwrap_or_else(|err| panic!("ReceiveMessage on {url} failed: {err:?}"))
        .messages()
        .to_vec()
}

fn receive_count(message: &Message) -> Option<&str> {
    message
        .attributes()
        .and_then(|attributes| attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .map(String::as_str)
}

/// Receives until a message comes back, for at most `timeout`.
async fn wait_for_message(
    client: &Client,
    url: &str,
    visibility_timeout: Option<i32>,
    timeout: Duration,
) -> Message {
    eventually(
        "the message becomes visible again",
        timeout,
        || async move {
            let messages = receive(client, url, visibility_timeout, 1).await;
            messages
                .into_iter()
                .next()
                .ok_or_else(|| "nothing received yet".to_string())
        },
    )
    .await
}

#[tokio::test]
async fn visibility_expiry_redelivers() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "expiring", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("retry me")
        .send()
        .await
        .expect("SendMessage");

    let first = receive(&client, &url, Some(1), 5).await;
    assert_eq!(first.len(), 1, "the message is received");
    assert_eq!(
        receive_count(&first[0]),
        Some("1"),
        "ApproximateReceiveCount of the first delivery"
    );

    let started = Instant::now();
    let hidden = receive(&client, &url, Some(1), 0).await;
    if started.elapsed() < Duration::from_millis(800) {
        assert!(
            hidden.is_empty(),
            "the message is hidden during its 1 s visibility timeout: {hidden:?}"
        );
    }

    let second = wait_for_message(&client, &url, Some(1), Duration::from_secs(15)).await;
    assert_eq!(
        second.message_id(),
        first[0].message_id(),
        "the same message is redelivered"
    );
    assert_eq!(
        second.body(),
        Some("retry me"),
        "body of the redelivered message"
    );
    assert_ne!(
        second.receipt_handle(),
        first[0].receipt_handle(),
        "each delivery gets a new receipt handle"
    );
    assert_eq!(
        receive_count(&second),
        Some("2"),
        "ApproximateReceiveCount of the second delivery"
    );

    let third = wait_for_message(&client, &url, Some(30), Duration::from_secs(15)).await;
    assert_eq!(
        receive_count(&third),
        Some("3"),
        "ApproximateReceiveCount of the third delivery"
    );

    client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(third.receipt_handle().expect("ReceiptHandle"))
        .send()
        .await
        .expect("DeleteMessage with the latest receipt handle");
}

#[tokio::test]
async fn queue_visibility_timeout_applies() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "short-visibility",
        &[(QueueAttributeName::VisibilityTimeout, "2")],
    )
    .await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("short")
        .send()
        .await
        .expect("SendMessage");

    let received_at = Instant::now();
    let first = receive(&client, &url, None, 5).await;
    assert_eq!(first.len(), 1, "the message is received");

    let again = wait_for_message(&client, &url, None, Duration::from_secs(15)).await;
    let hidden_for = received_at.elapsed();
    assert_eq!(
        again.message_id(),
        first[0].message_id(),
        "the same message comes back"
    );
    assert!(
        hidden_for >= Duration::from_millis(1500),
        "the queue's VisibilityTimeout=2 must hide the message for about 2 s, but it came back after {hidden_for:?}"
    );
}

#[tokio::test]
async fn change_visibility_zero_releases() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "released", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("give back")
        .send()
        .await
        .expect("SendMessage");

    let first = receive(&client, &url, Some(300), 5).await;
    assert_eq!(
        first.len(),
        1,
        "the message is received with a 300 s visibility timeout"
    );

    client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(first[0].receipt_handle().expect("ReceiptHandle"))
        .visibility_timeout(0)
        .send()
        .await
        .expect("ChangeMessageVisibility to 0");

    let again = receive(&client, &url, None, 5).await;
    assert_eq!(
        again.len(),
        1,
        "after ChangeMessageVisibility 0 the message is visible at once"
    );
    assert_eq!(
        again[0].message_id(),
        first[0].message_id(),
        "the released message is received again"
    );
    assert_eq!(
        receive_count(&again[0]),
        Some("2"),
        "ApproximateReceiveCount after the release"
    );
}

#[tokio::test]
async fn change_visibility_extends() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "extended", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("slow work")
        .send()
        .await
        .expect("SendMessage");

    let first = receive(&client, &url, Some(2), 5).await;
    assert_eq!(
        first.len(),
        1,
        "the message is received with a 2 s visibility timeout"
    );
    let extended_at = Instant::now();
    client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(first[0].receipt_handle().expect("ReceiptHandle"))
        .visibility_timeout(6)
        .send()
        .await
        .expect("ChangeMessageVisibility to 6 s");

    // Past the original 2 s timeout, but well inside the new 6 s one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let hidden = receive(&client, &url, None, 0).await;
    if extended_at.elapsed() < Duration::from_secs(5) {
        assert!(
            hidden.is_empty(),
            "the extended message must stay hidden 3 s into its 6 s timeout: {hidden:?}"
        );
    }

    let again = wait_for_message(&client, &url, None, Duration::from_secs(20)).await;
    assert_eq!(
        again.message_id(),
        first[0].message_id(),
        "the message comes back after the extended timeout"
    );
    assert!(
        extended_at.elapsed() >= Duration::from_secs(5),
        "the message came back after {:?}, before its extended 6 s timeout",
        extended_at.elapsed()
    );
}

#[tokio::test]
async fn change_visibility_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "visibility-errors", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await
        .expect("SendMessage");
    let messages = receive(&client, &url, None, 5).await;
    let handle = messages
        .first()
        .and_then(Message::receipt_handle)
        .expect("a received message")
        .to_string();

    let result = client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle("not-a-receipt-handle")
        .visibility_timeout(5)
        .send()
        .await;
    let is_modeled = matches!(&result, Err(err) if err.as_service_error().is_some_and(|e| e.is_receipt_handle_is_invalid()));
    let code = expect_service_error(
        "ChangeMessageVisibility with a made-up receipt handle",
        result,
    );
    assert_eq!(
        code,
        codes::RECEIPT_HANDLE_IS_INVALID,
        "error code for a receipt handle the server never issued"
    );
    assert!(
        is_modeled,
        "the SDK must map the error to ChangeMessageVisibilityError::ReceiptHandleIsInvalid"
    );

    let result = client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&handle)
        .visibility_timeout(43201)
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibility to 43201 s", result);
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for a visibility timeout above 12 hours"
    );
}

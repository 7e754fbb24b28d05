//! Long polling: ReceiveMessage with WaitTimeSeconds and the queue's
//! ReceiveMessageWaitTimeSeconds.
//!
//! Timing checks leave seconds of slack, because the server and the tests
//! share two cores.

use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::types::{Message, QueueAttributeName};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{create_queue, Node};

/// Sends `body` after `delay`, from a separate task.
fn send_later(
    client: &Client,
    url: &str,
    delay: Duration,
    body: &'static str,
    group: Option<&'static str>,
) -> tokio::task::JoinHandle<()> {
    let client = client.clone();
    let url = url.to_string();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let mut request = client.send_message().queue_url(&url).message_body(body);
        if let Some(group) = group {
            request = request
                .message_group_id(group)
                .message_deduplication_id(body);
        }
        request
            .send()
            .await
            .unwrap_or_else(|err| panic!("delayed SendMessage of {body} failed: {err:?}"));
    })
}

async fn timed_receive(
    client: &Client,
    url: &str,
    wait_seconds: Option<i32>,
) -> (Vec<Message>, Duration) {
    let started = Instant::now();
    let output = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .set_wait_time_seconds(wait_seconds)
        .send()
        .await
        .unwrap_or_else(|err| {
            panic!("ReceiveMessage (WaitTimeSeconds {wait_seconds:?}) on {url} failed: {err:?}")
        });
    (output.messages().to_vec(), started.elapsed())
}

#[tokio::test]
async fn long_poll_returns_early() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "waiting", &[]).await;

    let sender = send_later(&client, &url, Duration::from_secs(1), "arrived", None);
    let (messages, elapsed) = timed_receive(&client, &url, Some(5)).await;
    sender.await.expect("the sender task panicked");

    let bodies: Vec<&str> = messages.iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        ["arrived"],
        "the long poll returns the message sent while it waited"
    );
    assert!(
        elapsed < Duration::from_secs(4),
        "a 5 s long poll must return soon after the message arrives at 1 s, but it took {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(500),
        "the long poll returned after {elapsed:?}, before the message was sent at 1 s"
    );
}

#[tokio::test]
async fn long_poll_fifo_returns_early() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "waiting.fifo",
        &[(QueueAttributeName::FifoQueue, "true")],
    )
    .await;

    let sender = send_later(&client, &url, Duration::from_secs(1), "ordered", Some("g"));
    let (messages, elapsed) = timed_receive(&client, &url, Some(5)).await;
    sender.await.expect("the sender task panicked");

    let bodies: Vec<&str> = messages.iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        ["ordered"],
        "the FIFO long poll returns the message sent while it waited"
    );
    assert!(
        elapsed < Duration::from_secs(4),
        "a 5 s FIFO long poll must return soon after the message arrives at 1 s, but it took {elapsed:?}"
    );
}

#[tokio::test]
async fn long_poll_empty_queue_waits() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "quiet", &[]).await;

    let (messages, elapsed) = timed_receive(&client, &url, Some(2)).await;
    assert!(
        messages.is_empty(),
        "an empty queue returns no messages: {messages:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(1500),
        "a 2 s long poll on an empty queue returned after {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "a 2 s long poll on an empty queue took {elapsed:?}"
    );
}

#[tokio::test]
async fn queue_wait_time_attribute_applies() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "default-wait",
        &[(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "2")],
    )
    .await;

    let (messages, elapsed) = timed_receive(&client, &url, None).await;
    assert!(
        messages.is_empty(),
        "an empty queue returns no messages: {messages:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(1500),
        "ReceiveMessageWaitTimeSeconds=2 must make a receive without WaitTimeSeconds wait, but it returned after {elapsed:?}"
    );

    let (messages, elapsed) = timed_receive(&client, &url, Some(0)).await;
    assert!(
        messages.is_empty(),
        "an empty queue returns no messages: {messages:?}"
    );
    assert!(
        elapsed < Duration::from_millis(1500),
        "WaitTimeSeconds=0 must override the queue's 2 s wait, but the receive took {elapsed:?}"
    );
}

#[tokio::test]
async fn long_poll_one_message_two_waiters() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "contended", &[]).await;

    let first = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move { timed_receive(&client, &url, Some(4)).await }
    });
    let second = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move { timed_receive(&client, &url, Some(4)).await }
    });
    let sender = send_later(&client, &url, Duration::from_secs(1), "only one", None);

    let (first_messages, _) = first.await.expect("the first receiver panicked");
    let (second_messages, _) = second.await.expect("the second receiver panicked");
    sender.await.expect("the sender task panicked");

    let total = first_messages.len() + second_messages.len();
    assert_eq!(
        total, 1,
        "one message within its visibility timeout goes to exactly one of two waiting receivers"
    );
}

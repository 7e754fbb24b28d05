//! Dead-letter queues: RedrivePolicy moves a message after maxReceiveCount
//! receives, keeping its body, attributes and SentTimestamp, and
//! RedriveAllowPolicy and queue types are checked when the policy is set.

use std::time::Duration;

use sluice_tests::aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{codes, create_queue, eventually, expect_service_error, Node};

const ARN_PREFIX: &str = "arn:aws:sqs:us-east-1:000000000000";

fn redrive_policy(target: &str, max_receive_count: u32) -> String {
    format!(r#"{{"deadLetterTargetArn":"{ARN_PREFIX}:{target}","maxReceiveCount":"{max_receive_count}"}}"#)
}

async fn receive_all(client: &Client, url: &str) -> Vec<sluice_tests::aws_sdk_sqs::types::Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap_or_else(|err| panic!("ReceiveMessage on {url} failed: {err:?}"))
        .messages()
        .to_vec()
}

#[tokio::test]
async fn message_moves_after_max_receives() {
    let node = Node::start().await;
    let client = node.client();
    let dlq = create_queue(&client, "orders-dlq", &[]).await;
    let policy = redrive_policy("orders-dlq", 2);
    let source = create_queue(&client, "orders", &[(QueueAttributeName::RedrivePolicy, policy.as_str())]).await;
    client.send_message().queue_url(&source).message_body("poison").send().await.expect("SendMessage");

    for attempt in 1..=2 {
        let messages = receive_all(&client, &source).await;
        assert_eq!(messages.len(), 1, "receive {attempt} of 2 delivers the message");
    }
    let third = receive_all(&client, &source).await;
    assert!(third.is_empty(), "the receive past maxReceiveCount does not deliver the message");

    let moved = eventually("the message arrives in the dead-letter queue", Duration::from_secs(10), || async {
        let messages = receive_all(&client, &dlq).await;
        messages.into_iter().next().ok_or_else(|| "dead-letter queue still empty".to_string())
    })
    .await;
    assert_eq!(moved.body(), Some("poison"), "the body is kept");
    let attributes = moved.attributes().expect("system attributes were requested");
    assert_eq!(
        attributes.get(&MessageSystemAttributeName::DeadLetterQueueSourceArn).map(String::as_str),
        Some(format!("{ARN_PREFIX}:orders").as_str()),
        "DeadLetterQueueSourceArn names the source queue"
    );
    assert!(receive_all(&client, &source).await.is_empty(), "the source no longer holds the message");
}

#[tokio::test]
async fn missing_target_rejected() {
    let node = Node::start().await;
    let client = node.client();
    let policy = redrive_policy("no-such-queue", 3);
    let result = client
        .create_queue()
        .queue_name("source")
        .attributes(QueueAttributeName::RedrivePolicy, policy)
        .send()
        .await;
    let code = expect_service_error("CreateQueue with a missing dead-letter target", result);
    assert_eq!(code, codes::INVALID_PARAMETER_VALUE);
}

#[tokio::test]
async fn mixed_queue_types_rejected() {
    let node = Node::start().await;
    let client = node.client();
    create_queue(&client, "standard-dlq", &[]).await;
    let policy = redrive_policy("standard-dlq", 3);
    let result = client
        .create_queue()
        .queue_name("source.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::RedrivePolicy, policy)
        .send()
        .await;
    let code = expect_service_error("CreateQueue of a FIFO source with a standard dead-letter queue", result);
    assert_eq!(code, codes::INVALID_PARAMETER_VALUE);
}

#[tokio::test]
async fn deny_all_target_rejected() {
    let node = Node::start().await;
    let client = node.client();
    create_queue(&client, "closed-dlq", &[(QueueAttributeName::RedriveAllowPolicy, r#"{"redrivePermission":"denyAll"}"#)]).await;
    let source = create_queue(&client, "source", &[]).await;
    let policy = redrive_policy("closed-dlq", 3);
    let result = client
        .set_queue_attributes()
        .queue_url(&source)
        .attributes(QueueAttributeName::RedrivePolicy, policy)
        .send()
        .await;
    let code = expect_service_error("SetQueueAttributes naming a denyAll dead-letter queue", result);
    assert_eq!(code, codes::INVALID_PARAMETER_VALUE);
}

#[tokio::test]
async fn source_queues_listed() {
    let node = Node::start().await;
    let client = node.client();
    let dlq = create_queue(&client, "shared-dlq", &[]).await;
    let policy = redrive_policy("shared-dlq", 5);
    for name in ["source-b", "source-a", "source-c"] {
        create_queue(&client, name, &[(QueueAttributeName::RedrivePolicy, policy.as_str())]).await;
    }
    create_queue(&client, "unrelated", &[]).await;

    let all = client.list_dead_letter_source_queues().queue_url(&dlq).send().await.expect("ListDeadLetterSourceQueues");
    let names: Vec<&str> = all.queue_urls().iter().map(|url| url.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, ["source-a", "source-b", "source-c"], "every source, by name");
    assert!(all.next_token().is_none(), "no NextToken without MaxResults");

    let first = client
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.queue_urls().len(), 2, "MaxResults limits the page");
    let token = first.next_token().expect("a NextToken when more sources remain").to_string();
    let second = client
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("second page");
    assert_eq!(second.queue_urls().len(), 1, "the second page holds the rest");
    assert!(second.next_token().is_none(), "no NextToken on the last page");
}

//! Message move tasks: redrive from a dead-letter queue back to the source
//! queues or to a chosen destination, cancel, and list.

use std::time::Duration;

use sluice_tests::aws_sdk_sqs::types::QueueAttributeName;
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{codes, create_queue, eventually, expect_service_error, Node};

const ARN_PREFIX: &str = "arn:aws:sqs:us-east-1:000000000000";

/// Creates `source` with a dead-letter queue `dlq` (maxReceiveCount 1) and
/// pushes `count` messages into the dead-letter queue by receiving them twice.
async fn fill_dead_letter_queue(client: &Client, source: &str, dlq: &str, count: usize) -> (String, String) {
    let dlq_url = create_queue(client, dlq, &[]).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{ARN_PREFIX}:{dlq}","maxReceiveCount":"1"}}"#);
    let source_url = create_queue(client, source, &[(QueueAttributeName::RedrivePolicy, policy.as_str())]).await;
    for index in 0..count {
        client.send_message().queue_url(&source_url).message_body(format!("m{index}")).send().await.expect("SendMessage");
    }
    for _ in 0..(count * 4) {
        let received = client
            .receive_message()
            .queue_url(&source_url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .expect("ReceiveMessage");
        if received.messages().is_empty() && visible(client, &source_url).await == 0 {
            break;
        }
    }
    eventually("every message reaches the dead-letter queue", Duration::from_secs(15), || async {
        let in_dlq = visible(client, &dlq_url).await;
        if in_dlq == count as u64 { Ok(()) } else { Err(format!("{in_dlq} of {count} in the dead-letter queue")) }
    })
    .await;
    (source_url, dlq_url)
}

async fn visible(client: &Client, url: &str) -> u64 {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("GetQueueAttributes");
    attributes
        .attributes()
        .and_then(|map| map.get(&QueueAttributeName::ApproximateNumberOfMessages))
        .and_then(|value| value.parse().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn redrive_back_to_source() {
    let node = Node::start().await;
    let client = node.client();
    let (source_url, dlq_url) = fill_dead_letter_queue(&client, "jobs", "jobs-dlq", 5).await;

    let started = client
        .start_message_move_task()
        .source_arn(format!("{ARN_PREFIX}:jobs-dlq"))
        .send()
        .await
        .expect("StartMessageMoveTask");
    assert!(started.task_handle().is_some_and(|handle| !handle.is_empty()), "a task handle is returned");

    eventually("the task completes", Duration::from_secs(15), || async {
        let listed = client
            .list_message_move_tasks()
            .source_arn(format!("{ARN_PREFIX}:jobs-dlq"))
            .send()
            .await
            .map_err(|error| format!("{error:?}"))?;
        let task = listed.results().first().ok_or("no task listed")?;
        match task.status() {
            Some("COMPLETED") => Ok(task.approximate_number_of_messages_moved()),
            other => Err(format!("status {other:?}")),
        }
    })
    .await;
    assert_eq!(visible(&client, &dlq_url).await, 0, "the dead-letter queue is empty");
    assert_eq!(visible(&client, &source_url).await, 5, "every message is back in its source queue");

    let listed = client
        .list_message_move_tasks()
        .source_arn(format!("{ARN_PREFIX}:jobs-dlq"))
        .send()
        .await
        .expect("ListMessageMoveTasks");
    let task = &listed.results()[0];
    assert_eq!(task.approximate_number_of_messages_moved(), 5, "the counter counts every moved message");
    assert_eq!(task.approximate_number_of_messages_to_move(), Some(5));
    assert!(task.task_handle().is_none(), "a finished task has no handle");
}

#[tokio::test]
async fn redrive_to_destination() {
    let node = Node::start().await;
    let client = node.client();
    let (_, dlq_url) = fill_dead_letter_queue(&client, "orders", "orders-dlq", 3).await;
    let destination = create_queue(&client, "orders-replay", &[]).await;
    client
        .start_message_move_task()
        .source_arn(format!("{ARN_PREFIX}:orders-dlq"))
        .destination_arn(format!("{ARN_PREFIX}:orders-replay"))
        .max_number_of_messages_per_second(50)
        .send()
        .await
        .expect("StartMessageMoveTask");
    eventually("the destination receives every message", Duration::from_secs(15), || async {
        let count = visible(&client, &destination).await;
        if count == 3 { Ok(()) } else { Err(format!("{count} of 3 moved")) }
    })
    .await;
    assert_eq!(visible(&client, &dlq_url).await, 0);
}

#[tokio::test]
async fn start_rejects_bad_input() {
    let node = Node::start().await;
    let client = node.client();
    create_queue(&client, "plain", &[]).await;

    let missing = client.start_message_move_task().source_arn(format!("{ARN_PREFIX}:nope")).send().await;
    assert_eq!(expect_service_error("StartMessageMoveTask on a missing queue", missing), codes::RESOURCE_NOT_FOUND);

    let not_dlq = client.start_message_move_task().source_arn(format!("{ARN_PREFIX}:plain")).send().await;
    assert_eq!(
        expect_service_error("StartMessageMoveTask on a queue that is no dead-letter queue", not_dlq),
        codes::INVALID_PARAMETER_VALUE
    );

    let cancel = client.cancel_message_move_task().task_handle("no-such-task").send().await;
    assert_eq!(expect_service_error("CancelMessageMoveTask of an unknown handle", cancel), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn one_active_task_per_source() {
    let node = Node::start().await;
    let client = node.client();
    fill_dead_letter_queue(&client, "slow", "slow-dlq", 30).await;
    let source_arn = format!("{ARN_PREFIX}:slow-dlq");
    let first = client
        .start_message_move_task()
        .source_arn(&source_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .expect("first StartMessageMoveTask");
    let second = client.start_message_move_task().source_arn(&source_arn).send().await;
    assert_eq!(expect_service_error("a second active task", second), codes::INVALID_PARAMETER_VALUE);

    let cancelled = client
        .cancel_message_move_task()
        .task_handle(first.task_handle().expect("task handle"))
        .send()
        .await
        .expect("CancelMessageMoveTask");
    assert!(cancelled.approximate_number_of_messages_moved() < 30, "cancelled before moving everything");
    eventually("the task is cancelled", Duration::from_secs(10), || async {
        let listed = client.list_message_move_tasks().source_arn(&source_arn).send().await.map_err(|error| format!("{error:?}"))?;
        match listed.results().first().and_then(|task| task.status()) {
            Some("CANCELLED") => Ok(()),
            other => Err(format!("status {other:?}")),
        }
    })
    .await;
}

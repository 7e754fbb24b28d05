//! Dead-letter moves and message move tasks on a three-node cluster, with
//! `kill -9` of the node leading the source partition while messages move.
//! Every message must end up exactly once at its destination.
//!
//! Partition groups are numbered from 1 in queue creation order (group 0 is
//! the metadata group): with one partition per queue, the first queue
//! created is group 1 and the second is group 2.

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_tests::aws_sdk_sqs::types::QueueAttributeName;
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{eventually, Cluster, ClusterConfig};

const ARN_PREFIX: &str = "arn:aws:sqs:us-east-1:000000000000";
const MESSAGES: usize = 60;
const DLQ_GROUP: u64 = 1;
const SOURCE_GROUP: u64 = 2;
const LEADER_TIMEOUT: Duration = Duration::from_secs(20);
const MOVE_TIMEOUT: Duration = Duration::from_secs(60);

async fn visible(client: &Client, url: &str) -> Result<u64, String> {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|error| format!("GetQueueAttributes: {error:?}"))?;
    let map = attributes.attributes().cloned().unwrap_or_default();
    let read = |name| map.get(&name).and_then(|value| value.parse::<u64>().ok()).unwrap_or_default();
    Ok(read(QueueAttributeName::ApproximateNumberOfMessages) + read(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
}

/// Receives and deletes everything, returning how often each body was seen.
async fn drain(client: &Client, url: &str) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    let mut empty_rounds = 0;
    for _ in 0..200 {
        let received = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap_or_else(|error| panic!("ReceiveMessage on {url} failed: {error:?}"));
        if received.messages().is_empty() {
            empty_rounds += 1;
            if empty_rounds == 3 {
                break;
            }
            continue;
        }
        empty_rounds = 0;
        for message in received.messages() {
            *seen.entry(message.body().unwrap_or_default().to_string()).or_insert(0) += 1;
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .unwrap_or_else(|error| panic!("DeleteMessage on {url} failed: {error:?}"));
        }
    }
    seen
}

fn assert_each_once(seen: &BTreeMap<String, usize>, what: &str) {
    let duplicated: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(duplicated.is_empty(), "{what}: messages delivered more than once: {duplicated:?}");
    let missing: Vec<String> = (0..MESSAGES).map(|index| format!("m{index}")).filter(|body| !seen.contains_key(body)).collect();
    assert!(missing.is_empty(), "{what}: messages lost: {missing:?}");
    assert_eq!(seen.len(), MESSAGES, "{what}: unexpected bodies: {seen:?}");
}

/// Creates the dead-letter queue (group 1) and its source (group 2) and sends
/// the messages to the source.
async fn setup(cluster: &Cluster, client: &Client) -> (String, String) {
    let dlq = client.create_queue().queue_name("jobs-dlq").send().await.expect("CreateQueue jobs-dlq");
    let dlq_url = dlq.queue_url().expect("dead-letter queue URL").to_string();
    let policy = format!(r#"{{"deadLetterTargetArn":"{ARN_PREFIX}:jobs-dlq","maxReceiveCount":"1"}}"#);
    let source = client
        .create_queue()
        .queue_name("jobs")
        .attributes(QueueAttributeName::RedrivePolicy, policy)
        .send()
        .await
        .expect("CreateQueue jobs");
    let source_url = source.queue_url().expect("source queue URL").to_string();
    for index in 0..MESSAGES {
        client.send_message().queue_url(&source_url).message_body(format!("m{index}")).send().await.expect("SendMessage");
    }
    cluster.wait_for_leader(SOURCE_GROUP, LEADER_TIMEOUT).await;
    (dlq_url, source_url)
}

/// Receives every message twice (visibility 0), so each passes
/// maxReceiveCount 1 and is set aside for the dead-letter queue.
async fn exceed_receive_count(client: &Client, url: &str) {
    for _ in 0..(MESSAGES * 2 / 10 + 10) {
        client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .expect("ReceiveMessage on the source");
        if visible(client, url).await.expect("source count") == 0 {
            return;
        }
    }
    panic!("the source queue still holds messages after receiving each one twice");
}

fn surviving(cluster: &Cluster, killed: u64) -> u64 {
    cluster.node_ids().into_iter().find(|&id| id != killed).expect("two nodes survive")
}

#[tokio::test]
async fn dead_letters_survive_leader_kill() {
    let mut cluster = Cluster::start(ClusterConfig { partitions: Some(1), ..Default::default() }).await;
    let client = cluster.client(1);
    let (dlq_url, source_url) = setup(&cluster, &client).await;

    let leader = cluster.wait_for_leader(SOURCE_GROUP, LEADER_TIMEOUT).await;
    let other = surviving(&cluster, leader);
    let client = cluster.client(other);
    exceed_receive_count(&client, &source_url).await;
    cluster.kill_9(leader);
    println!("killed node {leader}, the leader of the source partition, while dead letters moved");

    eventually("every message reaches the dead-letter queue", MOVE_TIMEOUT, || async {
        let in_dlq = visible(&client, &dlq_url).await?;
        if in_dlq >= MESSAGES as u64 { Ok(()) } else { Err(format!("{in_dlq} of {MESSAGES} moved")) }
    })
    .await;
    assert_eq!(visible(&client, &source_url).await.expect("source count"), 0, "the source keeps nothing");
    let seen = drain(&client, &dlq_url).await;
    assert_each_once(&seen, "dead-letter queue");
}

#[tokio::test]
async fn move_task_survives_leader_kill() {
    let mut cluster = Cluster::start(ClusterConfig { partitions: Some(1), ..Default::default() }).await;
    let client = cluster.client(1);
    let (dlq_url, source_url) = setup(&cluster, &client).await;
    exceed_receive_count(&client, &source_url).await;
    eventually("every message reaches the dead-letter queue", MOVE_TIMEOUT, || async {
        let in_dlq = visible(&client, &dlq_url).await?;
        if in_dlq >= MESSAGES as u64 { Ok(()) } else { Err(format!("{in_dlq} of {MESSAGES} moved")) }
    })
    .await;

    let leader = cluster.wait_for_leader(DLQ_GROUP, LEADER_TIMEOUT).await;
    let other = surviving(&cluster, leader);
    let client = cluster.client(other);
    client
        .start_message_move_task()
        .source_arn(format!("{ARN_PREFIX}:jobs-dlq"))
        .max_number_of_messages_per_second(20)
        .send()
        .await
        .expect("StartMessageMoveTask");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    cluster.kill_9(leader);
    println!("killed node {leader}, the leader of the dead-letter queue's partition, during the move task");

    eventually("the move task completes", MOVE_TIMEOUT, || async {
        let listed = client
            .list_message_move_tasks()
            .source_arn(format!("{ARN_PREFIX}:jobs-dlq"))
            .send()
            .await
            .map_err(|error| format!("ListMessageMoveTasks: {error:?}"))?;
        match listed.results().first().and_then(|task| task.status()) {
            Some("COMPLETED") => Ok(()),
            other => Err(format!("status {other:?}")),
        }
    })
    .await;
    assert_eq!(visible(&client, &dlq_url).await.expect("dead-letter count"), 0, "the dead-letter queue is empty");
    let seen = drain(&client, &source_url).await;
    assert_each_once(&seen, "source queue after the move task");
}

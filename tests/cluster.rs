//! Three-node clusters of real `sluice` processes on 127.0.0.1.
//!
//! Each test starts its own cluster ([`Cluster`]) and talks to every node's
//! SQS endpoint with AWS SDK clients in the standard retry mode, since a node
//! may return 503 while a Raft group elects a new leader. The tests check:
//! - that any node serves any queue, with partitions spread over the nodes;
//! - that `kill -9` of a leader under load loses no acknowledged send and
//!   brings back no acknowledged delete, and how long the cluster had no leader;
//! - that a node restarted with its data, or with an empty data directory
//!   after the others truncated their logs, catches up and can lead;
//! - that a frozen (SIGSTOP) leader neither blocks the other nodes nor
//!   acknowledges anything it should not.
//!
//! Raft group ids are not part of the SQS API. The tests rely on the catalog
//! numbering partition groups from 1 in queue creation order (group 0 is the
//! metadata group), and they check that numbering against the nodes' logs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::error::DisplayErrorContext;
use sluice_tests::aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, QueueAttributeName, SendMessageBatchRequestEntry,
};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{eventually, unix_now_millis, Cluster, ClusterConfig, DataDir};

/// The metadata group, which every node replicates.
const METADATA_GROUP: u64 = 0;
/// Maximum wait for a Raft group to have a leader in the logs. An election
/// takes 1 to 2 s (election timeout of 10 to 20 ticks of 100 ms).
const LEADER_TIMEOUT: Duration = Duration::from_secs(20);
/// Tag that sets a queue's partition count at CreateQueue.
const PARTITIONS_TAG: &str = "sluice:partitions";
/// Visibility timeout of the load queues, in seconds. It is short so that
/// messages whose receive never reached a client come back soon.
const LOAD_VISIBILITY_SECS: u64 = 4;
/// A delete counts as acknowledged only if it returned within this time after
/// its receive was sent. Later, the receipt handle may be stale, and SQS then
/// returns success without deleting the message.
const FRESH_HANDLE_WINDOW: Duration = Duration::from_secs(LOAD_VISIBILITY_SECS - 1);
/// How long a drain keeps receiving after the last new message: long enough
/// for a message received by a lost ReceiveMessage call to become visible again.
const DRAIN_QUIET_PERIOD: Duration = Duration::from_secs(LOAD_VISIBILITY_SECS + 2);
/// Upper bound for one drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a FIFO sender resends one message (same deduplication id) before
/// it gives up. Longer than any failover that these tests cause.
const FIFO_RESEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound for load tasks to finish after `stop` is set, because one SDK
/// call with all its retries may take 60 s.
const TASK_STOP_TIMEOUT: Duration = Duration::from_secs(70);
/// Loose bound on the time a partition may go without a leader after a kill.
/// The expected time is two election timeouts (4 s at most); this only
/// catches a cluster that never recovers.
const LEADERLESS_MAX: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// What the clients observed
// ---------------------------------------------------------------------------

/// What the load tasks observed, recorded as it happened.
#[derive(Default)]
struct Ledger {
    /// Bodies of every send that was attempted, acknowledged or not.
    send_attempted: HashSet<String>,
    /// Bodies whose send returned success.
    send_acknowledged: HashSet<String>,
    /// Bodies for which a delete was sent, acknowledged or not.
    delete_attempted: HashSet<String>,
    /// Message ids whose delete returned success with a fresh receipt handle.
    /// Ids, not bodies: a send that failed after the server stored it and
    /// was then retried stores a second message with the same body.
    deleted_message_ids: HashSet<String>,
    /// Per FIFO group, the message indexes in the order they were received.
    fifo_receive_order: HashMap<String, Vec<u64>>,
    /// Per body, the ids of the messages received with it.
    received_message_ids: HashMap<String, HashSet<String>>,
    /// Invariant violations seen while the tasks ran.
    violations: Vec<String>,
}

type SharedLedger = Arc<Mutex<Ledger>>;

fn lock(ledger: &SharedLedger) -> std::sync::MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .expect("a load task panicked while holding the ledger")
}

impl Ledger {
    /// Bodies that must still be in the queue: acknowledged sends that no
    /// one tried to delete.
    fn must_remain(&self, prefix: &str) -> HashSet<String> {
        self.send_acknowledged
            .difference(&self.delete_attempted)
            .filter(|body| body.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Bodies that were received as more than one message.
    fn stored_twice(&self) -> usize {
        self.received_message_ids
            .values()
            .filter(|message_ids| message_ids.len() > 1)
            .count()
    }

    fn acknowledged_count(&self, prefix: &str) -> usize {
        self.send_acknowledged
            .iter()
            .filter(|body| body.starts_with(prefix))
            .count()
    }
}

fn fifo_body(group: &str, index: u64) -> String {
    format!("fifo:{group}:{index}")
}

/// Splits a FIFO body `fifo:<group>:<index>` into its group and index.
fn parse_fifo_body(body: &str) -> Option<(String, u64)> {
    let mut parts = body.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("fifo"), Some(group), Some(index)) => Some((group.to_string(), index.parse().ok()?)),
        _ => None,
    }
}

fn body_of(message: &Message) -> String {
    message
        .body()
        .expect("a received message has a body")
        .to_string()
}

fn message_id_of(message: &Message) -> String {
    message
        .message_id()
        .expect("a received message has a MessageId")
        .to_string()
}

/// Records received messages and flags those deleted before or never sent.
fn record_received(ledger: &SharedLedger, messages: &[Message], phase: &str) {
    let mut ledger = lock(ledger);
    for message in messages {
        let body = body_of(message);
        let message_id = message_id_of(message);
        if ledger.deleted_message_ids.contains(&message_id) {
            ledger.violations.push(format!(
                "{body} (message id {message_id}, receipt handle {:?}) was received {phase} after its delete was acknowledged",
                message.receipt_handle()
            ));
        }
        ledger
            .received_message_ids
            .entry(body.clone())
            .or_default()
            .insert(message_id);
        if !ledger.send_attempted.contains(&body) {
            ledger
                .violations
                .push(format!("{body} was received {phase} but never sent"));
        }
        if body.starts_with("fifo:") {
            match parse_fifo_body(&body) {
                Some((group, index)) => ledger
                    .fifo_receive_order
                    .entry(group)
                    .or_default()
                    .push(index),
                None => ledger.violations.push(format!(
                    "received a FIFO body this test never sends: {body:?}"
                )),
            }
        }
    }
}

/// Returns, per FIFO group, each message that was first received after a
/// message with a higher index.
fn fifo_order_violations(order: &HashMap<String, Vec<u64>>) -> Vec<String> {
    let mut violations = Vec::new();
    for (group, indexes) in order {
        let mut seen = HashSet::new();
        let mut last_first_seen: Option<u64> = None;
        for &index in indexes {
            if !seen.insert(index) {
                continue;
            }
            if let Some(previous) = last_first_seen {
                if index < previous {
                    violations.push(format!(
                        "group {group}: message {index} was first received after message {previous} (receive order {indexes:?})"
                    ));
                }
            }
            last_first_seen = Some(index);
        }
    }
    violations
}

/// Returns up to 20 items of a set, sorted, for failure messages.
fn sample(set: &HashSet<String>) -> Vec<&String> {
    let mut items: Vec<&String> = set.iter().collect();
    items.sort();
    items.truncate(20);
    items
}

// ---------------------------------------------------------------------------
// SQS calls
// ---------------------------------------------------------------------------

/// Creates a queue through `client`, with `partitions` as its
/// `sluice:partitions` tag when given.
async fn create_queue(
    client: &Client,
    name: &str,
    fifo: bool,
    partitions: Option<u32>,
    visibility_secs: u64,
) {
    let mut request = client.create_queue().queue_name(name).attributes(
        QueueAttributeName::VisibilityTimeout,
        visibility_secs.to_string(),
    );
    if fifo {
        request = request.attributes(QueueAttributeName::FifoQueue, "true");
    }
    if let Some(partitions) = partitions {
        request = request.tags(PARTITIONS_TAG, partitions.to_string());
    }
    request
        .send()
        .await
        .unwrap_or_else(|err| panic!("CreateQueue {name} failed: {}", DisplayErrorContext(&err)));
}

/// Sends one standard message; returns whether the send was acknowledged.
async fn send_standard(client: &Client, url: &str, body: &str) -> bool {
    client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .is_ok()
}

/// Sends one FIFO message with its body as deduplication id, and sends it
/// again after a failure until it is acknowledged or `FIFO_RESEND_TIMEOUT`
/// passes. Resending with the same deduplication id is how a producer keeps
/// a group in order through a failover: the message is stored once, before
/// the next one.
async fn send_fifo(client: &Client, url: &str, group: &str, body: &str) -> bool {
    let deadline = Instant::now() + FIFO_RESEND_TIMEOUT;
    loop {
        let result = client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .message_group_id(group)
            .message_deduplication_id(body)
            .send()
            .await;
        if result.is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends up to 10 standard messages in one batch; returns the acknowledged bodies.
async fn send_standard_batch(client: &Client, url: &str, bodies: &[String]) -> Vec<String> {
    let entries = bodies
        .iter()
        .enumerate()
        .map(|(index, body)| {
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{index}"))
                .message_body(body)
                .build()
                .expect("a valid batch entry")
        })
        .collect();
    let Ok(output) = client
        .send_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
    else {
        return Vec::new();
    };
    output
        .successful()
        .iter()
        .map(|entry| {
            let index: usize = entry.id()[1..].parse().expect("entry ids are e<index>");
            bodies[index].clone()
        })
        .collect()
}

/// Deletes messages in one batch; returns the messages whose delete succeeded.
async fn delete_batch(client: &Client, url: &str, messages: &[Message]) -> Vec<Message> {
    if messages.is_empty() {
        return Vec::new();
    }
    let entries = messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{index}"))
                .receipt_handle(
                    message
                        .receipt_handle()
                        .expect("a received message has a ReceiptHandle"),
                )
                .build()
                .expect("a valid delete entry")
        })
        .collect();
    let Ok(output) = client
        .delete_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
    else {
        return Vec::new();
    };
    output
        .successful()
        .iter()
        .map(|entry| {
            let index: usize = entry.id()[1..].parse().expect("entry ids are d<index>");
            messages[index].clone()
        })
        .collect()
}

/// Receives up to 10 messages, waiting up to `wait_secs` for one.
async fn receive(client: &Client, url: &str, wait_secs: i32) -> Result<Vec<Message>, String> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_secs)
        .send()
        .await
        .map(|output| output.messages().to_vec())
        .map_err(|err| DisplayErrorContext(&err).to_string())
}

/// Returns ApproximateNumberOfMessages and ApproximateNumberOfMessagesNotVisible.
async fn approximate_counts(client: &Client, url: &str) -> Result<(u64, u64), String> {
    let output = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|err| DisplayErrorContext(&err).to_string())?;
    let attributes = output.attributes().cloned().unwrap_or_default();
    let read = |name: QueueAttributeName| -> Result<u64, String> {
        attributes
            .get(&name)
            .ok_or_else(|| format!("{name:?} is missing in {attributes:?}"))?
            .parse()
            .map_err(|err| format!("{name:?} is not a number: {err}"))
    };
    Ok((
        read(QueueAttributeName::ApproximateNumberOfMessages)?,
        read(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)?,
    ))
}

/// Waits until every client reports the same counts for `queue_name` and
/// returns them.
async fn converged_counts(cluster: &Cluster, node_ids: &[u64], queue_name: &str) -> (u64, u64) {
    let condition = format!("every node in {node_ids:?} reports the same counts for {queue_name}");
    eventually(&condition, Duration::from_secs(30), || async {
        let mut counts = Vec::new();
        for &node_id in node_ids {
            let url = cluster.queue_url(node_id, queue_name);
            let node_counts = approximate_counts(&cluster.client(node_id), &url).await?;
            counts.push((node_id, node_counts));
        }
        let first = counts[0].1;
        if counts.iter().all(|(_, node_counts)| *node_counts == first) {
            Ok(first)
        } else {
            Err(format!("(visible, not visible) per node: {counts:?}"))
        }
    })
    .await
}

/// What a drain received and deleted.
#[derive(Default)]
struct Drained {
    bodies: HashSet<String>,
    /// Messages received and deleted, each copy of a body counted.
    messages: usize,
}

/// Receives and deletes through `node_ids` in turn until every body of
/// `expected` was received and nothing new arrived for `DRAIN_QUIET_PERIOD`,
/// or `DRAIN_TIMEOUT` passes. Records every receive in the ledger.
async fn drain(
    cluster: &Cluster,
    node_ids: &[u64],
    queue_name: &str,
    expected: &HashSet<String>,
    ledger: &SharedLedger,
) -> Drained {
    let clients: Vec<(Client, String)> = node_ids
        .iter()
        .map(|&node_id| {
            (
                cluster.client(node_id),
                cluster.queue_url(node_id, queue_name),
            )
        })
        .collect();
    let mut drained = Drained::default();
    let started = Instant::now();
    let mut last_new = Instant::now();
    let mut turn = 0usize;
    while started.elapsed() < DRAIN_TIMEOUT {
        if expected.is_subset(&drained.bodies) && last_new.elapsed() >= DRAIN_QUIET_PERIOD {
            break;
        }
        let (client, url) = &clients[turn % clients.len()];
        turn += 1;
        let messages = receive(client, url, 1)
            .await
            .unwrap_or_else(|err| panic!("ReceiveMessage on {url} while draining failed: {err}"));
        if messages.is_empty() {
            continue;
        }
        record_received(ledger, &messages, "while draining");
        let deleted = delete_batch(client, url, &messages).await;
        assert_eq!(
            deleted.len(),
            messages.len(),
            "every delete of a fresh receipt handle while draining {queue_name} succeeds"
        );
        let mut ledger = lock(ledger);
        for message in &messages {
            let body = body_of(message);
            let message_id = message_id_of(message);
            ledger.deleted_message_ids.insert(message_id);
            drained.messages += 1;
            if drained.bodies.insert(body) {
                last_new = Instant::now();
            }
        }
    }
    drained
}

/// Checks that every body in `expected` was drained, and that the ledger
/// recorded no violation and no FIFO group out of order.
fn assert_nothing_lost(
    label: &str,
    expected: &HashSet<String>,
    drained: &Drained,
    ledger: &SharedLedger,
) {
    let lost: HashSet<String> = expected.difference(&drained.bodies).cloned().collect();
    assert!(
        lost.is_empty(),
        "{label}: {} of {} acknowledged messages were never received, for example {:?}",
        lost.len(),
        expected.len(),
        sample(&lost)
    );
    let ledger = lock(ledger);
    assert!(
        ledger.violations.is_empty(),
        "{label}: deleted or unknown messages were received: {:?}",
        &ledger.violations[..ledger.violations.len().min(20)]
    );
    let order_violations = fifo_order_violations(&ledger.fifo_receive_order);
    assert!(
        order_violations.is_empty(),
        "{label}: FIFO order per group broke: {:?}",
        &order_violations[..order_violations.len().min(10)]
    );
}

/// Waits until each group has a leader and returns the leaders in order.
async fn leaders(cluster: &Cluster, groups: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut leaders = Vec::new();
    for group_id in groups {
        leaders.push(cluster.wait_for_leader(group_id, LEADER_TIMEOUT).await);
    }
    leaders
}

// ---------------------------------------------------------------------------
// Load tasks
// ---------------------------------------------------------------------------

/// Times at which one load task's sends were acknowledged.
type AckTimes = Vec<Instant>;

/// Sends standard messages, single and batched, until `stop`.
async fn run_standard_sender(
    client: Client,
    url: String,
    task: u64,
    ledger: SharedLedger,
    stop: Arc<AtomicBool>,
) -> AckTimes {
    let mut acknowledged_at = Vec::new();
    let mut next = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let count = if next % 3 == 2 { 4 } else { 1 };
        let bodies: Vec<String> = (next..next + count)
            .map(|index| format!("std:{task}:{index}"))
            .collect();
        next += count;
        lock(&ledger).send_attempted.extend(bodies.iter().cloned());
        let acknowledged = if count == 1 {
            if send_standard(&client, &url, &bodies[0]).await {
                bodies
            } else {
                Vec::new()
            }
        } else {
            send_standard_batch(&client, &url, &bodies).await
        };
        if !acknowledged.is_empty() {
            acknowledged_at.push(Instant::now());
            lock(&ledger).send_acknowledged.extend(acknowledged);
        }
    }
    acknowledged_at
}

/// Sends to its own FIFO groups in index order until `stop`. A message is
/// resent until acknowledged ([`send_fifo`]). The task ends at the first
/// message that could not be sent, so every message of a group before an
/// acknowledged one was acknowledged too.
async fn run_fifo_sender(
    client: Client,
    url: String,
    groups: Vec<String>,
    ledger: SharedLedger,
    stop: Arc<AtomicBool>,
) -> AckTimes {
    let mut acknowledged_at = Vec::new();
    let mut index = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let group = &groups[(index as usize) % groups.len()];
        let body = fifo_body(group, index / groups.len() as u64);
        lock(&ledger).send_attempted.insert(body.clone());
        if !send_fifo(&client, &url, group, &body).await {
            break;
        }
        acknowledged_at.push(Instant::now());
        lock(&ledger).send_acknowledged.insert(body);
        index += 1;
    }
    acknowledged_at
}

/// Receives and deletes until `stop`, and every fifth round leaves one
/// message undeleted so that it comes back after its visibility timeout.
async fn run_receiver(client: Client, url: String, ledger: SharedLedger, stop: Arc<AtomicBool>) {
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let requested_at = Instant::now();
        let Ok(messages) = receive(&client, &url, 1).await else {
            continue;
        };
        if messages.is_empty() {
            continue;
        }
        record_received(&ledger, &messages, "under load");
        let keep = usize::from(round.is_multiple_of(5));
        let to_delete = &messages[..messages.len() - keep];
        lock(&ledger)
            .delete_attempted
            .extend(to_delete.iter().map(body_of));
        let deleted = delete_batch(&client, &url, to_delete).await;
        if requested_at.elapsed() < FRESH_HANDLE_WINDOW {
            lock(&ledger)
                .deleted_message_ids
                .extend(deleted.iter().map(message_id_of));
        }
    }
}

/// Returns the longest time between two consecutive acknowledgments of one
/// task, over all tasks.
fn longest_gap(tasks: &[AckTimes]) -> Duration {
    tasks
        .iter()
        .flat_map(|times| times.windows(2).map(|pair| pair[1] - pair[0]))
        .max()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// Any node serves any queue: sends through all three nodes, receives and
/// deletes through the others, with three partitions per queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_serves_every_endpoint() {
    let cluster = Cluster::start(ClusterConfig {
        partitions: Some(3),
        ..ClusterConfig::default()
    })
    .await;
    let nodes = cluster.node_ids();

    // The standard queue gets its 3 partitions from --partitions, the FIFO
    // queue from the tag. Groups 1-3 and 4-6.
    create_queue(&cluster.client(1), "spread", false, None, 30).await;
    create_queue(&cluster.client(2), "spread.fifo", true, Some(3), 30).await;
    let standard_leaders = leaders(&cluster, 1..=3).await;
    let fifo_leaders = leaders(&cluster, 4..=6).await;
    let distinct = |leaders: &[u64]| leaders.iter().copied().collect::<BTreeSet<u64>>();
    assert_eq!(
        distinct(&standard_leaders),
        BTreeSet::from([1, 2, 3]),
        "each node first leads one partition of the standard queue: leaders {standard_leaders:?}"
    );
    assert_eq!(
        distinct(&fifo_leaders),
        BTreeSet::from([1, 2, 3]),
        "each node first leads one partition of the FIFO queue: leaders {fifo_leaders:?}"
    );
    for node_id in &nodes {
        assert_eq!(
            cluster.find_log_line(*node_id, &["group_id=7 "]),
            None,
            "node {node_id} knows no seventh group: two queues of three partitions"
        );
    }

    // 30 single sends and 3 batches of 10, through every node in turn.
    let mut standard_sent = HashSet::new();
    for index in 0..30u64 {
        let node_id = nodes[index as usize % nodes.len()];
        let body = format!("std:{index}");
        assert!(
            send_standard(
                &cluster.client(node_id),
                &cluster.queue_url(node_id, "spread"),
                &body
            )
            .await,
            "SendMessage {body} through node {node_id}"
        );
        standard_sent.insert(body);
    }
    for (batch, &node_id) in nodes.iter().enumerate() {
        let bodies: Vec<String> = (0..10)
            .map(|index| format!("std:batch{batch}:{index}"))
            .collect();
        let acknowledged = send_standard_batch(
            &cluster.client(node_id),
            &cluster.queue_url(node_id, "spread"),
            &bodies,
        )
        .await;
        assert_eq!(
            acknowledged.len(),
            10,
            "SendMessageBatch {batch} through node {node_id}"
        );
        standard_sent.extend(acknowledged);
    }

    // 4 FIFO groups of 10 messages; each message goes through another node.
    let groups = ["g0", "g1", "g2", "g3"];
    for index in 0..10u64 {
        for (group_index, group) in groups.iter().enumerate() {
            let node_id = nodes[(index as usize + group_index) % nodes.len()];
            let body = fifo_body(group, index);
            assert!(
                send_fifo(
                    &cluster.client(node_id),
                    &cluster.queue_url(node_id, "spread.fifo"),
                    group,
                    &body
                )
                .await,
                "FIFO SendMessage {body} through node {node_id}"
            );
        }
    }

    for &node_id in &nodes {
        let client = cluster.client(node_id);
        let standard = approximate_counts(&client, &cluster.queue_url(node_id, "spread")).await;
        assert_eq!(
            standard,
            Ok((60, 0)),
            "node {node_id} sums the standard queue's partitions: 60 visible, 0 in flight"
        );
        let fifo = approximate_counts(&client, &cluster.queue_url(node_id, "spread.fifo")).await;
        assert_eq!(
            fifo,
            Ok((40, 0)),
            "node {node_id} sums the FIFO queue's partitions: 40 visible, 0 in flight"
        );
    }

    // Receive through one node and delete through the next, with short
    // polls: a long poll over several partitions can leave a receive applied
    // whose messages reach no client, and this test counts exact deliveries.
    for (queue_name, expected_total) in [("spread", 60usize), ("spread.fifo", 40)] {
        let mut received: HashMap<String, usize> = HashMap::new();
        let mut fifo_order: HashMap<String, Vec<u64>> = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut turn = 0usize;
        while received.len() < expected_total && Instant::now() < deadline {
            let receiver = nodes[turn % nodes.len()];
            let deleter = nodes[(turn + 1) % nodes.len()];
            turn += 1;
            let messages = receive(
                &cluster.client(receiver),
                &cluster.queue_url(receiver, queue_name),
                0,
            )
            .await
            .unwrap_or_else(|err| {
                panic!("ReceiveMessage on {queue_name} through node {receiver}: {err}")
            });
            if messages.is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            for message in &messages {
                let body = body_of(message);
                if let Some((group, index)) = parse_fifo_body(&body) {
                    fifo_order.entry(group).or_default().push(index);
                }
                *received.entry(body).or_default() += 1;
            }
            let deleted = delete_batch(
                &cluster.client(deleter),
                &cluster.queue_url(deleter, queue_name),
                &messages,
            )
            .await;
            assert_eq!(
                deleted.len(),
                messages.len(),
                "DeleteMessageBatch through node {deleter} of messages received through node {receiver}"
            );
        }

        assert_eq!(
            received.len(),
            expected_total,
            "every message of {queue_name} is received"
        );
        let repeated: Vec<(&String, &usize)> =
            received.iter().filter(|(_, count)| **count > 1).collect();
        assert!(
            repeated.is_empty(),
            "no message of {queue_name} is received twice when deleted at once: {repeated:?}"
        );
        if queue_name == "spread" {
            let bodies: HashSet<String> = received.keys().cloned().collect();
            assert_eq!(
                bodies, standard_sent,
                "the standard queue returns exactly the bodies sent"
            );
        } else {
            for group in groups {
                assert_eq!(
                    fifo_order.get(group).cloned().unwrap_or_default(),
                    (0..10).collect::<Vec<u64>>(),
                    "FIFO group {group} is received once, in send order"
                );
            }
        }
    }

    for &node_id in &nodes {
        for queue_name in ["spread", "spread.fifo"] {
            let counts = approximate_counts(
                &cluster.client(node_id),
                &cluster.queue_url(node_id, queue_name),
            )
            .await;
            assert_eq!(
                counts,
                Ok((0, 0)),
                "node {node_id} reports {queue_name} empty after the deletes"
            );
        }
    }
}

/// `kill -9` of the node that leads a busy partition, under load from tasks
/// that use the two other nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_survives_leader_kill() {
    let mut cluster = Cluster::start(ClusterConfig::default()).await;
    let client = cluster.client(1);
    create_queue(&client, "load", false, Some(3), LOAD_VISIBILITY_SECS).await;
    create_queue(&client, "load.fifo", true, Some(3), LOAD_VISIBILITY_SECS).await;
    let all_groups: Vec<u64> = (METADATA_GROUP..=6).collect();
    let leaders_before = leaders(&cluster, all_groups.iter().copied()).await;

    // The leader of the standard queue's first partition dies; the load uses
    // only the other two nodes.
    let victim = leaders_before[1];
    let survivors: Vec<u64> = cluster
        .node_ids()
        .into_iter()
        .filter(|&id| id != victim)
        .collect();
    let victim_groups: Vec<u64> = all_groups
        .iter()
        .copied()
        .filter(|&group_id| leaders_before[group_id as usize] == victim)
        .collect();
    eprintln!("leaders of groups 0-6 before the kill: {leaders_before:?}; killing node {victim}, which leads {victim_groups:?}");

    let ledger = SharedLedger::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for (position, &node_id) in survivors.iter().enumerate() {
        let standard_url = cluster.queue_url(node_id, "load");
        let fifo_url = cluster.queue_url(node_id, "load.fifo");
        for copy in 0..2u64 {
            let task = position as u64 * 2 + copy;
            senders.push(tokio::spawn(run_standard_sender(
                cluster.client(node_id),
                standard_url.clone(),
                task,
                ledger.clone(),
                stop.clone(),
            )));
        }
        let groups = (0..3).map(|group| format!("n{node_id}g{group}")).collect();
        senders.push(tokio::spawn(run_fifo_sender(
            cluster.client(node_id),
            fifo_url.clone(),
            groups,
            ledger.clone(),
            stop.clone(),
        )));
        for url in [standard_url, fifo_url] {
            receivers.push(tokio::spawn(run_receiver(
                cluster.client(node_id),
                url,
                ledger.clone(),
                stop.clone(),
            )));
        }
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    let acknowledged_before_kill = lock(&ledger).send_acknowledged.len();
    let killed_at_ms = unix_now_millis();
    let killed_at = Instant::now();
    cluster.kill_9(victim);
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, Ordering::Relaxed);

    let mut ack_times = Vec::new();
    for task in senders {
        let times = tokio::time::timeout(TASK_STOP_TIMEOUT, task)
            .await
            .expect("a sender did not stop within 70 s")
            .expect("a sender panicked");
        ack_times.push(times);
    }
    for task in receivers {
        tokio::time::timeout(TASK_STOP_TIMEOUT, task)
            .await
            .expect("a receiver did not stop within 70 s")
            .expect("a receiver panicked");
    }

    // Time without a leader: per sender, the longest time between two
    // acknowledged sends, and per group the victim led, the time from the
    // kill to the new leader's log line.
    let gap = longest_gap(&ack_times);
    let acknowledged_after_kill = ack_times
        .iter()
        .flatten()
        .filter(|time| **time > killed_at)
        .count();
    eprintln!("longest time between two acknowledged sends of one sender: {gap:?}");
    for &group_id in &victim_groups {
        let new_leader = cluster.wait_for_leader(group_id, LEADER_TIMEOUT).await;
        let change = cluster
            .last_role_change(new_leader, group_id)
            .expect("wait_for_leader found a role change");
        let elected_ms = change
            .unix_millis()
            .expect("a role change has a valid timestamp");
        eprintln!(
            "group {group_id}: node {new_leader} logged its leadership {} ms after the kill",
            elected_ms.saturating_sub(killed_at_ms)
        );
    }
    {
        let ledger = lock(&ledger);
        eprintln!(
            "load: {} sends attempted, {} standard and {} FIFO acknowledged ({acknowledged_before_kill} before the kill), \
             {} deletes attempted, {} acknowledged",
            ledger.send_attempted.len(),
            ledger.acknowledged_count("std:"),
            ledger.acknowledged_count("fifo:"),
            ledger.delete_attempted.len(),
            ledger.deleted_message_ids.len()
        );
    }
    assert!(
        acknowledged_before_kill > 0,
        "sends were acknowledged before the kill"
    );
    assert!(
        acknowledged_after_kill > 0,
        "sends were acknowledged after the kill"
    );
    assert!(
        gap < LEADERLESS_MAX,
        "no sender waited {LEADERLESS_MAX:?} or more between two acknowledged sends (longest: {gap:?})"
    );

    let (standard_expected, fifo_expected) = {
        let ledger = lock(&ledger);
        (ledger.must_remain("std:"), ledger.must_remain("fifo:"))
    };
    let standard_drained = drain(&cluster, &survivors, "load", &standard_expected, &ledger).await;
    let fifo_drained = drain(&cluster, &survivors, "load.fifo", &fifo_expected, &ledger).await;
    eprintln!(
        "drained {} standard and {} FIFO messages; expected at least {} and {}; \
         {} bodies were received as two messages (a send retried after the server stored it)",
        standard_drained.bodies.len(),
        fifo_drained.bodies.len(),
        standard_expected.len(),
        fifo_expected.len(),
        lock(&ledger).stored_twice()
    );
    assert_nothing_lost(
        "standard queue after the kill",
        &standard_expected,
        &standard_drained,
        &ledger,
    );
    assert_nothing_lost(
        "FIFO queue after the kill",
        &fifo_expected,
        &fifo_drained,
        &ledger,
    );

    // The killed node rejoins with its data and agrees on the counts.
    cluster.restart(victim, DataDir::Keep).await;
    let nodes = cluster.node_ids();
    for queue_name in ["load", "load.fifo"] {
        let (visible, in_flight) = converged_counts(&cluster, &nodes, queue_name).await;
        eprintln!("after node {victim} rejoined, every node reports {queue_name}: {visible} visible, {in_flight} in flight");
    }
}

/// A follower misses writes that truncate the others' logs, then catches up
/// from a snapshot: once with its data directory, once with an empty one.
/// Then the two other nodes are killed one after the other, so that it must
/// take over as the leader, with nothing acknowledged lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_follower_catches_up() {
    let mut cluster = Cluster::start(ClusterConfig {
        snapshot_interval: Some(50),
        ..ClusterConfig::default()
    })
    .await;
    create_queue(
        &cluster.client(1),
        "catchup",
        false,
        Some(1),
        LOAD_VISIBILITY_SECS,
    )
    .await;
    create_queue(
        &cluster.client(1),
        "catchup.fifo",
        true,
        Some(1),
        LOAD_VISIBILITY_SECS,
    )
    .await;
    let queue_groups = [1u64, 2];
    let queue_leaders = leaders(&cluster, queue_groups).await;
    leaders(&cluster, [METADATA_GROUP]).await;

    let follower = cluster
        .node_ids()
        .into_iter()
        .find(|node_id| !queue_leaders.contains(node_id))
        .expect("two groups on three nodes leave a node that leads neither");
    let others: Vec<u64> = cluster
        .node_ids()
        .into_iter()
        .filter(|&id| id != follower)
        .collect();
    eprintln!("queue partition leaders {queue_leaders:?}; node {follower} follows both");

    let ledger = SharedLedger::default();
    cluster.kill_9(follower);

    // Phase A, with the follower dead: 150 standard and 60 FIFO sends, and
    // 30 standard messages received and deleted. Over 50 entries per group,
    // so the leaders snapshot and truncate their logs.
    let fifo_groups = ["a", "b", "c"];
    let mut writers = Vec::new();
    for (position, &node_id) in others.iter().enumerate() {
        let client = cluster.client(node_id);
        let standard_url = cluster.queue_url(node_id, "catchup");
        let fifo_url = cluster.queue_url(node_id, "catchup.fifo");
        let ledger = ledger.clone();
        writers.push(tokio::spawn(async move {
            for index in 0..75u64 {
                let body = format!("std:a{position}:{index}");
                lock(&ledger).send_attempted.insert(body.clone());
                assert!(
                    send_standard(&client, &standard_url, &body).await,
                    "SendMessage {body}"
                );
                lock(&ledger).send_acknowledged.insert(body);
            }
            // Node `others[0]` sends the first half of each FIFO group, then
            // node `others[1]`, so each group stays in order.
            if position == 0 {
                for index in 0..20u64 {
                    for group in fifo_groups {
                        let body = fifo_body(group, index);
                        lock(&ledger).send_attempted.insert(body.clone());
                        assert!(
                            send_fifo(&client, &fifo_url, group, &body).await,
                            "FIFO SendMessage {body}"
                        );
                        lock(&ledger).send_acknowledged.insert(body);
                    }
                }
            }
        }));
    }
    for writer in writers {
        writer.await.expect("a phase A writer panicked");
    }
    let reader = cluster.client(others[1]);
    let reader_url = cluster.queue_url(others[1], "catchup");
    let mut deleted = 0;
    while deleted < 30 {
        let requested_at = Instant::now();
        let messages = receive(&reader, &reader_url, 1)
            .await
            .expect("ReceiveMessage in phase A");
        let messages = &messages[..messages.len().min(30 - deleted)];
        record_received(&ledger, messages, "in phase A");
        lock(&ledger)
            .delete_attempted
            .extend(messages.iter().map(body_of));
        let acknowledged = delete_batch(&reader, &reader_url, messages).await;
        assert_eq!(
            acknowledged.len(),
            messages.len(),
            "DeleteMessageBatch in phase A"
        );
        if requested_at.elapsed() < FRESH_HANDLE_WINDOW {
            lock(&ledger)
                .deleted_message_ids
                .extend(acknowledged.iter().map(message_id_of));
        }
        deleted += messages.len();
    }
    for (&group_id, &leader_id) in queue_groups.iter().zip(&queue_leaders) {
        let group_field = format!("group_id={group_id} ");
        cluster
            .wait_for_log(
                leader_id,
                &["saved snapshot and truncated the log", &group_field],
                Duration::from_secs(10),
            )
            .await;
    }

    // Restart with the data directory: the follower's log ends before the
    // leaders' first entry, so it needs their snapshots.
    cluster.restart(follower, DataDir::Keep).await;
    for group_id in queue_groups {
        let group_field = format!("group_id={group_id} ");
        cluster
            .wait_for_log(
                follower,
                &["installed snapshot from the leader", &group_field],
                Duration::from_secs(20),
            )
            .await;
    }

    // Restart with an empty data directory: everything comes from the others.
    cluster.restart(follower, DataDir::Empty).await;
    for group_id in queue_groups {
        let group_field = format!("group_id={group_id} ");
        cluster
            .wait_for_log(
                follower,
                &["installed snapshot from the leader", &group_field],
                Duration::from_secs(20),
            )
            .await;
    }
    let tags_before = cluster
        .client(follower)
        .list_queue_tags()
        .queue_url(cluster.queue_url(follower, "catchup"))
        .send()
        .await
        .expect("ListQueueTags through the restarted node");
    assert_eq!(
        tags_before
            .tags()
            .and_then(|tags| tags.get(PARTITIONS_TAG))
            .map(String::as_str),
        Some("1"),
        "the restarted node's catalog has the queue's tags back"
    );

    // Phase B: freeze one of the others, so that the writes of this phase are
    // stored only by the follower and the last node. Then kill both others
    // and restart the frozen one with its data directory. Only the follower
    // has every committed entry, so it must win the elections of every group.
    // (Resuming the frozen node with SIGCONT instead would let it read the
    // phase B entries that the killed node's last messages left in its
    // socket buffers, and then either node could win.)
    let frozen = others[0];
    let last = others[1];
    cluster.stop(frozen);
    let client = cluster.client(follower);
    let standard_url = cluster.queue_url(follower, "catchup");
    let fifo_url = cluster.queue_url(follower, "catchup.fifo");
    for index in 0..20u64 {
        let body = format!("std:b:{index}");
        lock(&ledger).send_attempted.insert(body.clone());
        assert!(
            send_standard(&client, &standard_url, &body).await,
            "SendMessage {body} while node {frozen} is frozen"
        );
        lock(&ledger).send_acknowledged.insert(body);
    }
    for index in 20..25u64 {
        for group in fifo_groups {
            let body = fifo_body(group, index);
            lock(&ledger).send_attempted.insert(body.clone());
            assert!(
                send_fifo(&client, &fifo_url, group, &body).await,
                "FIFO SendMessage {body} while node {frozen} is frozen"
            );
            lock(&ledger).send_acknowledged.insert(body);
        }
    }
    client
        .tag_queue()
        .queue_url(&standard_url)
        .tags("phase", "b")
        .send()
        .await
        .unwrap_or_else(|err| {
            panic!(
                "TagQueue while node {frozen} is frozen: {}",
                DisplayErrorContext(&err)
            )
        });

    cluster.kill_9(last);
    cluster.kill_9(frozen);
    cluster.restart(frozen, DataDir::Keep).await;
    for group_id in [METADATA_GROUP, 1, 2] {
        let leader_id = cluster.wait_for_leader(group_id, LEADER_TIMEOUT).await;
        assert_eq!(
            leader_id, follower,
            "node {follower}, the only live node with every committed entry, leads group {group_id}"
        );
    }

    let tags = client
        .list_queue_tags()
        .queue_url(&standard_url)
        .send()
        .await
        .expect("ListQueueTags after the takeover");
    assert_eq!(
        tags.tags()
            .and_then(|tags| tags.get("phase"))
            .map(String::as_str),
        Some("b"),
        "the tag written while node {frozen} was frozen survives the takeover"
    );
    let (standard_expected, fifo_expected) = {
        let ledger = lock(&ledger);
        (ledger.must_remain("std:"), ledger.must_remain("fifo:"))
    };
    let readers = [follower, frozen];
    let standard_drained = drain(&cluster, &readers, "catchup", &standard_expected, &ledger).await;
    let fifo_drained = drain(&cluster, &readers, "catchup.fifo", &fifo_expected, &ledger).await;
    eprintln!(
        "after the takeover: drained {} standard and {} FIFO messages; expected {} and {}",
        standard_drained.bodies.len(),
        fifo_drained.bodies.len(),
        standard_expected.len(),
        fifo_expected.len()
    );
    assert_eq!(
        standard_expected.len(),
        150 + 20 - 30,
        "acknowledged standard messages left to drain"
    );
    assert_eq!(
        fifo_expected.len(),
        75,
        "acknowledged FIFO messages left to drain"
    );
    assert_nothing_lost(
        "standard queue after the takeover",
        &standard_expected,
        &standard_drained,
        &ledger,
    );
    assert_nothing_lost(
        "FIFO queue after the takeover",
        &fifo_expected,
        &fifo_drained,
        &ledger,
    );
}

/// One send to a frozen node, as its client saw it.
struct FrozenNodeSend {
    body: String,
    started: Instant,
    finished: Instant,
    acknowledged: bool,
}

/// SIGSTOP freezes the leader of a partition: the other two nodes keep
/// accepting writes, the frozen node acknowledges nothing it did not store,
/// and after SIGCONT every node reports the same counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_isolates_frozen_leader() {
    let mut cluster = Cluster::start(ClusterConfig::default()).await;
    create_queue(&cluster.client(1), "iso", false, Some(3), 30).await;
    let partition_leaders = leaders(&cluster, 1..=3).await;
    leaders(&cluster, [METADATA_GROUP]).await;
    let frozen = partition_leaders[0];
    let others: Vec<u64> = cluster
        .node_ids()
        .into_iter()
        .filter(|&id| id != frozen)
        .collect();
    eprintln!("partition leaders {partition_leaders:?}; freezing node {frozen}");

    // Three tasks send through the frozen node without retries, so that some
    // requests are in flight when it freezes and get their responses after SIGCONT.
    let stop_frozen_senders = Arc::new(AtomicBool::new(false));
    let mut frozen_senders = Vec::new();
    for task in 0..3u64 {
        let client = cluster.client_without_retries(frozen);
        let url = cluster.queue_url(frozen, "iso");
        let stop = stop_frozen_senders.clone();
        frozen_senders.push(tokio::spawn(async move {
            let mut sends = Vec::new();
            let mut index = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let body = format!("std:frozen{task}:{index}");
                index += 1;
                let started = Instant::now();
                let acknowledged = send_standard(&client, &url, &body).await;
                sends.push(FrozenNodeSend {
                    body,
                    started,
                    finished: Instant::now(),
                    acknowledged,
                });
            }
            sends
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The freeze starts once the process is seen stopped. Requests sent
    // between SIGSTOP and that moment wait inside the frozen node too.
    cluster.stop(frozen);
    let frozen_at = Instant::now();
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut failed_while_frozen = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut index = 0u64;
    while frozen_at.elapsed() < Duration::from_secs(6) {
        let node_id = others[index as usize % others.len()];
        let body = format!("std:other:{index}");
        index += 1;
        let started = Instant::now();
        if send_standard(
            &cluster.client(node_id),
            &cluster.queue_url(node_id, "iso"),
            &body,
        )
        .await
        {
            acknowledged.insert(body);
        } else {
            failed_while_frozen.push(body);
        }
        slowest = slowest.max(started.elapsed());
    }
    let resumed_at = Instant::now();
    cluster.cont(frozen);
    eprintln!(
        "while node {frozen} was frozen for {:?}: {} sends acknowledged by nodes {others:?}, {} failed, the slowest took {slowest:?}",
        resumed_at - frozen_at,
        acknowledged.len(),
        failed_while_frozen.len()
    );
    assert!(
        failed_while_frozen.is_empty(),
        "every send through nodes {others:?} succeeds while node {frozen} is frozen; failed: {failed_while_frozen:?}"
    );
    assert!(
        acknowledged.len() >= 10,
        "nodes {others:?} acknowledged at least 10 sends while node {frozen} was frozen"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_frozen_senders.store(true, Ordering::Relaxed);
    let mut frozen_sends = Vec::new();
    for task in frozen_senders {
        let sends = tokio::time::timeout(TASK_STOP_TIMEOUT, task)
            .await
            .expect("a sender to the frozen node did not stop within 70 s")
            .expect("a sender to the frozen node panicked");
        frozen_sends.extend(sends);
    }
    // A reply can leave the node just before SIGSTOP and arrive a moment
    // later, so only replies that arrived well inside the freeze count.
    let grace = Duration::from_millis(500);
    let acknowledged_inside_freeze: Vec<&String> = frozen_sends
        .iter()
        .filter(|send| {
            send.acknowledged && send.finished > frozen_at + grace && send.finished < resumed_at
        })
        .map(|send| &send.body)
        .collect();
    assert!(
        acknowledged_inside_freeze.is_empty(),
        "node {frozen} acknowledged sends while it was frozen: {acknowledged_inside_freeze:?}"
    );
    let spanning: Vec<&FrozenNodeSend> = frozen_sends
        .iter()
        .filter(|send| send.started < frozen_at && send.finished >= resumed_at)
        .collect();
    let spanning_acknowledged = spanning.iter().filter(|send| send.acknowledged).count();
    let spanning_bodies: Vec<&String> = spanning.iter().map(|send| &send.body).collect();
    eprintln!("sends through node {frozen} in flight across the freeze: {spanning_bodies:?}");
    eprintln!(
        "sends through node {frozen}: {} in all, {} acknowledged; {} were in flight across the freeze, {spanning_acknowledged} of them acknowledged",
        frozen_sends.len(),
        frozen_sends.iter().filter(|send| send.acknowledged).count(),
        spanning.len()
    );
    assert!(
        !spanning.is_empty(),
        "some sends through node {frozen} were in flight across the freeze"
    );
    acknowledged.extend(
        frozen_sends
            .iter()
            .filter(|send| send.acknowledged)
            .map(|send| send.body.clone()),
    );

    // Every node routes the counts to the partitions' current leaders, so
    // all three must agree once the frozen node has caught up.
    let nodes = cluster.node_ids();
    let (visible, in_flight) = converged_counts(&cluster, &nodes, "iso").await;
    assert_eq!(
        in_flight, 0,
        "no message is in flight: nothing was received"
    );
    assert!(
        visible as usize >= acknowledged.len(),
        "the converged count {visible} covers the {} acknowledged sends",
        acknowledged.len()
    );

    let ledger = SharedLedger::default();
    {
        let mut ledger = lock(&ledger);
        ledger
            .send_attempted
            .extend(frozen_sends.iter().map(|send| send.body.clone()));
        ledger
            .send_attempted
            .extend((0..index).map(|index| format!("std:other:{index}")));
        ledger
            .send_acknowledged
            .extend(acknowledged.iter().cloned());
    }
    // NOTE: a send that was in flight across the freeze can be stored twice
    // under one MessageId. The frozen leader's entry commits under the new
    // leader, and the frozen node's router, which gets a dropped-proposal
    // error, proposes the same command again. Deleting one copy leaves the
    // other, so the check below reports a deleted message received again.
    let drained = drain(&cluster, &nodes, "iso", &acknowledged, &ledger).await;
    assert_nothing_lost("queue after the freeze", &acknowledged, &drained, &ledger);
    assert_eq!(
        drained.messages as u64, visible,
        "the converged ApproximateNumberOfMessages equals the number of messages drained"
    );
}

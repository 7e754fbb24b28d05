//! Durability across `kill -9`: every operation that returned success to a
//! client must survive a crash of the server at any moment.
//!
//! The load test runs concurrent senders, receivers and deleters against a
//! standard and a FIFO queue, kills the server with SIGKILL at a random moment
//! (seeded; set `SLUICE_CRASH_SEED` to replay a run), restarts it on the same
//! data directory and drains both queues. It records an operation as
//! acknowledged only after the SDK call returned `Ok`, and then checks that
//! - every acknowledged message is still receivable, unless a delete of it was
//!   attempted (an unacknowledged delete may or may not have taken effect);
//! - no message whose delete was acknowledged is ever received again;
//! - nothing is received that was never sent;
//! - each FIFO group is received in send order, before and after the crash.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sluice_tests::aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{codes, create_queue, expect_service_error, queue_attributes, Node};

/// Visibility timeout of both load queues, in seconds. It is short so that
/// messages in flight at the crash come back soon after the restart.
const VISIBILITY_TIMEOUT_SECS: u64 = 3;
/// A delete counts as acknowledged only if it returned within this time after
/// its receive was sent. Later, the receipt handle may be stale, and SQS may
/// then return success without deleting the message.
const FRESH_HANDLE_WINDOW: Duration = Duration::from_secs(VISIBILITY_TIMEOUT_SECS - 1);
/// How long the drain keeps polling after the last new message.
const DRAIN_QUIET_PERIOD: Duration = Duration::from_secs(VISIBILITY_TIMEOUT_SECS + 3);
/// Upper bound for the whole drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(90);
/// Upper bound for the load tasks to stop once the server is dead.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

const STANDARD_SENDERS: u64 = 4;
const FIFO_SENDERS: u64 = 2;
const GROUPS_PER_FIFO_SENDER: u64 = 2;
const STANDARD_RECEIVERS: u64 = 2;
const FIFO_RECEIVERS: u64 = 2;

/// What the load tasks observed, recorded as it happened.
#[derive(Default)]
struct Ledger {
    /// Bodies of every send that was attempted, acknowledged or not.
    send_attempted: HashSet<String>,
    /// Bodies whose send returned success.
    send_acknowledged: HashSet<String>,
    /// Bodies for which a delete was sent, acknowledged or not.
    delete_attempted: HashSet<String>,
    /// Bodies whose delete returned success with a fresh receipt handle.
    delete_acknowledged: HashSet<String>,
    /// Per FIFO group, the message indexes in the order they were received.
    fifo_receive_order: HashMap<String, Vec<u64>>,
    /// Invariant violations seen while the load ran.
    violations: Vec<String>,
}

type SharedLedger = Arc<Mutex<Ledger>>;

fn lock(ledger: &SharedLedger) -> std::sync::MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .expect("a load task panicked while holding the ledger")
}

/// Splits a FIFO body `fifo:<group>:<index>` into its group and index.
fn parse_fifo_body(body: &str) -> (String, u64) {
    let mut parts = body.splitn(3, ':');
    let prefix = parts.next();
    let group = parts.next();
    let index = parts.next().and_then(|index| index.parse().ok());
    match (prefix, group, index) {
        (Some("fifo"), Some(group), Some(index)) => (group.to_string(), index),
        _ => panic!("received a FIFO body this test never sends: {body:?}"),
    }
}

/// Sends to the standard queue, single and batched, until an error or `stop`.
async fn run_standard_sender(
    client: Client,
    url: String,
    sender: u64,
    seed: u64,
    ledger: SharedLedger,
    stop: Arc<AtomicBool>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let count = if rng.random_bool(0.5) {
            1
        } else {
            rng.random_range(2..=5)
        };
        let bodies: Vec<String> = (0..count)
            .map(|offset| format!("std:{sender}:{}", next + offset))
            .collect();
        next += count;
        lock(&ledger).send_attempted.extend(bodies.iter().cloned());

        if count == 1 {
            match client
                .send_message()
                .queue_url(&url)
                .message_body(&bodies[0])
                .send()
                .await
            {
                Ok(_) => {
                    lock(&ledger).send_acknowledged.insert(bodies[0].clone());
                }
                Err(_) => return,
            }
        } else {
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
            match client
                .send_message_batch()
                .queue_url(&url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(output) => {
                    let mut ledger = lock(&ledger);
                    for entry in output.successful() {
                        let index: usize = entry.id()[1..].parse().expect("entry ids are e<index>");
                        ledger.send_acknowledged.insert(bodies[index].clone());
                    }
                }
                Err(_) => return,
            }
        }
    }
}

/// Sends to its own FIFO groups in index order until an error or `stop`.
///
/// The sender stops at its first failure, so every message of a group before
/// an acknowledged one was acknowledged too.
async fn run_fifo_sender(
    client: Client,
    url: String,
    sender: u64,
    seed: u64,
    ledger: SharedLedger,
    stop: Arc<AtomicBool>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let groups: Vec<String> = (0..GROUPS_PER_FIFO_SENDER)
        .map(|group| format!("g{sender}-{group}"))
        .collect();
    let mut next_index: HashMap<String, u64> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        let group = groups[rng.random_range(0..groups.len())].clone();
        let count = if rng.random_bool(0.6) {
            1
        } else {
            rng.random_range(2..=3)
        };
        let first = *next_index.get(&group).unwrap_or(&0);
        next_index.insert(group.clone(), first + count);
        let bodies: Vec<String> = (first..first + count)
            .map(|index| format!("fifo:{group}:{index}"))
            .collect();
        lock(&ledger).send_attempted.extend(bodies.iter().cloned());

        let entries = bodies
            .iter()
            .enumerate()
            .map(|(index, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("e{index}"))
                    .message_body(body)
                    .message_group_id(&group)
                    .message_deduplication_id(body)
                    .build()
                    .expect("a valid FIFO batch entry")
            })
            .collect::<Vec<_>>();
        if count == 1 {
            let result = client
                .send_message()
                .queue_url(&url)
                .message_body(&bodies[0])
                .message_group_id(&group)
                .message_deduplication_id(&bodies[0])
                .send()
                .await;
            match result {
                Ok(_) => {
                    lock(&ledger).send_acknowledged.insert(bodies[0].clone());
                }
                Err(_) => return,
            }
        } else {
            match client
                .send_message_batch()
                .queue_url(&url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(output) => {
                    let mut ledger = lock(&ledger);
                    for entry in output.successful() {
                        let index: usize = entry.id()[1..].parse().expect("entry ids are e<index>");
                        ledger.send_acknowledged.insert(bodies[index].clone());
                    }
                    if !output.failed().is_empty() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }
}

/// Receives and (mostly) deletes until an error or `stop`.
async fn run_receiver(
    client: Client,
    url: String,
    is_fifo: bool,
    seed: u64,
    ledger: SharedLedger,
    stop: Arc<AtomicBool>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let requested_at = Instant::now();
        let output = match client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
        {
            Ok(output) => output,
            Err(_) => return,
        };
        let messages = output.messages().to_vec();
        if messages.is_empty() {
            continue;
        }
        record_received(&ledger, &messages, is_fifo, "during the load");

        // Now and then leave the last message undeleted, so that it expires
        // and comes back (in a FIFO queue it also blocks its group until then).
        let keep = usize::from(rng.random_bool(0.1));
        let to_delete: Vec<&Message> = messages[..messages.len() - keep].iter().collect();
        if to_delete.is_empty() {
            continue;
        }
        let bodies: Vec<String> = to_delete.iter().map(|message| body_of(message)).collect();
        lock(&ledger)
            .delete_attempted
            .extend(bodies.iter().cloned());

        let acknowledged: Vec<String> = if rng.random_bool(0.5) {
            let mut acknowledged = Vec::new();
            for (message, body) in to_delete.iter().zip(&bodies) {
                let handle = message
                    .receipt_handle()
                    .expect("a received message has a ReceiptHandle");
                match client
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(handle)
                    .send()
                    .await
                {
                    Ok(_) => acknowledged.push(body.clone()),
                    Err(_) => {
                        mark_deleted(&ledger, &acknowledged, requested_at);
                        return;
                    }
                }
            }
            acknowledged
        } else {
            let entries = to_delete
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
            match client
                .delete_message_batch()
                .queue_url(&url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(output) => output
                    .successful()
                    .iter()
                    .map(|entry| {
                        let index: usize = entry.id()[1..].parse().expect("entry ids are d<index>");
                        bodies[index].clone()
                    })
                    .collect(),
                Err(_) => return,
            }
        };
        mark_deleted(&ledger, &acknowledged, requested_at);
    }
}

fn body_of(message: &Message) -> String {
    message
        .body()
        .expect("a received message has a body")
        .to_string()
}

/// Records received messages, flagging any whose delete was acknowledged.
fn record_received(ledger: &SharedLedger, messages: &[Message], is_fifo: bool, phase: &str) {
    let mut ledger = lock(ledger);
    for message in messages {
        let body = body_of(message);
        if ledger.delete_acknowledged.contains(&body) {
            ledger.violations.push(format!(
                "{body} was received {phase} after its delete was acknowledged"
            ));
        }
        if !ledger.send_attempted.contains(&body) {
            ledger
                .violations
                .push(format!("{body} was received {phase} but never sent"));
        }
        if is_fifo {
            let (group, index) = parse_fifo_body(&body);
            ledger
                .fifo_receive_order
                .entry(group)
                .or_default()
                .push(index);
        }
    }
}

/// Records acknowledged deletes whose receipt handles were surely fresh.
fn mark_deleted(ledger: &SharedLedger, bodies: &[String], receive_requested_at: Instant) {
    if receive_requested_at.elapsed() >= FRESH_HANDLE_WINDOW {
        return;
    }
    lock(ledger)
        .delete_acknowledged
        .extend(bodies.iter().cloned());
}

/// Returns the first-occurrence order of each FIFO group's received indexes
/// that is not increasing, as descriptions.
fn fifo_order_violations(order: &HashMap<String, Vec<u64>>) -> Vec<String> {
    let mut violations = Vec::new();
    for (group, indexes) in order {
        let mut seen = HashSet::new();
        let mut last_first_seen: Option<u64> = None;
        for index in indexes {
            if !seen.insert(*index) {
                continue;
            }
            if let Some(previous) = last_first_seen {
                if *index < previous {
                    violations.push(format!(
                        "group {group}: message {index} was first received after message {previous} (receive order {indexes:?})"
                    ));
                }
            }
            last_first_seen = Some(*index);
        }
    }
    violations
}

fn crash_seed() -> u64 {
    match std::env::var("SLUICE_CRASH_SEED") {
        Ok(text) => text.parse().unwrap_or_else(|_| {
            panic!("SLUICE_CRASH_SEED must be an unsigned integer, got {text:?}")
        }),
        Err(_) => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("the clock is after 1970")
                .subsec_nanos();
            u64::from(nanos)
        }
    }
}

/// Receives and deletes everything left in a queue after the restart.
async fn drain(
    client: &Client,
    url: &str,
    is_fifo: bool,
    ledger: &SharedLedger,
    expected: &HashSet<String>,
) -> HashSet<String> {
    let started = Instant::now();
    let mut last_new = Instant::now();
    let mut drained: HashSet<String> = HashSet::new();
    loop {
        let all_present = expected.is_subset(&drained);
        if all_present && last_new.elapsed() >= DRAIN_QUIET_PERIOD {
            break;
        }
        if started.elapsed() >= DRAIN_TIMEOUT {
            break;
        }

        let output = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .unwrap_or_else(|err| {
                panic!("ReceiveMessage on {url} after the restart failed: {err:?}")
            });
        let messages = output.messages().to_vec();
        if messages.is_empty() {
            continue;
        }
        record_received(ledger, &messages, is_fifo, "after the restart");
        for message in &messages {
            let body = body_of(message);
            let handle = message
                .receipt_handle()
                .expect("a received message has a ReceiptHandle");
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(handle)
                .send()
                .await
                .unwrap_or_else(|err| {
                    panic!("DeleteMessage of {body} after the restart failed: {err:?}")
                });
            lock(ledger).delete_acknowledged.insert(body.clone());
            if drained.insert(body) {
                last_new = Instant::now();
            }
        }
    }
    drained
}

fn sample(set: &HashSet<String>) -> Vec<&String> {
    let mut items: Vec<&String> = set.iter().collect();
    items.sort();
    items.truncate(20);
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load() {
    let seed = crash_seed();
    eprintln!("crash test seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);

    let mut node = Node::start().await;
    let client = node.client();
    let visibility = VISIBILITY_TIMEOUT_SECS.to_string();
    let standard_url = create_queue(
        &client,
        "load",
        &[(QueueAttributeName::VisibilityTimeout, &visibility)],
    )
    .await;
    let fifo_url = create_queue(
        &client,
        "load.fifo",
        &[
            (QueueAttributeName::FifoQueue, "true"),
            (QueueAttributeName::VisibilityTimeout, &visibility),
        ],
    )
    .await;

    let ledger: SharedLedger = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for sender in 0..STANDARD_SENDERS {
        let task = run_standard_sender(
            client.clone(),
            standard_url.clone(),
            sender,
            rng.random(),
            ledger.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(task));
    }
    for sender in 0..FIFO_SENDERS {
        let task = run_fifo_sender(
            client.clone(),
            fifo_url.clone(),
            sender,
            rng.random(),
            ledger.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(task));
    }
    for _ in 0..STANDARD_RECEIVERS {
        let task = run_receiver(
            client.clone(),
            standard_url.clone(),
            false,
            rng.random(),
            ledger.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(task));
    }
    for _ in 0..FIFO_RECEIVERS {
        let task = run_receiver(
            client.clone(),
            fifo_url.clone(),
            true,
            rng.random(),
            ledger.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(task));
    }

    let crash_after = Duration::from_millis(rng.random_range(1500..=4000));
    eprintln!(
        "killing sluice (pid {:?}) after {crash_after:?} of load",
        node.pid()
    );
    tokio::time::sleep(crash_after).await;
    node.kill_9();
    stop.store(true, Ordering::Relaxed);

    for task in tasks {
        tokio::time::timeout(STOP_TIMEOUT, task)
            .await
            .expect("a load task did not stop within 30 s of the crash")
            .expect("a load task panicked");
    }

    {
        let ledger = lock(&ledger);
        let standard_sent = ledger
            .send_acknowledged
            .iter()
            .filter(|body| body.starts_with("std:"))
            .count();
        let fifo_sent = ledger
            .send_acknowledged
            .iter()
            .filter(|body| body.starts_with("fifo:"))
            .count();
        eprintln!(
            "before the crash: {} sends attempted, {standard_sent} standard and {fifo_sent} FIFO acknowledged, \
             {} deletes attempted, {} acknowledged",
            ledger.send_attempted.len(),
            ledger.delete_attempted.len(),
            ledger.delete_acknowledged.len()
        );
        assert!(
            standard_sent > 0,
            "no standard send was acknowledged before the crash, so the run checks nothing"
        );
        assert!(
            fifo_sent > 0,
            "no FIFO send was acknowledged before the crash, so the run checks nothing"
        );
    }

    node.restart().await;
    let client = node.client();

    let (standard_expected, fifo_expected) = {
        let ledger = lock(&ledger);
        let must_remain: HashSet<String> = ledger
            .send_acknowledged
            .difference(&ledger.delete_attempted)
            .cloned()
            .collect();
        let standard: HashSet<String> = must_remain
            .iter()
            .filter(|body| body.starts_with("std:"))
            .cloned()
            .collect();
        let fifo: HashSet<String> = must_remain
            .iter()
            .filter(|body| body.starts_with("fifo:"))
            .cloned()
            .collect();
        (standard, fifo)
    };
    let standard_drained = drain(&client, &standard_url, false, &ledger, &standard_expected).await;
    let fifo_drained = drain(&client, &fifo_url, true, &ledger, &fifo_expected).await;

    let ledger = lock(&ledger);
    let standard_lost: HashSet<String> = standard_expected
        .difference(&standard_drained)
        .cloned()
        .collect();
    let fifo_lost: HashSet<String> = fifo_expected.difference(&fifo_drained).cloned().collect();
    eprintln!(
        "after the restart: drained {} standard and {} FIFO messages; expected at least {} and {}",
        standard_drained.len(),
        fifo_drained.len(),
        standard_expected.len(),
        fifo_expected.len()
    );

    assert!(
        standard_lost.is_empty(),
        "seed {seed}: {} acknowledged standard messages were lost in the crash, for example {:?}",
        standard_lost.len(),
        sample(&standard_lost)
    );
    assert!(
        fifo_lost.is_empty(),
        "seed {seed}: {} acknowledged FIFO messages were lost in the crash, for example {:?}",
        fifo_lost.len(),
        sample(&fifo_lost)
    );
    assert!(
        ledger.violations.is_empty(),
        "seed {seed}: deleted or unknown messages were received: {:?}",
        &ledger.violations[..ledger.violations.len().min(20)]
    );
    let order_violations = fifo_order_violations(&ledger.fifo_receive_order);
    assert!(
        order_violations.is_empty(),
        "seed {seed}: FIFO order per group broke: {:?}",
        &order_violations[..order_violations.len().min(10)]
    );
}

#[tokio::test]
async fn restart_keeps_state() {
    let mut node = Node::start().await;
    let client = node.client();

    let standard_url = create_queue(
        &client,
        "durable",
        &[(QueueAttributeName::VisibilityTimeout, "7")],
    )
    .await;
    client
        .tag_queue()
        .queue_url(&standard_url)
        .tags("team", "core")
        .send()
        .await
        .expect("TagQueue before the crash");
    let fifo_url = create_queue(
        &client,
        "durable.fifo",
        &[
            (QueueAttributeName::FifoQueue, "true"),
            (QueueAttributeName::ContentBasedDeduplication, "true"),
        ],
    )
    .await;
    let doomed_url = create_queue(&client, "deleted-before-crash", &[]).await;
    client
        .delete_queue()
        .queue_url(&doomed_url)
        .send()
        .await
        .expect("DeleteQueue before the crash");

    for body in ["keep-1", "keep-2", "gone"] {
        client
            .send_message()
            .queue_url(&standard_url)
            .message_body(body)
            .send()
            .await
            .expect("SendMessage");
    }
    // A 4 s visibility timeout keeps each message to one receive before the
    // crash, and lets the undeleted ones come back soon after the restart.
    let mut received: HashMap<String, Message> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while received.len() < 3 && Instant::now() < deadline {
        let output = client
            .receive_message()
            .queue_url(&standard_url)
            .max_number_of_messages(10)
            .visibility_timeout(4)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage before the crash");
        for message in output.messages() {
            received.insert(body_of(message), message.clone());
        }
    }
    assert_eq!(
        received.len(),
        3,
        "all three messages are received within 3 s before the crash"
    );
    let deleted_message = &received["gone"];
    client
        .delete_message()
        .queue_url(&standard_url)
        .receipt_handle(deleted_message.receipt_handle().expect("ReceiptHandle"))
        .send()
        .await
        .expect("DeleteMessage before the crash");

    for body in ["f1", "f2"] {
        client
            .send_message()
            .queue_url(&fifo_url)
            .message_body(body)
            .message_group_id("g")
            .send()
            .await
            .expect("FIFO SendMessage before the crash");
    }
    let before = queue_attributes(&client, &standard_url).await;

    node.kill_9();
    node.restart().await;
    let client = node.client();

    let listed = client
        .list_queues()
        .send()
        .await
        .expect("ListQueues after the restart");
    let mut urls: Vec<&str> = listed.queue_urls().iter().map(String::as_str).collect();
    urls.sort_unstable();
    let mut expected_urls = vec![standard_url.as_str(), fifo_url.as_str()];
    expected_urls.sort_unstable();
    assert_eq!(
        urls, expected_urls,
        "both queues, and not the deleted one, survive"
    );

    let result = client
        .get_queue_url()
        .queue_name("deleted-before-crash")
        .send()
        .await;
    let code = expect_service_error("GetQueueUrl of a queue deleted before the crash", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "a deleted queue stays deleted after the restart"
    );

    let after = queue_attributes(&client, &standard_url).await;
    for name in [
        "VisibilityTimeout",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "QueueArn",
    ] {
        assert_eq!(
            after.get(name),
            before.get(name),
            "queue attribute {name} survives the restart"
        );
    }
    let tags = client
        .list_queue_tags()
        .queue_url(&standard_url)
        .send()
        .await
        .expect("ListQueueTags after the restart")
        .tags()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        tags,
        HashMap::from([("team".to_string(), "core".to_string())]),
        "tags survive the restart"
    );

    let mut bodies: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while bodies.len() < 2 && Instant::now() < deadline {
        let output = client
            .receive_message()
            .queue_url(&standard_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .expect("ReceiveMessage after the restart");
        for message in output.messages() {
            let count = message
                .attributes()
                .and_then(|attributes| {
                    attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount)
                })
                .cloned();
            assert_eq!(
                count.as_deref(),
                Some("2"),
                "the receive before the crash still counts for {:?}",
                message.body()
            );
            bodies.push(body_of(message));
        }
    }
    bodies.sort();
    assert_eq!(
        bodies,
        ["keep-1", "keep-2"],
        "undeleted messages survive and the deleted one stays deleted"
    );

    let mut fifo_bodies: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fifo_bodies.len() < 2 && Instant::now() < deadline {
        let output = client
            .receive_message()
            .queue_url(&fifo_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("FIFO ReceiveMessage after the restart");
        for message in output.messages() {
            client
                .delete_message()
                .queue_url(&fifo_url)
                .receipt_handle(message.receipt_handle().expect("ReceiptHandle"))
                .send()
                .await
                .expect("FIFO DeleteMessage after the restart");
            fifo_bodies.push(body_of(message));
        }
    }
    assert_eq!(fifo_bodies, ["f1", "f2"], "FIFO messages survive in order");

    client
        .send_message()
        .queue_url(&fifo_url)
        .message_body("f1")
        .message_group_id("g")
        .send()
        .await
        .expect("FIFO resend of a deduplicated body after the restart");
    let output = client
        .receive_message()
        .queue_url(&fifo_url)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("FIFO ReceiveMessage after the resend");
    assert!(
        output.messages().is_empty(),
        "content-based deduplication within 5 minutes survives the restart: {:?}",
        output.messages()
    );
}

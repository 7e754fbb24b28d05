use proptest::prelude::*;

use super::*;

const GROUP: u64 = 3;
const RETENTION_MS: u64 = 345_600_000;

fn message(id: &str, group: Option<&str>, dedup: Option<&str>, delay_ms: u64) -> NewMessage {
    NewMessage {
        message_id: id.into(),
        body: format!("body of {id}"),
        body_md5: String::new(),
        attributes: Vec::new(),
        sender_id: "000000000000".into(),
        trace_header: None,
        group_id: group.map(str::to_string),
        deduplication_id: dedup.map(str::to_string),
        delay_ms,
    }
}

fn send(partition: &mut Partition, index: u64, now_ms: u64, fifo: bool, messages: Vec<NewMessage>) -> Vec<SendOutcome> {
    let command = PartitionCommand::Send { fifo, deduplicate_per_group: false, messages };
    match partition.apply(GROUP, index, now_ms, command).unwrap() {
        PartitionOutcome::Sent(sent) => sent,
        other => panic!("expected Sent, got {other:?}"),
    }
}

fn receive(partition: &mut Partition, index: u64, now_ms: u64, fifo: bool, max: u32, visibility_ms: u64) -> Vec<MessageView> {
    let request = ReceiveRequest {
        fifo,
        max_messages: max,
        visibility_timeout_ms: visibility_ms,
        retention_ms: RETENTION_MS,
        attempt_id: None,
        max_receive_count: None,
    };
    match partition.apply(GROUP, index, now_ms, PartitionCommand::Receive(request)).unwrap() {
        PartitionOutcome::Received(views) => views,
        other => panic!("expected Received, got {other:?}"),
    }
}

fn delete(partition: &mut Partition, index: u64, now_ms: u64, fifo: bool, handle: ReceiptHandle) -> DeleteOutcome {
    match partition.apply(GROUP, index, now_ms, PartitionCommand::Delete { fifo, handles: vec![handle] }).unwrap() {
        PartitionOutcome::Deleted(mut results) => results.remove(0),
        other => panic!("expected Deleted, got {other:?}"),
    }
}

fn ids(views: &[MessageView]) -> Vec<&str> {
    views.iter().map(|view| view.message.message_id.as_str()).collect()
}

#[test]
fn received_message_hides_until_timeout() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 1_000, false, vec![message("a", None, None, 0)]);
    let first = receive(&mut partition, 2, 1_000, false, 10, 30_000);
    assert_eq!(ids(&first), ["a"]);
    assert_eq!(first[0].receive_count, 1);
    assert!(receive(&mut partition, 3, 30_999, false, 10, 30_000).is_empty(), "still in flight");
    let again = receive(&mut partition, 4, 31_000, false, 10, 30_000);
    assert_eq!(ids(&again), ["a"], "visible again once the timeout passed");
    assert_eq!(again[0].receive_count, 2);
    assert_eq!(again[0].first_receive_ms, 1_000);
    assert_ne!(again[0].receipt_handle, first[0].receipt_handle, "each receive issues a new handle");
}

#[test]
fn delay_hides_message() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 5_000)]);
    assert_eq!(partition.counts(0, RETENTION_MS), Counts { visible: 0, in_flight: 0, delayed: 1 });
    assert_eq!(partition.next_visible_ms(0), Some(5_000));
    assert!(receive(&mut partition, 2, 4_999, false, 10, 30_000).is_empty());
    assert_eq!(ids(&receive(&mut partition, 3, 5_000, false, 10, 30_000)), ["a"]);
    assert_eq!(partition.counts(5_000, RETENTION_MS), Counts { visible: 0, in_flight: 1, delayed: 0 });
}

#[test]
fn delete_with_current_handle() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    let views = receive(&mut partition, 2, 0, false, 1, 30_000);
    assert_eq!(delete(&mut partition, 3, 10, false, views[0].receipt_handle), Ok(()));
    assert!(partition.is_empty());
    assert_eq!(delete(&mut partition, 4, 20, false, views[0].receipt_handle), Ok(()), "repeated delete succeeds");
}

#[test]
fn stale_handle_deletes_nothing_on_standard() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    let first = receive(&mut partition, 2, 0, false, 1, 1_000);
    let _second = receive(&mut partition, 3, 1_000, false, 1, 1_000);
    assert_eq!(delete(&mut partition, 4, 1_500, false, first[0].receipt_handle), Ok(()));
    assert_eq!(partition.len(), 1, "the stale handle must not delete the message");
}

#[test]
fn expired_handle_fails_on_fifo() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, true, vec![message("a", Some("g"), Some("d1"), 0)]);
    let views = receive(&mut partition, 2, 0, true, 1, 1_000);
    let result = delete(&mut partition, 3, 1_000, true, views[0].receipt_handle);
    assert!(matches!(result, Err(QueueError::ReceiptHandleIsInvalid(_))), "got {result:?}");
    assert_eq!(partition.len(), 1);
}

#[test]
fn fifo_group_blocks_while_in_flight() {
    let mut partition = Partition::default();
    let messages = vec![
        message("g1-a", Some("g1"), Some("1"), 0),
        message("g1-b", Some("g1"), Some("2"), 0),
        message("g2-a", Some("g2"), Some("3"), 0),
    ];
    send(&mut partition, 1, 0, true, messages);
    let first = receive(&mut partition, 2, 0, true, 1, 30_000);
    assert_eq!(ids(&first), ["g1-a"]);
    let second = receive(&mut partition, 3, 0, true, 10, 30_000);
    assert_eq!(ids(&second), ["g2-a"], "g1 is blocked while g1-a is in flight");
    delete(&mut partition, 4, 1, true, first[0].receipt_handle).unwrap();
    assert_eq!(ids(&receive(&mut partition, 5, 2, true, 10, 30_000)), ["g1-b"]);
}

#[test]
fn fifo_deduplicates_for_five_minutes() {
    let mut partition = Partition::default();
    let first = send(&mut partition, 1, 0, true, vec![message("a", Some("g"), Some("d"), 0)]);
    let duplicate = send(&mut partition, 2, 299_999, true, vec![message("b", Some("g"), Some("d"), 0)]);
    assert_eq!(first, duplicate, "a duplicate returns the first message's id and sequence");
    assert_eq!(partition.len(), 1);
    let later = send(&mut partition, 3, 300_000, true, vec![message("c", Some("g"), Some("d"), 0)]);
    assert_eq!(later[0].message_id, "c", "the id is accepted again after 5 minutes");
}

#[test]
fn fifo_dedup_survives_delete() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, true, vec![message("a", Some("g"), Some("d"), 0)]);
    let views = receive(&mut partition, 2, 0, true, 1, 30_000);
    delete(&mut partition, 3, 1, true, views[0].receipt_handle).unwrap();
    send(&mut partition, 4, 2, true, vec![message("b", Some("g"), Some("d"), 0)]);
    assert!(partition.is_empty(), "a deleted message's id still deduplicates");
}

#[test]
fn receive_attempt_repeats() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, true, vec![message("a", Some("g"), Some("1"), 0), message("b", Some("h"), Some("2"), 0)]);
    let request = ReceiveRequest {
        fifo: true,
        max_messages: 10,
        visibility_timeout_ms: 30_000,
        retention_ms: RETENTION_MS,
        attempt_id: Some("attempt".into()),
        max_receive_count: None,
    };
    let first = partition.apply(GROUP, 2, 0, PartitionCommand::Receive(request.clone())).unwrap();
    let retry = partition.apply(GROUP, 3, 10, PartitionCommand::Receive(request)).unwrap();
    assert_eq!(first, retry, "a retry returns the same messages and handles");
}

#[test]
fn change_visibility_rules() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    let views = receive(&mut partition, 2, 0, false, 1, 1_000);
    let change = |timeout| PartitionCommand::ChangeVisibility {
        fifo: false,
        changes: vec![VisibilityChange { handle: views[0].receipt_handle, visibility_timeout_ms: timeout }],
    };
    let outcome = partition.apply(GROUP, 3, 500, change(0)).unwrap();
    assert_eq!(outcome, PartitionOutcome::VisibilityChanged(vec![Ok(())]));
    assert!(partition.has_visible(500, false), "timeout 0 makes the message visible at once");
    let outcome = partition.apply(GROUP, 4, 600, change(10_000)).unwrap();
    assert_eq!(outcome, PartitionOutcome::VisibilityChanged(vec![Err(QueueError::MessageNotInflight)]));
}

#[test]
fn purge_limited_to_once_a_minute() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    let purge = |request_id: &str| PartitionCommand::Purge { queue_name: "q".into(), request_id: request_id.into() };
    assert_eq!(partition.apply(GROUP, 2, 0, purge("r1")), Ok(PartitionOutcome::Purged));
    assert!(partition.is_empty());
    assert_eq!(partition.apply(GROUP, 3, 10, purge("r1")), Ok(PartitionOutcome::Purged), "the same request applied again succeeds");
    assert_eq!(partition.apply(GROUP, 4, 59_999, purge("r2")), Err(QueueError::PurgeQueueInProgress("q".into())));
    assert_eq!(partition.apply(GROUP, 5, 60_000, purge("r3")), Ok(PartitionOutcome::Purged));
}

#[test]
fn retention_removes_old_messages() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    send(&mut partition, 2, 50_000, false, vec![message("b", None, None, 0)]);
    let request = ReceiveRequest { fifo: false, max_messages: 10, visibility_timeout_ms: 0, retention_ms: 60_000, attempt_id: None, max_receive_count: None };
    let views = match partition.apply(GROUP, 3, 60_000, PartitionCommand::Receive(request)).unwrap() {
        PartitionOutcome::Received(views) => views,
        other => panic!("expected Received, got {other:?}"),
    };
    assert_eq!(ids(&views), ["b"], "a message past retention is removed, not returned");
    assert_eq!(partition.len(), 1);
}

#[test]
fn clock_never_runs_backwards() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 10_000, false, vec![message("a", None, None, 0)]);
    receive(&mut partition, 2, 10_000, false, 1, 5_000);
    // A new leader with a slower clock stamps an earlier time.
    assert!(receive(&mut partition, 3, 1_000, false, 1, 5_000).is_empty(), "still in flight at 10 000");
}

proptest! {
    /// Replaying the same commands gives the same state, and a message is
    /// never both stored and reported deleted.
    #[test]
    fn apply_is_deterministic(operations in prop::collection::vec((0u8..4, 0u64..5_000), 1..60)) {
        let mut first = Partition::default();
        let mut second = Partition::default();
        let mut handles = Vec::new();
        let mut now_ms = 0;
        for (index, (kind, step_ms)) in operations.into_iter().enumerate() {
            now_ms += step_ms;
            let index = index as u64 + 1;
            let command = match kind {
                0 => PartitionCommand::Send { fifo: false, deduplicate_per_group: false, messages: vec![message(&index.to_string(), None, None, 0)] },
                1 => PartitionCommand::Receive(ReceiveRequest { fifo: false, max_messages: 3, visibility_timeout_ms: 2_000, retention_ms: RETENTION_MS, attempt_id: None, max_receive_count: None }),
                2 => PartitionCommand::Delete { fifo: false, handles: handles.iter().rev().take(2).copied().collect() },
                _ => PartitionCommand::ChangeVisibility { fifo: false, changes: handles.iter().rev().take(1).map(|handle| VisibilityChange { handle: *handle, visibility_timeout_ms: 0 }).collect() },
            };
            let outcome = first.apply(GROUP, index, now_ms, command.clone());
            prop_assert_eq!(&outcome, &second.apply(GROUP, index, now_ms, command));
            if let Ok(PartitionOutcome::Received(views)) = outcome {
                handles.extend(views.iter().map(|view| view.receipt_handle));
            }
            let counts = first.counts(now_ms, RETENTION_MS);
            prop_assert_eq!(counts.visible + counts.in_flight + counts.delayed, first.len() as u64);
        }
        prop_assert_eq!(first, second);
    }
}

#[test]
fn dead_letter_after_max_receives() {
    let mut partition = Partition::default();
    send(&mut partition, 1, 0, false, vec![message("a", None, None, 0)]);
    let request = |max_receive_count| ReceiveRequest {
        fifo: false,
        max_messages: 10,
        visibility_timeout_ms: 0,
        retention_ms: RETENTION_MS,
        attempt_id: None,
        max_receive_count,
    };
    for index in 2..4 {
        let outcome = partition.apply(GROUP, index, 10, PartitionCommand::Receive(request(Some(2)))).unwrap();
        assert!(matches!(outcome, PartitionOutcome::Received(views) if views.len() == 1), "receive {index} delivers");
    }
    let outcome = partition.apply(GROUP, 4, 20, PartitionCommand::Receive(request(Some(2)))).unwrap();
    assert_eq!(outcome, PartitionOutcome::Received(Vec::new()), "the third receive sets the message aside");
    assert!(partition.is_empty(), "a set-aside message is out of reach of receives");
    let dead = partition.dead_letters(10);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message.message_id, "a");
    assert_eq!(dead[0].sent_ms, 0, "the original send time is kept");
    partition.apply(GROUP, 5, 30, PartitionCommand::DeadLettered { sequences: vec![dead[0].sequence] }).unwrap();
    assert!(partition.dead_letters(10).is_empty());
}

#[test]
fn move_in_is_idempotent() {
    let mut partition = Partition::default();
    let command = || PartitionCommand::MoveIn {
        message: message("a", None, None, 0),
        source: (9, 4),
        sent_ms: 5,
        source_arn: Some("arn:aws:sqs:us-east-1:000000000000:source".into()),
    };
    let first = partition.apply(GROUP, 1, 100, command()).unwrap();
    let second = partition.apply(GROUP, 2, 200, command()).unwrap();
    assert_eq!(first, second, "a repeated move returns the first outcome");
    assert_eq!(partition.len(), 1, "a repeated move stores nothing");
    let views = receive(&mut partition, 3, 300, false, 10, 1_000);
    assert_eq!(views[0].sent_ms, 5, "SentTimestamp of the source is kept");
    assert_eq!(views[0].dead_letter_source_arn.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:source"));
}

#[test]
fn repeated_send_command_stored_once() {
    let mut partition = Partition::default();
    let first = send(&mut partition, 1, 0, false, vec![message("same-id", None, None, 0)]);
    let again = send(&mut partition, 2, 1_000, false, vec![message("same-id", None, None, 0)]);
    assert_eq!(first, again, "a command proposed twice returns the first outcome");
    assert_eq!(partition.len(), 1, "a command proposed twice stores one message");
    let views = receive(&mut partition, 3, 2_000, false, 10, 30_000);
    delete(&mut partition, 4, 2_000, false, views[0].receipt_handle).unwrap();
    send(&mut partition, 5, 3_000, false, vec![message("same-id", None, None, 0)]);
    assert!(partition.is_empty(), "a late repeat does not bring back a deleted message");
}

/// A store that the test can read while a partition owns a handle on it.
#[derive(Clone, Default)]
struct SharedStore(std::sync::Arc<std::sync::Mutex<MemoryStore>>);

impl SharedStore {
    fn records(&self) -> MemoryStore {
        self.0.lock().unwrap().clone()
    }
}

impl MessageStore for SharedStore {
    fn get(&self, sequence: u64) -> Option<StoredMessage> {
        self.0.lock().unwrap().get(sequence)
    }
    fn put(&mut self, sequence: u64, message: &StoredMessage) {
        self.0.lock().unwrap().put(sequence, message)
    }
    fn delete(&mut self, sequence: u64) {
        self.0.lock().unwrap().delete(sequence)
    }
    fn delete_range(&mut self, from: u64, to: u64) {
        self.0.lock().unwrap().delete_range(from, to)
    }
    fn flush(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Builds a command for the replay test from receipt `handles` seen so far.
fn random_command(kind: u8, index: u64, handles: &[ReceiptHandle]) -> PartitionCommand {
    let receive = |max_receive_count| {
        PartitionCommand::Receive(ReceiveRequest {
            fifo: false,
            max_messages: 3,
            visibility_timeout_ms: 2_000,
            retention_ms: 20_000,
            attempt_id: None,
            max_receive_count,
        })
    };
    match kind {
        0 | 1 => PartitionCommand::Send {
            fifo: false,
            deduplicate_per_group: false,
            messages: (0..(index % 3 + 1)).map(|n| message(&format!("{index}-{n}"), None, None, (index % 4) * 700)).collect(),
        },
        2 => receive(None),
        3 => receive(Some(2)),
        4 => PartitionCommand::Delete { fifo: false, handles: handles.iter().rev().take(2).copied().collect() },
        5 => PartitionCommand::ChangeVisibility {
            fifo: false,
            changes: handles.iter().rev().take(1).map(|handle| VisibilityChange { handle: *handle, visibility_timeout_ms: 0 }).collect(),
        },
        6 => PartitionCommand::DeadLettered { sequences: vec![index % 7, index % 11] },
        7 => PartitionCommand::TakeForMove { task: "task".into(), max: 2, require_source: false },
        8 => PartitionCommand::ReturnMoving { task: "task".into() },
        _ => PartitionCommand::Purge { queue_name: "q".into(), request_id: index.to_string() },
    }
}

proptest! {
    /// The restart and snapshot-install case: an index from an earlier log
    /// position, over a store that already contains the records of later
    /// entries, replays those entries to the same index and records.
    #[test]
    fn replay_over_a_newer_store_converges(
        operations in prop::collection::vec((0u8..10, 0u64..3_000), 2..80),
        split in 0usize..80,
    ) {
        let store = SharedStore::default();
        let mut partition = Partition::new(Box::new(store.clone()));
        let split = split % operations.len();
        let mut handles = Vec::new();
        let mut log = Vec::new();
        let mut checkpoint = None;
        let mut now_ms = 0;
        for (position, (kind, step_ms)) in operations.into_iter().enumerate() {
            if position == split {
                checkpoint = Some(partition.encode_index());
            }
            now_ms += step_ms;
            let index = position as u64 + 1;
            let command = random_command(kind, index, &handles);
            log.push((index, now_ms, command.clone()));
            if let Ok(PartitionOutcome::Received(views)) = partition.apply(GROUP, index, now_ms, command) {
                handles.extend(views.iter().map(|view| view.receipt_handle));
            }
        }
        let newer = SharedStore(std::sync::Arc::new(std::sync::Mutex::new(store.records())));
        let mut replayed = Partition::decode_index(&checkpoint.unwrap(), Box::new(newer.clone())).unwrap();
        for (index, now_ms, command) in log.into_iter().skip(split) {
            let _ = replayed.apply(GROUP, index, now_ms, command);
        }
        prop_assert_eq!(&replayed, &partition);
        prop_assert_eq!(newer.records(), store.records());
        let held = partition.index.dead_letters.len() + partition.index.moving.len();
        prop_assert_eq!(store.records().len(), partition.len() + held, "one record per stored or held message");
    }
}

#[test]
fn backlog_costs_records_not_index() {
    let mut partition = Partition::default();
    for batch in 0..10_000u64 {
        let messages = (0..10).map(|n| message(&format!("{batch}-{n}"), None, None, 0)).collect();
        send(&mut partition, batch + 1, batch, false, messages);
    }
    assert_eq!(partition.len(), 100_000);
    assert_eq!(partition.index.fresh.len(), 1, "one run of fresh messages");
    assert!(partition.index.sent_runs.len() <= 11, "one send-time run per second: {}", partition.index.sent_runs.len());
    let views = receive(&mut partition, 10_001, 10_000, false, 10, 30_000);
    assert_eq!(views.len(), 10);
    assert_eq!(views[0].message.body, "body of 0-0", "the oldest message first, read from the store");
    assert_eq!(partition.counts(10_000, RETENTION_MS), Counts { visible: 99_990, in_flight: 10, delayed: 0 });
}

#[test]
fn retention_removes_runs_and_records() {
    let store = SharedStore::default();
    let mut partition = Partition::new(Box::new(store.clone()));
    for second in 0..5u64 {
        send(&mut partition, second + 1, second * 1_000, false, vec![message(&second.to_string(), None, None, 0)]);
    }
    // Retention of 2.5 s at 4 s: the messages sent at 0 and 1 s are gone.
    let request = ReceiveRequest { fifo: false, max_messages: 1, visibility_timeout_ms: 30_000, retention_ms: 2_500, attempt_id: None, max_receive_count: None };
    assert_eq!(partition.counts(4_000, 2_500), Counts { visible: 3, in_flight: 0, delayed: 0 });
    let views = match partition.apply(GROUP, 6, 4_000, PartitionCommand::Receive(request)).unwrap() {
        PartitionOutcome::Received(views) => views,
        other => panic!("expected Received, got {other:?}"),
    };
    assert_eq!(ids(&views), ["2"]);
    assert_eq!(partition.len(), 3);
    assert_eq!(store.records().len(), 3, "expired records are deleted");
    assert_eq!(partition.index.sent_runs.len(), 3, "the runs of removed messages are forgotten");
}

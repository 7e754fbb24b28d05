//! The messages of one queue partition and their receipt state, applied from
//! the partition's Raft log.
//!
//! Bodies and attributes live in a [`MessageStore`]; the partition keeps an
//! index in memory whose size follows what is unusual, not the backlog:
//! - `fresh`: runs of sequence numbers of messages that are visible and were
//!   never received. A backlog of sent messages is one run.
//! - `tracked`: messages received at least once or waiting out a delay, with
//!   their receipt state, also indexed by the time they become visible.
//! - `sent_runs`: send times by runs of sequence numbers, for retention.
//! - FIFO queues also keep the message group of every message.
//!
//! Sequence numbers follow send order, which is FIFO order. A message is in
//! flight when it has a receipt and its visibility deadline is in the
//! future, and delayed when it has no receipt yet and its delay has not
//! passed.
//!
//! Nothing the partition decides depends on what the store returns: reads
//! only fill in responses. Every write is a put of a record that never
//! changes, or a delete. Replaying log entries over a store that is already
//! ahead of the index, after a restart or a snapshot install, therefore
//! reaches the same index and the same records.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::expiring::ExpiringMap;
use crate::store::{MemoryStore, MessageStore, StoredMessage};
use crate::{QueueError, ReceiptHandle, TimestampMs, DEDUPLICATION_INTERVAL_MS, PURGE_INTERVAL_MS};

/// How long a partition remembers a message moved in from a dead-letter
/// source; a mover retries within seconds, far inside this window.
const MOVED_IN_MEMORY_MS: u64 = 60 * 60 * 1000;

/// How long a partition remembers a send command by its first message id, so
/// that the same command proposed again while a request is retried is
/// stored once. It is three times a request's whole routing deadline (10 s).
const RECENT_SEND_MEMORY_MS: u64 = 30 * 1000;

/// Messages sent within this many milliseconds of the first message of a
/// run share one entry of `sent_runs`, so retention may remove a message up
/// to this much later than its exact expiry.
const SENT_RUN_MS: u64 = 1_000;

/// A message to store, with everything the gateway resolved before proposing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub message_id: String,
    pub body: String,
    /// MD5 of the body as lowercase hex, computed once by the gateway for
    /// SendMessage's MD5OfMessageBody and kept for ReceiveMessage's MD5OfBody.
    pub body_md5: String,
    /// Message attributes, encoded by the gateway; opaque here.
    pub attributes: Vec<u8>,
    pub sender_id: String,
    pub trace_header: Option<String>,
    pub group_id: Option<String>,
    /// FIFO only: the explicit deduplication id or the SHA-256 of the body.
    pub deduplication_id: Option<String>,
    /// The message's delay, or the queue's default delay.
    pub delay_ms: u64,
}

/// ReceiveMessage, after the gateway resolved queue defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveRequest {
    pub fifo: bool,
    pub max_messages: u32,
    pub visibility_timeout_ms: u64,
    /// The queue's MessageRetentionPeriod; older messages are removed, not returned.
    pub retention_ms: u64,
    /// FIFO only: ReceiveRequestAttemptId.
    pub attempt_id: Option<String>,
    /// The queue's RedrivePolicy maxReceiveCount: a message already received
    /// this many times is set aside for its dead-letter queue instead of
    /// being delivered again.
    pub max_receive_count: Option<u32>,
}

/// One ChangeMessageVisibility entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityChange {
    pub handle: ReceiptHandle,
    pub visibility_timeout_ms: u64,
}

/// A partition change, proposed to the partition's Raft group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartitionCommand {
    /// SendMessage or SendMessageBatch. With `deduplicate_per_group`, FIFO
    /// deduplication ids are scoped to the message group (DeduplicationScope).
    Send { fifo: bool, deduplicate_per_group: bool, messages: Vec<NewMessage> },
    Receive(ReceiveRequest),
    Delete { fifo: bool, handles: Vec<ReceiptHandle> },
    ChangeVisibility { fifo: bool, changes: Vec<VisibilityChange> },
    /// PurgeQueue; the name is only for the error message. `request_id` names
    /// the client request, so that the same command applied again succeeds.
    Purge { queue_name: String, request_id: String },
    /// Stores a message moved from a dead-letter source queue. Applying the
    /// same `source` (group id, sequence) twice stores it once.
    MoveIn { message: NewMessage, source: (u64, u64), sent_ms: TimestampMs, source_arn: Option<String> },
    /// Forgets messages set aside for the dead-letter queue, or taken by a
    /// move task, once they are stored at their destination.
    DeadLettered { sequences: Vec<u64> },
    /// Takes up to `max` visible messages, oldest first, out of reach of
    /// receives for the move task `task`. With `require_source`, only
    /// messages that came from a dead-letter source are taken.
    TakeForMove { task: String, max: u32, require_source: bool },
    /// Puts the messages taken by `task` back in the queue, visible at once.
    ReturnMoving { task: String },
}

/// The stored identity of one sent message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendOutcome {
    /// For a FIFO duplicate, the id of the message sent first.
    pub message_id: String,
    pub sequence: u64,
}

/// A received message with the receipt handle of this receive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub message: NewMessage,
    pub sequence: u64,
    pub sent_ms: TimestampMs,
    pub receive_count: u32,
    pub first_receive_ms: TimestampMs,
    pub receipt_handle: ReceiptHandle,
    /// The ARN of the queue this message was moved from, in a dead-letter queue.
    pub dead_letter_source_arn: Option<String>,
}

/// A message set aside for the dead-letter queue, waiting to be moved there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub sequence: u64,
    pub message: NewMessage,
    pub sent_ms: TimestampMs,
    /// The queue the message was dead-lettered from, if it was.
    pub source_arn: Option<String>,
}

/// One entry's result in DeleteMessage(Batch).
pub type DeleteOutcome = Result<(), QueueError>;

/// The result of applying a [`PartitionCommand`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartitionOutcome {
    Sent(Vec<SendOutcome>),
    Received(Vec<MessageView>),
    Deleted(Vec<DeleteOutcome>),
    VisibilityChanged(Vec<Result<(), QueueError>>),
    Purged,
    DeadLettered,
    Taken(Vec<DeadLetter>),
}

/// Approximate message counts at one moment, as GetQueueAttributes reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ReceiveAttempt {
    expires_ms: TimestampMs,
    handles: Vec<ReceiptHandle>,
}


/// Receipt state of a message that was received or delayed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Tracked {
    visible_at_ms: TimestampMs,
    receive_count: u32,
    first_receive_ms: Option<TimestampMs>,
    /// Log index of the receive that issued the current receipt handle.
    receipt_nonce: Option<u64>,
}

/// The in-memory state of a message taken out of reach of receives, so that
/// it can be put back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Unlinked {
    /// `None` for a message that was fresh.
    tracked: Option<Tracked>,
    group: Option<String>,
    from_source: bool,
}

/// Send times of the messages from `first_sequence` up to the next run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SentRun {
    first_sequence: u64,
    start_ms: TimestampMs,
    /// The latest send time in the run; the whole run expires with it.
    latest_ms: TimestampMs,
}

/// The outcomes of a recent send command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum RecentSend {
    /// Every message was stored, in order, from this sequence number on.
    Stored { first_sequence: u64 },
    Outcomes(Vec<SendOutcome>),
}

impl RecentSend {
    fn of(outcomes: &[SendOutcome], ids: &[String]) -> RecentSend {
        let first_sequence = outcomes.first().map_or(0, |outcome| outcome.sequence);
        let in_order = outcomes
            .iter()
            .zip(ids)
            .enumerate()
            .all(|(i, (outcome, id))| outcome.sequence == first_sequence + i as u64 && outcome.message_id == *id);
        if in_order {
            RecentSend::Stored { first_sequence }
        } else {
            RecentSend::Outcomes(outcomes.to_vec())
        }
    }

    fn outcomes(&self, messages: &[NewMessage]) -> Vec<SendOutcome> {
        match self {
            RecentSend::Stored { first_sequence } => messages
                .iter()
                .enumerate()
                .map(|(i, message)| SendOutcome { message_id: message.message_id.clone(), sequence: first_sequence + i as u64 })
                .collect(),
            RecentSend::Outcomes(outcomes) => outcomes.clone(),
        }
    }
}

/// The index of a partition: everything but the message records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Index {
    /// The latest leader timestamp applied; time never runs backwards here even
    /// if a new leader's clock is behind the old one's.
    clock_ms: TimestampMs,
    next_sequence: u64,
    /// Runs `start -> end` (exclusive) of fresh messages: visible since they
    /// were stored and never received.
    fresh: BTreeMap<u64, u64>,
    fresh_count: u64,
    /// Messages that were received or delayed, by sequence.
    tracked: BTreeMap<u64, Tracked>,
    /// (visible_at_ms, sequence) of every tracked message.
    by_visibility: BTreeSet<(TimestampMs, u64)>,
    /// Send times of the fresh and tracked messages.
    sent_runs: Vec<SentRun>,
    /// FIFO queues: the message group of every fresh and tracked message.
    fifo_groups: BTreeMap<u64, String>,
    /// Fresh and tracked messages moved in from a dead-letter source.
    from_source: BTreeSet<u64>,
    deduplication: ExpiringMap<String, SendOutcome>,
    /// Recent send commands by the id of their first message. The gateway
    /// makes new ids for every request, so a command proposed again after a
    /// failover (same ids) is stored once.
    recent_sends: ExpiringMap<String, RecentSend>,
    attempts: BTreeMap<String, ReceiveAttempt>,
    last_purge_ms: Option<TimestampMs>,
    /// The client request of the last purge.
    last_purge_request: Option<String>,
    /// Messages past maxReceiveCount, until they are moved.
    dead_letters: BTreeMap<u64, Unlinked>,
    /// Messages moved in from a dead-letter source, by (source group, source
    /// sequence), so that a repeated move stores nothing twice.
    moved_in: ExpiringMap<(u64, u64), SendOutcome>,
    /// Messages taken by move tasks, with the task's handle.
    moving: BTreeMap<u64, (String, Unlinked)>,
}

/// The partition state machine: the in-memory index and the store of its
/// message records.
pub struct Partition {
    index: Index,
    store: Box<dyn MessageStore>,
}

impl Default for Partition {
    fn default() -> Self {
        Partition::new(Box::new(MemoryStore::default()))
    }
}

impl PartialEq for Partition {
    /// Compares the indexes; the records follow from them.
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl std::fmt::Debug for Partition {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Partition").field("index", &self.index).finish_non_exhaustive()
    }
}

impl Partition {
    /// An empty partition over `store`, which should hold no records of it.
    pub fn new(store: Box<dyn MessageStore>) -> Partition {
        Partition { index: Index::default(), store }
    }

    /// Encodes the index for a snapshot; the records are in the store.
    pub fn encode_index(&self) -> Vec<u8> {
        bincode::serialize(&self.index).expect("encoding a partition index cannot fail")
    }

    /// A partition from an index encoded by [`Partition::encode_index`] and the
    /// store that contains its records as of that index or later.
    pub fn decode_index(bytes: &[u8], store: Box<dyn MessageStore>) -> Result<Partition, String> {
        let index = bincode::deserialize(bytes).map_err(|error| format!("partition index: {error}"))?;
        Ok(Partition { index, store })
    }

    /// Applies one committed command. `group_id` and `index` (the entry's
    /// Raft log index) go into receipt handles; `now_ms` is the leader's
    /// stamp. The command's writes may stay buffered in the store until
    /// [`Partition::flush`].
    pub fn apply(
        &mut self,
        group_id: u64,
        index: u64,
        now_ms: TimestampMs,
        command: PartitionCommand,
    ) -> Result<PartitionOutcome, QueueError> {
        self.index.apply(&mut *self.store, group_id, index, now_ms, command)
    }

    /// Writes the records of the commands applied so far to the store.
    pub fn flush(&mut self) -> Result<(), String> {
        self.store.flush()
    }

    /// Messages set aside for the dead-letter queue, oldest first.
    pub fn dead_letters(&self, max: usize) -> Vec<DeadLetter> {
        let sequences = self.index.dead_letters.keys().take(max);
        sequences.filter_map(|&sequence| dead_letter_of(&*self.store, sequence)).collect()
    }

    /// Messages that the move task `task` took and has not stored yet.
    pub fn moving_for(&self, task: &str, max: usize) -> Vec<DeadLetter> {
        let sequences = self.index.moving.iter().filter(|(_, (owner, _))| owner == task).take(max);
        sequences.filter_map(|(&sequence, _)| dead_letter_of(&*self.store, sequence)).collect()
    }

    /// Returns whether a message visible at `now_ms` did not come from a dead-letter
    /// source, so a move task without a destination cannot move it.
    pub fn has_visible_without_source(&self, now_ms: TimestampMs) -> bool {
        let index = &self.index;
        let fresh = index.fresh.iter().any(|(&start, &end)| index.from_source.range(start..end).count() < (end - start) as usize);
        fresh || index.tracked.iter().any(|(sequence, tracked)| tracked.visible_at_ms <= now_ms && !index.from_source.contains(sequence))
    }

    /// Approximate counts at `now_ms`, leaving out messages past retention.
    pub fn counts(&self, now_ms: TimestampMs, retention_ms: u64) -> Counts {
        let index = &self.index;
        let cutoff = index.expiry_cutoff(now_ms, retention_ms);
        let expired_fresh: u64 = index.fresh.range(..cutoff).map(|(&start, &end)| end.min(cutoff) - start).sum();
        let mut counts = Counts { visible: index.fresh_count - expired_fresh, ..Counts::default() };
        for tracked in index.tracked.range(cutoff..).map(|(_, tracked)| tracked) {
            if tracked.visible_at_ms <= now_ms {
                counts.visible += 1;
            } else if tracked.receipt_nonce.is_some() {
                counts.in_flight += 1;
            } else {
                counts.delayed += 1;
            }
        }
        counts
    }

    /// Returns the earliest time after `now_ms` when a stored message becomes visible,
    /// for waking long polls without sleeping in a loop.
    pub fn next_visible_ms(&self, now_ms: TimestampMs) -> Option<TimestampMs> {
        self.index.by_visibility.range((now_ms + 1, 0)..).next().map(|&(visible_at, _)| visible_at)
    }

    /// Returns whether a receive at `now_ms` would find a message, for long polls.
    pub fn has_visible(&self, now_ms: TimestampMs, fifo: bool) -> bool {
        if fifo {
            !self.index.choose_fifo(now_ms, 1).is_empty()
        } else {
            self.index.fresh_count > 0 || self.index.by_visibility.range(..=(now_ms, u64::MAX)).next().is_some()
        }
    }

    /// Messages within reach of receives: visible, in flight or delayed.
    pub fn len(&self) -> usize {
        self.index.fresh_count as usize + self.index.tracked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries of the in-memory index, a measure of how much a snapshot of it costs.
    pub fn index_entries(&self) -> usize {
        let index = &self.index;
        index.fresh.len()
            + index.tracked.len()
            + index.sent_runs.len()
            + index.fifo_groups.len()
            + index.from_source.len()
            + index.deduplication.len()
            + index.recent_sends.len()
            + index.moved_in.len()
            + index.dead_letters.len()
            + index.moving.len()
    }
}

impl Index {
    fn apply(
        &mut self,
        store: &mut dyn MessageStore,
        group_id: u64,
        index: u64,
        now_ms: TimestampMs,
        command: PartitionCommand,
    ) -> Result<PartitionOutcome, QueueError> {
        self.clock_ms = self.clock_ms.max(now_ms);
        let now_ms = self.clock_ms;
        self.forget_expired_ids(now_ms);
        match command {
            PartitionCommand::Send { fifo, deduplicate_per_group, messages } => {
                Ok(PartitionOutcome::Sent(self.send_all(store, fifo, deduplicate_per_group, messages, now_ms)))
            }
            PartitionCommand::Receive(request) => {
                Ok(PartitionOutcome::Received(self.receive(&mut *store, group_id, index, now_ms, &request)))
            }
            PartitionCommand::Delete { fifo, handles } => {
                let results = handles.iter().map(|handle| self.delete(store, fifo, handle, now_ms)).collect();
                Ok(PartitionOutcome::Deleted(results))
            }
            PartitionCommand::ChangeVisibility { changes, .. } => {
                let results = changes.iter().map(|change| self.change_visibility(change, now_ms)).collect();
                Ok(PartitionOutcome::VisibilityChanged(results))
            }
            PartitionCommand::Purge { queue_name, request_id } => self.purge(store, queue_name, request_id, now_ms),
            PartitionCommand::MoveIn { message, source, sent_ms, source_arn } => {
                Ok(PartitionOutcome::Sent(vec![self.move_in(store, message, source, sent_ms, source_arn, now_ms)]))
            }
            PartitionCommand::DeadLettered { sequences } => {
                for sequence in sequences {
                    let held = self.dead_letters.remove(&sequence).is_some() || self.moving.remove(&sequence).is_some();
                    if held {
                        store.delete(sequence);
                    }
                }
                Ok(PartitionOutcome::DeadLettered)
            }
            PartitionCommand::TakeForMove { task, max, require_source } => {
                Ok(PartitionOutcome::Taken(self.take_for_move(&*store, task, max as usize, require_source, now_ms)))
            }
            PartitionCommand::ReturnMoving { task } => {
                let returned: Vec<u64> =
                    self.moving.iter().filter(|(_, (owner, _))| *owner == task).map(|(&sequence, _)| sequence).collect();
                for sequence in returned {
                    let (_, unlinked) = self.moving.remove(&sequence).expect("listed above");
                    self.relink(sequence, unlinked, now_ms);
                }
                Ok(PartitionOutcome::DeadLettered)
            }
        }
    }

    fn send_all(
        &mut self,
        store: &mut dyn MessageStore,
        fifo: bool,
        per_group: bool,
        messages: Vec<NewMessage>,
        now_ms: TimestampMs,
    ) -> Vec<SendOutcome> {
        let Some(key) = messages.first().map(|message| message.message_id.clone()) else {
            return Vec::new();
        };
        if let Some(previous) = self.recent_sends.get(&key) {
            return previous.outcomes(&messages);
        }
        let ids: Vec<String> = messages.iter().map(|message| message.message_id.clone()).collect();
        let sent: Vec<SendOutcome> =
            messages.into_iter().map(|message| self.send(store, fifo, per_group, message, now_ms)).collect();
        self.recent_sends.insert(key, RecentSend::of(&sent, &ids), now_ms + RECENT_SEND_MEMORY_MS);
        sent
    }

    fn send(
        &mut self,
        store: &mut dyn MessageStore,
        fifo: bool,
        per_group: bool,
        new: NewMessage,
        now_ms: TimestampMs,
    ) -> SendOutcome {
        let dedup_key = match (&new.deduplication_id, fifo) {
            (Some(id), true) if per_group => {
                Some(format!("{}\u{0}{}", new.group_id.as_deref().unwrap_or_default(), id))
            }
            (Some(id), true) => Some(id.clone()),
            _ => None,
        };
        if let Some(key) = &dedup_key {
            if let Some(previous) = self.deduplication.get(key) {
                return previous.clone();
            }
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let outcome = SendOutcome { message_id: new.message_id.clone(), sequence };
        if let Some(key) = dedup_key {
            self.deduplication.insert(key, outcome.clone(), now_ms + DEDUPLICATION_INTERVAL_MS);
        }
        if new.delay_ms == 0 {
            self.add_fresh(sequence);
        } else {
            self.track(sequence, Tracked { visible_at_ms: now_ms + new.delay_ms, ..Tracked::default() });
        }
        if fifo {
            self.fifo_groups.insert(sequence, new.group_id.clone().unwrap_or_default());
        }
        self.note_sent(sequence, now_ms);
        store.put(sequence, &StoredMessage { message: new, sent_ms: now_ms, source_arn: None });
        outcome
    }

    /// Stores a message from a dead-letter source with its original
    /// SentTimestamp; a repeat of the same move returns the first outcome.
    fn move_in(
        &mut self,
        store: &mut dyn MessageStore,
        new: NewMessage,
        source: (u64, u64),
        sent_ms: TimestampMs,
        source_arn: Option<String>,
        now_ms: TimestampMs,
    ) -> SendOutcome {
        if let Some(previous) = self.moved_in.get(&source) {
            return previous.clone();
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let outcome = SendOutcome { message_id: new.message_id.clone(), sequence };
        self.moved_in.insert(source, outcome.clone(), now_ms + MOVED_IN_MEMORY_MS);
        self.add_fresh(sequence);
        if let Some(group) = &new.group_id {
            self.fifo_groups.insert(sequence, group.clone());
        }
        if source_arn.is_some() {
            self.from_source.insert(sequence);
        }
        self.note_sent(sequence, sent_ms);
        store.put(sequence, &StoredMessage { message: new, sent_ms, source_arn });
        outcome
    }

    fn take_for_move(
        &mut self,
        store: &dyn MessageStore,
        task: String,
        max: usize,
        require_source: bool,
        now_ms: TimestampMs,
    ) -> Vec<DeadLetter> {
        let taken: Vec<u64> = if require_source {
            self.from_source.iter().copied().filter(|&sequence| self.is_visible(sequence, now_ms)).take(max).collect()
        } else {
            self.visible_in_order(now_ms, max)
        };
        let mut letters = Vec::with_capacity(taken.len());
        for sequence in taken {
            let unlinked = self.unlink(sequence).expect("chosen message must be stored");
            letters.extend(dead_letter_of(store, sequence));
            self.moving.insert(sequence, (task.clone(), unlinked));
        }
        letters
    }

    fn receive(
        &mut self,
        store: &mut dyn MessageStore,
        group_id: u64,
        index: u64,
        now_ms: TimestampMs,
        request: &ReceiveRequest,
    ) -> Vec<MessageView> {
        self.remove_expired(store, now_ms, request.retention_ms);
        if let Some(views) = self.repeat_attempt(&*store, request, now_ms) {
            return views;
        }
        // Messages past maxReceiveCount are set aside instead of delivered, so
        // choosing repeats until the request is filled or nothing is left.
        let max = request.max_messages as usize;
        let mut handles: Vec<ReceiptHandle> = Vec::with_capacity(max);
        let mut delivered: HashSet<u64> = HashSet::new();
        loop {
            let wanted = max - handles.len();
            if wanted == 0 {
                break;
            }
            let window = wanted + delivered.len();
            let candidates = if request.fifo { self.choose_fifo(now_ms, window) } else { self.choose_standard(now_ms, window) };
            let chosen: Vec<u64> = candidates.into_iter().filter(|sequence| !delivered.contains(sequence)).take(wanted).collect();
            if chosen.is_empty() {
                break;
            }
            let mut set_aside_any = false;
            for sequence in chosen {
                let previous = self.tracked.get(&sequence).copied().unwrap_or_default();
                if request.max_receive_count.is_some_and(|max_receives| previous.receive_count >= max_receives) {
                    let unlinked = self.unlink(sequence).expect("chosen message must be stored");
                    self.dead_letters.insert(sequence, unlinked);
                    set_aside_any = true;
                    continue;
                }
                if !self.remove_fresh(sequence) {
                    self.by_visibility.remove(&(previous.visible_at_ms, sequence));
                }
                let received = Tracked {
                    visible_at_ms: now_ms + request.visibility_timeout_ms,
                    receive_count: previous.receive_count + 1,
                    first_receive_ms: Some(previous.first_receive_ms.unwrap_or(now_ms)),
                    receipt_nonce: Some(index),
                };
                self.track(sequence, received);
                handles.push(ReceiptHandle { group_id, sequence, nonce: index });
                delivered.insert(sequence);
            }
            if !set_aside_any {
                break;
            }
        }
        if let (true, Some(attempt_id)) = (request.fifo, &request.attempt_id) {
            let attempt = ReceiveAttempt { expires_ms: now_ms + DEDUPLICATION_INTERVAL_MS, handles: handles.clone() };
            self.attempts.insert(attempt_id.clone(), attempt);
        }
        // A record can be missing only while entries are replayed over a
        // store that is ahead of the index, and no caller waits for those replies.
        handles.into_iter().filter_map(|handle| self.view(&*store, handle)).collect()
    }

    /// Returns the messages of an earlier receive with the same
    /// ReceiveRequestAttemptId while all of them are still in flight under it.
    fn repeat_attempt(&self, store: &dyn MessageStore, request: &ReceiveRequest, now_ms: TimestampMs) -> Option<Vec<MessageView>> {
        let attempt = self.attempts.get(request.attempt_id.as_ref()?)?;
        if !request.fifo {
            return None;
        }
        let mut views = Vec::with_capacity(attempt.handles.len());
        for handle in &attempt.handles {
            let tracked = self.tracked.get(&handle.sequence)?;
            if tracked.receipt_nonce != Some(handle.nonce) || tracked.visible_at_ms <= now_ms {
                return None;
            }
            views.push(self.view(store, *handle)?);
        }
        Some(views)
    }

    /// Visible messages for a standard queue: those that became visible
    /// again or after a delay first, oldest first, then fresh ones in send order.
    fn choose_standard(&self, now_ms: TimestampMs, max: usize) -> Vec<u64> {
        let mut chosen: Vec<u64> =
            self.by_visibility.range(..=(now_ms, u64::MAX)).take(max).map(|&(_, sequence)| sequence).collect();
        for (&start, &end) in &self.fresh {
            if chosen.len() == max {
                break;
            }
            chosen.extend((start..end).take(max - chosen.len()));
        }
        chosen
    }

    /// Picks visible messages in send order, skipping every message group whose
    /// oldest message is in flight or delayed, so that a group is delivered in
    /// order and never by two consumers at once.
    // TODO: this scans every stored message of the blocked groups; a per-group
    // index would make it proportional to the number of groups.
    fn choose_fifo(&self, now_ms: TimestampMs, max: usize) -> Vec<u64> {
        let mut blocked_groups: HashSet<&str> = HashSet::new();
        let mut chosen = Vec::new();
        for (&sequence, group) in &self.fifo_groups {
            if chosen.len() == max {
                break;
            }
            if blocked_groups.contains(group.as_str()) {
                continue;
            }
            if !self.is_visible(sequence, now_ms) {
                blocked_groups.insert(group);
                continue;
            }
            chosen.push(sequence);
        }
        chosen
    }

    /// Up to `max` visible messages in send order.
    fn visible_in_order(&self, now_ms: TimestampMs, max: usize) -> Vec<u64> {
        let fresh = self.fresh.iter().flat_map(|(&start, &end)| start..end).take(max);
        let tracked = self.tracked.iter().filter(|(_, tracked)| tracked.visible_at_ms <= now_ms).map(|(&sequence, _)| sequence);
        let mut chosen: Vec<u64> = fresh.chain(tracked.take(max)).collect();
        chosen.sort_unstable();
        chosen.truncate(max);
        chosen
    }

    fn delete(&mut self, store: &mut dyn MessageStore, fifo: bool, handle: &ReceiptHandle, now_ms: TimestampMs) -> DeleteOutcome {
        if !self.is_stored(handle.sequence) {
            // Already deleted (or expired): deleting again succeeds, so that a
            // client retrying an acknowledged delete does not see an error.
            return Ok(());
        }
        let tracked = self.tracked.get(&handle.sequence).copied().unwrap_or_default();
        let current = tracked.receipt_nonce == Some(handle.nonce);
        if fifo && (!current || tracked.visible_at_ms <= now_ms) {
            return Err(QueueError::ReceiptHandleIsInvalid("The receipt handle has expired.".into()));
        }
        if !current {
            // A stale handle on a standard queue succeeds and deletes nothing.
            return Ok(());
        }
        self.unlink(handle.sequence);
        store.delete(handle.sequence);
        Ok(())
    }

    fn change_visibility(&mut self, change: &VisibilityChange, now_ms: TimestampMs) -> Result<(), QueueError> {
        let handle = &change.handle;
        if !self.is_stored(handle.sequence) {
            return Err(QueueError::InvalidParameterValue(
                "Message does not exist or is not available for visibility timeout change.".into(),
            ));
        }
        let Some(tracked) = self.tracked.get(&handle.sequence).copied() else {
            return Err(QueueError::ReceiptHandleIsInvalid("The receipt handle has expired.".into()));
        };
        if tracked.receipt_nonce != Some(handle.nonce) {
            return Err(QueueError::ReceiptHandleIsInvalid("The receipt handle has expired.".into()));
        }
        if tracked.visible_at_ms <= now_ms {
            return Err(QueueError::MessageNotInflight);
        }
        self.by_visibility.remove(&(tracked.visible_at_ms, handle.sequence));
        self.track(handle.sequence, Tracked { visible_at_ms: now_ms + change.visibility_timeout_ms, ..tracked });
        Ok(())
    }

    fn purge(
        &mut self,
        store: &mut dyn MessageStore,
        queue_name: String,
        request_id: String,
        now_ms: TimestampMs,
    ) -> Result<PartitionOutcome, QueueError> {
        if self.last_purge_request.as_ref() == Some(&request_id) {
            return Ok(PartitionOutcome::Purged);
        }
        if let Some(last) = self.last_purge_ms {
            if now_ms < last + PURGE_INTERVAL_MS {
                return Err(QueueError::PurgeQueueInProgress(queue_name));
            }
        }
        self.last_purge_ms = Some(now_ms);
        self.last_purge_request = Some(request_id);
        self.fresh.clear();
        self.fresh_count = 0;
        self.tracked.clear();
        self.by_visibility.clear();
        self.sent_runs.clear();
        self.fifo_groups.clear();
        self.from_source.clear();
        self.delete_reachable_below(store, self.next_sequence);
        Ok(PartitionOutcome::Purged)
    }

    /// Removes messages older than the retention period, oldest first.
    fn remove_expired(&mut self, store: &mut dyn MessageStore, now_ms: TimestampMs, retention_ms: u64) {
        let cutoff = self.expiry_cutoff(now_ms, retention_ms);
        if self.first_reachable().is_none_or(|first| first >= cutoff) {
            return;
        }
        // Records of held messages stay; every other record below the cutoff
        // belongs to a message that expires now.
        self.delete_reachable_below(store, cutoff);
        let kept_fresh = self.fresh.split_off(&cutoff);
        let expired_fresh = std::mem::replace(&mut self.fresh, kept_fresh);
        for (start, end) in expired_fresh {
            if end > cutoff {
                self.fresh.insert(cutoff, end);
            }
            self.fresh_count -= end.min(cutoff) - start;
        }
        let kept_tracked = self.tracked.split_off(&cutoff);
        for (sequence, tracked) in std::mem::replace(&mut self.tracked, kept_tracked) {
            self.by_visibility.remove(&(tracked.visible_at_ms, sequence));
        }
        self.fifo_groups = self.fifo_groups.split_off(&cutoff);
        self.from_source = self.from_source.split_off(&cutoff);
        self.forget_sent_runs();
    }

    /// Deletes the records of every message below `end` that no dead-letter
    /// move or move task holds.
    fn delete_reachable_below(&self, store: &mut dyn MessageStore, end: u64) {
        let mut held: Vec<u64> = self.dead_letters.keys().chain(self.moving.keys()).copied().filter(|&s| s < end).collect();
        held.sort_unstable();
        let mut from = 0;
        for sequence in held {
            store.delete_range(from, sequence);
            from = sequence + 1;
        }
        store.delete_range(from, end);
    }

    /// Returns the first sequence number that the retention period keeps at `now_ms`.
    fn expiry_cutoff(&self, now_ms: TimestampMs, retention_ms: u64) -> u64 {
        for run in &self.sent_runs {
            if run.latest_ms + retention_ms > now_ms {
                return run.first_sequence;
            }
        }
        self.next_sequence
    }

    fn note_sent(&mut self, sequence: u64, sent_ms: TimestampMs) {
        match self.sent_runs.last_mut() {
            Some(run) if sent_ms >= run.start_ms && sent_ms < run.start_ms + SENT_RUN_MS => {
                run.latest_ms = run.latest_ms.max(sent_ms);
            }
            _ => self.sent_runs.push(SentRun { first_sequence: sequence, start_ms: sent_ms, latest_ms: sent_ms }),
        }
    }

    /// Drops the send times of runs that hold no fresh or tracked message any more.
    fn forget_sent_runs(&mut self) {
        let first = self.first_reachable().unwrap_or(self.next_sequence);
        let covered = self.sent_runs.iter().skip(1).take_while(|run| run.first_sequence <= first).count();
        self.sent_runs.drain(..covered);
    }

    fn first_reachable(&self) -> Option<u64> {
        let fresh = self.fresh.keys().next().copied();
        let tracked = self.tracked.keys().next().copied();
        fresh.into_iter().chain(tracked).min()
    }

    fn add_fresh(&mut self, sequence: u64) {
        self.fresh_count += 1;
        if let Some(mut last) = self.fresh.last_entry() {
            if *last.get() == sequence {
                *last.get_mut() = sequence + 1;
                return;
            }
        }
        self.fresh.insert(sequence, sequence + 1);
    }

    /// Removes `sequence` from the fresh runs; returns whether it was there.
    fn remove_fresh(&mut self, sequence: u64) -> bool {
        let Some((&start, &end)) = self.fresh.range(..=sequence).next_back() else {
            return false;
        };
        if sequence >= end {
            return false;
        }
        self.fresh.remove(&start);
        if start < sequence {
            self.fresh.insert(start, sequence);
        }
        if sequence + 1 < end {
            self.fresh.insert(sequence + 1, end);
        }
        self.fresh_count -= 1;
        true
    }

    fn is_fresh(&self, sequence: u64) -> bool {
        self.fresh.range(..=sequence).next_back().is_some_and(|(_, &end)| sequence < end)
    }

    fn is_stored(&self, sequence: u64) -> bool {
        self.tracked.contains_key(&sequence) || self.is_fresh(sequence)
    }

    fn is_visible(&self, sequence: u64, now_ms: TimestampMs) -> bool {
        match self.tracked.get(&sequence) {
            Some(tracked) => tracked.visible_at_ms <= now_ms,
            None => self.is_fresh(sequence),
        }
    }

    fn track(&mut self, sequence: u64, tracked: Tracked) {
        self.by_visibility.insert((tracked.visible_at_ms, sequence));
        self.tracked.insert(sequence, tracked);
    }

    /// Takes a fresh or tracked message out of reach of receives and returns
    /// its in-memory state; `None` if it is neither.
    fn unlink(&mut self, sequence: u64) -> Option<Unlinked> {
        let tracked = match self.tracked.remove(&sequence) {
            Some(tracked) => {
                self.by_visibility.remove(&(tracked.visible_at_ms, sequence));
                Some(tracked)
            }
            None if self.remove_fresh(sequence) => None,
            None => return None,
        };
        let group = self.fifo_groups.remove(&sequence);
        let from_source = self.from_source.remove(&sequence);
        Some(Unlinked { tracked, group, from_source })
    }

    /// Puts an unlinked message back within reach, visible at `now_ms`.
    fn relink(&mut self, sequence: u64, unlinked: Unlinked, now_ms: TimestampMs) {
        let tracked = unlinked.tracked.unwrap_or_default();
        self.track(sequence, Tracked { visible_at_ms: now_ms, ..tracked });
        if let Some(group) = unlinked.group {
            self.fifo_groups.insert(sequence, group);
        }
        if unlinked.from_source {
            self.from_source.insert(sequence);
        }
    }

    fn view(&self, store: &dyn MessageStore, receipt_handle: ReceiptHandle) -> Option<MessageView> {
        let stored = store.get(receipt_handle.sequence)?;
        let tracked = self.tracked.get(&receipt_handle.sequence).copied().unwrap_or_default();
        Some(MessageView {
            message: stored.message,
            sequence: receipt_handle.sequence,
            sent_ms: stored.sent_ms,
            receive_count: tracked.receive_count,
            first_receive_ms: tracked.first_receive_ms.unwrap_or(stored.sent_ms),
            receipt_handle,
            dead_letter_source_arn: stored.source_arn,
        })
    }

    fn forget_expired_ids(&mut self, now_ms: TimestampMs) {
        self.deduplication.expire(now_ms);
        self.recent_sends.expire(now_ms);
        self.moved_in.expire(now_ms);
        // NOTE: receive attempts are few (FIFO retries only), so a full pass is
        // cheap next to the fsync that every command already costs.
        self.attempts.retain(|_, attempt| attempt.expires_ms > now_ms);
    }
}

fn dead_letter_of(store: &dyn MessageStore, sequence: u64) -> Option<DeadLetter> {
    let stored = store.get(sequence)?;
    Some(DeadLetter { sequence, message: stored.message, sent_ms: stored.sent_ms, source_arn: stored.source_arn })
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;

//! The messages of one queue partition and their receipt state, applied from
//! the partition's Raft log.
//!
//! Every message is indexed twice: by sequence number (send order, which is
//! FIFO order and also the order of `sent_ms`) and by the time it becomes
//! visible. A message is in flight when it has a receipt and its visibility
//! deadline is in the future, and delayed when it has no receipt yet and its
//! delay has not passed.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::expiring::ExpiringMap;
use crate::{QueueError, ReceiptHandle, TimestampMs, DEDUPLICATION_INTERVAL_MS, PURGE_INTERVAL_MS};

/// How long a partition remembers a message moved in from a dead-letter
/// source; a mover retries within seconds, far inside this window.
const MOVED_IN_MEMORY_MS: u64 = 60 * 60 * 1000;

/// How long a partition remembers the message id of a send, so that the same
/// command proposed again while a request is retried is stored once. It is
/// longer than a request's whole routing deadline.
const RECENT_SEND_MEMORY_MS: u64 = 60 * 1000;

/// How many expired messages one command removes at most, so that a command
/// applied after a long pause does a bounded amount of work.
const EXPIRED_REMOVED_PER_COMMAND_MAX: usize = 1_000;

/// A message to store, with everything the gateway resolved before proposing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub message_id: String,
    pub body: String,
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

/// One stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Message {
    new: NewMessage,
    sequence: u64,
    sent_ms: TimestampMs,
    visible_at_ms: TimestampMs,
    receive_count: u32,
    first_receive_ms: Option<TimestampMs>,
    /// Log index of the receive that issued the current receipt handle.
    receipt_nonce: Option<u64>,
    /// For a message moved here from a dead-letter source: the source queue's ARN.
    source_arn: Option<String>,
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

/// The partition state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    /// The latest leader timestamp applied; time never runs backwards here even
    /// if a new leader's clock is behind the old one's.
    clock_ms: TimestampMs,
    next_sequence: u64,
    messages: BTreeMap<u64, Message>,
    /// (visible_at_ms, sequence) of every stored message.
    by_visibility: BTreeSet<(TimestampMs, u64)>,
    deduplication: ExpiringMap<String, SendOutcome>,
    /// Outcomes of recent sends by message id. The gateway makes one id per
    /// request, so a command proposed again after a failover (same id) is
    /// stored once.
    recent_sends: ExpiringMap<String, SendOutcome>,
    attempts: BTreeMap<String, ReceiveAttempt>,
    last_purge_ms: Option<TimestampMs>,
    /// The client request of the last purge.
    last_purge_request: Option<String>,
    /// Messages past maxReceiveCount, by sequence, until they are moved.
    dead_letters: BTreeMap<u64, Message>,
    /// Messages moved in from a dead-letter source, by (source group, source
    /// sequence), so that a repeated move stores nothing twice.
    moved_in: ExpiringMap<(u64, u64), SendOutcome>,
    /// Messages taken by move tasks, by sequence, with the task's handle.
    moving: BTreeMap<u64, (String, Message)>,
}

impl Partition {
    /// Applies one committed command. `group_id` and `index` (the entry's Raft
    /// log index) go into receipt handles; `now_ms` is the leader's stamp.
    pub fn apply(
        &mut self,
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
                let sent = messages
                    .into_iter()
                    .map(|message| self.send(fifo, deduplicate_per_group, message, now_ms))
                    .collect();
                Ok(PartitionOutcome::Sent(sent))
            }
            PartitionCommand::Receive(request) => {
                Ok(PartitionOutcome::Received(self.receive(group_id, index, now_ms, &request)))
            }
            PartitionCommand::Delete { fifo, handles } => {
                let results = handles.iter().map(|handle| self.delete(fifo, handle, now_ms)).collect();
                Ok(PartitionOutcome::Deleted(results))
            }
            PartitionCommand::ChangeVisibility { changes, .. } => {
                let results = changes.iter().map(|change| self.change_visibility(change, now_ms)).collect();
                Ok(PartitionOutcome::VisibilityChanged(results))
            }
            PartitionCommand::Purge { queue_name, request_id } => self.purge(queue_name, request_id, now_ms),
            PartitionCommand::MoveIn { message, source, sent_ms, source_arn } => {
                Ok(PartitionOutcome::Sent(vec![self.move_in(message, source, sent_ms, source_arn, now_ms)]))
            }
            PartitionCommand::DeadLettered { sequences } => {
                for sequence in sequences {
                    self.dead_letters.remove(&sequence);
                    self.moving.remove(&sequence);
                }
                Ok(PartitionOutcome::DeadLettered)
            }
            PartitionCommand::TakeForMove { task, max, require_source } => {
                Ok(PartitionOutcome::Taken(self.take_for_move(task, max as usize, require_source, now_ms)))
            }
            PartitionCommand::ReturnMoving { task } => {
                let returned: Vec<u64> =
                    self.moving.iter().filter(|(_, (owner, _))| *owner == task).map(|(&sequence, _)| sequence).collect();
                for sequence in returned {
                    let (_, mut message) = self.moving.remove(&sequence).expect("listed above");
                    message.visible_at_ms = now_ms;
                    self.by_visibility.insert((now_ms, sequence));
                    self.messages.insert(sequence, message);
                }
                Ok(PartitionOutcome::DeadLettered)
            }
        }
    }

    fn send(&mut self, fifo: bool, per_group: bool, new: NewMessage, now_ms: TimestampMs) -> SendOutcome {
        if let Some(previous) = self.recent_sends.get(&new.message_id) {
            return previous.clone();
        }
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
            let expires_ms = now_ms + DEDUPLICATION_INTERVAL_MS;
            self.deduplication.insert(key, outcome.clone(), expires_ms);
        }
        self.recent_sends.insert(new.message_id.clone(), outcome.clone(), now_ms + RECENT_SEND_MEMORY_MS);
        let visible_at_ms = now_ms + new.delay_ms;
        self.by_visibility.insert((visible_at_ms, sequence));
        let message = Message {
            new,
            sequence,
            sent_ms: now_ms,
            visible_at_ms,
            receive_count: 0,
            first_receive_ms: None,
            receipt_nonce: None,
            source_arn: None,
        };
        self.messages.insert(sequence, message);
        outcome
    }

    /// Stores a message from a dead-letter source with its original
    /// SentTimestamp; a repeat of the same move returns the first outcome.
    fn move_in(
        &mut self,
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
        let expires_ms = now_ms + MOVED_IN_MEMORY_MS;
        self.moved_in.insert(source, outcome.clone(), expires_ms);
        self.by_visibility.insert((now_ms, sequence));
        let message = Message {
            new,
            sequence,
            sent_ms,
            visible_at_ms: now_ms,
            receive_count: 0,
            first_receive_ms: None,
            receipt_nonce: None,
            source_arn,
        };
        self.messages.insert(sequence, message);
        outcome
    }

    /// Messages set aside for the dead-letter queue, oldest first.
    pub fn dead_letters(&self, max: usize) -> Vec<DeadLetter> {
        self.dead_letters.values().take(max).map(dead_letter_of).collect()
    }

    /// Returns whether a message visible at `now_ms` did not come from a dead-letter
    /// source, so a move task without a destination cannot move it.
    pub fn has_visible_without_source(&self, now_ms: TimestampMs) -> bool {
        self.messages.values().any(|message| message.visible_at_ms <= now_ms && message.source_arn.is_none())
    }

    /// Messages that the move task `task` took and has not stored yet.
    pub fn moving_for(&self, task: &str, max: usize) -> Vec<DeadLetter> {
        self.moving.values().filter(|(owner, _)| owner == task).take(max).map(|(_, message)| dead_letter_of(message)).collect()
    }

    fn take_for_move(&mut self, task: String, max: usize, require_source: bool, now_ms: TimestampMs) -> Vec<DeadLetter> {
        let taken: Vec<u64> = self
            .messages
            .values()
            .filter(|message| message.visible_at_ms <= now_ms && (!require_source || message.source_arn.is_some()))
            .take(max)
            .map(|message| message.sequence)
            .collect();
        let mut letters = Vec::with_capacity(taken.len());
        for sequence in taken {
            let message = self.messages.remove(&sequence).expect("listed above");
            self.by_visibility.remove(&(message.visible_at_ms, sequence));
            letters.push(dead_letter_of(&message));
            self.moving.insert(sequence, (task.clone(), message));
        }
        letters
    }

    fn receive(
        &mut self,
        group_id: u64,
        index: u64,
        now_ms: TimestampMs,
        request: &ReceiveRequest,
    ) -> Vec<MessageView> {
        self.remove_expired(now_ms, request.retention_ms);
        if let Some(views) = self.repeat_attempt(request, now_ms) {
            return views;
        }
        // Messages past maxReceiveCount are set aside instead of delivered, so
        // choosing repeats until the request is filled or nothing is left.
        let max = request.max_messages as usize;
        let mut views: Vec<MessageView> = Vec::with_capacity(max);
        let mut delivered: HashSet<u64> = HashSet::new();
        loop {
            let wanted = max - views.len();
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
                let received = self.messages.get(&sequence).expect("chosen message must exist").receive_count;
                if request.max_receive_count.is_some_and(|max_receives| received >= max_receives) {
                    self.set_aside(sequence);
                    set_aside_any = true;
                    continue;
                }
                let message = self.messages.get_mut(&sequence).expect("chosen message must exist");
                self.by_visibility.remove(&(message.visible_at_ms, sequence));
                message.visible_at_ms = now_ms + request.visibility_timeout_ms;
                message.receive_count += 1;
                message.first_receive_ms.get_or_insert(now_ms);
                message.receipt_nonce = Some(index);
                self.by_visibility.insert((message.visible_at_ms, sequence));
                let handle = ReceiptHandle { group_id, sequence, nonce: index };
                views.push(view_of(message, handle));
                delivered.insert(sequence);
            }
            if !set_aside_any {
                break;
            }
        }
        if let (true, Some(attempt_id)) = (request.fifo, &request.attempt_id) {
            let attempt = ReceiveAttempt {
                expires_ms: now_ms + DEDUPLICATION_INTERVAL_MS,
                handles: views.iter().map(|view| view.receipt_handle).collect(),
            };
            self.attempts.insert(attempt_id.clone(), attempt);
        }
        views
    }

    /// Returns the messages of an earlier receive with the same
    /// ReceiveRequestAttemptId while all of them are still in flight under it.
    fn repeat_attempt(&self, request: &ReceiveRequest, now_ms: TimestampMs) -> Option<Vec<MessageView>> {
        let attempt = self.attempts.get(request.attempt_id.as_ref()?)?;
        if !request.fifo {
            return None;
        }
        let mut views = Vec::with_capacity(attempt.handles.len());
        for handle in &attempt.handles {
            let message = self.messages.get(&handle.sequence)?;
            if message.receipt_nonce != Some(handle.nonce) || message.visible_at_ms <= now_ms {
                return None;
            }
            views.push(view_of(message, *handle));
        }
        Some(views)
    }

    fn choose_standard(&self, now_ms: TimestampMs, max: usize) -> Vec<u64> {
        self.by_visibility
            .range(..=(now_ms, u64::MAX))
            .take(max)
            .map(|&(_, sequence)| sequence)
            .collect()
    }

    /// Picks visible messages in send order, skipping every message group whose
    /// oldest message is in flight or delayed, so that a group is delivered in
    /// order and never by two consumers at once.
    // TODO: this scans every stored message; a per-group index would make it
    // proportional to the number of groups.
    fn choose_fifo(&self, now_ms: TimestampMs, max: usize) -> Vec<u64> {
        let mut blocked_groups: HashSet<&str> = HashSet::new();
        let mut chosen = Vec::new();
        for message in self.messages.values() {
            if chosen.len() == max {
                break;
            }
            let group = message.new.group_id.as_deref().unwrap_or_default();
            if blocked_groups.contains(group) {
                continue;
            }
            if message.visible_at_ms > now_ms {
                blocked_groups.insert(group);
                continue;
            }
            chosen.push(message.sequence);
        }
        chosen
    }

    fn delete(&mut self, fifo: bool, handle: &ReceiptHandle, now_ms: TimestampMs) -> DeleteOutcome {
        let Some(message) = self.messages.get(&handle.sequence) else {
            // Already deleted (or expired): deleting again succeeds, so that a
            // client retrying an acknowledged delete does not see an error.
            return Ok(());
        };
        let current = message.receipt_nonce == Some(handle.nonce);
        if fifo && (!current || message.visible_at_ms <= now_ms) {
            return Err(QueueError::ReceiptHandleIsInvalid("The receipt handle has expired.".into()));
        }
        if !current {
            // A stale handle on a standard queue succeeds and deletes nothing.
            return Ok(());
        }
        self.remove(handle.sequence);
        Ok(())
    }

    fn change_visibility(&mut self, change: &VisibilityChange, now_ms: TimestampMs) -> Result<(), QueueError> {
        let handle = &change.handle;
        let Some(message) = self.messages.get_mut(&handle.sequence) else {
            return Err(QueueError::InvalidParameterValue(
                "Message does not exist or is not available for visibility timeout change.".into(),
            ));
        };
        if message.receipt_nonce != Some(handle.nonce) {
            return Err(QueueError::ReceiptHandleIsInvalid("The receipt handle has expired.".into()));
        }
        if message.visible_at_ms <= now_ms {
            return Err(QueueError::MessageNotInflight);
        }
        self.by_visibility.remove(&(message.visible_at_ms, handle.sequence));
        message.visible_at_ms = now_ms + change.visibility_timeout_ms;
        self.by_visibility.insert((message.visible_at_ms, handle.sequence));
        Ok(())
    }

    fn purge(&mut self, queue_name: String, request_id: String, now_ms: TimestampMs) -> Result<PartitionOutcome, QueueError> {
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
        self.messages.clear();
        self.by_visibility.clear();
        Ok(PartitionOutcome::Purged)
    }

    /// Moves a message past maxReceiveCount out of reach of receives until
    /// it is stored in the dead-letter queue.
    fn set_aside(&mut self, sequence: u64) {
        if let Some(message) = self.messages.remove(&sequence) {
            self.by_visibility.remove(&(message.visible_at_ms, sequence));
            self.dead_letters.insert(sequence, message);
        }
    }

    fn remove(&mut self, sequence: u64) {
        if let Some(message) = self.messages.remove(&sequence) {
            self.by_visibility.remove(&(message.visible_at_ms, sequence));
        }
    }

    /// Removes messages older than the retention period, oldest first.
    fn remove_expired(&mut self, now_ms: TimestampMs, retention_ms: u64) {
        let expired: Vec<u64> = self
            .messages
            .values()
            .take_while(|message| message.sent_ms + retention_ms <= now_ms)
            .take(EXPIRED_REMOVED_PER_COMMAND_MAX)
            .map(|message| message.sequence)
            .collect();
        for sequence in expired {
            self.remove(sequence);
        }
    }

    fn forget_expired_ids(&mut self, now_ms: TimestampMs) {
        self.deduplication.expire(now_ms);
        self.recent_sends.expire(now_ms);
        self.moved_in.expire(now_ms);
        // NOTE: receive attempts are few (FIFO retries only), so a full pass is
        // cheap next to the fsync that every command already costs.
        self.attempts.retain(|_, attempt| attempt.expires_ms > now_ms);
    }

    /// Approximate counts at `now_ms`, leaving out messages past retention.
    pub fn counts(&self, now_ms: TimestampMs, retention_ms: u64) -> Counts {
        let mut counts = Counts::default();
        for message in self.messages.values() {
            if message.sent_ms + retention_ms <= now_ms {
                continue;
            }
            if message.visible_at_ms <= now_ms {
                counts.visible += 1;
            } else if message.receipt_nonce.is_some() {
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
        self.by_visibility.range((now_ms + 1, 0)..).next().map(|&(visible_at, _)| visible_at)
    }

    /// Returns whether a receive at `now_ms` would find a message, for long polls.
    pub fn has_visible(&self, now_ms: TimestampMs, fifo: bool) -> bool {
        if fifo {
            !self.choose_fifo(now_ms, 1).is_empty()
        } else {
            self.by_visibility.range(..=(now_ms, u64::MAX)).next().is_some()
        }
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

fn dead_letter_of(message: &Message) -> DeadLetter {
    DeadLetter {
        sequence: message.sequence,
        message: message.new.clone(),
        sent_ms: message.sent_ms,
        source_arn: message.source_arn.clone(),
    }
}

fn view_of(message: &Message, receipt_handle: ReceiptHandle) -> MessageView {
    MessageView {
        message: message.new.clone(),
        sequence: message.sequence,
        sent_ms: message.sent_ms,
        receive_count: message.receive_count,
        first_receive_ms: message.first_receive_ms.unwrap_or(message.sent_ms),
        receipt_handle,
        dead_letter_source_arn: message.source_arn.clone(),
    }
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;

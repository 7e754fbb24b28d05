//! The sending and receiving tasks, and the checks on every response.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::body;
use crate::options::Settings;
use crate::sqs::{Action, CallError, SqsClient};
use crate::stats::{Counters, ErrorTally, FifoOrder, Ledger, Receipt, Recorder};
use crate::workload::StopSignal;

/// Pause after a failed request, so a server that refuses connections does
/// not turn a worker into a busy loop.
const ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// State shared by every task of a run.
pub struct Run {
    pub settings: Settings,
    pub client: SqsClient,
    pub run_id: u32,
    pub queue_urls: Vec<String>,
    pub counters: Counters,
    pub errors: ErrorTally,
    pub ledger: Ledger,
    pub fifo_order: FifoOrder,
    /// Whether FIFO order is checked: only when every group has one sender.
    pub fifo_order_checked: bool,
    /// Send time of each probe of the latency workload not yet received.
    pub probes: Mutex<HashMap<u64, Instant>>,
    /// Triggered by Ctrl-C or when --max-time is reached.
    pub stop: Arc<StopSignal>,
}

impl Run {
    /// Counts a failed request or entry under its code.
    pub fn record_error(&self, code: &str, message: &str, count: u64) {
        self.errors.record(&self.counters, code, message, count);
    }

    /// Message groups that sender `worker` uses; see [`FifoOrder`] for why
    /// each group has one sender whenever there are enough groups.
    fn groups_of_sender(&self, worker: usize) -> Vec<String> {
        let settings = &self.settings;
        if !settings.fifo {
            return Vec::new();
        }
        if self.fifo_order_checked {
            (worker..settings.groups).step_by(settings.senders).map(|group| format!("g{group}")).collect()
        } else {
            vec![format!("g{}", worker % settings.groups)]
        }
    }
}

/// Progress of one phase that the monitor reads.
pub struct PhaseState {
    pub start: Instant,
    pub senders_running: AtomicUsize,
    /// Microseconds from `start` to the last finished sender.
    pub senders_done_micros: AtomicU64,
    /// Microseconds from `start` to the last non-empty receive.
    pub last_receive_micros: AtomicU64,
    /// Microseconds from `start` to the last successful response of any request.
    pub last_response_micros: AtomicU64,
}

impl PhaseState {
    pub fn new(senders: usize) -> PhaseState {
        PhaseState {
            start: Instant::now(),
            senders_running: AtomicUsize::new(senders),
            senders_done_micros: AtomicU64::new(0),
            last_receive_micros: AtomicU64::new(0),
            last_response_micros: AtomicU64::new(0),
        }
    }

    fn micros_since_start(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn sender_finished(&self) {
        self.senders_done_micros.fetch_max(self.micros_since_start(), Ordering::Relaxed);
        self.senders_running.fetch_sub(1, Ordering::Relaxed);
    }

    fn message_received(&self) {
        self.last_receive_micros.fetch_max(self.micros_since_start(), Ordering::Relaxed);
    }

    fn response_arrived(&self) {
        self.last_response_micros.fetch_max(self.micros_since_start(), Ordering::Relaxed);
    }
}

/// One message of a send request, with what its response must match.
struct Outgoing {
    sequence: u64,
    md5_hex: String,
}

/// Sends batches until `token` is cancelled or `limit` sequence numbers are
/// handed out.
///
/// With `pacing`, request k of this worker is due at `start + offset + k * pacing`,
/// and its latency counts from that moment (open loop). Without it, each request
/// follows the previous response at once (closed loop).
pub async fn send_loop(
    run: Arc<Run>,
    phase: Arc<PhaseState>,
    worker: usize,
    token: CancellationToken,
    limit: Option<u64>,
    pacing: Option<Duration>,
) -> Recorder {
    let mut recorder = Recorder::default();
    let settings = &run.settings;
    let groups = run.groups_of_sender(worker);
    let offset = pacing.map(|interval| interval.mul_f64(worker as f64 / settings.senders as f64));
    let mut request_index: u64 = 0;
    let mut next_group = 0usize;

    loop {
        if token.is_cancelled() {
            break;
        }
        let due = match (pacing, offset) {
            (Some(interval), Some(offset)) => {
                let due = phase.start + offset + interval.mul_f64(request_index as f64);
                tokio::select! {
                    _ = tokio::time::sleep_until(due.into()) => {}
                    _ = token.cancelled() => break,
                }
                Some(due)
            }
            _ => None,
        };
        let Some(sequences) = run.ledger.allocate(settings.batch as u64, limit) else {
            break;
        };

        let queue = (worker + request_index as usize) % run.queue_urls.len();
        let mut outgoing = Vec::with_capacity(sequences.clone().count());
        let mut entries = Vec::with_capacity(outgoing.capacity());
        for sequence in sequences {
            let encoded = body::encode(run.run_id, sequence, settings.body_size);
            let mut entry = json!({ "Id": format!("m{}", entries.len()), "MessageBody": encoded.text });
            if !groups.is_empty() {
                entry["MessageGroupId"] = json!(groups[next_group % groups.len()]);
                entry["MessageDeduplicationId"] = json!(format!("{:08x}-{sequence}", run.run_id));
                next_group += 1;
            }
            entries.push(entry);
            outgoing.push(Outgoing { sequence, md5_hex: encoded.md5_hex });
        }
        let (action, input) = if settings.batch == 1 {
            let mut input = entries.pop().expect("a batch of 1 has one entry");
            input.as_object_mut().expect("an entry is an object").remove("Id");
            input["QueueUrl"] = json!(run.queue_urls[queue]);
            (Action::SendMessage, input)
        } else {
            (Action::SendMessageBatch, json!({ "QueueUrl": run.queue_urls[queue], "Entries": entries }))
        };

        let started = due.unwrap_or_else(Instant::now);
        let result = tokio::select! {
            result = run.client.call(action, &input) => result,
            _ = token.cancelled() => break,
        };
        let latency = started.elapsed();
        run.counters.count_request(action);
        request_index += 1;
        match result {
            Ok(response) => {
                phase.response_arrived();
                recorder.record(action, latency);
                check_send_response(&run, action, &response, &outgoing);
            }
            Err(error) => {
                run.record_error(&error.code, &error.message, 1);
                back_off(&token).await;
            }
        }
    }
    phase.sender_finished();
    recorder
}

/// Sends one probe every `--interval-ms` for the latency workload and stores
/// its send time for the receiver.
pub async fn probe_loop(
    run: Arc<Run>,
    phase: Arc<PhaseState>,
    token: CancellationToken,
    limit: Option<u64>,
) -> Recorder {
    let mut recorder = Recorder::default();
    let settings = &run.settings;
    let mut ticker = tokio::time::interval(settings.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = token.cancelled() => break,
        }
        let Some(sequences) = run.ledger.allocate(1, limit) else {
            break;
        };
        let sequence = sequences.start;
        let encoded = body::encode(run.run_id, sequence, settings.body_size);
        let mut input = json!({ "QueueUrl": run.queue_urls[0], "MessageBody": encoded.text });
        if settings.fifo {
            input["MessageGroupId"] = json!("g0");
            input["MessageDeduplicationId"] = json!(format!("{:08x}-{sequence}", run.run_id));
        }
        let outgoing = [Outgoing { sequence, md5_hex: encoded.md5_hex }];

        let started = Instant::now();
        run.probes.lock().unwrap().insert(sequence, started);
        let result = tokio::select! {
            result = run.client.call(Action::SendMessage, &input) => result,
            _ = token.cancelled() => {
                run.probes.lock().unwrap().remove(&sequence);
                break;
            }
        };
        run.counters.count_request(Action::SendMessage);
        match result {
            Ok(response) => {
                phase.response_arrived();
                recorder.record(Action::SendMessage, started.elapsed());
                check_send_response(&run, Action::SendMessage, &response, &outgoing);
            }
            Err(error) => {
                run.probes.lock().unwrap().remove(&sequence);
                run.record_error(&error.code, &error.message, 1);
            }
        }
    }
    phase.sender_finished();
    recorder
}

/// Checks the MD5 digest of every acknowledged message, records entry
/// failures by code, and marks the acknowledged sequence numbers.
fn check_send_response(run: &Run, action: Action, response: &Value, outgoing: &[Outgoing]) {
    let mut acknowledged = Vec::with_capacity(outgoing.len());
    if action == Action::SendMessage {
        let message = &outgoing[0];
        if check_md5(run, response.get("MD5OfMessageBody"), &message.md5_hex, "MD5OfMessageBody") {
            acknowledged.push(message.sequence);
        }
    } else {
        let mut has_result = vec![false; outgoing.len()];
        for entry in response.get("Successful").and_then(Value::as_array).into_iter().flatten() {
            let Some(index) = entry_index(entry, 'm', outgoing.len()) else {
                run.record_error("InvalidResponse", &format!("SendMessageBatch returned an unknown entry {entry}"), 1);
                continue;
            };
            has_result[index] = true;
            let message = &outgoing[index];
            if check_md5(run, entry.get("MD5OfMessageBody"), &message.md5_hex, "MD5OfMessageBody") {
                acknowledged.push(message.sequence);
            }
        }
        for entry in response.get("Failed").and_then(Value::as_array).into_iter().flatten() {
            if let Some(index) = entry_index(entry, 'm', outgoing.len()) {
                has_result[index] = true;
            }
            record_entry_failure(run, action, entry);
        }
        let missing_results = has_result.iter().filter(|present| !**present).count() as u64;
        if missing_results > 0 {
            run.record_error(
                "InvalidResponse",
                "SendMessageBatch returned neither Successful nor Failed for an entry",
                missing_results,
            );
        }
    }
    Counters::add(&run.counters.sent, acknowledged.len() as u64);
    run.ledger.mark_acknowledged(&acknowledged);
}

/// Returns true when `digest` is the expected MD5; records the error otherwise.
fn check_md5(run: &Run, digest: Option<&Value>, expected: &str, field: &str) -> bool {
    match digest.and_then(Value::as_str) {
        Some(digest) if digest.eq_ignore_ascii_case(expected) => true,
        Some(digest) => {
            run.record_error("Md5Mismatch", &format!("{field} is {digest}, expected {expected}"), 1);
            false
        }
        None => {
            run.record_error("InvalidResponse", &format!("the response has no {field}"), 1);
            false
        }
    }
}

/// Parses a batch result entry's `Id` (`<prefix><index>`) into the index.
fn entry_index(entry: &Value, prefix: char, len: usize) -> Option<usize> {
    let id = entry.get("Id")?.as_str()?;
    let index: usize = id.strip_prefix(prefix)?.parse().ok()?;
    (index < len).then_some(index)
}

fn record_entry_failure(run: &Run, action: Action, entry: &Value) {
    let code = entry.get("Code").and_then(Value::as_str).unwrap_or("UnknownBatchEntryError");
    let message = entry.get("Message").and_then(Value::as_str).unwrap_or("");
    run.record_error(code, &format!("{} entry failed: {message}", action.name()), 1);
}

/// Handling of each received message besides the checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReceiveMode {
    /// Delete each batch before the next receive.
    Throughput,
    /// Record the send-to-receive delay of probes and delete in the background,
    /// so the next long poll starts at once.
    Probe,
}

/// Receives, checks and deletes messages until `token` is cancelled. A
/// delete already sent when `token` is cancelled still completes, unless
/// the whole run stops.
pub async fn receive_loop(
    run: Arc<Run>,
    phase: Arc<PhaseState>,
    worker: usize,
    token: CancellationToken,
    mode: ReceiveMode,
) -> Recorder {
    let mut recorder = Recorder::default();
    let settings = &run.settings;
    let mut deletions: JoinSet<Recorder> = JoinSet::new();
    let mut request_index = 0usize;

    loop {
        if token.is_cancelled() {
            break;
        }
        let queue = (worker + request_index) % run.queue_urls.len();
        request_index += 1;
        let mut input = json!({
            "QueueUrl": run.queue_urls[queue],
            "MaxNumberOfMessages": settings.batch,
            "WaitTimeSeconds": settings.wait_seconds,
        });
        if settings.fifo {
            let names = json!(["MessageGroupId", "ApproximateReceiveCount"]);
            input["AttributeNames"] = names.clone();
            input["MessageSystemAttributeNames"] = names;
        }

        let started = Instant::now();
        let result = tokio::select! {
            result = run.client.call(Action::ReceiveMessage, &input) => result,
            _ = token.cancelled() => break,
        };
        let received_at = Instant::now();
        run.counters.count_request(Action::ReceiveMessage);
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                run.record_error(&error.code, &error.message, 1);
                back_off(&token).await;
                continue;
            }
        };
        phase.response_arrived();
        recorder.record(Action::ReceiveMessage, received_at - started);

        let messages = response.get("Messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        if messages.is_empty() {
            Counters::add(&run.counters.empty_receives, 1);
            continue;
        }
        Counters::add(&run.counters.received, messages.len() as u64);
        phase.message_received();

        let mut receipt_handles = Vec::with_capacity(messages.len());
        for message in messages {
            if let Some(sequence) = check_received_message(&run, queue, message) {
                if mode == ReceiveMode::Probe {
                    if let Some(sent_at) = run.probes.lock().unwrap().remove(&sequence) {
                        recorder.record_delivery(received_at - sent_at);
                    }
                }
            }
            match message.get("ReceiptHandle").and_then(Value::as_str) {
                Some(handle) => receipt_handles.push(handle.to_owned()),
                None => run.record_error("InvalidResponse", "a received message has no ReceiptHandle", 1),
            }
        }

        match mode {
            ReceiveMode::Throughput => {
                tokio::select! {
                    () = delete_messages(&run, &phase, queue, receipt_handles, &mut recorder) => {}
                    _ = run.stop.token.cancelled() => break,
                }
            }
            ReceiveMode::Probe => {
                let run = run.clone();
                let phase = phase.clone();
                deletions.spawn(async move {
                    let mut recorder = Recorder::default();
                    tokio::select! {
                        () = delete_messages(&run, &phase, queue, receipt_handles, &mut recorder) => {}
                        _ = run.stop.token.cancelled() => {}
                    }
                    recorder
                });
                while let Some(done) = deletions.try_join_next() {
                    if let Ok(done) = done {
                        recorder.merge(&done);
                    }
                }
            }
        }
    }

    while let Some(done) = deletions.join_next().await {
        if let Ok(done) = done {
            recorder.merge(&done);
        }
    }
    recorder
}

/// Checks one received message: its MD5, its body, its sequence number and,
/// for FIFO queues, its order. Returns the sequence number of a first delivery.
fn check_received_message(run: &Run, queue: usize, message: &Value) -> Option<u64> {
    let Some(body) = message.get("Body").and_then(Value::as_str) else {
        run.record_error("InvalidResponse", "a received message has no Body", 1);
        return None;
    };
    check_md5(run, message.get("MD5OfBody"), &body::md5_hex(body.as_bytes()), "MD5OfBody");

    let sequence = match body::verify(body.as_bytes(), run.run_id) {
        Ok(sequence) => sequence,
        Err(error) => {
            run.record_error(error.code(), &error.to_string(), 1);
            return None;
        }
    };
    match run.ledger.mark_received(sequence) {
        Receipt::First => {}
        Receipt::Duplicate => return None,
        Receipt::Unknown => {
            run.record_error("UnknownSequence", &format!("received sequence {sequence}, which was never sent"), 1);
            return None;
        }
    }

    if run.fifo_order_checked {
        let attributes = message.get("Attributes");
        let group = attributes.and_then(|attributes| attributes.get("MessageGroupId")).and_then(Value::as_str);
        let receive_count = attributes
            .and_then(|attributes| attributes.get("ApproximateReceiveCount"))
            .and_then(Value::as_str)
            .and_then(|count| count.parse::<u64>().ok())
            .unwrap_or(1);
        match group {
            Some(group) => {
                if !run.fifo_order.check(queue, group, sequence) && receive_count <= 1 {
                    run.record_error(
                        "FifoOrderViolation",
                        &format!("sequence {sequence} of group {group} arrived after a later message of its group"),
                        1,
                    );
                }
            }
            None => run.record_error("InvalidResponse", "a FIFO message has no MessageGroupId attribute", 1),
        }
    }
    Some(sequence)
}

/// Deletes received messages: DeleteMessage when --batch is 1, else one DeleteMessageBatch.
async fn delete_messages(
    run: &Run,
    phase: &PhaseState,
    queue: usize,
    receipt_handles: Vec<String>,
    recorder: &mut Recorder,
) {
    if receipt_handles.is_empty() {
        return;
    }
    if run.settings.batch == 1 {
        for handle in receipt_handles {
            let input = json!({ "QueueUrl": run.queue_urls[queue], "ReceiptHandle": handle });
            let started = Instant::now();
            let result = run.client.call(Action::DeleteMessage, &input).await;
            record_delete(run, phase, Action::DeleteMessage, started, result, 1, recorder);
        }
        return;
    }

    let entries: Vec<Value> = receipt_handles
        .iter()
        .enumerate()
        .map(|(index, handle)| json!({ "Id": format!("d{index}"), "ReceiptHandle": handle }))
        .collect();
    let input = json!({ "QueueUrl": run.queue_urls[queue], "Entries": entries });
    let started = Instant::now();
    let result = run.client.call(Action::DeleteMessageBatch, &input).await;
    record_delete(run, phase, Action::DeleteMessageBatch, started, result, entries.len(), recorder);
}

fn record_delete(
    run: &Run,
    phase: &PhaseState,
    action: Action,
    started: Instant,
    result: Result<Value, CallError>,
    entries: usize,
    recorder: &mut Recorder,
) {
    run.counters.count_request(action);
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            run.record_error(&error.code, &error.message, 1);
            return;
        }
    };
    phase.response_arrived();
    recorder.record(action, started.elapsed());
    if action == Action::DeleteMessage {
        Counters::add(&run.counters.deleted, 1);
        return;
    }
    let successful = response.get("Successful").and_then(Value::as_array).map_or(0, Vec::len);
    let failed = response.get("Failed").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    for entry in failed {
        record_entry_failure(run, action, entry);
    }
    if successful + failed.len() != entries {
        run.record_error(
            "InvalidResponse",
            &format!("DeleteMessageBatch of {entries} entries returned {successful} Successful and {} Failed", failed.len()),
            1,
        );
    }
    Counters::add(&run.counters.deleted, successful as u64);
}

async fn back_off(token: &CancellationToken) {
    tokio::select! {
        _ = tokio::time::sleep(ERROR_BACKOFF) => {}
        _ = token.cancelled() => {}
    }
}

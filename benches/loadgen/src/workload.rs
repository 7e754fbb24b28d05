//! The four workloads: setup, one or two measured phases, and cleanup.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::options::{Settings, Workload};
use crate::sqs::{Action, SqsClient};
use crate::stats::{Counters, ErrorTally, FifoOrder, Ledger, LedgerTotals, Recorder};
use crate::worker::{self, PhaseState, ReceiveMode, Run};

/// How often the monitor checks the stop conditions.
const MONITOR_TICK: Duration = Duration::from_millis(100);
/// How often the progress line is printed.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);
/// Pause between two readiness probes of an endpoint.
const READY_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Cause of the end of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Every message was sent (and, with receivers, received).
    Completed,
    /// `--duration` elapsed.
    Duration,
    /// Sending was over and no message arrived within `--idle-timeout`.
    Idle,
    /// Ctrl-C.
    Interrupted,
    /// `--max-time` elapsed.
    MaxTime,
}

impl StopReason {
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::Duration => "duration",
            StopReason::Idle => "idle-timeout",
            StopReason::Interrupted => "interrupted",
            StopReason::MaxTime => "max-time",
        }
    }
}

/// The run-wide stop: Ctrl-C or `--max-time`, with the first cause kept.
#[derive(Default)]
pub struct StopSignal {
    pub token: CancellationToken,
    cause: Mutex<Option<StopReason>>,
}

impl StopSignal {
    pub fn trigger(&self, reason: StopReason) {
        self.cause.lock().unwrap().get_or_insert(reason);
        self.token.cancel();
    }

    pub fn cause(&self) -> Option<StopReason> {
        *self.cause.lock().unwrap()
    }
}

/// Totals of the counters at one moment; phases report differences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    pub sent: u64,
    pub received: u64,
    pub deleted: u64,
    pub empty_receives: u64,
    pub errors: u64,
    pub requests: BTreeMap<Action, u64>,
}

const COUNTED_ACTIONS: [Action; 5] = [
    Action::SendMessage,
    Action::SendMessageBatch,
    Action::ReceiveMessage,
    Action::DeleteMessage,
    Action::DeleteMessageBatch,
];

impl CounterSnapshot {
    fn take(counters: &Counters) -> CounterSnapshot {
        CounterSnapshot {
            sent: Counters::get(&counters.sent),
            received: Counters::get(&counters.received),
            deleted: Counters::get(&counters.deleted),
            empty_receives: Counters::get(&counters.empty_receives),
            errors: Counters::get(&counters.errors),
            requests: COUNTED_ACTIONS.iter().map(|action| (*action, counters.requests(*action))).collect(),
        }
    }

    fn since(&self, earlier: &CounterSnapshot) -> CounterSnapshot {
        CounterSnapshot {
            sent: self.sent - earlier.sent,
            received: self.received - earlier.received,
            deleted: self.deleted - earlier.deleted,
            empty_receives: self.empty_receives - earlier.empty_receives,
            errors: self.errors - earlier.errors,
            requests: self
                .requests
                .iter()
                .map(|(action, count)| (*action, count - earlier.requests.get(action).copied().unwrap_or(0)))
                .filter(|(_, count)| *count > 0)
                .collect(),
        }
    }

    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// Measurements of one phase.
pub struct PhaseReport {
    pub label: &'static str,
    pub elapsed: Duration,
    pub reason: StopReason,
    pub recorder: Recorder,
    pub counts: CounterSnapshot,
}

/// Everything the report prints.
pub struct RunReport {
    pub settings: Settings,
    pub run_id: u32,
    pub fifo_order_checked: bool,
    /// The backlog-filling phase of the drain workload.
    pub prepare: Option<PhaseReport>,
    pub measured: PhaseReport,
    pub ledger: LedgerTotals,
    pub bodies_received: u64,
    pub errors: Vec<(String, u64, String)>,
    pub verification_failures: u64,
}

/// Tasks of a phase and its stop conditions.
struct PhasePlan {
    label: &'static str,
    senders: usize,
    receivers: usize,
    /// Sequence numbers to hand out before the senders stop.
    limit: Option<u64>,
    deadline: Option<Duration>,
    /// Whether the deadline also stops receivers; the latency workload
    /// lets its receiver collect the probes still in flight.
    deadline_stops_receivers: bool,
    pacing: Option<Duration>,
    mode: ReceiveMode,
}

/// Runs the workload of `settings`: waits for the endpoints, creates the
/// queues, runs the phases, and deletes the queues unless `--keep-queues`.
pub async fn execute(settings: Settings, stop: Arc<StopSignal>) -> anyhow::Result<RunReport> {
    let client = SqsClient::new(settings.endpoints.clone(), settings.region.clone(), settings.request_timeout);
    let run_id = new_run_id();
    wait_ready(&client, &settings, &stop).await?;
    let queue_urls = create_queues(&client, &settings, run_id, &stop).await?;
    warm_up(&client, &settings, &queue_urls, &stop).await?;
    if !settings.quiet {
        eprintln!("run {run_id:08x}: created {} queue(s), first {}", queue_urls.len(), queue_urls[0]);
    }

    let fifo_order_checked = settings.fifo && settings.groups >= settings.senders;
    let run = Arc::new(Run {
        settings: settings.clone(),
        client,
        run_id,
        queue_urls,
        counters: Counters::default(),
        errors: ErrorTally::default(),
        ledger: Ledger::default(),
        fifo_order: FifoOrder::default(),
        fifo_order_checked,
        probes: Mutex::new(HashMap::new()),
        stop: stop.clone(),
    });

    let (prepare, measured) = run_phases(&run).await?;
    let ledger = run.ledger.totals();
    let missing = ledger.not_received();
    let expects_every_message = matches!(settings.workload, Workload::Drain | Workload::Latency)
        || (settings.workload == Workload::Cycle && settings.messages.is_some());
    if expects_every_message && measured.reason == StopReason::Idle && missing > 0 {
        run.record_error(
            "MessageMissing",
            &format!("{missing} acknowledged message(s) were not received within --idle-timeout"),
            missing,
        );
    }

    if !settings.keep_queues {
        delete_queues(&run).await;
    }
    Ok(RunReport {
        settings,
        run_id,
        fifo_order_checked,
        prepare,
        measured,
        ledger,
        bodies_received: Counters::get(&run.counters.received),
        errors: run.errors.snapshot(),
        verification_failures: run.errors.verification_failures(),
    })
}

async fn run_phases(run: &Arc<Run>) -> anyhow::Result<(Option<PhaseReport>, PhaseReport)> {
    let settings = &run.settings;
    let pacing = settings
        .rate
        .map(|rate| Duration::from_secs_f64(settings.batch as f64 * settings.senders as f64 / rate));
    let throughput = PhasePlan {
        label: settings.workload.name(),
        senders: settings.senders,
        receivers: settings.receivers,
        limit: settings.messages,
        deadline: settings.duration,
        deadline_stops_receivers: true,
        pacing,
        mode: ReceiveMode::Throughput,
    };
    match settings.workload {
        Workload::Send => Ok((None, run_phase(run, PhasePlan { receivers: 0, ..throughput }).await?)),
        Workload::Cycle => Ok((None, run_phase(run, throughput).await?)),
        Workload::Drain => {
            let prepare_plan = PhasePlan { label: "prepare", receivers: 0, deadline: None, pacing: None, ..throughput };
            let prepare = run_phase(run, prepare_plan).await?;
            if prepare.reason != StopReason::Completed {
                return Ok((None, prepare));
            }
            let drain_plan = PhasePlan { senders: 0, limit: None, ..throughput };
            let measured = run_phase(run, drain_plan).await?;
            Ok((Some(prepare), measured))
        }
        Workload::Latency => {
            let latency_plan = PhasePlan {
                senders: 1,
                receivers: 1,
                deadline_stops_receivers: false,
                mode: ReceiveMode::Probe,
                ..throughput
            };
            Ok((None, run_phase(run, latency_plan).await?))
        }
    }
}

/// Runs the tasks of one phase until the monitor ends it, then collects their histograms.
async fn run_phase(run: &Arc<Run>, plan: PhasePlan) -> anyhow::Result<PhaseReport> {
    let before = CounterSnapshot::take(&run.counters);
    let phase_token = run.stop.token.child_token();
    let senders_token = phase_token.child_token();
    let state = Arc::new(PhaseState::new(plan.senders));
    let mut tasks: JoinSet<Recorder> = JoinSet::new();

    for worker in 0..plan.senders {
        let (run, state, token) = (run.clone(), state.clone(), senders_token.clone());
        if plan.mode == ReceiveMode::Probe {
            tasks.spawn(worker::probe_loop(run, state, token, plan.limit));
        } else {
            tasks.spawn(worker::send_loop(run, state, worker, token, plan.limit, plan.pacing));
        }
    }
    for worker in 0..plan.receivers {
        let (run, state, token) = (run.clone(), state.clone(), phase_token.child_token());
        tasks.spawn(worker::receive_loop(run, state, worker, token, plan.mode));
    }

    let reason = monitor(run, &plan, &state, &senders_token, &before).await;
    phase_token.cancel();

    let mut recorder = Recorder::default();
    while let Some(result) = tasks.join_next().await {
        let task_recorder = result.context("a load task panicked")?;
        recorder.merge(&task_recorder);
    }
    // A completed phase ends with its last response; the monitor notices
    // completion up to one tick later.
    let elapsed = if reason == StopReason::Completed {
        Duration::from_micros(state.last_response_micros.load(Ordering::Relaxed))
    } else {
        state.start.elapsed()
    };
    let counts = CounterSnapshot::take(&run.counters).since(&before);
    Ok(PhaseReport { label: plan.label, elapsed, reason, recorder, counts })
}

/// Watches a phase: ends it on its deadline, on completion, when receivers
/// are idle, or on the run-wide stop, and prints the progress line.
async fn monitor(
    run: &Run,
    plan: &PhasePlan,
    state: &PhaseState,
    senders_token: &CancellationToken,
    start_counts: &CounterSnapshot,
) -> StopReason {
    let mut ticker = tokio::time::interval(MONITOR_TICK);
    let mut last_progress_at = Instant::now();
    let mut last_progress_counts = start_counts.clone();
    let idle_micros = run.settings.idle_timeout.as_micros() as u64;

    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = run.stop.token.cancelled() => {}
        }
        if run.stop.token.is_cancelled() {
            return run.stop.cause().unwrap_or(StopReason::Interrupted);
        }

        let elapsed = state.start.elapsed();
        let deadline_passed = plan.deadline.is_some_and(|deadline| elapsed >= deadline);
        if deadline_passed {
            senders_token.cancel();
            if plan.receivers == 0 || plan.deadline_stops_receivers {
                return StopReason::Duration;
            }
        }
        if state.senders_running.load(Ordering::Relaxed) == 0 {
            if plan.receivers == 0 {
                return StopReason::Completed;
            }
            if run.ledger.totals().not_received() == 0 {
                return StopReason::Completed;
            }
            let idle_since = state
                .senders_done_micros
                .load(Ordering::Relaxed)
                .max(state.last_receive_micros.load(Ordering::Relaxed));
            if (elapsed.as_micros() as u64).saturating_sub(idle_since) >= idle_micros {
                return StopReason::Idle;
            }
        }

        if last_progress_at.elapsed() >= PROGRESS_INTERVAL {
            let counts = CounterSnapshot::take(&run.counters);
            if !run.settings.quiet {
                let seconds = last_progress_at.elapsed().as_secs_f64();
                eprintln!("{}", progress_line(run, plan, elapsed, &counts, &last_progress_counts, seconds, start_counts));
            }
            last_progress_at = Instant::now();
            last_progress_counts = counts;
        }
    }
}

fn progress_line(
    run: &Run,
    plan: &PhasePlan,
    elapsed: Duration,
    now: &CounterSnapshot,
    before: &CounterSnapshot,
    seconds: f64,
    start: &CounterSnapshot,
) -> String {
    let rate = |now: u64, before: u64| format_count(((now - before) as f64 / seconds).round() as u64);
    let head = format!("[{} {:>5.1}s]", plan.label, elapsed.as_secs_f64());
    let errors = now.errors - start.errors;
    match (plan.mode, plan.senders > 0, plan.receivers > 0) {
        (ReceiveMode::Probe, _, _) => {
            let probes_in_flight = run.probes.lock().unwrap().len();
            format!(
                "{head} probes sent {}, received {}, in flight {probes_in_flight}, errors {errors}",
                format_count(now.sent - start.sent),
                format_count(now.received - start.received)
            )
        }
        (_, true, false) => {
            let of = plan.limit.map(|limit| format!(" of {}", format_count(limit))).unwrap_or_default();
            format!(
                "{head} sent {}{of} ({}/s), errors {errors}",
                format_count(now.sent - start.sent),
                rate(now.sent, before.sent)
            )
        }
        (_, senders, true) => {
            let sent = if senders { format!("sent {}/s, ", rate(now.sent, before.sent)) } else { String::new() };
            let backlog = run.ledger.totals().not_received();
            format!(
                "{head} {sent}received {}/s, deleted {}/s, errors {errors}, not yet received {}",
                rate(now.received, before.received),
                rate(now.deleted, before.deleted),
                format_count(backlog)
            )
        }
        (_, false, false) => head,
    }
}

/// Formats a count with thousands separators: 1234567 as "1,234,567".
pub fn format_count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Waits until every endpoint responds to ListQueues, for at most `--ready-timeout` each.
async fn wait_ready(client: &SqsClient, settings: &Settings, stop: &StopSignal) -> anyhow::Result<()> {
    let input = json!({});
    for (index, endpoint) in settings.endpoints.iter().enumerate() {
        let started = Instant::now();
        loop {
            let result = tokio::select! {
                result = client.call_endpoint(index, Action::ListQueues, &input) => result,
                _ = stop.token.cancelled() => bail!("stopped while waiting for {}", endpoint.uri),
            };
            match result {
                Ok(_) => break,
                Err(_) if started.elapsed() < settings.ready_timeout => {
                    tokio::select! {
                        _ = tokio::time::sleep(READY_POLL_INTERVAL) => {}
                        _ = stop.token.cancelled() => bail!("stopped while waiting for {}", endpoint.uri),
                    }
                }
                Err(error) => bail!(
                    "endpoint {} did not respond to ListQueues within {:?} (last error {error}); is the server running?",
                    endpoint.uri,
                    settings.ready_timeout
                ),
            }
        }
    }
    Ok(())
}

/// Creates `--queues` queues named `<prefix>-<run id>-<index>[.fifo]` and returns their URLs.
async fn create_queues(
    client: &SqsClient,
    settings: &Settings,
    run_id: u32,
    stop: &StopSignal,
) -> anyhow::Result<Vec<String>> {
    let mut urls = Vec::with_capacity(settings.queues);
    for index in 0..settings.queues {
        let suffix = if settings.fifo { ".fifo" } else { "" };
        let name = format!("{}-{run_id:08x}-{index}{suffix}", settings.queue_prefix);
        let mut attributes = serde_json::Map::new();
        if settings.fifo {
            attributes.insert("FifoQueue".into(), json!("true"));
        }
        if let Some(visibility_timeout) = settings.visibility_timeout {
            attributes.insert("VisibilityTimeout".into(), json!(visibility_timeout.to_string()));
        }
        let mut input = json!({ "QueueName": name });
        if !attributes.is_empty() {
            input["Attributes"] = Value::Object(attributes);
        }
        let result = tokio::select! {
            result = client.call(Action::CreateQueue, &input) => result,
            _ = stop.token.cancelled() => bail!("stopped while creating queue {name}"),
        };
        let response = result.map_err(|error| anyhow::anyhow!("CreateQueue {name} failed: {error}"))?;
        let url = response
            .get("QueueUrl")
            .and_then(Value::as_str)
            .with_context(|| format!("CreateQueue {name} returned no QueueUrl: {response}"))?;
        urls.push(url.to_owned());
    }
    Ok(urls)
}

/// Sends one ReceiveMessage without long polling to every queue through every
/// endpoint, retrying until it succeeds, so the measured phase starts with open
/// connections and queues that are ready to serve.
///
/// Sluice, for one, opens the partitions of a new queue and elects their
/// leaders only after CreateQueue returns. A receive that arrives earlier is
/// retried after 50 ms inside the server, which would show in the latency
/// percentiles of a short run.
async fn warm_up(client: &SqsClient, settings: &Settings, queue_urls: &[String], stop: &StopSignal) -> anyhow::Result<()> {
    for url in queue_urls {
        let input = json!({ "QueueUrl": url, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 0 });
        for (index, endpoint) in settings.endpoints.iter().enumerate() {
            let started = Instant::now();
            loop {
                let result = tokio::select! {
                    result = client.call_endpoint(index, Action::ReceiveMessage, &input) => result,
                    _ = stop.token.cancelled() => bail!("stopped while warming up {url}"),
                };
                match result {
                    Ok(_) => break,
                    Err(_) if started.elapsed() < settings.ready_timeout => {
                        tokio::time::sleep(READY_POLL_INTERVAL).await;
                    }
                    Err(error) => bail!(
                        "ReceiveMessage on {url} through {} kept failing for {:?}: {error}",
                        endpoint.uri,
                        settings.ready_timeout
                    ),
                }
            }
        }
    }
    Ok(())
}

/// Deletes the run's queues; a failure is printed and does not fail the run.
async fn delete_queues(run: &Arc<Run>) {
    let mut deletions = JoinSet::new();
    for url in run.queue_urls.clone() {
        let run = run.clone();
        deletions.spawn(async move {
            let result = run.client.call(Action::DeleteQueue, &json!({ "QueueUrl": url })).await;
            (url, result)
        });
    }
    while let Some(Ok((url, result))) = deletions.join_next().await {
        if let Err(error) = result {
            eprintln!("warning: DeleteQueue {url} failed: {error}; delete it by hand");
        }
    }
}

/// Returns a run id that differs between runs started at different times or by different processes.
fn new_run_id() -> u32 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_nanos()).unwrap_or(0);
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    (mixed ^ (mixed >> 29) ^ (mixed >> 47)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_count_groups_thousands() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

    #[test]
    fn counter_snapshot_difference() {
        let counters = Counters::default();
        Counters::add(&counters.sent, 5);
        counters.count_request(Action::SendMessageBatch);
        let before = CounterSnapshot::take(&counters);
        Counters::add(&counters.sent, 20);
        counters.count_request(Action::SendMessageBatch);
        counters.count_request(Action::SendMessageBatch);
        let delta = CounterSnapshot::take(&counters).since(&before);
        assert_eq!(delta.sent, 20);
        assert_eq!(delta.requests.get(&Action::SendMessageBatch), Some(&2));
        assert_eq!(delta.requests.get(&Action::ReceiveMessage), None);
        assert_eq!(delta.total_requests(), 2);
    }

    #[test]
    fn stop_signal_keeps_first_cause() {
        let stop = StopSignal::default();
        stop.trigger(StopReason::MaxTime);
        stop.trigger(StopReason::Interrupted);
        assert!(stop.token.is_cancelled());
        assert_eq!(stop.cause(), Some(StopReason::MaxTime));
    }
}

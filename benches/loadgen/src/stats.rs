//! Measurements of a run: counters for the progress line, latency histograms,
//! errors by code, and the ledger of sent and received sequence numbers.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::sqs::Action;

/// Error codes of responses that failed verification, as opposed to failed requests.
pub const VERIFICATION_CODES: &[&str] = &[
    "BodyCrcMismatch",
    "BodyMalformed",
    "BodyForeignRun",
    "Md5Mismatch",
    "UnknownSequence",
    "FifoOrderViolation",
    "MessageMissing",
    "InvalidResponse",
];

/// Largest latency a histogram records: one hour, in microseconds.
const LATENCY_MICROS_MAX: u64 = 3_600_000_000;

/// Running totals that the progress line and the stop conditions read.
#[derive(Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub deleted: AtomicU64,
    pub empty_receives: AtomicU64,
    pub errors: AtomicU64,
    /// Requests per [`Action`], successful or not, indexed by `Action as usize`.
    requests: [AtomicU64; 8],
}

impl Counters {
    pub fn count_request(&self, action: Action) {
        self.requests[action as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self, action: Action) -> u64 {
        self.requests[action as usize].load(Ordering::Relaxed)
    }

    pub fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Errors by code, with the first message seen for each code, which is
/// also printed on stderr when it happens.
#[derive(Default)]
pub struct ErrorTally {
    by_code: Mutex<BTreeMap<String, (u64, String)>>,
}

impl ErrorTally {
    pub fn record(&self, counters: &Counters, code: &str, message: &str, count: u64) {
        Counters::add(&counters.errors, count);
        let mut by_code = self.by_code.lock().unwrap();
        let entry = by_code.entry(code.to_owned()).or_insert_with(|| {
            eprintln!("error {code}: {message} (later {code} errors are only counted)");
            (0, message.to_owned())
        });
        entry.0 += count;
    }

    /// Returns (code, count, first message) sorted by code.
    pub fn snapshot(&self) -> Vec<(String, u64, String)> {
        let by_code = self.by_code.lock().unwrap();
        by_code.iter().map(|(code, (count, message))| (code.clone(), *count, message.clone())).collect()
    }

    pub fn verification_failures(&self) -> u64 {
        let by_code = self.by_code.lock().unwrap();
        VERIFICATION_CODES.iter().filter_map(|code| by_code.get(*code)).map(|(count, _)| count).sum()
    }
}

/// Latency histograms of one worker, merged at the end of a phase.
pub struct Recorder {
    by_action: BTreeMap<Action, Histogram<u64>>,
    /// Send-to-receive delay of the latency workload.
    pub delivery: Histogram<u64>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder { by_action: BTreeMap::new(), delivery: new_histogram() }
    }
}

impl Recorder {
    pub fn record(&mut self, action: Action, latency: Duration) {
        let histogram = self.by_action.entry(action).or_insert_with(new_histogram);
        histogram.saturating_record(micros(latency));
    }

    pub fn record_delivery(&mut self, delay: Duration) {
        self.delivery.saturating_record(micros(delay));
    }

    pub fn merge(&mut self, other: &Recorder) {
        for (action, histogram) in &other.by_action {
            let mine = self.by_action.entry(*action).or_insert_with(new_histogram);
            mine.add(histogram).expect("histograms with the same bounds merge");
        }
        self.delivery.add(&other.delivery).expect("histograms with the same bounds merge");
    }

    pub fn by_action(&self) -> &BTreeMap<Action, Histogram<u64>> {
        &self.by_action
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MICROS_MAX, 3).expect("the histogram bounds are valid")
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Percentiles of one histogram, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(histogram: &Histogram<u64>) -> Percentiles {
        let millis = |micros: u64| micros as f64 / 1000.0;
        Percentiles {
            count: histogram.len(),
            mean: histogram.mean() / 1000.0,
            p50: millis(histogram.value_at_quantile(0.50)),
            p90: millis(histogram.value_at_quantile(0.90)),
            p99: millis(histogram.value_at_quantile(0.99)),
            p99_9: millis(histogram.value_at_quantile(0.999)),
            max: millis(histogram.max()),
        }
    }
}

/// A growable set of sequence numbers.
#[derive(Default)]
struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// Adds `index` and returns whether it was already present.
    fn insert(&mut self, index: u64) -> bool {
        let word = (index / 64) as usize;
        let bit = 1u64 << (index % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let present = self.words[word] & bit != 0;
        self.words[word] |= bit;
        present
    }

    fn contains(&self, index: u64) -> bool {
        let word = (index / 64) as usize;
        word < self.words.len() && self.words[word] & (1u64 << (index % 64)) != 0
    }
}

#[derive(Default)]
struct LedgerState {
    acknowledged: BitSet,
    received: BitSet,
    acknowledged_count: u64,
    unique_received: u64,
    /// Sequences both acknowledged to a sender and received.
    acknowledged_received: u64,
    duplicates: u64,
}

/// Record of the sequence numbers handed out, acknowledged by the server and
/// received, from which duplicates, unknown and missing messages are counted.
#[derive(Default)]
pub struct Ledger {
    next_sequence: AtomicU64,
    state: Mutex<LedgerState>,
}

/// Classification of one received sequence number by [`Ledger::mark_received`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    First,
    Duplicate,
    /// A sequence number that no sender was ever given, so the response is wrong.
    Unknown,
}

/// Totals of the ledger at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerTotals {
    pub issued: u64,
    pub acknowledged: u64,
    pub unique_received: u64,
    pub acknowledged_received: u64,
    pub duplicates: u64,
}

impl LedgerTotals {
    /// Acknowledged sends that no receiver has seen (yet).
    pub fn not_received(&self) -> u64 {
        self.acknowledged - self.acknowledged_received
    }
}

impl Ledger {
    /// Hands out up to `count` new sequence numbers, none at or above `limit`.
    /// Returns `None` once the limit is reached.
    pub fn allocate(&self, count: u64, limit: Option<u64>) -> Option<std::ops::Range<u64>> {
        let start = self.next_sequence.fetch_add(count, Ordering::Relaxed);
        let end = match limit {
            Some(limit) if start >= limit => return None,
            Some(limit) => (start + count).min(limit),
            None => start + count,
        };
        Some(start..end)
    }

    pub fn mark_acknowledged(&self, sequences: &[u64]) {
        let mut state = self.state.lock().unwrap();
        for &sequence in sequences {
            if !state.acknowledged.insert(sequence) {
                state.acknowledged_count += 1;
                if state.received.contains(sequence) {
                    state.acknowledged_received += 1;
                }
            }
        }
    }

    pub fn mark_received(&self, sequence: u64) -> Receipt {
        if sequence >= self.next_sequence.load(Ordering::Relaxed) {
            return Receipt::Unknown;
        }
        let mut state = self.state.lock().unwrap();
        if state.received.insert(sequence) {
            state.duplicates += 1;
            return Receipt::Duplicate;
        }
        state.unique_received += 1;
        if state.acknowledged.contains(sequence) {
            state.acknowledged_received += 1;
        }
        Receipt::First
    }

    pub fn totals(&self) -> LedgerTotals {
        let state = self.state.lock().unwrap();
        LedgerTotals {
            issued: self.next_sequence.load(Ordering::Relaxed),
            acknowledged: state.acknowledged_count,
            unique_received: state.unique_received,
            acknowledged_received: state.acknowledged_received,
            duplicates: state.duplicates,
        }
    }
}

/// Checks FIFO order: within one (queue, message group), every first
/// delivery carries a higher sequence number than the one before.
///
/// This holds only when one sender owns each group, since a sender sends
/// its next request only after the previous one returned.
#[derive(Default)]
pub struct FifoOrder {
    last: Mutex<HashMap<(usize, String), u64>>,
}

impl FifoOrder {
    /// Returns false when `sequence` arrives after a higher one of its group.
    pub fn check(&self, queue: usize, group: &str, sequence: u64) -> bool {
        let mut last = self.last.lock().unwrap();
        match last.get_mut(&(queue, group.to_owned())) {
            Some(previous) if *previous >= sequence => false,
            Some(previous) => {
                *previous = sequence;
                true
            }
            None => {
                last.insert((queue, group.to_owned()), sequence);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_stops_at_limit() {
        let ledger = Ledger::default();
        assert_eq!(ledger.allocate(10, Some(25)), Some(0..10));
        assert_eq!(ledger.allocate(10, Some(25)), Some(10..20));
        assert_eq!(ledger.allocate(10, Some(25)), Some(20..25));
        assert_eq!(ledger.allocate(10, Some(25)), None);
        assert_eq!(Ledger::default().allocate(3, None), Some(0..3));
    }

    #[test]
    fn ledger_counts_duplicates_and_unknown() {
        let ledger = Ledger::default();
        let range = ledger.allocate(4, None).unwrap();
        ledger.mark_acknowledged(&range.collect::<Vec<_>>());
        assert_eq!(ledger.mark_received(2), Receipt::First);
        assert_eq!(ledger.mark_received(2), Receipt::Duplicate);
        assert_eq!(ledger.mark_received(4), Receipt::Unknown);
        let totals = ledger.totals();
        assert_eq!(totals.issued, 4);
        assert_eq!(totals.acknowledged, 4);
        assert_eq!(totals.unique_received, 1);
        assert_eq!(totals.duplicates, 1);
        assert_eq!(totals.not_received(), 3);
    }

    #[test]
    fn ledger_receive_before_acknowledge() {
        let ledger = Ledger::default();
        ledger.allocate(2, None).unwrap();
        assert_eq!(ledger.mark_received(1), Receipt::First);
        assert_eq!(ledger.totals().acknowledged_received, 0);
        ledger.mark_acknowledged(&[0, 1]);
        ledger.mark_acknowledged(&[1]);
        let totals = ledger.totals();
        assert_eq!(totals.acknowledged, 2);
        assert_eq!(totals.acknowledged_received, 1);
        assert_eq!(totals.not_received(), 1);
    }

    #[test]
    fn fifo_order_per_group() {
        let order = FifoOrder::default();
        assert!(order.check(0, "g1", 5));
        assert!(order.check(0, "g1", 9));
        assert!(order.check(0, "g2", 1));
        assert!(order.check(1, "g1", 2));
        assert!(!order.check(0, "g1", 7));
        assert!(!order.check(0, "g1", 9));
    }

    #[test]
    fn recorder_merge_and_percentiles() {
        let mut first = Recorder::default();
        let mut second = Recorder::default();
        for millis in 1..=100 {
            first.record(Action::SendMessage, Duration::from_millis(millis));
        }
        second.record(Action::SendMessage, Duration::from_secs(2));
        second.record(Action::ReceiveMessage, Duration::from_millis(3));
        first.merge(&second);

        let send = Percentiles::of(&first.by_action()[&Action::SendMessage]);
        assert_eq!(send.count, 101);
        assert!((send.p50 - 51.0).abs() < 0.1, "p50 {}", send.p50);
        assert!((send.max - 2000.0).abs() < 2.0, "max {}", send.max);
        assert_eq!(first.by_action()[&Action::ReceiveMessage].len(), 1);
    }

    #[test]
    fn error_tally_by_code() {
        let counters = Counters::default();
        let errors = ErrorTally::default();
        errors.record(&counters, "ServiceUnavailable", "busy", 1);
        errors.record(&counters, "ServiceUnavailable", "still busy", 2);
        errors.record(&counters, "BodyCrcMismatch", "crc", 1);
        assert_eq!(Counters::get(&counters.errors), 4);
        assert_eq!(errors.verification_failures(), 1);
        let snapshot = errors.snapshot();
        assert_eq!(snapshot[1], ("ServiceUnavailable".to_string(), 3, "busy".to_string()));
    }
}

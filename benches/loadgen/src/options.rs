//! Command-line options and their validation into [`Settings`].

use std::time::Duration;

use clap::{Parser, ValueEnum};
use hyper::Uri;

use crate::body;

/// Largest message body that Amazon SQS accepts (1 MiB), and the largest
/// total of the bodies of one SendMessageBatch.
pub const SQS_MESSAGE_BYTES_MAX: usize = 1_048_576;
/// Largest number of entries in one SQS batch request.
pub const SQS_BATCH_MAX: usize = 10;
/// Maximum WaitTimeSeconds (long-poll wait) of ReceiveMessage, in seconds.
pub const SQS_WAIT_SECONDS_MAX: u32 = 20;
/// Maximum VisibilityTimeout of a queue, in seconds (12 hours).
pub const SQS_VISIBILITY_TIMEOUT_MAX: u32 = 43_200;
/// Duration of a run that sets neither `--duration` nor `--messages`.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);
/// Upper bound on concurrent senders and on concurrent receivers.
const WORKERS_MAX: usize = 4096;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "sluice-loadgen",
    version,
    about = "Load generator for SQS-compatible servers (AWS JSON 1.0 protocol over HTTP/1.1).",
    long_about = "Load generator for SQS-compatible servers. It speaks the AWS JSON 1.0 protocol over \
keep-alive HTTP/1.1, creates its own queues, checks every received body (sequence number and \
CRC-32) and reports throughput, latency percentiles and errors by code.\n\n\
Workloads:\n  \
send     send only\n  \
drain    send --messages first, then measure receive + delete of that backlog\n  \
cycle    send, receive and delete at the same time\n  \
latency  one sender (one message every --interval-ms) and one receiver long-polling with\n           \
WaitTimeSeconds=20; reports the send-to-receive delay"
)]
pub struct Options {
    /// Workload to run.
    #[arg(value_enum)]
    pub workload: Workload,
    /// SQS endpoint as http://HOST:PORT; repeat to spread requests over several nodes.
    #[arg(long = "endpoint", value_name = "URL", default_value = "http://127.0.0.1:9324")]
    pub endpoints: Vec<String>,
    /// Number of queues that the run creates and spreads messages over.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub queues: usize,
    /// Create FIFO queues (names end in .fifo) instead of standard queues.
    #[arg(long)]
    pub fifo: bool,
    /// Message groups per FIFO queue; needs --fifo.
    #[arg(long, value_name = "N")]
    pub groups: Option<usize>,
    /// Size of each message body in bytes (at least the 37-byte verification header).
    #[arg(long, value_name = "BYTES", default_value_t = 1024)]
    pub body_size: usize,
    /// Messages per request, 1 to 10: SendMessageBatch and DeleteMessageBatch when above 1,
    /// and the MaxNumberOfMessages of ReceiveMessage.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub batch: usize,
    /// Concurrent sending tasks, each with one request in flight.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub senders: usize,
    /// Concurrent receiving tasks, each receiving and then deleting.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub receivers: usize,
    /// WaitTimeSeconds of ReceiveMessage (long polling), 0 to 20.
    /// The latency workload always uses 20.
    #[arg(long, value_name = "SECONDS", default_value_t = SQS_WAIT_SECONDS_MAX)]
    pub wait_seconds: u32,
    /// Length of the measured phase, e.g. 20s, 500ms, 2m [default: 10s unless --messages is set].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Number of messages to send; the run stops when they are sent (and, for drain, cycle and
    /// latency, received).
    #[arg(long, value_name = "N")]
    pub messages: Option<u64>,
    /// Target send rate in messages per second over all senders (open loop). Without it the
    /// senders send as fast as the server responds (closed loop).
    #[arg(long, value_name = "MSG_PER_S")]
    pub rate: Option<f64>,
    /// Interval between two messages of the latency workload, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub interval_ms: u64,
    /// VisibilityTimeout attribute of the created queues, in seconds [default: the server's].
    #[arg(long, value_name = "SECONDS")]
    pub visibility_timeout: Option<u32>,
    /// Region in the SigV4 credential scope of every request.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Prefix of the created queue names; a random run id follows it.
    #[arg(long, value_name = "NAME", default_value = "loadgen")]
    pub queue_prefix: String,
    /// Keep the created queues at the end instead of deleting them.
    #[arg(long)]
    pub keep_queues: bool,
    /// Time limit of one HTTP request; must exceed --wait-seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    pub request_timeout: Duration,
    /// Once sending is over, stop receiving after this long without a new message.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub idle_timeout: Duration,
    /// Hard limit on the whole run, setup and cleanup included.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "15m")]
    pub max_time: Duration,
    /// How long to wait for every endpoint to respond to ListQueues before starting.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    pub ready_timeout: Duration,
    /// Print the report as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Do not print the progress line on stderr every second.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Send,
    Drain,
    Cycle,
    Latency,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Send => "send",
            Workload::Drain => "drain",
            Workload::Cycle => "cycle",
            Workload::Latency => "latency",
        }
    }
}

/// An endpoint as the HTTP client needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http://HOST:PORT/`, the URI of every request.
    pub uri: Uri,
}

/// Validated options of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub workload: Workload,
    pub endpoints: Vec<Endpoint>,
    pub queues: usize,
    pub fifo: bool,
    /// Message groups per queue; 0 for standard queues.
    pub groups: usize,
    pub body_size: usize,
    pub batch: usize,
    pub senders: usize,
    pub receivers: usize,
    pub wait_seconds: u32,
    pub duration: Option<Duration>,
    pub messages: Option<u64>,
    pub rate: Option<f64>,
    pub interval: Duration,
    pub visibility_timeout: Option<u32>,
    pub region: String,
    pub queue_prefix: String,
    pub keep_queues: bool,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_time: Duration,
    pub ready_timeout: Duration,
    pub json: bool,
    pub quiet: bool,
}

impl Options {
    /// Checks every option against the others and against SQS limits.
    pub fn validate(self) -> Result<Settings, String> {
        let endpoints = self.endpoints.iter().map(|url| parse_endpoint(url)).collect::<Result<Vec<_>, _>>()?;
        if endpoints.is_empty() {
            return Err("at least one --endpoint is required".into());
        }
        if self.queues == 0 || self.queues > 1000 {
            return Err(format!("--queues {} is invalid; use 1 to 1000", self.queues));
        }
        let groups = match (self.fifo, self.groups) {
            (false, Some(_)) => return Err("--groups needs --fifo: message groups exist only in FIFO queues".into()),
            (false, None) => 0,
            (true, None) => 1,
            (true, Some(0)) => return Err("--groups 0 is invalid; use 1 or more".into()),
            (true, Some(groups)) => groups,
        };
        if !(1..=SQS_BATCH_MAX).contains(&self.batch) {
            return Err(format!("--batch {} is invalid; use 1 to {SQS_BATCH_MAX}", self.batch));
        }
        if self.body_size < body::HEADER_BYTES || self.body_size > SQS_MESSAGE_BYTES_MAX {
            return Err(format!(
                "--body-size {} is invalid; use {} (the verification header) to {SQS_MESSAGE_BYTES_MAX} bytes",
                self.body_size,
                body::HEADER_BYTES
            ));
        }
        if self.body_size * self.batch > SQS_MESSAGE_BYTES_MAX {
            return Err(format!(
                "--body-size {} times --batch {} exceeds the {SQS_MESSAGE_BYTES_MAX}-byte limit of one SendMessageBatch; \
                 lower one of them",
                self.body_size, self.batch
            ));
        }
        if self.wait_seconds > SQS_WAIT_SECONDS_MAX {
            return Err(format!("--wait-seconds {} is invalid; use 0 to {SQS_WAIT_SECONDS_MAX}", self.wait_seconds));
        }
        let wait_seconds = if self.workload == Workload::Latency { SQS_WAIT_SECONDS_MAX } else { self.wait_seconds };
        if self.request_timeout <= Duration::from_secs(u64::from(wait_seconds)) {
            return Err(format!(
                "--request-timeout {:?} must exceed the long-poll wait of {wait_seconds} s",
                self.request_timeout
            ));
        }
        if let Some(rate) = self.rate {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!("--rate {rate} is invalid; use a positive number of messages per second"));
            }
            if self.workload == Workload::Latency || self.workload == Workload::Drain {
                return Err(format!(
                    "--rate does not apply to the {} workload (latency paces by --interval-ms, drain sends its backlog at full speed)",
                    self.workload.name()
                ));
            }
        }
        if self.messages == Some(0) {
            return Err("--messages 0 is invalid; use 1 or more".into());
        }
        if self.duration == Some(Duration::ZERO) {
            return Err("--duration 0 is invalid; use a positive duration".into());
        }
        if self.workload == Workload::Drain && self.messages.is_none() {
            return Err("the drain workload needs --messages: the size of the backlog to send and then drain".into());
        }
        let (senders, receivers) = match self.workload {
            Workload::Latency => (1, 1),
            Workload::Send => (self.senders, 0),
            Workload::Drain | Workload::Cycle => (self.senders, self.receivers),
        };
        if senders == 0 || senders > WORKERS_MAX {
            return Err(format!("--senders {senders} is invalid; use 1 to {WORKERS_MAX}"));
        }
        if matches!(self.workload, Workload::Drain | Workload::Cycle) && (receivers == 0 || receivers > WORKERS_MAX) {
            return Err(format!("--receivers {receivers} is invalid; use 1 to {WORKERS_MAX}"));
        }
        if self.workload == Workload::Latency && self.queues != 1 {
            return Err(format!(
                "--queues {} does not apply to the latency workload, which uses one queue; drop --queues",
                self.queues
            ));
        }
        if let Some(visibility_timeout) = self.visibility_timeout {
            if visibility_timeout > SQS_VISIBILITY_TIMEOUT_MAX {
                return Err(format!(
                    "--visibility-timeout {visibility_timeout} is invalid; use 0 to {SQS_VISIBILITY_TIMEOUT_MAX} seconds"
                ));
            }
        }
        if self.interval_ms == 0 {
            return Err("--interval-ms 0 is invalid; use 1 or more".into());
        }
        if self.max_time.is_zero() || self.idle_timeout.is_zero() || self.ready_timeout.is_zero() {
            return Err("--max-time, --idle-timeout and --ready-timeout must be positive".into());
        }
        validate_queue_prefix(&self.queue_prefix)?;
        let duration = match (self.duration, self.messages) {
            (None, None) => Some(DEFAULT_DURATION),
            (duration, _) => duration,
        };

        Ok(Settings {
            workload: self.workload,
            endpoints,
            queues: self.queues,
            fifo: self.fifo,
            groups,
            body_size: self.body_size,
            batch: self.batch,
            senders,
            receivers,
            wait_seconds,
            duration,
            messages: self.messages,
            rate: self.rate,
            interval: Duration::from_millis(self.interval_ms),
            visibility_timeout: self.visibility_timeout,
            region: self.region,
            queue_prefix: self.queue_prefix,
            keep_queues: self.keep_queues,
            request_timeout: self.request_timeout,
            idle_timeout: self.idle_timeout,
            max_time: self.max_time,
            ready_timeout: self.ready_timeout,
            json: self.json,
            quiet: self.quiet,
        })
    }
}

/// Parses `http://HOST:PORT` (a trailing `/` is allowed) into the request URI.
pub fn parse_endpoint(url: &str) -> Result<Endpoint, String> {
    let uri: Uri = url.parse().map_err(|error| format!("--endpoint {url:?} is not a valid URL: {error}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err(format!("--endpoint {url:?} uses https, but sluice-loadgen speaks plain HTTP only")),
        _ => return Err(format!("--endpoint {url:?} must start with http://")),
    }
    let authority = uri.authority().ok_or_else(|| format!("--endpoint {url:?} has no host"))?;
    if uri.path() != "/" && !uri.path().is_empty() || uri.query().is_some() {
        return Err(format!("--endpoint {url:?} must have no path or query; use http://HOST:PORT"));
    }
    let uri = Uri::builder()
        .scheme("http")
        .authority(authority.clone())
        .path_and_query("/")
        .build()
        .map_err(|error| format!("--endpoint {url:?} is invalid: {error}"))?;
    Ok(Endpoint { uri })
}

/// Parses a duration: a number with an optional unit `ms`, `s`, `m` or `h`
/// (seconds when there is none), e.g. `20`, `1.5s`, `500ms`, `2m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split_at = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split_at);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}; use a number with an optional unit ms, s, m or h, e.g. 20s"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("invalid duration unit {unit:?} in {text:?}; use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("invalid duration {text:?}: {error}"))
}

/// Checks that `<prefix>-<8 hex>-<index>.fifo` is a valid SQS queue name:
/// at most 80 characters of letters, digits, `-` and `_`.
fn validate_queue_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() || prefix.len() > 50 {
        return Err(format!("--queue-prefix {prefix:?} is invalid; use 1 to 50 characters"));
    }
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("--queue-prefix {prefix:?} is invalid; use only letters, digits, '-' and '_'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Result<Settings, String> {
        let mut argv = vec!["sluice-loadgen"];
        argv.extend_from_slice(args);
        Options::try_parse_from(argv).map_err(|error| error.to_string())?.validate()
    }

    #[test]
    fn defaults_of_send() {
        let settings = settings(&["send"]).unwrap();
        assert_eq!(settings.workload, Workload::Send);
        assert_eq!(settings.endpoints, vec![parse_endpoint("http://127.0.0.1:9324").unwrap()]);
        assert_eq!(settings.endpoints[0].uri.to_string(), "http://127.0.0.1:9324/");
        assert_eq!(settings.batch, 10);
        assert_eq!(settings.body_size, 1024);
        assert_eq!(settings.duration, Some(Duration::from_secs(10)));
        assert_eq!(settings.messages, None);
        assert_eq!(settings.receivers, 0);
        assert_eq!(settings.groups, 0);
        assert!(!settings.fifo);
    }

    #[test]
    fn endpoints_repeat() {
        let settings = settings(&[
            "cycle",
            "--endpoint",
            "http://127.0.0.1:1",
            "--endpoint",
            "http://127.0.0.1:2/",
        ])
        .unwrap();
        let uris: Vec<String> = settings.endpoints.iter().map(|endpoint| endpoint.uri.to_string()).collect();
        assert_eq!(uris, ["http://127.0.0.1:1/", "http://127.0.0.1:2/"]);
    }

    #[test]
    fn endpoint_rejects_https_path_and_garbage() {
        assert!(parse_endpoint("https://127.0.0.1:1").unwrap_err().contains("plain HTTP"));
        assert!(parse_endpoint("http://127.0.0.1:1/queue").unwrap_err().contains("no path"));
        assert!(parse_endpoint("127.0.0.1:1").unwrap_err().contains("http://"));
        assert!(parse_endpoint("http://").is_err());
    }

    #[test]
    fn messages_without_duration() {
        let settings = settings(&["send", "--messages", "500"]).unwrap();
        assert_eq!(settings.messages, Some(500));
        assert_eq!(settings.duration, None);
    }

    #[test]
    fn duration_units() {
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn batch_out_of_range() {
        assert!(settings(&["send", "--batch", "0"]).unwrap_err().contains("--batch 0"));
        assert!(settings(&["send", "--batch", "11"]).unwrap_err().contains("--batch 11"));
        assert_eq!(settings(&["send", "--batch", "1"]).unwrap().batch, 1);
    }

    #[test]
    fn body_size_limits() {
        assert!(settings(&["send", "--body-size", "36"]).unwrap_err().contains("--body-size 36"));
        assert_eq!(settings(&["send", "--body-size", "37"]).unwrap().body_size, 37);
        assert!(settings(&["send", "--body-size", "1048577", "--batch", "1"]).is_err());
        assert!(settings(&["send", "--body-size", "1048576", "--batch", "1"]).is_ok());
        let error = settings(&["send", "--body-size", "200000", "--batch", "10"]).unwrap_err();
        assert!(error.contains("SendMessageBatch"), "{error}");
    }

    #[test]
    fn groups_need_fifo() {
        assert!(settings(&["send", "--groups", "4"]).unwrap_err().contains("--fifo"));
        assert_eq!(settings(&["send", "--fifo"]).unwrap().groups, 1);
        assert_eq!(settings(&["send", "--fifo", "--groups", "16"]).unwrap().groups, 16);
        assert!(settings(&["send", "--fifo", "--groups", "0"]).is_err());
    }

    #[test]
    fn drain_needs_messages() {
        assert!(settings(&["drain"]).unwrap_err().contains("--messages"));
        assert!(settings(&["drain", "--messages", "1000"]).is_ok());
    }

    #[test]
    fn rate_validation() {
        assert_eq!(settings(&["send", "--rate", "2500"]).unwrap().rate, Some(2500.0));
        assert!(settings(&["send", "--rate", "0"]).is_err());
        assert!(settings(&["send", "--rate", "NaN"]).is_err());
        assert!(settings(&["latency", "--rate", "10"]).is_err());
        assert!(settings(&["drain", "--messages", "10", "--rate", "10"]).is_err());
    }

    #[test]
    fn latency_uses_one_sender_and_twenty_second_polls() {
        let settings = settings(&["latency", "--senders", "8", "--wait-seconds", "1", "--interval-ms", "50"]).unwrap();
        assert_eq!(settings.senders, 1);
        assert_eq!(settings.receivers, 1);
        assert_eq!(settings.wait_seconds, 20);
        assert_eq!(settings.interval, Duration::from_millis(50));
    }

    #[test]
    fn request_timeout_exceeds_wait() {
        assert!(settings(&["cycle", "--wait-seconds", "20", "--request-timeout", "20s"]).is_err());
        assert!(settings(&["cycle", "--wait-seconds", "5", "--request-timeout", "6s"]).is_ok());
        assert!(settings(&["cycle", "--wait-seconds", "21"]).is_err());
    }

    #[test]
    fn workers_bounds() {
        assert!(settings(&["send", "--senders", "0"]).is_err());
        assert!(settings(&["cycle", "--receivers", "0"]).is_err());
        assert_eq!(settings(&["send", "--receivers", "0"]).unwrap().receivers, 0);
    }

    #[test]
    fn latency_rejects_several_queues() {
        assert!(settings(&["latency", "--queues", "2"]).unwrap_err().contains("one queue"));
        assert_eq!(settings(&["latency"]).unwrap().queues, 1);
    }

    #[test]
    fn visibility_timeout_range() {
        assert_eq!(settings(&["cycle", "--visibility-timeout", "43200"]).unwrap().visibility_timeout, Some(43_200));
        assert!(settings(&["cycle", "--visibility-timeout", "43201"]).is_err());
    }

    #[test]
    fn zero_counts_rejected() {
        assert!(settings(&["send", "--messages", "0"]).is_err());
        assert!(settings(&["send", "--duration", "0"]).is_err());
        assert!(settings(&["send", "--queues", "0"]).is_err());
        assert!(settings(&["latency", "--interval-ms", "0"]).is_err());
    }

    #[test]
    fn queue_prefix_characters() {
        assert!(settings(&["send", "--queue-prefix", "bench_1-a"]).is_ok());
        assert!(settings(&["send", "--queue-prefix", "has space"]).is_err());
        assert!(settings(&["send", "--queue-prefix", "dot.fifo"]).is_err());
    }

    #[test]
    fn unknown_workload_rejected() {
        assert!(settings(&["fire"]).is_err());
    }
}

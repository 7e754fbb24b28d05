//! `sluice-loadgen`: a load generator for SQS-compatible servers.
//!
//! Exit status:
//! - 0: the run finished.
//! - 1: the run failed to start or moved no message (no server, CreateQueue
//!   failed, or no message was sent, received or deleted).
//! - 2: invalid options.
//! - 3: a response failed verification. A body, digest, sequence number or
//!   FIFO order did not match what was sent, or a message never arrived.

mod body;
mod options;
mod report;
mod sqs;
mod stats;
mod worker;
mod workload;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::options::Options;
use crate::workload::{StopReason, StopSignal};

fn main() -> ExitCode {
    let settings = match Options::parse().validate() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("sluice-loadgen: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sluice-loadgen: starting the tokio runtime failed: {error}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(settings))
}

async fn run(settings: options::Settings) -> ExitCode {
    let stop = Arc::new(StopSignal::default());
    spawn_stop_triggers(&stop, settings.max_time);
    let json = settings.json;

    let report = match workload::execute(settings, stop).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("sluice-loadgen: {error:#}");
            return ExitCode::from(1);
        }
    };

    if json {
        println!("{}", serde_json::to_string_pretty(&report::to_json(&report)).expect("the report serializes"));
    } else {
        print!("{}", report::to_text(&report));
    }

    let counts = &report.measured.counts;
    if report.verification_failures > 0 {
        eprintln!("sluice-loadgen: {} verification failure(s); see errors", report.verification_failures);
        return ExitCode::from(3);
    }
    if counts.sent + counts.received + counts.deleted == 0 {
        eprintln!("sluice-loadgen: no message was sent, received or deleted; see errors");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Stops the run on the first Ctrl-C (a second one exits at once) and when
/// `max_time` has passed.
fn spawn_stop_triggers(stop: &Arc<StopSignal>, max_time: std::time::Duration) {
    let on_interrupt = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        eprintln!("sluice-loadgen: interrupted; finishing the report and deleting the queues (Ctrl-C again exits at once)");
        on_interrupt.trigger(StopReason::Interrupted);
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    let on_timeout = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(max_time).await;
        eprintln!("sluice-loadgen: --max-time {max_time:?} reached; stopping");
        on_timeout.trigger(StopReason::MaxTime);
    });
}

//! The final report, as text or as JSON.

use std::fmt::Write;

use serde_json::{json, Map, Value};

use crate::stats::Percentiles;
use crate::workload::{format_count, PhaseReport, RunReport};

/// Builds the JSON report printed by `--json`.
pub fn to_json(report: &RunReport) -> Value {
    let settings = &report.settings;
    let measured = &report.measured;
    let seconds = measured.elapsed.as_secs_f64();
    let per_second = |count: u64| if seconds > 0.0 { count as f64 / seconds } else { 0.0 };

    let mut requests = Map::new();
    for (action, count) in &measured.counts.requests {
        requests.insert(action.name().into(), json!({ "count": count, "per_second": per_second(*count) }));
    }
    let mut latency = Map::new();
    for (action, histogram) in measured.recorder.by_action() {
        latency.insert(action.name().into(), percentiles_json(&Percentiles::of(histogram)));
    }
    if !measured.recorder.delivery.is_empty() {
        latency.insert("delivery".into(), percentiles_json(&Percentiles::of(&measured.recorder.delivery)));
    }
    let mut by_code = Map::new();
    for (code, count, message) in &report.errors {
        by_code.insert(code.clone(), json!({ "count": count, "first_message": message }));
    }
    let prepare = report.prepare.as_ref().map(|prepare| {
        let prepare_seconds = prepare.elapsed.as_secs_f64();
        json!({
            "elapsed_seconds": prepare_seconds,
            "sent": prepare.counts.sent,
            "sent_messages_per_second": prepare.counts.sent as f64 / prepare_seconds.max(f64::MIN_POSITIVE),
        })
    });

    json!({
        "workload": settings.workload.name(),
        "run_id": format!("{:08x}", report.run_id),
        "settings": {
            "endpoints": settings.endpoints.iter().map(|endpoint| endpoint.uri.to_string()).collect::<Vec<_>>(),
            "queues": settings.queues,
            "fifo": settings.fifo,
            "groups": settings.groups,
            "body_size": settings.body_size,
            "batch": settings.batch,
            "senders": settings.senders,
            "receivers": settings.receivers,
            "wait_seconds": settings.wait_seconds,
            "duration_seconds": settings.duration.map(|duration| duration.as_secs_f64()),
            "messages": settings.messages,
            "rate_target": settings.rate,
            "interval_ms": (settings.workload == crate::options::Workload::Latency)
                .then_some(settings.interval.as_millis() as u64),
        },
        "phase": measured.label,
        "stop_reason": measured.reason.name(),
        "elapsed_seconds": seconds,
        "throughput": {
            "sent_messages_per_second": per_second(measured.counts.sent),
            "received_messages_per_second": per_second(measured.counts.received),
            "deleted_messages_per_second": per_second(measured.counts.deleted),
            "requests_per_second": per_second(measured.counts.total_requests()),
        },
        "requests": requests,
        "latency_ms": latency,
        "messages": {
            "sent": measured.counts.sent,
            "received": measured.counts.received,
            "deleted": measured.counts.deleted,
            "empty_receives": measured.counts.empty_receives,
            "acknowledged_total": report.ledger.acknowledged,
            "unique_received_total": report.ledger.unique_received,
            "duplicates_total": report.ledger.duplicates,
            "not_received_total": report.ledger.not_received(),
            "received_unacknowledged_total": report.ledger.unique_received - report.ledger.acknowledged_received,
        },
        "prepare": prepare,
        "verification": {
            "bodies_received": report.bodies_received,
            "failures": report.verification_failures,
            "fifo_order_checked": report.fifo_order_checked,
        },
        "errors": {
            "total": report.errors.iter().map(|(_, count, _)| count).sum::<u64>(),
            "by_code": by_code,
        },
    })
}

fn percentiles_json(percentiles: &Percentiles) -> Value {
    json!({
        "count": percentiles.count,
        "mean": round_micros(percentiles.mean),
        "p50": percentiles.p50,
        "p90": percentiles.p90,
        "p99": percentiles.p99,
        "p99_9": percentiles.p99_9,
        "max": percentiles.max,
    })
}

/// Rounds milliseconds to whole microseconds.
fn round_micros(millis: f64) -> f64 {
    (millis * 1000.0).round() / 1000.0
}

/// Builds the human-readable report.
pub fn to_text(report: &RunReport) -> String {
    let settings = &report.settings;
    let measured = &report.measured;
    let mut out = String::new();

    let queue_kind = if settings.fifo { format!("FIFO ({} groups each)", settings.groups) } else { "standard".into() };
    let pacing = match settings.rate {
        Some(rate) => format!("open loop at {rate} msg/s"),
        None => "closed loop".into(),
    };
    let _ = writeln!(
        out,
        "sluice-loadgen {}: run {:08x}, phase {} measured {:.1} s, stopped by {}",
        settings.workload.name(),
        report.run_id,
        measured.label,
        measured.elapsed.as_secs_f64(),
        measured.reason.name()
    );
    let _ = writeln!(
        out,
        "  {} sender(s), {} receiver(s), batch {}, {}-byte bodies, {} {queue_kind} queue(s), wait {} s, {pacing}",
        settings.senders, settings.receivers, settings.batch, settings.body_size, settings.queues, settings.wait_seconds
    );
    let endpoints: Vec<String> = settings.endpoints.iter().map(|endpoint| endpoint.uri.to_string()).collect();
    let _ = writeln!(out, "  endpoints: {}", endpoints.join(", "));

    if let Some(prepare) = &report.prepare {
        let _ = writeln!(
            out,
            "prepare: {} messages sent in {:.1} s ({} msg/s), not measured below",
            format_count(prepare.counts.sent),
            prepare.elapsed.as_secs_f64(),
            format_count(rate(prepare.counts.sent, prepare))
        );
    }
    let receives = settings.receivers > 0;
    let mut throughput = format!("throughput: sent {} msg/s", format_count(rate(measured.counts.sent, measured)));
    if receives {
        let _ = write!(
            throughput,
            ", received {} msg/s, deleted {} msg/s",
            format_count(rate(measured.counts.received, measured)),
            format_count(rate(measured.counts.deleted, measured))
        );
    }
    let _ = writeln!(out, "{throughput}; {} requests/s", format_count(rate(measured.counts.total_requests(), measured)));

    let _ = writeln!(
        out,
        "{:<28} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "latency (ms)", "count", "req/s", "p50", "p90", "p99", "p99.9", "max"
    );
    for (action, histogram) in measured.recorder.by_action() {
        let requests = measured.counts.requests.get(action).copied().unwrap_or(0);
        write_percentiles(&mut out, action.name(), &Percentiles::of(histogram), &format_count(rate(requests, measured)));
    }
    if !measured.recorder.delivery.is_empty() {
        write_percentiles(&mut out, "send-to-receive delay", &Percentiles::of(&measured.recorder.delivery), "-");
    }

    let ledger = &report.ledger;
    if receives {
        let _ = writeln!(
            out,
            "messages: {} acknowledged, {} received ({} first deliveries, {} duplicates), {} deleted, \
             {} empty receives, {} acknowledged but not received",
            format_count(ledger.acknowledged),
            format_count(report.bodies_received),
            format_count(ledger.unique_received),
            format_count(ledger.duplicates),
            format_count(measured.counts.deleted),
            format_count(measured.counts.empty_receives),
            format_count(ledger.not_received())
        );
    } else {
        let _ = writeln!(out, "messages: {} acknowledged", format_count(ledger.acknowledged));
    }
    let fifo_note = match (settings.fifo, report.fifo_order_checked) {
        (true, true) => ", FIFO order checked",
        (true, false) => ", FIFO order not checked (fewer groups than senders)",
        _ => "",
    };
    let _ = writeln!(
        out,
        "verification: {} bodies checked, {} failures{fifo_note}",
        format_count(report.bodies_received),
        format_count(report.verification_failures)
    );
    if report.errors.is_empty() {
        let _ = writeln!(out, "errors: none");
    } else {
        let total: u64 = report.errors.iter().map(|(_, count, _)| count).sum();
        let _ = writeln!(out, "errors: {}", format_count(total));
        for (code, count, message) in &report.errors {
            let _ = writeln!(out, "  {code:<26} {:>10}  first: {message}", format_count(*count));
        }
    }
    out
}

fn write_percentiles(out: &mut String, name: &str, percentiles: &Percentiles, per_second: &str) {
    let _ = writeln!(
        out,
        "  {name:<26} {:>10} {per_second:>9} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
        format_count(percentiles.count),
        percentiles.p50,
        percentiles.p90,
        percentiles.p99,
        percentiles.p99_9,
        percentiles.max
    );
}

fn rate(count: u64, phase: &PhaseReport) -> u64 {
    let seconds = phase.elapsed.as_secs_f64();
    if seconds > 0.0 {
        (count as f64 / seconds).round() as u64
    } else {
        0
    }
}

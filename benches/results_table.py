#!/usr/bin/env python3
"""Build the Markdown results page of benches/run.sh.

Usage: results_table.py REPORTS_DIR

REPORTS_DIR contains machine.env (KEY=VALUE lines written by run.sh) and one
sluice-loadgen --json report per system and workload, named
SYSTEM-WORKLOAD.json. A missing or empty report shows as "n/a".
"""

import json
import os
import sys

SYSTEMS = [
    ("single", "Sluice, 1 node"),
    ("cluster", "Sluice, 3 nodes (RF 3)"),
    ("moto", "moto_server"),
]
WORKLOADS = ["send", "half", "cycle", "latency"]


def load_env(path):
    values = {}
    with open(path, encoding="utf-8") as env:
        for line in env:
            key, _, value = line.rstrip("\n").partition("=")
            values[key] = value
    return values


def load_report(directory, system, workload):
    path = os.path.join(directory, f"{system}-{workload}.json")
    try:
        with open(path, encoding="utf-8") as report:
            return json.load(report)
    except (OSError, json.JSONDecodeError):
        return None


def dig(report, *keys):
    """Return report[k1][k2]..., or None where a key is missing."""
    value = report
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def metric_rows(reports, env):
    """Yield (label, kind, {system: value}) for every table row.

    kind is "rate" (higher is better), "ms" or "mib" (lower is better), or
    "count".
    """

    def per_system(workload, *keys):
        return {system: dig(reports[system].get(workload), *keys) for system, _ in SYSTEMS}

    yield "send: messages/s", "rate", per_system("send", "throughput", "sent_messages_per_second")
    for quantile in ["p50", "p99"]:
        yield (f"send: SendMessageBatch {quantile} (ms)", "ms",
               per_system("send", "latency_ms", "SendMessageBatch", quantile))
    yield "half: target rate, half of send-only (messages/s)", "rate", per_system("half", "settings", "rate_target")
    yield "half: sent messages/s", "rate", per_system("half", "throughput", "sent_messages_per_second")
    for quantile in ["p50", "p90", "p99"]:
        yield (f"half: SendMessageBatch {quantile} (ms)", "ms",
               per_system("half", "latency_ms", "SendMessageBatch", quantile))
    yield "cycle: sent messages/s", "rate", per_system("cycle", "throughput", "sent_messages_per_second")
    yield ("cycle: received and deleted messages/s", "rate",
           per_system("cycle", "throughput", "deleted_messages_per_second"))
    for action in ["SendMessageBatch", "ReceiveMessage", "DeleteMessageBatch"]:
        for quantile in ["p50", "p99"]:
            yield (f"cycle: {action} {quantile} (ms)", "ms",
                   per_system("cycle", "latency_ms", action, quantile))
    for quantile, label in [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p99_9", "p99.9"), ("max", "max")]:
        yield (f"latency: send-to-receive {label} (ms)", "ms",
               per_system("latency", "latency_ms", "delivery", quantile))
    yield "latency: SendMessage p50 (ms)", "ms", per_system("latency", "latency_ms", "SendMessage", "p50")
    for key, label in [("idle_rss_kib", "idle RSS (MiB)"), ("peak_rss_kib", "peak RSS, VmHWM (MiB)")]:
        values = {}
        for system, _ in SYSTEMS:
            raw = env.get(f"{system}_{key}")
            values[system] = int(raw) / 1024 if raw else None
        yield label, "mib", values

    errors, wrong = {}, {}
    for system, _ in SYSTEMS:
        found = [reports[system].get(workload) for workload in WORKLOADS]
        found = [report for report in found if report is not None]
        errors[system] = sum(dig(report, "errors", "total") or 0 for report in found) if found else None
        wrong[system] = sum(dig(report, "verification", "failures") or 0 for report in found) if found else None
    yield "errors, all workloads", "count", errors
    yield "verification failures", "count", wrong


def format_value(value, kind):
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{value:,.0f}"
    if kind == "ms":
        return f"{value:.2f}"
    if kind == "mib":
        return f"{value:.0f}"
    return f"{value:,}"


def format_ratio(numerator, denominator, kind):
    if kind == "count" or numerator is None or denominator in (None, 0):
        return ""
    return f"{numerator / denominator:.3g}"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: results_table.py REPORTS_DIR")
    directory = sys.argv[1]
    env = load_env(os.path.join(directory, "machine.env"))
    reports = {system: {workload: load_report(directory, system, workload) for workload in WORKLOADS}
               for system, _ in SYSTEMS}

    date = env.get("date", "unknown date")
    print(f"# Benchmark results, {date[:10]}")
    print()
    print(f"Measured by `benches/run.sh` at {date}, commit {env.get('commit', 'unknown')}.")
    print()
    print("| machine | |")
    print("|---|---|")
    print(f"| CPU | {env.get('nproc', '?')} × {env.get('cpu', '?')} |")
    print(f"| memory | {env.get('memory', '?')} |")
    print(f"| disk | {env.get('filesystem', '?')}, {env.get('fsync_per_second', '?')} fsyncs/s "
          "(4 KiB write + fsync loop, 3 s) |")
    print(f"| kernel | {env.get('kernel', '?')} |")
    build_seconds = env.get("build_seconds", "?")
    build_time = "built before this run" if build_seconds == "skipped" else f"build time {build_seconds} s"
    print(f"| build | {env.get('build_profile', '?')} profile, {build_time} |")
    if "moto_version" in env:
        print(f"| moto | {env['moto_version']} |")
    print()
    print(f"Workloads (sluice-loadgen, 1 KiB bodies, batches of 10, {env.get('queues', '?')} queue(s)): "
          f"`send` with {env.get('senders', '?')} senders, `half` (open loop at half of `send`'s rate, "
          f"{env.get('half_senders', '?')} senders) and `cycle` with {env.get('senders', '?')} senders and "
          f"{env.get('receivers', '?')} receivers, {env.get('duration', '?')} s each; `latency` with one probe "
          f"every {env.get('latency_interval_ms', '?')} ms for {env.get('latency_duration', '?')} s and a receiver "
          f"long-polling with WaitTimeSeconds=20. Sluice nodes run with --partitions {env.get('partitions', '?')}. "
          "The servers and the load generator share the same cores.")
    print()

    header = ["metric"] + [label for _, label in SYSTEMS] + ["3 nodes ÷ 1 node", "1 node ÷ moto"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for label, kind, values in metric_rows(reports, env):
        cells = [label] + [format_value(values[system], kind) for system, _ in SYSTEMS]
        cells.append(format_ratio(values["cluster"], values["single"], kind))
        cells.append(format_ratio(values["single"], values["moto"], kind))
        print("| " + " | ".join(cells) + " |")
    print()
    print("Ratios divide the first named column by the second. For messages/s higher is better; for "
          "milliseconds and MiB lower is better. RSS of the 3-node cluster is the sum of its three processes; "
          "idle RSS is read 2 s after the system responded to its first request.")
    print()
    print("| system | workload | measured s | stopped by | errors by code |")
    print("|---|---|---:|---|---|")
    for system, label in SYSTEMS:
        for workload in WORKLOADS:
            report = reports[system].get(workload)
            if report is None:
                continue
            by_code = dig(report, "errors", "by_code") or {}
            codes = ", ".join(f"{code} {entry['count']}" for code, entry in by_code.items()) or "none"
            print(f"| {label} | {workload} | {report.get('elapsed_seconds', 0):.1f} | "
                  f"{report.get('stop_reason', '?')} | {codes} |")


if __name__ == "__main__":
    main()

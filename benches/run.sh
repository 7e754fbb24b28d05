#!/usr/bin/env bash
# Benchmarks three systems on this machine, one after the other:
#   single:  one `sluice serve` node.
#   cluster: three `sluice serve` nodes on 127.0.0.1 with replication factor 3.
#   moto:    moto_server (moto[server] from PyPI, in a virtual environment).
# Each system runs the same sluice-loadgen workloads with 1 KiB bodies and
# batches of 10: send only, a full send/receive/delete cycle, and the latency
# workload. The script also reads each system's idle and peak RSS from
# /proc/PID/status. It writes a Markdown table to benches/results/<date>.md
# and prints it.
#
# Environment (defaults in brackets):
#   DURATION [20]            seconds of each throughput workload
#   LATENCY_DURATION [20]    seconds of the latency workload
#   LATENCY_INTERVAL_MS [100] milliseconds between two latency probes
#   SENDERS [8] RECEIVERS [16] QUEUES [1]  loadgen concurrency and queues; a
#                            receiver makes two requests (receive, delete) per
#                            batch a sender makes one for, so twice as many
#                            receivers keep up with the senders in `cycle`
#   HALF_SENDERS [64]        senders of the run at half the send-only rate: enough
#                            that a slow response rarely delays the next request
#                            of the same sender, so the figure is the server's
#   PARTITIONS [1]           --partitions of every sluice node (docs/benchmarks.md
#                            explains why 1)
#   SYSTEMS ["single cluster moto"]        which systems to run
#   BUILD_PROFILE [release]  cargo profile of the binaries (debug for a quick check)
#   SKIP_BUILD [0]           1: use the binaries already built
#   MOTO_VENV [~/.cache/sluice-bench/moto-venv]  virtual environment for moto
#   BENCH_DIR [a new directory under $TMPDIR or /tmp]  data directories and
#                            logs; the fsync rate is measured there too
#   KEEP_BENCH_DIR [0]       1: keep BENCH_DIR (logs, JSON reports) at the end
#
# Needs cargo, python3 with venv, and PyPI access on the first moto run.
# Every process it starts listens on 127.0.0.1 only and is stopped by its PID.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}

DURATION=${DURATION:-20}
LATENCY_DURATION=${LATENCY_DURATION:-20}
LATENCY_INTERVAL_MS=${LATENCY_INTERVAL_MS:-100}
SENDERS=${SENDERS:-8}
RECEIVERS=${RECEIVERS:-16}
HALF_SENDERS=${HALF_SENDERS:-64}
QUEUES=${QUEUES:-1}
PARTITIONS=${PARTITIONS:-1}
SYSTEMS=${SYSTEMS:-"single cluster moto"}
BUILD_PROFILE=${BUILD_PROFILE:-release}
SKIP_BUILD=${SKIP_BUILD:-0}
MOTO_VENV=${MOTO_VENV:-$HOME/.cache/sluice-bench/moto-venv}
KEEP_BENCH_DIR=${KEEP_BENCH_DIR:-0}
READY_TIMEOUT_SECONDS=60
STOP_TIMEOUT_SECONDS=15

log() { echo "run.sh: $*" >&2; }

# ---- processes that this script started, stopped by PID ----

started_pids=()

stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((STOP_TIMEOUT_SECONDS * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "PID $pid did not stop within ${STOP_TIMEOUT_SECONDS} s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_started() {
    local pid
    for pid in "${started_pids[@]}"; do
        stop_pid "$pid"
    done
    started_pids=()
}

cleanup() {
    stop_started
    if [ -n "${bench_dir:-}" ] && [ "$KEEP_BENCH_DIR" != 1 ]; then
        rm -rf "$bench_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until http://127.0.0.1:PORT responds to an AWS JSON ListQueues with 200.
wait_ready() {
    local port=$1 pid=$2 name=$3
    python3 - "$port" "$pid" "$READY_TIMEOUT_SECONDS" "$name" <<'EOF'
import os, sys, time, urllib.request, urllib.error
port, pid, timeout, name = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + timeout
last_error = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"run.sh: {name} (PID {pid}) exited before it was ready")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=b"{}", method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.ListQueues",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=0",
        })
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status == 200:
                sys.exit(0)
    except (urllib.error.URLError, OSError) as error:
        last_error = error
    time.sleep(0.2)
sys.exit(f"run.sh: {name} did not respond to ListQueues on port {port} within {timeout:.0f} s: {last_error}")
EOF
}

# Prints the sum of a /proc/PID/status field (VmRSS, VmHWM) over PIDs, in KiB.
sum_status_kib() {
    local field=$1 total=0 pid value
    shift
    for pid in "$@"; do
        value=$(awk -v field="$field:" '$1 == field { print $2 }' "/proc/$pid/status")
        total=$((total + value))
    done
    echo "$total"
}

# ---- build ----

if [ "$BUILD_PROFILE" = release ]; then
    profile_flag=(--release)
else
    profile_flag=()
fi
build_seconds=skipped
if [ "$SKIP_BUILD" != 1 ]; then
    log "building the workspace ($BUILD_PROFILE); the first release build compiles RocksDB (about 20 minutes on 2 cores)"
    build_start=$(date +%s)
    cargo build --workspace "${profile_flag[@]}"
    build_seconds=$(($(date +%s) - build_start))
    log "build took ${build_seconds} s"
fi
sluice_bin="$CARGO_TARGET_DIR/$BUILD_PROFILE/sluice"
loadgen_bin="$CARGO_TARGET_DIR/$BUILD_PROFILE/sluice-loadgen"
for binary in "$sluice_bin" "$loadgen_bin"; do
    if [ ! -x "$binary" ]; then
        log "$binary is missing; run without SKIP_BUILD=1 or build with cargo build --workspace ${profile_flag[*]}"
        exit 1
    fi
done

# ---- working directory and the machine ----

bench_dir=${BENCH_DIR:-}
if [ -z "$bench_dir" ]; then
    bench_dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
else
    mkdir -p "$bench_dir"
fi
reports="$bench_dir/reports"
mkdir -p "$reports"
log "working directory $bench_dir"

log "measuring the fsync rate in $bench_dir"
fsync_per_second=$(python3 - "$bench_dir" <<'EOF'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
block = b"x" * 4096
count = 0
with open(path, "wb") as probe:
    start = time.monotonic()
    while count < 5000 and time.monotonic() - start < 3.0:
        probe.write(block)
        probe.flush()
        os.fsync(probe.fileno())
        count += 1
    elapsed = time.monotonic() - start
os.remove(path)
print(f"{count / elapsed:.0f}")
EOF
)
log "fsync rate: $fsync_per_second fsyncs/s (4 KiB write + fsync, 3 s)"

{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
    echo "nproc=$(nproc)"
    echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel=$(uname -r)"
    echo "filesystem=$(df -PT "$bench_dir" | awk 'NR == 2 { print $2 " on " $1 }')"
    echo "fsync_per_second=$fsync_per_second"
    echo "build_profile=$BUILD_PROFILE"
    echo "build_seconds=$build_seconds"
    echo "duration=$DURATION"
    echo "latency_duration=$LATENCY_DURATION"
    echo "latency_interval_ms=$LATENCY_INTERVAL_MS"
    echo "senders=$SENDERS"
    echo "receivers=$RECEIVERS"
    echo "half_senders=$HALF_SENDERS"
    echo "queues=$QUEUES"
    echo "partitions=$PARTITIONS"
} >"$reports/machine.env"

# ---- moto ----

if [[ " $SYSTEMS " == *" moto "* ]]; then
    if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
        log "installing moto[server] into $MOTO_VENV"
        python3 -m venv "$MOTO_VENV" || {
            log "creating $MOTO_VENV failed; install Python's venv module (Debian: apt-get install python3-venv)"
            exit 1
        }
        "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'
    fi
    echo "moto_version=$("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)')" >>"$reports/machine.env"
fi

# ---- the workloads ----

# Runs the three workloads against the given endpoints; reports go to $reports/SYSTEM-WORKLOAD.json.
run_workloads() {
    local system=$1
    shift
    local endpoint_flags=() endpoint
    for endpoint in "$@"; do
        endpoint_flags+=(--endpoint "$endpoint")
    done
    local common=(--body-size 1024 --batch 10 --queues "$QUEUES" --queue-prefix "bench-$system" --json --quiet)

    log "$system: send, ${DURATION} s"
    "$loadgen_bin" send "${endpoint_flags[@]}" "${common[@]}" --senders "$SENDERS" --duration "${DURATION}s" \
        >"$reports/$system-send.json" 2>"$reports/$system-send.log" \
        || log "$system: send exited with status $? (see $reports/$system-send.log)"

    # Half of the send-only rate, open loop: the latency a user sees when
    # the system is not saturated.
    local half_rate
    half_rate=$(python3 -c 'import json, sys
try:
    rate = json.load(open(sys.argv[1]))["throughput"]["sent_messages_per_second"]
except (OSError, ValueError, KeyError, TypeError):
    rate = 0
print(int(rate / 2))' "$reports/$system-send.json")
    if [ "$half_rate" -ge 1 ]; then
        log "$system: send at half the send-only rate, $half_rate msg/s, ${DURATION} s"
        "$loadgen_bin" send "${endpoint_flags[@]}" "${common[@]}" --senders "$HALF_SENDERS" --duration "${DURATION}s" \
            --rate "$half_rate" \
            >"$reports/$system-half.json" 2>"$reports/$system-half.log" \
            || log "$system: send at half rate exited with status $? (see $reports/$system-half.log)"
    else
        log "$system: no send-only rate measured, so no run at half of it"
    fi

    log "$system: cycle, ${DURATION} s"
    "$loadgen_bin" cycle "${endpoint_flags[@]}" "${common[@]}" --senders "$SENDERS" --receivers "$RECEIVERS" \
        --duration "${DURATION}s" \
        >"$reports/$system-cycle.json" 2>"$reports/$system-cycle.log" \
        || log "$system: cycle exited with status $? (see $reports/$system-cycle.log)"

    log "$system: latency, ${LATENCY_DURATION} s, one probe every ${LATENCY_INTERVAL_MS} ms"
    "$loadgen_bin" latency "${endpoint_flags[@]}" "${common[@]}" --duration "${LATENCY_DURATION}s" \
        --interval-ms "$LATENCY_INTERVAL_MS" \
        >"$reports/$system-latency.json" 2>"$reports/$system-latency.log" \
        || log "$system: latency exited with status $? (see $reports/$system-latency.log)"
}

# Records idle RSS, runs the workloads, records peak RSS, stops the processes.
measure_system() {
    local system=$1
    shift
    local pids=("${pids_of_system[@]}")
    sleep 2
    echo "${system}_idle_rss_kib=$(sum_status_kib VmRSS "${pids[@]}")" >>"$reports/machine.env"
    run_workloads "$system" "$@"
    echo "${system}_peak_rss_kib=$(sum_status_kib VmHWM "${pids[@]}")" >>"$reports/machine.env"
    stop_started
}

start_single() {
    local http
    http=$(free_port)
    mkdir -p "$bench_dir/single/data"
    "$sluice_bin" serve --listen "127.0.0.1:$http" --data-dir "$bench_dir/single/data" --partitions "$PARTITIONS" \
        >"$bench_dir/single/stdout.log" 2>"$bench_dir/single/stderr.log" </dev/null &
    started_pids+=($!)
    pids_of_system=($!)
    wait_ready "$http" "$!" "sluice (single node)"
    endpoints_of_system=("http://127.0.0.1:$http")
}

start_cluster() {
    local node http_ports=() grpc_ports=() peer_flags=()
    for node in 1 2 3; do
        http_ports+=("$(free_port)")
        grpc_ports+=("$(free_port)")
    done
    for node in 1 2 3; do
        peer_flags+=(--peer "$node=127.0.0.1:${grpc_ports[$((node - 1))]}")
    done
    pids_of_system=()
    endpoints_of_system=()
    for node in 1 2 3; do
        mkdir -p "$bench_dir/cluster/node$node/data"
        "$sluice_bin" serve --node-id "$node" \
            --listen "127.0.0.1:${http_ports[$((node - 1))]}" \
            --grpc-listen "127.0.0.1:${grpc_ports[$((node - 1))]}" \
            "${peer_flags[@]}" --replication-factor 3 --partitions "$PARTITIONS" \
            --data-dir "$bench_dir/cluster/node$node/data" \
            >"$bench_dir/cluster/node$node/stdout.log" 2>"$bench_dir/cluster/node$node/stderr.log" </dev/null &
        started_pids+=($!)
        pids_of_system+=($!)
        endpoints_of_system+=("http://127.0.0.1:${http_ports[$((node - 1))]}")
    done
    for node in 1 2 3; do
        wait_ready "${http_ports[$((node - 1))]}" "${pids_of_system[$((node - 1))]}" "sluice node $node"
    done
}

start_moto() {
    local http
    http=$(free_port)
    mkdir -p "$bench_dir/moto"
    "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$http" \
        >"$bench_dir/moto/stdout.log" 2>"$bench_dir/moto/stderr.log" </dev/null &
    started_pids+=($!)
    pids_of_system=($!)
    wait_ready "$http" "$!" "moto_server"
    endpoints_of_system=("http://127.0.0.1:$http")
}

for system in $SYSTEMS; do
    case $system in
        single) start_single ;;
        cluster) start_cluster ;;
        moto) start_moto ;;
        *)
            log "unknown system '$system' in SYSTEMS; use single, cluster and moto"
            exit 1
            ;;
    esac
    log "$system: started PIDs ${pids_of_system[*]} at ${endpoints_of_system[*]}"
    measure_system "$system" "${endpoints_of_system[@]}"
done

# ---- the table ----

mkdir -p "$repo/benches/results"
results="$repo/benches/results/$(date -u +%Y-%m-%d).md"
suffix=2
while [ -e "$results" ]; do
    results="$repo/benches/results/$(date -u +%Y-%m-%d)-$suffix.md"
    suffix=$((suffix + 1))
done
python3 "$repo/benches/results_table.py" "$reports" >"$results"
cat "$results"
log "results written to $results"
if [ "$KEEP_BENCH_DIR" = 1 ]; then
    log "JSON reports and server logs kept in $bench_dir"
fi

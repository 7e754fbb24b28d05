#!/usr/bin/env bash
# Measures one `sluice serve` node with a large backlog in one standard queue:
#   1. idle RSS of a fresh node;
#   2. RSS while sluice-loadgen sends MESSAGES messages of 1 KiB (batches of 10)
#      without receiving any, sampled into rss.csv, and the peak of the samples;
#   3. RSS, VmHWM, data directory size and ApproximateNumberOfMessages after
#      the fill;
#   4. a restart on the same data directory. The node is stopped with
#      RESTART_SIGNAL and started again. The script measures the seconds from
#      the start of the new process to the first ReceiveMessage that returns a
#      message, and checks that message's MD5OfBody;
#   5. RSS 5 s after that first message.
# It writes a Markdown page to benches/results/<UTC date>-backlog.md and
# prints it. It never builds: it copies the release binaries from
# $CARGO_TARGET_DIR into BENCH_DIR and runs the copies, so a rebuild during the
# run cannot replace them.
#
# Environment (defaults in brackets):
#   MESSAGES [10000000]      messages to send into the queue
#   SENDERS [8]              concurrent sending tasks of sluice-loadgen
#   PARTITIONS [1]           --partitions of the node (docs/benchmarks.md
#                            explains why 1)
#   PORT [19500]             SQS HTTP port of the node on 127.0.0.1
#   RESTART_SIGNAL [KILL]    KILL (a crash) or TERM (a clean shutdown)
#   RESTART_TIMEOUT [120]    seconds to wait for the first message after the restart
#   FILL_MAX_SECONDS [14400] --max-time of the sending run, in seconds
#   SAMPLE_INTERVAL [5]      seconds between two RSS samples during the fill
#   CARGO_TARGET_DIR [$HOME/.cache/sluice-target]  where the release binaries are
#   BENCH_DIR [a new directory under $TMPDIR or /tmp]  binaries, data
#                            directory, logs and rss.csv
#   KEEP_BENCH_DIR [0]       1: keep BENCH_DIR; otherwise it is removed at the end
#
# Exit status: 0 when every step finished and the checks passed; 1 when the
# run failed, when the fill reported errors, when no message arrived within
# RESTART_TIMEOUT or when its MD5OfBody did not match; 2 for an invalid
# setting. Once the fill has finished, the results page is written even when a
# later step fails.
#
# Needs python3. Every process it starts listens on 127.0.0.1 only and is
# stopped by its PID.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}

MESSAGES=${MESSAGES:-10000000}
SENDERS=${SENDERS:-8}
PARTITIONS=${PARTITIONS:-1}
PORT=${PORT:-19500}
RESTART_SIGNAL=${RESTART_SIGNAL:-KILL}
RESTART_TIMEOUT=${RESTART_TIMEOUT:-120}
FILL_MAX_SECONDS=${FILL_MAX_SECONDS:-14400}
SAMPLE_INTERVAL=${SAMPLE_INTERVAL:-5}
KEEP_BENCH_DIR=${KEEP_BENCH_DIR:-0}
BATCH=10
BODY_SIZE=1024
READY_TIMEOUT_SECONDS=60
STOP_TIMEOUT_SECONDS=15
RSS_AFTER_RESTART_DELAY_SECONDS=5

log() { echo "backlog.sh: $*" >&2; }

for setting in MESSAGES SENDERS PARTITIONS PORT RESTART_TIMEOUT FILL_MAX_SECONDS SAMPLE_INTERVAL; do
    if ! [[ ${!setting} =~ ^[1-9][0-9]*$ ]]; then
        log "invalid $setting '${!setting}': expected a positive integer"
        exit 2
    fi
done
case $RESTART_SIGNAL in
    KILL | TERM) ;;
    *)
        log "invalid RESTART_SIGNAL '$RESTART_SIGNAL': use KILL or TERM"
        exit 2
        ;;
esac

# ---- processes that this script started, stopped by PID ----

started_pids=()

forget_pid() {
    local pid=$1 kept=() other
    for other in "${started_pids[@]}"; do
        [ "$other" = "$pid" ] || kept+=("$other")
    done
    started_pids=("${kept[@]}")
}

# Waits up to $2 seconds for PID $1 to exit. Returns 1 if it is still running.
wait_exit() {
    local pid=$1 timeout_seconds=$2 waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((timeout_seconds * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    ! kill -0 "$pid" 2>/dev/null
}

# Stops PID $1 with SIGTERM, then SIGKILL after STOP_TIMEOUT_SECONDS.
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_exit "$pid" "$STOP_TIMEOUT_SECONDS"; then
            log "PID $pid did not stop within ${STOP_TIMEOUT_SECONDS} s of SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do
        stop_pid "$pid"
    done
    if [ -n "${bench_dir:-}" ] && [ "$KEEP_BENCH_DIR" != 1 ]; then
        rm -rf "$bench_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ----

# Prints a /proc/PID/status field (VmRSS, VmHWM) in KiB, or nothing if PID is gone.
status_kib() {
    local field=$1 pid=$2
    awk -v field="$field:" '$1 == field { print $2 }' "/proc/$pid/status" 2>/dev/null || true
}

# Prints milliseconds since the Unix epoch.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# Sends one AWS JSON 1.0 request (action $1, JSON body $2) to the node and
# prints the JSON response. Exits non-zero on an error response.
sqs_call() {
    python3 - "$PORT" "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
port, action, body = int(sys.argv[1]), sys.argv[2], sys.argv[3]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/", data=body.encode(), method="POST",
    headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"AmazonSQS.{action}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        print(response.read().decode())
except urllib.error.HTTPError as error:
    sys.exit(f"backlog.sh: {action} failed with HTTP {error.code}: {error.read().decode(errors='replace')}")
except (urllib.error.URLError, OSError) as error:
    sys.exit(f"backlog.sh: {action} to 127.0.0.1:{port} failed: {error}")
EOF
}

# Prints the value at a dotted path (e.g. throughput.sent_messages_per_second)
# of the JSON file $1, or "n/a" if it is missing.
json_field() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as source:
        value = json.load(source)
except (OSError, json.JSONDecodeError):
    value = None
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print("n/a" if value is None else value)
EOF
}

# Waits until the node responds to ListQueues with 200.
wait_ready() {
    local pid=$1
    python3 - "$PORT" "$pid" "$READY_TIMEOUT_SECONDS" <<'EOF'
import os, sys, time, urllib.request, urllib.error
port, pid, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
last_error = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"backlog.sh: sluice (PID {pid}) exited before it was ready")
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
sys.exit(f"backlog.sh: sluice did not respond to ListQueues on port {port} within {timeout:.0f} s: {last_error}")
EOF
}

# Starts `sluice serve` on the data directory and sets node_pid and node_start_ms.
start_node() {
    local label=$1
    node_start_ms=$(now_ms)
    "$sluice_bin" serve --listen "127.0.0.1:$PORT" --data-dir "$data_dir" --partitions "$PARTITIONS" \
        >>"$bench_dir/sluice-$label.stdout.log" 2>>"$bench_dir/sluice-$label.stderr.log" </dev/null &
    node_pid=$!
    started_pids+=("$node_pid")
    log "started sluice ($label), PID $node_pid, on 127.0.0.1:$PORT"
}

kib_to_mib() {
    case $1 in
        '' | n/a) echo n/a ;;
        *) awk -v kib="$1" 'BEGIN { printf "%.0f", kib / 1024 }' ;;
    esac
}

# Formats an integer with thousands separators (1234567 -> 1,234,567).
with_commas() {
    case $1 in
        *[!0-9]* | '') echo "$1" ;;
        *) echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta' ;;
    esac
}

# ---- binaries ----

for binary in sluice sluice-loadgen; do
    if [ ! -x "$CARGO_TARGET_DIR/release/$binary" ]; then
        log "$CARGO_TARGET_DIR/release/$binary is missing; run cargo build --workspace --release first"
        exit 1
    fi
done
# The probe sets SO_REUSEADDR so that connections of an earlier run in
# TIME_WAIT do not make a free port look in use.
if ! python3 - "$PORT" 2>/dev/null <<'EOF'
import socket, sys
probe = socket.socket()
probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
probe.bind(("127.0.0.1", int(sys.argv[1])))
EOF
then
    log "port $PORT on 127.0.0.1 is in use; set PORT to a free port"
    exit 1
fi

bench_dir=${BENCH_DIR:-}
if [ -z "$bench_dir" ]; then
    bench_dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-backlog-XXXXXX")
else
    mkdir -p "$bench_dir"
fi
data_dir="$bench_dir/data"
if [ -e "$data_dir" ]; then
    log "$data_dir already exists; set BENCH_DIR to a new or empty directory"
    exit 1
fi
mkdir -p "$data_dir" "$bench_dir/bin"
log "working directory $bench_dir"

cp -p "$CARGO_TARGET_DIR/release/sluice" "$CARGO_TARGET_DIR/release/sluice-loadgen" "$bench_dir/bin/"
sluice_bin="$bench_dir/bin/sluice"
loadgen_bin="$bench_dir/bin/sluice-loadgen"
binary_built=$(date -u -r "$sluice_bin" +%Y-%m-%dT%H:%M:%SZ)

# ---- the machine ----

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$repo" status --porcelain 2>/dev/null)" ]; then
    commit="$commit dirty"
fi
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
disk=$(df -PTh "$bench_dir" | awk 'NR == 2 { print $2 " on " $1 ", " $3 " total, " $5 " available" }')

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

# ---- idle node ----

start_node first
wait_ready "$node_pid"
sleep 2
idle_rss_kib=$(status_kib VmRSS "$node_pid")
log "idle VmRSS: $(kib_to_mib "$idle_rss_kib") MiB"

# ---- fill ----

rss_csv="$bench_dir/rss.csv"
fill_report="$bench_dir/fill.json"
fill_command=(sluice-loadgen send --endpoint "http://127.0.0.1:$PORT" --messages "$MESSAGES"
    --body-size "$BODY_SIZE" --batch "$BATCH" --senders "$SENDERS" --queues 1 --queue-prefix backlog
    --keep-queues --max-time "${FILL_MAX_SECONDS}s" --json)
log "sending $MESSAGES messages of $BODY_SIZE bytes; progress in $bench_dir/fill.log"
fill_start_ms=$(now_ms)
"$loadgen_bin" "${fill_command[@]:1}" >"$fill_report" 2>"$bench_dir/fill.log" </dev/null &
loadgen_pid=$!
started_pids+=("$loadgen_pid")

# Samples the node's VmRSS every SAMPLE_INTERVAL seconds while loadgen runs.
# sluice-loadgen stops itself at --max-time. The script allows one more minute
# for its cleanup and then stops it.
echo "elapsed_seconds,vmrss_kib" >"$rss_csv"
peak_fill_rss_kib=$idle_rss_kib
sample_count=0

# Appends the node's VmRSS to rss.csv and updates peak_fill_rss_kib.
sample_rss() {
    local now rss
    now=$(now_ms)
    rss=$(status_kib VmRSS "$node_pid")
    if [ -z "$rss" ]; then
        log "sluice (PID $node_pid) exited during the fill; see $bench_dir/sluice-first.stderr.log"
        exit 1
    fi
    echo "$(((now - fill_start_ms) / 1000)).$(printf '%03d' $(((now - fill_start_ms) % 1000))),$rss" >>"$rss_csv"
    sample_count=$((sample_count + 1))
    if [ "$rss" -gt "$peak_fill_rss_kib" ]; then
        peak_fill_rss_kib=$rss
    fi
}

next_sample_ms=$fill_start_ms
next_progress_ms=$((fill_start_ms + 60000))
fill_deadline_ms=$((fill_start_ms + (FILL_MAX_SECONDS + 60) * 1000))
while kill -0 "$loadgen_pid" 2>/dev/null; do
    now=$(now_ms)
    if [ "$now" -ge "$fill_deadline_ms" ]; then
        log "sluice-loadgen still running $((FILL_MAX_SECONDS + 60)) s after its start; stopping it"
        stop_pid "$loadgen_pid"
        break
    fi
    if [ "$now" -ge "$next_sample_ms" ]; then
        sample_rss
        next_sample_ms=$((next_sample_ms + SAMPLE_INTERVAL * 1000))
    fi
    if [ "$now" -ge "$next_progress_ms" ]; then
        log "filling for $(((now - fill_start_ms) / 1000)) s; VmRSS peak so far $(kib_to_mib "$peak_fill_rss_kib") MiB"
        next_progress_ms=$((next_progress_ms + 60000))
    fi
    sleep 0.2
done
fill_status=0
wait "$loadgen_pid" || fill_status=$?
forget_pid "$loadgen_pid"
# One last sample at the end of the fill, so that a fill shorter than
# SAMPLE_INTERVAL still has a sample with the whole backlog.
sample_rss
fill_wall_seconds=$(awk -v ms=$(($(now_ms) - fill_start_ms)) 'BEGIN { printf "%.1f", ms / 1000 }')
if [ "$fill_status" -ne 0 ]; then
    log "sluice-loadgen send exited with status $fill_status (see $bench_dir/fill.log)"
fi
if ! kill -0 "$node_pid" 2>/dev/null; then
    log "sluice (PID $node_pid) exited during the fill; see $bench_dir/sluice-first.stderr.log"
    exit 1
fi

run_id=$(json_field "$fill_report" run_id)
if [ "$run_id" = n/a ]; then
    log "sluice-loadgen wrote no JSON report; see $bench_dir/fill.log"
    exit 1
fi
fill_sent=$(json_field "$fill_report" messages.sent)
fill_seconds=$(json_field "$fill_report" elapsed_seconds)
fill_rate=$(json_field "$fill_report" throughput.sent_messages_per_second)
fill_stop_reason=$(json_field "$fill_report" stop_reason)
fill_errors=$(json_field "$fill_report" errors.total)
fill_send_p99=$(json_field "$fill_report" latency_ms.SendMessageBatch.p99)
queue_name="backlog-$run_id-0"
queue_url=$(sqs_call GetQueueUrl "{\"QueueName\": \"$queue_name\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["QueueUrl"])')
log "sent $fill_sent messages to $queue_url in $fill_seconds s (stopped by $fill_stop_reason)"

# ---- after the fill ----

after_fill_rss_kib=$(status_kib VmRSS "$node_pid")
after_fill_hwm_kib=$(status_kib VmHWM "$node_pid")
data_dir_bytes=$(du -sb "$data_dir" | awk '{ print $1 }')
queue_messages=$(sqs_call GetQueueAttributes "{\"QueueUrl\": \"$queue_url\", \"AttributeNames\": [\"All\"]}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Attributes"].get("ApproximateNumberOfMessages", "n/a"))')
log "after the fill: VmRSS $(kib_to_mib "$after_fill_rss_kib") MiB, VmHWM $(kib_to_mib "$after_fill_hwm_kib") MiB," \
    "data directory $data_dir_bytes bytes, ApproximateNumberOfMessages $queue_messages"

# ---- restart ----

old_pid=$node_pid
stop_start_ms=$(now_ms)
kill "-$RESTART_SIGNAL" "$old_pid"
restart_stop="SIGKILL"
if [ "$RESTART_SIGNAL" = TERM ]; then
    restart_stop="SIGTERM"
    if ! wait_exit "$old_pid" "$STOP_TIMEOUT_SECONDS" 2>/dev/null; then
        log "sluice (PID $old_pid) did not stop within ${STOP_TIMEOUT_SECONDS} s of SIGTERM; sending SIGKILL"
        kill -KILL "$old_pid" 2>/dev/null || true
        restart_stop="SIGTERM, then SIGKILL after ${STOP_TIMEOUT_SECONDS} s"
    fi
fi
# The redirection hides bash's "Killed" notice about the stopped job.
if ! wait_exit "$old_pid" "$STOP_TIMEOUT_SECONDS" 2>/dev/null; then
    log "sluice (PID $old_pid) still running ${STOP_TIMEOUT_SECONDS} s after SIGKILL"
    exit 1
fi
wait "$old_pid" 2>/dev/null || true
forget_pid "$old_pid"
stop_seconds=$(awk -v ms=$(($(now_ms) - stop_start_ms)) 'BEGIN { printf "%.2f", ms / 1000 }')
log "sluice (PID $old_pid) stopped with $restart_stop in $stop_seconds s"

start_node restart
# Polls ReceiveMessage every 50 ms and prints KEY=VALUE lines: outcome
# (received, timeout or exited), polls, the seconds to the first HTTP response
# and to the first message, and the checks of that message. The clock starts at
# node_start_ms, taken just before the fork of the new node.
restart_output=$(python3 - "$PORT" "$node_pid" "$queue_url" "$node_start_ms" "$RESTART_TIMEOUT" "$run_id" <<'EOF'
import hashlib, json, os, sys, time, urllib.request, urllib.error
port, pid, queue_url = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
start, timeout, run_id = int(sys.argv[4]) / 1000, float(sys.argv[5]), sys.argv[6]
body = json.dumps({"QueueUrl": queue_url, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 0}).encode()
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/", data=body, method="POST",
    headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS.ReceiveMessage",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
polls = 0
first_response = None
last_error = "no request sent"
outcome = "timeout"
while time.time() - start < timeout:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        outcome = "exited"
        break
    polls += 1
    try:
        with urllib.request.urlopen(request, timeout=max(0.1, min(5.0, start + timeout - time.time()))) as response:
            result = json.load(response)
    except urllib.error.HTTPError as error:
        if first_response is None:
            first_response = time.time() - start
        last_error = f"HTTP {error.code}: {error.read().decode(errors='replace')[:300]}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        last_error = str(error)
    else:
        received = time.time() - start
        if first_response is None:
            first_response = received
        messages = result.get("Messages") or []
        if messages:
            outcome = "received"
            message = messages[0]
            text = message.get("Body", "")
            md5_matches = hashlib.md5(text.encode("utf-8")).hexdigest() == message.get("MD5OfBody")
            # sluice-loadgen bodies start with "SLG1" and the 8 hex digits of the run id.
            run_matches = text[4:12] == run_id
            print(f"first_message_seconds={received:.3f}")
            print(f"md5_matches={'yes' if md5_matches else 'no'}")
            print(f"run_id_matches={'yes' if run_matches else 'no'}")
            print(f"body_bytes={len(text.encode('utf-8'))}")
            break
        last_error = "ReceiveMessage returned no message"
    time.sleep(0.05)
print(f"outcome={outcome}")
print(f"polls={polls}")
print("first_response_seconds=" + ("n/a" if first_response is None else f"{first_response:.3f}"))
print("last_error=" + " ".join(last_error.split()))
EOF
)
restart_value() {
    echo "$restart_output" | awk -v key="$1" 'index($0, key "=") == 1 { print substr($0, length(key) + 2) }'
}
restart_outcome=$(restart_value outcome)
first_response_seconds=$(restart_value first_response_seconds)
restart_polls=$(restart_value polls)
md5_matches=n/a
run_id_matches=n/a
received_body_bytes=n/a
after_restart_rss_kib=
after_restart_hwm_kib=
# VmRSS right after the polling, at the first message or at the timeout.
poll_end_rss_kib=$(status_kib VmRSS "$node_pid")
poll_end_label="at the first received message"
case $restart_outcome in
    received)
        first_message_seconds=$(restart_value first_message_seconds)
        md5_matches=$(restart_value md5_matches)
        run_id_matches=$(restart_value run_id_matches)
        received_body_bytes=$(restart_value body_bytes)
        log "first message $first_message_seconds s after the restart (first response after" \
            "$first_response_seconds s, $restart_polls polls); MD5OfBody matches: $md5_matches"
        sleep "$RSS_AFTER_RESTART_DELAY_SECONDS"
        after_restart_rss_kib=$(status_kib VmRSS "$node_pid")
        after_restart_hwm_kib=$(status_kib VmHWM "$node_pid")
        ;;
    timeout)
        first_message_seconds="none within $RESTART_TIMEOUT"
        poll_end_label="$RESTART_TIMEOUT s after the restart"
        after_restart_hwm_kib=$(status_kib VmHWM "$node_pid")
        log "no message received within $RESTART_TIMEOUT s of the restart ($restart_polls polls);" \
            "last error: $(restart_value last_error)"
        ;;
    *)
        first_message_seconds="none: the node exited"
        log "sluice (PID $node_pid) exited after the restart; see $bench_dir/sluice-restart.stderr.log"
        ;;
esac
if [ "$restart_outcome" != exited ] && [ -z "$after_restart_rss_kib$after_restart_hwm_kib" ]; then
    log "sluice (PID $node_pid) exited after the restart; see $bench_dir/sluice-restart.stderr.log"
fi
stop_pid "$node_pid"

# ---- the results page ----

mkdir -p "$repo/benches/results"
date_utc=$(date -u +%Y-%m-%d)
results="$repo/benches/results/$date_utc-backlog.md"
suffix=2
while [ -e "$results" ]; do
    results="$repo/benches/results/$date_utc-backlog-$suffix.md"
    suffix=$((suffix + 1))
done
fill_seconds_text=$(awk -v value="$fill_seconds" 'BEGIN { printf "%.1f", value }')
fill_rate_text=$(with_commas "$(awk -v value="$fill_rate" 'BEGIN { printf "%.0f", value }')")
data_dir_mib=$(awk -v bytes="$data_dir_bytes" 'BEGIN { printf "%.0f", bytes / 1048576 }')
{
    echo "# Backlog results, $date_utc"
    echo
    echo "Measured by \`benches/backlog.sh\` at $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit."
    echo "Release binaries built at $binary_built (modification time of \`sluice\`)."
    echo
    echo "| machine | |"
    echo "|---|---|"
    echo "| CPU | $(nproc) × $cpu_model |"
    echo "| memory | $memory |"
    echo "| disk | $disk, $fsync_per_second fsyncs/s (4 KiB write + fsync loop, 3 s) |"
    echo "| kernel | $(uname -r) |"
    echo
    echo "One \`sluice serve\` node on 127.0.0.1 with \`--partitions $PARTITIONS\` and a fresh data directory."
    echo "The backlog was sent into one standard queue, with no receiver, by:"
    echo
    echo '```sh'
    echo "${fill_command[*]}"
    echo '```'
    echo
    echo "Settings: MESSAGES=$MESSAGES SENDERS=$SENDERS PARTITIONS=$PARTITIONS" \
        "RESTART_SIGNAL=$RESTART_SIGNAL RESTART_TIMEOUT=$RESTART_TIMEOUT SAMPLE_INTERVAL=$SAMPLE_INTERVAL."
    echo "The node was then stopped with $restart_stop and started again on the same data directory."
    echo "The restart time runs from the start of the new process to the first ReceiveMessage"
    echo "(MaxNumberOfMessages 1, WaitTimeSeconds 0, one request every 50 ms) that returned a message."
    echo
    echo "| metric | value |"
    echo "|---|---:|"
    echo "| idle RSS (MiB) | $(kib_to_mib "$idle_rss_kib") |"
    echo "| peak RSS during the fill, highest sample (MiB) | $(kib_to_mib "$peak_fill_rss_kib") |"
    echo "| RSS after the fill (MiB) | $(kib_to_mib "$after_fill_rss_kib") |"
    echo "| peak RSS, VmHWM, after the fill (MiB) | $(kib_to_mib "$after_fill_hwm_kib") |"
    echo "| data directory size after the fill (MiB) | $(with_commas "$data_dir_mib") |"
    echo "| messages sent and acknowledged | $(with_commas "$fill_sent") |"
    echo "| ApproximateNumberOfMessages after the fill | $(with_commas "$queue_messages") |"
    echo "| fill time (s) | $fill_seconds_text |"
    echo "| fill rate (messages/s) | $fill_rate_text |"
    echo "| fill: SendMessageBatch p99 (ms) | $fill_send_p99 |"
    echo "| restart: stop with $restart_stop (s) | $stop_seconds |"
    echo "| restart to first HTTP response (s) | $first_response_seconds |"
    echo "| restart to first received message (s) | $first_message_seconds |"
    echo "| RSS $poll_end_label (MiB) | $(kib_to_mib "$poll_end_rss_kib") |"
    echo "| RSS ${RSS_AFTER_RESTART_DELAY_SECONDS} s after the first received message (MiB) | $(kib_to_mib "$after_restart_rss_kib") |"
    echo "| peak RSS, VmHWM, since the restart (MiB) | $(kib_to_mib "$after_restart_hwm_kib") |"
    echo
    echo "The fill ended by \`$fill_stop_reason\`, exit status $fill_status, $fill_errors errors" \
        "(wall time $fill_wall_seconds s including setup)."
    echo "RSS during the fill: $sample_count samples of VmRSS, one every $SAMPLE_INTERVAL s and one at the end."
    if [ "$restart_outcome" = received ]; then
        echo "The received message had $received_body_bytes bytes; its MD5OfBody matched the body: $md5_matches;" \
            "its run id matched the fill's: $run_id_matches."
    else
        echo "No message was received after the restart ($restart_outcome after $restart_polls polls)." \
            "Last error: $(restart_value last_error)"
    fi
} >"$results"
cat "$results"
log "results written to $results"
if [ "$KEEP_BENCH_DIR" = 1 ]; then
    log "data directory, logs, fill.json and rss.csv kept in $bench_dir"
fi
if [ "$restart_outcome" != received ] || [ "$md5_matches" != yes ] || [ "$fill_status" -ne 0 ]; then
    log "the run is incomplete or a check failed (see the results page); exit status 1"
    exit 1
fi

#!/usr/bin/env bash
# Runs the whole test suite: builds the workspace, runs every Rust test with
# cargo-nextest (settings in .config/nextest.toml), then smoke-tests a real
# `sluice serve` on 127.0.0.1 with boto3 (tests/smoke/smoke.py) and the aws CLI.
#
# Needs cargo, cargo-nextest and python3 with the venv module; pip installs
# boto3 and awscli into .venv on the first run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}

cargo build --workspace
cargo nextest run --workspace

# The conformance suite again, one file per SQS action family, with every
# test server a 3-node cluster: requests go to node 1, which forwards them to
# partition leaders on the other nodes. Both wire protocols are covered
# (query_protocol sends raw signed Query requests).
conformance='binary(queues) | binary(messages) | binary(batch) | binary(fifo) | binary(long_polling)'
conformance+=' | binary(visibility) | binary(tags) | binary(query_protocol) | binary(dead_letters)'
conformance+=' | binary(permissions) | binary(move_tasks)'
SLUICE_TEST_NODES=3 cargo nextest run --workspace -E "$conformance"

# ---- Python smoke test against a real server ----

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || {
        echo "run.sh: creating .venv failed; install Python's venv module (Debian: apt-get install python3-venv)" >&2
        exit 1
    }
fi
.venv/bin/pip install --quiet --disable-pip-version-check boto3 awscli

sluice_bin="$CARGO_TARGET_DIR/debug/sluice"
if [ ! -x "$sluice_bin" ]; then
    echo "run.sh: $sluice_bin is missing after cargo build --workspace" >&2
    exit 1
fi

smoke_dir=$(mktemp -d -t sluice-smoke-XXXXXX)
mkdir -p "$smoke_dir/data"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
endpoint="http://127.0.0.1:$port"

"$sluice_bin" serve --listen "127.0.0.1:$port" --data-dir "$smoke_dir/data" \
    >"$smoke_dir/stdout.log" 2>"$smoke_dir/stderr.log" </dev/null &
server_pid=$!

stop_server() {
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -rf "$smoke_dir"
}
trap stop_server EXIT

show_server_log() {
    echo "---- sluice stderr (pid $server_pid, $endpoint) ----" >&2
    tail -n 60 "$smoke_dir/stderr.log" >&2 || true
}

# smoke.py waits (at most 30 s) until the server responds, then runs its checks.
if ! .venv/bin/python tests/smoke/smoke.py "$endpoint" --pid "$server_pid"; then
    show_server_log
    exit 1
fi

# ---- aws CLI calls against the same server ----

export AWS_ACCESS_KEY_ID=AKIDSMOKETEST
export AWS_SECRET_ACCESS_KEY=smoke-test-secret
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

aws_sqs() {
    .venv/bin/aws --endpoint-url "$endpoint" --cli-read-timeout 30 --cli-connect-timeout 5 sqs "$@"
}

cli_passed=0
cli_fail() {
    echo "FAIL aws CLI: $1" >&2
    echo "cli: $cli_passed passed, 1 failed"
    show_server_log
    exit 1
}

queue_url=$(aws_sqs create-queue --queue-name cli-queue --query QueueUrl --output text) \
    || cli_fail "create-queue exited with an error"
[ "$queue_url" = "$endpoint/000000000000/cli-queue" ] || cli_fail "create-queue returned '$queue_url'"
cli_passed=$((cli_passed + 1))

aws_sqs send-message --queue-url "$queue_url" --message-body "from the aws cli" >/dev/null \
    || cli_fail "send-message exited with an error"
body=$(aws_sqs receive-message --queue-url "$queue_url" --wait-time-seconds 5 --query 'Messages[0].Body' --output text) \
    || cli_fail "receive-message exited with an error"
[ "$body" = "from the aws cli" ] || cli_fail "receive-message returned body '$body'"
cli_passed=$((cli_passed + 1))

visibility=$(aws_sqs get-queue-attributes --queue-url "$queue_url" --attribute-names VisibilityTimeout \
    --query Attributes.VisibilityTimeout --output text) || cli_fail "get-queue-attributes exited with an error"
[ "$visibility" = "30" ] || cli_fail "get-queue-attributes returned VisibilityTimeout '$visibility'"
cli_passed=$((cli_passed + 1))

if aws_sqs get-queue-url --queue-name cli-missing >/dev/null 2>"$smoke_dir/cli-error.txt"; then
    cli_fail "get-queue-url of a missing queue succeeded"
fi
grep -q -e NonExistentQueue -e QueueDoesNotExist "$smoke_dir/cli-error.txt" \
    || cli_fail "get-queue-url of a missing queue printed: $(cat "$smoke_dir/cli-error.txt")"
cli_passed=$((cli_passed + 1))

aws_sqs delete-queue --queue-url "$queue_url" || cli_fail "delete-queue exited with an error"
cli_passed=$((cli_passed + 1))

echo "cli: $cli_passed passed, 0 failed"

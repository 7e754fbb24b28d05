#!/usr/bin/env bash
# Run a three-node Sluice cluster on 127.0.0.1.
#
#   deploy/local/cluster.sh up       build the workspace, start the nodes of 1-3 that are not
#                                    running (with the data they have), print the SQS endpoints
#   deploy/local/cluster.sh status   show which nodes run and which endpoints respond to ListQueues
#   deploy/local/cluster.sh down     stop the nodes that `up` started (by their recorded PIDs)
#
# Node N (1 to 3) serves SQS on 127.0.0.1:933N and gRPC on 127.0.0.1:934N,
# keeps its data in ./sluice-cluster-data/nodeN/data and writes
# ./sluice-cluster-data/nodeN/sluice.log and ./sluice-cluster-data/nodeN/sluice.pid,
# all relative to the directory the script is run from (SLUICE_CLUSTER_DIR
# replaces ./sluice-cluster-data).
# Extra arguments after `up` go to every `sluice serve`, for example
# `deploy/local/cluster.sh up --partitions 3 --snapshot-interval 50`.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cluster_dir=${SLUICE_CLUSTER_DIR:-$PWD/sluice-cluster-data}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}
sluice_bin="$CARGO_TARGET_DIR/debug/sluice"

node_ids=(1 2 3)
# Seconds that `up` waits for each node to respond, and `down` for each node to exit.
start_timeout_s=60
stop_timeout_s=15

sqs_port() { echo $((9330 + $1)); }
grpc_port() { echo $((9340 + $1)); }
node_dir() { echo "$cluster_dir/node$1"; }
pid_file() { echo "$(node_dir "$1")/sluice.pid"; }

# Prints the PID recorded for node $1 if that process still runs `sluice`.
running_pid() {
    local file pid
    file=$(pid_file "$1")
    [ -f "$file" ] || return 1
    pid=$(cat "$file")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    # A recycled PID that now belongs to another program does not count.
    grep -q sluice "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# Returns success when node $1's SQS endpoint responds to ListQueues within 2 s.
responds() {
    curl --silent --fail --max-time 2 --output /dev/null \
        --header 'X-Amz-Target: AmazonSQS.ListQueues' \
        --header 'Content-Type: application/x-amz-json-1.0' \
        --data '{}' "http://127.0.0.1:$(sqs_port "$1")/"
}

ensure_libclang() {
    # bindgen (for RocksDB) needs libclang; install it once, as root, on Debian.
    if ldconfig -p 2>/dev/null | grep -q libclang; then
        return
    fi
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        apt-get install -y -qq libclang-dev
    else
        echo "cluster.sh: libclang is missing; run 'sudo apt-get install -y libclang-dev' first" >&2
        exit 1
    fi
}

up() {
    ensure_libclang
    # The first build compiles RocksDB from source (about 20 minutes on 2 cores).
    (cd "$repo_dir" && cargo build --workspace)

    local peers=()
    for id in "${node_ids[@]}"; do
        peers+=(--peer "$id=127.0.0.1:$(grpc_port "$id")")
    done

    for id in "${node_ids[@]}"; do
        local dir pid
        dir=$(node_dir "$id")
        if pid=$(running_pid "$id"); then
            echo "node $id is already running (pid $pid)"
            continue
        fi
        mkdir -p "$dir/data"
        # NO_COLOR keeps ANSI color codes out of the log file. setsid puts the
        # node in its own session, so a Ctrl-C in the terminal does not reach
        # it and `down` is the only way it stops.
        NO_COLOR=1 setsid "$sluice_bin" serve \
            --node-id "$id" \
            --listen "127.0.0.1:$(sqs_port "$id")" \
            --grpc-listen "127.0.0.1:$(grpc_port "$id")" \
            "${peers[@]}" \
            --data-dir "$dir/data" \
            "$@" \
            </dev/null >>"$dir/sluice.log" 2>&1 &
        echo $! >"$(pid_file "$id")"
        echo "started node $id (pid $!), log $dir/sluice.log"
    done

    for id in "${node_ids[@]}"; do
        local waited=0
        until responds "$id"; do
            if ! running_pid "$id" >/dev/null; then
                echo "cluster.sh: node $id exited; the end of its log:" >&2
                tail -n 20 "$(node_dir "$id")/sluice.log" >&2
                exit 1
            fi
            if [ "$waited" -ge $((start_timeout_s * 10)) ]; then
                echo "cluster.sh: node $id did not respond within ${start_timeout_s} s; see $(node_dir "$id")/sluice.log" >&2
                exit 1
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    done

    echo "SQS endpoints:"
    for id in "${node_ids[@]}"; do
        echo "  http://127.0.0.1:$(sqs_port "$id")"
    done
}

down() {
    for id in "${node_ids[@]}"; do
        local pid
        if ! pid=$(running_pid "$id"); then
            echo "node $id is not running"
            rm -f "$(pid_file "$id")"
            continue
        fi
        kill -TERM "$pid"
        local waited=0
        while [ -d "/proc/$pid" ] && [ "$waited" -lt $((stop_timeout_s * 10)) ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
        if [ -d "/proc/$pid" ]; then
            echo "node $id (pid $pid) did not exit within ${stop_timeout_s} s of SIGTERM; sending SIGKILL"
            kill -KILL "$pid"
        fi
        rm -f "$(pid_file "$id")"
        echo "stopped node $id (pid $pid)"
    done
}

status() {
    for id in "${node_ids[@]}"; do
        local pid endpoint="http://127.0.0.1:$(sqs_port "$id")"
        if pid=$(running_pid "$id"); then
            if responds "$id"; then
                echo "node $id: running (pid $pid), $endpoint responds to ListQueues"
            else
                # ListQueues needs a leader of the metadata group, so a node
                # does not respond while a majority of the nodes is down.
                echo "node $id: running (pid $pid), $endpoint does not respond to ListQueues within 2 s"
            fi
        else
            echo "node $id: not running"
        fi
    done
}

command=${1:-}
shift || true
case "$command" in
    up) up "$@" ;;
    down) down ;;
    status) status ;;
    *)
        echo "usage: $0 up [sluice serve flags...] | down | status" >&2
        exit 2
        ;;
esac

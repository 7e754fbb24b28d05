#!/usr/bin/env bash
# Build Sluice and run one node with the embedded default configuration:
# SQS endpoint on http://127.0.0.1:9324, data in ./sluice-data.
# Extra arguments go to `sluice serve` (see `sluice serve --help`).
set -euo pipefail
cd "$(dirname "$0")/../.."

# bindgen (for RocksDB) needs libclang; install it once, as root, on Debian.
if ! ldconfig -p 2>/dev/null | grep -q libclang; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        apt-get install -y -qq libclang-dev
    else
        echo "libclang is missing: run 'sudo apt-get install -y libclang-dev' first" >&2
        exit 1
    fi
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}
# The first build compiles RocksDB from source (about 20 minutes on 2 cores).
cargo build --workspace --bins
exec "$CARGO_TARGET_DIR/debug/sluice" serve "$@"

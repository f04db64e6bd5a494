#!/usr/bin/env bash
# Issue 10's benchmark: post-mortem dumps of the batch job (examples/batch,
# the program): what writing the dump adds to the failing run, the dump's
# size, how long `cargo autopsy open` takes to reach the prompt, and a
# program holding a 100 MB Vec in a local against the memory cap.
#
#   bash bench/dumps.sh          # BENCH_ROUNDS=N to change the rounds (7)
#
# Builds the workspace's batch-job and cargo-autopsy, and bench/dumps/bigvec
# under target/bench/dumps. Prints a table with PASS/FAIL against each
# bound; exits 1 on a FAIL.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
echo "building batch-job and cargo-autopsy..." >&2
cargo build -q -p batch-job --bin batch-job
cargo build -q -p autopsy --bin cargo-autopsy
CRATE="$REPO/target/bench/dumps/bigvec"
mkdir -p "$CRATE/src"
sed "s|@HARNESS@|$REPO/harness|" "$REPO/bench/dumps/bigvec/Cargo.toml.in" > "$CRATE/Cargo.toml"
cp "$REPO/bench/dumps/bigvec/src/main.rs" "$CRATE/src/main.rs"
cp "$REPO/Cargo.lock" "$CRATE/Cargo.lock"
echo "building bigvec..." >&2
(cd "$CRATE" && CARGO_TARGET_DIR="$REPO/target/bench/dumps/target" cargo build -q)
python3 "$REPO/bench/dumps/bench.py" \
    "$REPO/target/debug/batch-job" \
    "$REPO/target/debug/cargo-autopsy" \
    "$REPO/target/bench/dumps/target/debug/bigvec" \
    "$REPO/examples/batch/data/nightly.txt"

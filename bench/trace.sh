#!/usr/bin/env bash
# Issue 4's benchmark: the cost of #[autopsy::test]'s instrumentation when
# nobody is tracing (dev and release profiles), and the latency of `n` under
# --trace on bench/pdb's large-debug-info binary.
#
#   bash bench/trace.sh          # BENCH_ROUNDS=N to change the rounds (7)
#   BENCH_TRACE_OVERHEAD_ONLY=1 bash bench/trace.sh   # skip bench/pdb's binary
#                                # and the `n` latency rows (while iterating)
#
# Builds target/bench/trace/crate (from bench/trace/crate) in dev and release,
# and bench/pdb's crate (shared with bench/pdb.sh; the first build takes
# several minutes). Needs python3, readelf, objdump.
# Prints a table with PASS/FAIL against each bound; exits 1 on a FAIL.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in python3 readelf; do
    command -v "$tool" >/dev/null || { echo "bench/trace: $tool is needed" >&2; exit 2; }
done

# The overhead crate.
OV_CRATE="$REPO/target/bench/trace/crate"
mkdir -p "$OV_CRATE/tests"
sed "s|@HARNESS@|$REPO/harness|" "$REPO/bench/trace/crate/Cargo.toml.in" > "$OV_CRATE/Cargo.toml.new"
cmp -s "$OV_CRATE/Cargo.toml.new" "$OV_CRATE/Cargo.toml" || cp "$OV_CRATE/Cargo.toml.new" "$OV_CRATE/Cargo.toml"
rm -f "$OV_CRATE/Cargo.toml.new"
cmp -s "$REPO/bench/trace/crate/tests/overhead.rs" "$OV_CRATE/tests/overhead.rs" \
    || cp "$REPO/bench/trace/crate/tests/overhead.rs" "$OV_CRATE/tests/overhead.rs"
source "$REPO/bench/pdb/build.sh"
ov_exe() {
    CARGO_TARGET_DIR="$REPO/target/bench/trace/target" test_exe "$OV_CRATE" overhead "$@"
}
echo "building the overhead crate (dev, then release)..." >&2
OV_DEV=$(ov_exe)
OV_REL=$(ov_exe --release)

if [ -n "${BENCH_TRACE_OVERHEAD_ONLY:-}" ]; then
    python3 "$REPO/bench/trace/bench.py" "$OV_DEV" "$OV_REL" - -
else
    big_build
    python3 "$REPO/bench/trace/bench.py" "$OV_DEV" "$OV_REL" "$BIG_DEV" "$BIG_OPT"
fi

#!/usr/bin/env bash
# Issue 12's benchmark: what users pay per run and per test, autopsy against
# libtest on the same generated source, side by side in one run.
#
#   bash bench/speed.sh          # --rounds N (7), --nextest-rounds N (3), --compile-rounds N (3),
#                                # --quick, --only run|compile
#
# Generates one crate per harness under target/bench/speed/ from ONE generator
# (2,000 and 20,000 trivial tests, 500 realistic tests with loops, matches,
# closures and collections, 200 chatty tests printing 10,000 lines each),
# builds them (dev profile; the first build takes several minutes), then
# prints each run-time row of issue 12's table: libtest's median, autopsy's,
# the ratio and the goal with PASS/FAIL. Then the compile-time rows
# (bench/speed/compiletime.py: 300 realistic tests, cargo check and a rebuild
# after an edit, clean builds, rustc's peak memory, binary sizes).
# Needs python3, and cargo-nextest for its row. Exits 1 on a FAIL.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "bench/speed: python3 is needed" >&2; exit 2; }
exec python3 "$REPO/bench/speed/bench.py" "$@"

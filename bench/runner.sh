#!/usr/bin/env bash
# Issue 2's benchmark: a whole run of 2000 trivial passing tests under
# autopsy, side by side with libtest and cargo-nextest on the same tests.
#
#   bash bench/runner.sh         # --rounds N (10), --nextest-rounds N (3), --tests N (2000)
#
# Generates and builds target/bench/runner/bench_{libtest,autopsy} (dev
# profile; the first build takes a minute or two). Needs python3, and
# cargo-nextest for its column. Prints the minimum wall times, the ratios with
# PASS/FAIL against their bounds (autopsy/libtest <= 2, nextest/autopsy >= 10)
# and the autopsy run's peak memory; exits 1 on a FAIL.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "bench/runner: python3 is needed" >&2; exit 2; }
exec python3 "$REPO/bench/runner/bench.py" "$@"

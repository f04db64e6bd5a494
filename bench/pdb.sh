#!/usr/bin/env bash
# Issue 3's benchmark: post-mortem latency and memory on a test binary with
# over 100 MB of debug info, side by side with rust-gdb.
#
#   bash bench/pdb.sh            # BENCH_ROUNDS=N to change the rounds (7)
#
# Builds target/bench/pdb/crate (from bench/pdb/crate) twice: the default dev
# profile, and with [profile.dev.package.autopsy] opt-level = 3. The first
# build takes several minutes. Needs python3, readelf, strace, rust-gdb (gdb).
# Prints a table with PASS/FAIL against each bound; exits 1 on a FAIL.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in python3 readelf strace; do
    command -v "$tool" >/dev/null || { echo "bench/pdb: $tool is needed (apt-get install ${tool/readelf/binutils})" >&2; exit 2; }
done
command -v rust-gdb >/dev/null && command -v gdb >/dev/null \
    || echo "bench/pdb: gdb is not installed (apt-get install gdb): the side-by-side row will FAIL" >&2
source "$REPO/bench/pdb/build.sh"
big_build
python3 "$REPO/bench/pdb/bench.py" "$BIG_DEV" "$BIG_OPT"

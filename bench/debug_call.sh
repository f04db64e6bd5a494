#!/usr/bin/env bash
# Issue 9's bound on `p` through a value's own Debug impl (median < 50 ms):
# opens the prompt on tests/fixtures/debug_impl.rs's `own_impls`, times 37
# `p` commands (write the line, wait for the next prompt) through the impls,
# and 37 with calls off (AUTOPSY_CALLS=0, the memory reader), and prints:
#
#   p through the impl: median N ms (min, max) ...; memory reader: median M ms
#   one isolated call with 512 MiB resident: median N ms, min M ms
#
#   bash bench/debug_call.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
cargo test -q --test debug_impl -- p_through_the_impl_takes_under_50_ms_median --nocapture 2>&1 \
    | grep -E '^p through the impl|test result|panicked'
# The fork copies page tables: one call in a process with 512 MiB resident.
cargo test -q -p autopsy --lib -- --ignored --nocapture fork_cost 2>&1 \
    | grep -E '^one isolated call|test result|panicked'

#!/usr/bin/env bash
# Builds main.rs against flag.rs at opt-level 0 and 3 with plain rustc into
# target/bench/check-codegen and prints min-of-7 timings and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); out="$here/../../../target/bench/check-codegen"; mkdir -p "$out"
for o in 0 3; do
    rustc --edition 2021 -g -C opt-level=$o --crate-type rlib "$here/flag.rs" -o "$out/libflag$o.rlib"
    rustc --edition 2021 -g -C opt-level=$o "$here/main.rs" --extern flag="$out/libflag$o.rlib" -o "$out/main$o"
    echo "opt-level=$o"; "$out/main$o"
done

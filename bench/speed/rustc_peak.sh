#!/usr/bin/env bash
# RUSTC_WORKSPACE_WRAPPER for bench/speed/compiletime.py: runs rustc under
# /usr/bin/time and appends its peak resident size (KiB) to $RUSTC_PEAK_LOG.
out=$(mktemp)
/usr/bin/time -o "$out" -f %M "$@"
rc=$?
tail -n 1 "$out" >> "$RUSTC_PEAK_LOG"
rm -f "$out"
exit $rc

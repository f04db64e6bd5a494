"""Issue 4's benchmark: run by bench/trace.sh.

usage: bench.py OVERHEAD_DEV OVERHEAD_RELEASE BIG_DEV BIG_OPT
       (BIG_DEV and BIG_OPT `-`: only the overhead rows)
env:   BENCH_ROUNDS (default 7)
"""

import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pdb"))
from measure import Table, base_env, debug_sections, latencies, run  # noqa: E402

OV = {"dev": sys.argv[1], "release": sys.argv[2]}
BIG = {"dev": sys.argv[3], "opt": sys.argv[4]}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
NS_RE = re.compile(r"bench-ns (\w+) (\d+)")

t = Table()


def die(msg, out=""):
    print(out)
    sys.exit(f"bench/trace: {msg}")


# --- instrumentation overhead, not tracing ---------------------------------
# Each body is stamped out COPIES times (tests/overhead.rs): code placement
# alone moves a hot loop by more than the bound, so the fastest instrumented
# copy is compared with the fastest plain copy.
COPIES = 4
BODIES = (("instrumented", "plain", "tight arithmetic (worst case)"),
          ("instrumented_mixed", "plain_mixed", "calls + Vec + branch"))
NAMES = [f"{n}_{k}" for b in BODIES for n in b[:2] for k in range(COPIES)]
ns = {p: {n: [] for n in NAMES} for p in OV}
for i in range(ROUNDS):
    for p, b in OV.items():
        for name in NAMES:
            r = run(b, ["--exact", name, "--nocapture"], base_env())
            m = NS_RE.search(r["out"])
            if not m or r["rc"] != 0:
                die(f"{p}: no bench-ns line from {name}", r["out"])
            ns[p][name].append(int(m.group(2)))
    print(f"round {i + 1} (ms): " + "; ".join(
        f"{p} " + ", ".join(f"{n} {ns[p][n][-1] / 1e6:.1f}" for n in NAMES) for p in OV), flush=True)


def best(p, prefix):
    """Per copy, the minimum over rounds; then the fastest copy."""
    per_copy = [min(ns[p][f"{prefix}_{k}"]) for k in range(COPIES)]
    return min(per_copy), max(per_copy)


for a, b, what in BODIES:
    for p in OV:
        (ins, _), (pl, _) = best(p, a), best(p, b)
        ratio = ins / pl
        t.row(f"10^8 stmts, {what}, {p}: instrumented / plain (best of {COPIES} copies)",
              f"{ins / 1e6:.1f} / {pl / 1e6:.1f} ms = {ratio:.3f}", "<= 1.03", ratio <= 1.03)
for a, b, what in BODIES:
    for p in OV:
        lo, hi = best(p, b)
        t.row(f"control, {what}, {p}: slowest / fastest plain copy (layout noise)",
              f"{hi / 1e6:.1f} / {lo / 1e6:.1f} ms = {hi / lo:.3f}", "(info)")

# What the dev profile emits (objdump): the `#[autopsy::test]` body is the
# code of the same body in a plain function (stops are breakpoints planted
# only while tracing).
try:
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", OV["dev"]],
                         capture_output=True, text=True, check=True).stdout

    def body_of(name):
        m = re.search(r"^[0-9a-f]+ <overhead::%s>:\n(.*?)\n\n" % name, dis, re.S | re.M)
        return [l.split(":", 1)[1].strip() for l in (m.group(1).splitlines() if m else []) if ":" in l]
    ins, pl = body_of("instrumented_0"), body_of("plain_0::body")
    calls = lambda ls: len([l for l in ls if l.startswith("call")])
    print("\ndev profile (objdump -d): overhead::instrumented_0 %d instructions, %d calls; "
          "overhead::plain_0::body %d instructions, %d calls" % (len(ins), calls(ins), len(pl), calls(pl)))
except (OSError, subprocess.CalledProcessError) as e:
    print(f"(objdump unavailable: {e})")

# --- `n` latency on the large-debug-info binary ---------------------------
if BIG["dev"] == "-":
    t.print("bench/trace: issue 4 (instrumentation overhead only; `n` latency skipped)")
    sys.exit(1 if t.failed else 0)
print(f"\nlarge-debug-info binary: {sum(debug_sections(BIG['dev']).values()) / 1e6:.1f} MB of .debug_*")
STEPS = 5
for label, b in BIG.items():
    per_n = [[] for _ in range(STEPS)]
    for i in range(ROUNDS):
        r = run(b, ["--trace", "--exact", "steps"], base_env(AUTOPSY_LATENCY=1), "n\n" * STEPS + "c\n")
        ls = latencies(r["out"])
        # The first stop (the test's start, where the debug info is loaded)
        # prints no latency line; one line per `n` follows.
        if len(ls) < STEPS:
            die(f"{label}: expected {STEPS} autopsy-latency-ms lines, got {ls}", r["out"])
        for k in range(STEPS):
            per_n[k].append(ls[k])
        print(f"{label} round {i + 1}: n -> " + ", ".join(f"{x:.1f}" for x in ls[:STEPS]) + " ms", flush=True)
    if label == "dev":
        print("\nlast round's session:")
        print("\n".join("  | " + l for l in r["out"].splitlines() if l.strip()))
    mins = [min(x) for x in per_n]
    worst = max(max(x) for x in per_n)
    t.row(f"`n` #1, {label} (min / max of {ROUNDS})", f"{mins[0]:.2f} / {max(per_n[0]):.2f} ms", "< 20 ms", mins[0] < 20)
    steady = [x for k in range(1, STEPS) for x in per_n[k]]
    t.row(f"`n` #2-#{STEPS} steady state, {label} (min / median / max)",
          f"{min(steady):.2f} / {statistics.median(steady):.2f} / {max(steady):.2f} ms", "< 20 ms each",
          max(mins[1:]) < 20)

t.print("bench/trace: issue 4 (instrumentation overhead, `n` latency)")
sys.exit(1 if t.failed else 0)

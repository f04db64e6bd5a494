"""Issue 4's benchmark: run by bench/trace.sh.

usage: bench.py OVERHEAD_DEV OVERHEAD_RELEASE BIG_DEV BIG_OPT
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
ns = {p: {"instrumented": [], "plain": []} for p in OV}
for i in range(ROUNDS):
    for p, b in OV.items():
        for name in ("instrumented", "plain"):
            r = run(b, ["--exact", name, "--nocapture"], base_env())
            m = NS_RE.search(r["out"])
            if not m or r["rc"] != 0:
                die(f"{p}: no bench-ns line from {name}", r["out"])
            ns[p][name].append(int(m.group(2)))
    print(f"round {i + 1}: " + "; ".join(
        f"{p} instrumented {ns[p]['instrumented'][-1] / 1e6:.1f} ms, plain {ns[p]['plain'][-1] / 1e6:.1f} ms"
        for p in OV), flush=True)
for p in OV:
    ins, pl = min(ns[p]["instrumented"]), min(ns[p]["plain"])
    ratio = ins / pl
    t.row(f"10^8 statements, {p} profile: instrumented / plain (min)",
          f"{ins / 1e6:.1f} / {pl / 1e6:.1f} ms = {ratio:.3f}", "<= 1.03", ratio <= 1.03)

# What the dev profile's instrumented loop calls per statement.
try:
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", OV["dev"]],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"^[0-9a-f]+ <overhead::instrumented>:\n(.*?)\n\n", dis, re.S | re.M)
    body = m.group(1) if m else ""
    calls = [re.sub(r".*call\s+[0-9a-f]+\s+", "", l).strip() for l in body.splitlines() if "\tcall " in l or " call " in l]
    from collections import Counter
    print("\ndev profile: calls in overhead::instrumented (objdump -d -C):")
    for callee, n in Counter(calls).most_common():
        print(f"  {n:3d}  {callee}")
except (OSError, subprocess.CalledProcessError) as e:
    print(f"(objdump unavailable: {e})")

# --- `n` latency on the large-debug-info binary ---------------------------
print(f"\nlarge-debug-info binary: {sum(debug_sections(BIG['dev']).values()) / 1e6:.1f} MB of .debug_*")
STEPS = 5
for label, b in BIG.items():
    first, per_n = [], [[] for _ in range(STEPS)]
    for i in range(ROUNDS):
        r = run(b, ["--trace", "--exact", "steps"], base_env(AUTOPSY_LATENCY=1), "n\n" * STEPS + "c\n")
        ls = latencies(r["out"])
        if len(ls) < STEPS + 1:
            die(f"{label}: expected {STEPS + 1} autopsy-latency-ms lines, got {ls}", r["out"])
        first.append(ls[0])
        for k in range(STEPS):
            per_n[k].append(ls[1 + k])
        print(f"{label} round {i + 1}: first stop {ls[0]:.1f} ms; n: " + ", ".join(f"{x:.2f}" for x in ls[1:1 + STEPS]),
              flush=True)
    if label == "dev":
        print("\nlast round's session:")
        print("\n".join("  | " + l for l in r["out"].splitlines() if l.strip()))
    t.row(f"--trace first stop (loads debug info), {label} (min)", f"{min(first):.1f} ms", "(info)")
    mins = [min(x) for x in per_n]
    worst = max(max(x) for x in per_n)
    t.row(f"`n` #1, {label} (min / max of {ROUNDS})", f"{mins[0]:.2f} / {max(per_n[0]):.2f} ms", "< 20 ms", mins[0] < 20)
    steady = [x for k in range(1, STEPS) for x in per_n[k]]
    t.row(f"`n` #2-#{STEPS} steady state, {label} (min / median / max)",
          f"{min(steady):.2f} / {statistics.median(steady):.2f} / {max(steady):.2f} ms", "< 20 ms each",
          max(mins[1:]) < 20)

t.print("bench/trace: issue 4 (instrumentation overhead, `n` latency)")
sys.exit(1 if t.failed else 0)

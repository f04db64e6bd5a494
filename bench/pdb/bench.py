"""Issue 3's benchmark: run by bench/pdb.sh with the two built binaries.

usage: bench.py BIG_DEV BIG_OPT
env:   BENCH_ROUNDS (default 7)
"""

import os
import re
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import Table, base_env, debug_sections, fmt_mb, latencies, run, strace_opens  # noqa: E402

DEV, OPT = sys.argv[1], sys.argv[2]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
FAIL = "nightly_batch"
PASS = "nightly_batch_ok"
PDB_ARGS = ["--pdb", "--exact", FAIL]


def die(msg, out=""):
    print(out)
    sys.exit(f"bench/pdb: {msg}")


def stats(xs):
    return f"min {min(xs):.1f}  median {statistics.median(xs):.1f}"


t = Table()

# --- debug info -----------------------------------------------------------
sizes = {}
for label, b in (("dev", DEV), ("opt", OPT)):
    secs = debug_sections(b)
    sizes[label] = sum(secs.values())
    print(f"{label}: {b}")
    print("  " + "  ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(secs.items(), key=lambda kv: -kv[1])) + "  (MB)")
for label in ("dev", "opt"):
    t.row(f"debug info (.debug_* total), {label} build", f"{sizes[label] / 1e6:.1f} MB", ">= 100 MB",
          sizes[label] >= 100e6)

# --- sanity: the prompt opens in load() with the locals -------------------
for label, b in (("dev", DEV), ("opt", OPT)):
    r = run(b, PDB_ARGS, base_env(), "p key\np config\nc\n")
    if "(autopsy) " not in r["out"] or '"timeout"' not in r["out"] or "load()" not in r["out"]:
        die(f"{label}: the post-mortem prompt did not open in load() with key = \"timeout\"", r["out"])
print("\nsanity (dev build, `p key`, `p config` at the prompt):")
print("\n".join("  | " + l for l in run(DEV, PDB_ARGS, base_env(), "p key\np config\nc\n")["out"].splitlines()
                if l.strip() and not l.startswith("running")))

# --- panic -> prompt latency, side by side with rust-gdb -------------------
lat = {"dev": [], "opt": []}
gdb = []
gdb_out = f"/tmp/autopsy-bench-gdb-{os.getpid()}.txt"
have_gdb = shutil.which("rust-gdb") is not None
for i in range(ROUNDS):
    for label, b in (("dev", DEV), ("opt", OPT)):
        r = run(b, PDB_ARGS, base_env(AUTOPSY_LATENCY=1), "c\n")
        ls = latencies(r["out"])
        if not ls:
            die(f"{label}: no autopsy-latency-ms line", r["out"])
        lat[label].append(ls[0])
    if have_gdb:
        r = run(DEV, ["--ignored", "--exact", "gdb_attach", "--nocapture"],
                base_env(BENCH_GDB_OUT=gdb_out), "")
        text = open(gdb_out).read() if os.path.exists(gdb_out) else ""
        m = re.search(r"gdb-latency-ms: ([0-9.]+)", text)
        if not m or not re.search(r'key = "timeout"', text):
            die("rust-gdb did not print the failing frame's locals", text + "\n" + r["out"])
        gdb.append(float(m.group(1)))
    print(f"round {i + 1}: autopsy dev {lat['dev'][-1]:.1f} ms, opt {lat['opt'][-1]:.1f} ms"
          + (f", rust-gdb {gdb[-1]:.0f} ms" if gdb else ""), flush=True)
if have_gdb:
    print("\nrust-gdb's answer, last round (attached from the panic hook):")
    lines = open(gdb_out).read().splitlines()
    at = max((i for i, l in enumerate(lines) if " in big::load (" in l), default=0)
    print("  | (bt: %d frames)" % sum(1 for l in lines if l.startswith("#")))
    print("\n".join("  | " + l for l in lines[at:]))
    os.unlink(gdb_out)

print(f"\npanic->prompt ms over {ROUNDS} rounds: dev {stats(lat['dev'])}; opt {stats(lat['opt'])}"
      + (f"; rust-gdb {stats(gdb)}" if gdb else ""))
t.row("panic -> prompt, default dev profile (min)", f"{min(lat['dev']):.1f} ms", "<= 300 ms", min(lat["dev"]) <= 300)
t.row("panic -> prompt, autopsy opt-level=3 (min)", f"{min(lat['opt']):.1f} ms", "<= 100 ms", min(lat["opt"]) <= 100)
if gdb:
    t.row("rust-gdb -p from the panic hook -> locals (min)", f"{min(gdb):.0f} ms", "(2.5-3.2 s in notes)")
    for label in ("dev", "opt"):
        ratio = min(gdb) / min(lat[label])
        t.row(f"rust-gdb / autopsy, {label}", f"{ratio:.1f}x", ">= 10x", ratio >= 10)
else:
    t.row("rust-gdb side by side", "rust-gdb not installed", ">= 10x", False)

# --- a failure without --pdb parses no debug info -------------------------
nopdb = strace_opens(DEV, ["--exact", FAIL], base_env())
ctrl = strace_opens(DEV, ["--showlocals", "--exact", FAIL], base_env())
print("\nopens of the test binary (/proc/self/exe or its path), strace -f:")
print(f"  failing test, no flags:        {len(nopdb)}" + "".join("\n    " + h for h in nopdb))
print(f"  failing test, --showlocals:    {len(ctrl)} (control)" + "".join("\n    " + h for h in ctrl[:3]))
t.row("failing test w/o --pdb: opens of its own binary", str(len(nopdb)), "0 (control --showlocals: "
      f"{len(ctrl)})", len(nopdb) == 0 and len(ctrl) > 0)

runs = {"fail": [], "pass": [], "pdb": []}
hwm = []
for i in range(ROUNDS):
    runs["fail"].append(run(DEV, ["--exact", FAIL], base_env()))
    runs["pass"].append(run(DEV, ["--exact", PASS], base_env()))
    r = run(DEV, PDB_ARGS, base_env(), "c\n", sample_at_prompt=True)
    runs["pdb"].append(r)
    if r["hwm_at_prompt_kb"]:
        hwm.append(r["hwm_at_prompt_kb"])
for k in ("fail", "pass"):
    if k == "fail" and any(r["rc"] == 0 for r in runs[k]) or k == "pass" and any(r["rc"] != 0 for r in runs[k]):
        die(f"unexpected exit status for the {k}ing test", runs[k][0]["out"])
rss = {k: min(r["maxrss_kb"] for r in v) for k, v in runs.items()}
wall = {k: min(r["wall_s"] for r in v) * 1000 for k, v in runs.items()}
print(f"\ndev build, min of {ROUNDS}: wall ms fail {wall['fail']:.1f} / pass {wall['pass']:.1f} / --pdb {wall['pdb']:.1f};"
      f" peak RSS fail {fmt_mb(rss['fail'])} / pass {fmt_mb(rss['pass'])} / --pdb {fmt_mb(rss['pdb'])}"
      + (f"; worker VmHWM at the prompt {fmt_mb(min(hwm))}" if hwm else ""))
t.row("failing vs passing test w/o --pdb: peak RSS", f"{fmt_mb(rss['fail'])} vs {fmt_mb(rss['pass'])}",
      "< +5 MiB", rss["fail"] - rss["pass"] < 5 * 1024)
t.row("failing vs passing test w/o --pdb: wall time", f"{wall['fail']:.1f} vs {wall['pass']:.1f} ms", "(info)")

# --- added peak memory of a post-mortem ------------------------------------
added = {}
for label, b in (("dev", DEV), ("opt", OPT)):
    with_pdb = min(run(b, PDB_ARGS, base_env(), "c\n")["maxrss_kb"] for _ in range(3))
    without = min(run(b, ["--exact", FAIL], base_env())["maxrss_kb"] for _ in range(3))
    added[label] = with_pdb - without
    t.row(f"added peak RSS of a post-mortem, {label}", f"{fmt_mb(added[label])} ({fmt_mb(without)} -> {fmt_mb(with_pdb)})",
          f"< debug info {sizes[label] / 2**20:.1f} MiB", added[label] * 1024 < sizes[label])

t.print("bench/pdb: issue 3 (post-mortem speed and memory)")
sys.exit(1 if t.failed else 0)

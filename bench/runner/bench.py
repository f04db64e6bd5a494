#!/usr/bin/env python3
"""The runner benchmark (issue 2, "Speed").

Generates two crates with the same N trivial passing tests, one for libtest
(`#[test]`) and one for autopsy (`#[autopsy::test]` + `autopsy::main!()`),
builds both (dev profile) into target/bench/runner, then measures side by side,
interleaved, the minimum wall time of:

  libtest   the libtest test binary run directly
  autopsy   the autopsy test binary run directly
  nextest   `cargo nextest run` on the libtest crate (fewer rounds: it is slow)

and prints the ratios against their bounds (autopsy/libtest <= 2.0,
nextest/autopsy >= 10) and the autopsy run's peak memory. Exits 1 when a
bound fails, 2 when something could not be built or run.

Usage: bash bench/runner.sh [--tests N] [--rounds R] [--nextest-rounds R]
Runnable from a fresh clone: needs cargo, and cargo-nextest for its column.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "target", "bench", "runner")
TARGET = os.path.join(BENCH, "target")

AUTOPSY_BOUND = 2.0  # autopsy / libtest must be at most this
NEXTEST_BOUND = 10.0  # nextest / autopsy must be at least this


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


def suite(n, attr):
    """N trivial tests in modules of 100, named as a real suite would be."""
    out = []
    per = 100
    for m in range((n + per - 1) // per):
        out.append(f"mod group{m:02} {{\n")
        for i in range(m * per, min(n, (m + 1) * per)):
            out.append(f"    {attr}\n    fn test_{i:04}() {{\n        assert_eq!({i} + 1, {i + 1});\n    }}\n\n")
        out.append("}\n\n")
    return "".join(out)


def make_crates(n):
    lock = open(os.path.join(ROOT, "Cargo.lock")).read()
    crates = {}
    for kind in ("libtest", "autopsy"):
        d = os.path.join(BENCH, f"bench_{kind}")
        if kind == "libtest":
            toml = f'[package]\nname = "bench_{kind}"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[workspace]\n'
            body = suite(n, "#[test]")
        else:
            harness = os.path.join(ROOT, "harness")
            toml = (
                f'[package]\nname = "bench_{kind}"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
                f'[workspace]\n\n[dev-dependencies]\nautopsy = {{ path = "{harness}" }}\n\n'
                f'[[test]]\nname = "suite"\nharness = false\n'
            )
            body = suite(n, "#[autopsy::test]") + "autopsy::main!();\n"
            # The workspace's lock file: the same versions, no resolution.
            write_if_changed(os.path.join(d, "Cargo.lock"), lock)
        write_if_changed(os.path.join(d, "Cargo.toml"), toml)
        write_if_changed(os.path.join(d, "src", "lib.rs"), "//! Benchmark crate.\n")
        write_if_changed(os.path.join(d, "tests", "suite.rs"), body)
        crates[kind] = d
    return crates


def env():
    e = dict(os.environ)
    e["CARGO_TARGET_DIR"] = TARGET
    for k in list(e):
        if k.startswith("AUTOPSY_") or k in ("RUST_TEST_THREADS", "RUST_BACKTRACE", "NO_COLOR"):
            del e[k]
    return e


def build(crate):
    """Builds the crate's test binary; returns its path."""
    cmd = ["cargo", "test", "--no-run", "--message-format=json", "-q", "--test", "suite"]
    p = subprocess.run(cmd, cwd=crate, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench: building {crate} failed")
    exe = None
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("executable"):
            exe = msg["executable"]
    if not exe:
        sys.exit(f"bench: no test executable for {crate}")
    return exe


def timed(cmd, cwd=None):
    """Wall time of one run and its rusage (the whole process tree, waited)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited with {p.returncode}")
    return wall, usage


def check_output(exe, n):
    """One untimed run that must report every test passed."""
    p = subprocess.run([exe], env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    want = f"test result: ok. {n} passed; 0 failed;"
    if p.returncode != 0 or want not in p.stdout:
        sys.stderr.write(p.stdout[-2000:] + p.stderr[-2000:])
        sys.exit(f"bench: {exe} did not pass all {n} tests")


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def sampled_peaks(exe):
    """Peak RSS (VmHWM) of the coordinator and of its workers, sampled from
    /proc while one untimed run goes on (VmHWM only grows, so the last sample
    before a process exits is close to its peak)."""
    p = subprocess.Popen([exe], env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    coord, workers = 0, {}
    while p.poll() is None:
        hwm = status_kb(p.pid, "VmHWM")
        if hwm:
            coord = max(coord, hwm)
        try:
            kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
        except OSError:
            kids = []
        for k in kids:
            hwm = status_kb(k, "VmHWM")
            if hwm:
                workers[k] = max(workers.get(k, 0), hwm)
        time.sleep(0.0005)
    return coord, (max(workers.values()) if workers else None), len(workers)


def exact_peak(exe):
    """The largest peak RSS among the run's processes, as the kernel counts it
    (wait4 folds in the waited-for workers), through /usr/bin/time so that the
    forked Python's own size before exec does not count."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M", exe], env=env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        return int(p.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--nextest-rounds", type=int, default=3)
    a = ap.parse_args()

    crates = make_crates(a.tests)
    print(f"bench: {a.tests} trivial tests per suite, building into {os.path.relpath(TARGET, ROOT)} ...", flush=True)
    exes = {k: build(c) for k, c in crates.items()}
    for exe in exes.values():
        check_output(exe, a.tests)
    nextest = shutil.which("cargo-nextest")
    if nextest:
        # Build nextest's view once so its timed runs do not compile.
        subprocess.run(["cargo", "nextest", "run", "--no-run"], cwd=crates["libtest"], env=env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    times = {"libtest": [], "autopsy": [], "nextest": []}
    for r in range(a.rounds):
        for kind in ("libtest", "autopsy"):
            wall, _ = timed([exes[kind]])
            times[kind].append(wall)
        if nextest and r < a.nextest_rounds:
            wall, _ = timed(["cargo", "nextest", "run", "--no-fail-fast", "--color", "never"], cwd=crates["libtest"])
            times["nextest"].append(wall)
    coord_kb, worker_kb, nworkers = sampled_peaks(exes["autopsy"])
    tree_kb = exact_peak(exes["autopsy"])

    best = {k: min(v) for k, v in times.items() if v}
    rows = [
        ("libtest (binary run directly)", "libtest"),
        ("autopsy (binary run directly)", "autopsy"),
        ("cargo nextest run (libtest crate)", "nextest"),
    ]
    print()
    print(f"{'runner':<36} {'runs':>5} {'min wall':>10} {'median':>10}")
    for label, k in rows:
        if k in best:
            v = sorted(times[k])
            print(f"{label:<36} {len(v):>5} {best[k]:>9.3f}s {v[len(v) // 2]:>9.3f}s")
        else:
            print(f"{label:<36} {'-':>5} {'(cargo-nextest not installed)':>21}")
    print()
    failed = False
    ratio = best["autopsy"] / best["libtest"]
    ok = ratio <= AUTOPSY_BOUND
    failed |= not ok
    print(f"autopsy / libtest = {ratio:6.2f}   (bound <= {AUTOPSY_BOUND})   {'PASS' if ok else 'FAIL'}")
    if "nextest" in best:
        ratio = best["nextest"] / best["autopsy"]
        ok = ratio >= NEXTEST_BOUND
        failed |= not ok
        print(f"nextest / autopsy = {ratio:6.1f}   (bound >= {NEXTEST_BOUND:g})    {'PASS' if ok else 'FAIL'}")
    else:
        print("nextest / autopsy = n/a      (cargo-nextest not installed)   SKIPPED")
    print()
    print("peak RSS of the autopsy run:")
    if tree_kb:
        print(f"  largest process of the run (/usr/bin/time)   {tree_kb / 1024:7.1f} MiB")
    print(f"  coordinator (VmHWM, sampled)                 {coord_kb / 1024:7.1f} MiB")
    if worker_kb:
        print(f"  largest of {nworkers} worker(s) (VmHWM, sampled)      {worker_kb / 1024:7.1f} MiB")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

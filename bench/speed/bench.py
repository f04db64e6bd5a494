#!/usr/bin/env python3
"""The speed benchmark (issue 12): run-time rows, autopsy against libtest.

One generator writes the same tests twice: `#[test]` for libtest and
`#[autopsy::test]` + `autopsy::main!()` (harness = false) for autopsy. Each
crate has four test targets:

  trivial2k   2,000 trivial tests
  trivial20k  20,000 trivial tests
  realistic   500 tests with loops, matches, closures and collections
  chatty      200 tests printing 10,000 lines each; they fail when
              SPEED_CHATTY_FAIL is set (so the output is shown)

Measurements are interleaved (libtest, autopsy, libtest, ...) and the row
uses the median of each side. Memory is the summed PSS (smaps_rollup) of the
run's whole process tree, sampled, its largest sample.

Usage: bash bench/speed.sh [--rounds R] [--nextest-rounds R] [--quick]
Exits 1 when a goal fails, 2 when something could not be built or run.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "target", "bench", "speed")
TARGET = os.path.join(BENCH, "target")
KINDS = ("libtest", "autopsy")


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


# ---------------------------------------------------------------- generator

def trivial(n, attr):
    """N trivial tests in modules of 100, named as a real suite would be."""
    out = []
    per = 100
    for m in range((n + per - 1) // per):
        out.append(f"mod group{m:03} {{\n")
        for i in range(m * per, min(n, (m + 1) * per)):
            out.append(f"    {attr}\n    fn test_{i:05}() {{\n        assert_eq!({i} + 1, {i + 1});\n    }}\n\n")
        out.append("}\n\n")
    return "".join(out)


REALISTIC_SHAPES = [
    # loops over a collection, a closure, a match
    """    {attr}
    fn orders_{i:04}() {{
        let mut totals: HashMap<&str, u64> = HashMap::new();
        let items = vec![("apple", 3u64), ("pear", {i} % 7 + 1), ("plum", 5)];
        for round in 0..50u64 {{
            for (name, qty) in &items {{
                *totals.entry(name).or_default() += qty * (round % 3 + 1);
            }}
        }}
        let big: Vec<_> = totals.iter().filter(|(_, v)| **v > 100).map(|(k, _)| *k).collect();
        let kind = match big.len() {{
            0 => "none",
            1 | 2 => "some",
            _ => "all",
        }};
        assert!(!kind.is_empty());
        assert_eq!(totals.len(), 3);
    }}
""",
    # string building, an iterator chain, an Option match in a while loop
    """    {attr}
    fn parse_{i:04}() {{
        let text: String = (0..200).map(|n| format!("{{}},", (n * {i} + 1) % 97)).collect();
        let mut fields = text.split(',').filter(|s| !s.is_empty());
        let mut sum = 0u64;
        while let Some(f) = fields.next() {{
            match f.parse::<u64>() {{
                Ok(v) if v % 2 == 0 => sum += v,
                Ok(v) => sum += v * 3,
                Err(_) => panic!("bad field {{f}}"),
            }}
        }}
        let sorted = {{
            let mut v: Vec<u64> = text.split(',').filter_map(|s| s.parse().ok()).collect();
            v.sort_unstable();
            v
        }};
        assert!(sum > 0);
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    }}
""",
    # a small struct, an enum, a BTreeMap, a closure captured by move
    """    {attr}
    fn state_{i:04}() {{
        #[derive(Debug, Clone, PartialEq)]
        enum Ev {{ Add(i64), Sub(i64), Reset }}
        let evs: Vec<Ev> = (0..300)
            .map(|n| match n % 5 {{ 0 => Ev::Reset, 1 | 2 => Ev::Add(n), _ => Ev::Sub(n / 2) }})
            .collect();
        let mut acc = 0i64;
        let mut seen = BTreeMap::new();
        for (k, ev) in evs.iter().enumerate() {{
            acc = match ev {{
                Ev::Add(v) => acc + v,
                Ev::Sub(v) => acc - v,
                Ev::Reset => 0,
            }};
            seen.insert(k % 17, acc);
        }}
        let offset = {i} as i64;
        let shift = move |x: i64| x + offset;
        assert_eq!(shift(0), offset);
        assert_eq!(seen.len(), 17);
    }}
""",
]


def realistic(n, attr):
    out = ["use std::collections::{BTreeMap, HashMap};\n\n"]
    per = 50
    for m in range((n + per - 1) // per):
        out.append(f"mod area{m:02} {{\n    use super::*;\n\n")
        for i in range(m * per, min(n, (m + 1) * per)):
            out.append(REALISTIC_SHAPES[i % len(REALISTIC_SHAPES)].format(attr=attr, i=i))
            out.append("\n")
        out.append("}\n\n")
    return "".join(out)


def chatty(n, lines, attr):
    out = []
    for i in range(n):
        out.append(
            f"{attr}\nfn chatty_{i:03}() {{\n"
            f"    for line in 0..{lines} {{\n"
            f"        println!(\"chatty_{i:03} line {{line}}: some progress output\");\n"
            f"    }}\n"
            f"    assert!(std::env::var_os(\"SPEED_CHATTY_FAIL\").is_none(), \"asked to fail\");\n"
            f"}}\n\n"
        )
    return "".join(out)


TARGETS = {
    "trivial2k": lambda attr: trivial(2000, attr),
    "trivial20k": lambda attr: trivial(20000, attr),
    "realistic": lambda attr: realistic(500, attr),
    "chatty": lambda attr: chatty(200, 10000, attr),
}


def make_crates():
    lock = open(os.path.join(ROOT, "Cargo.lock")).read()
    crates = {}
    for kind in KINDS:
        d = os.path.join(BENCH, f"speed_{kind}")
        toml = f'[package]\nname = "speed_{kind}"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[workspace]\n\n'
        if kind == "autopsy":
            attr, tail = "#[autopsy::test]", "\nautopsy::main!();\n"
            toml += f'[dev-dependencies]\nautopsy = {{ path = "{os.path.join(ROOT, "harness")}" }}\n\n'
            # The workspace's lock file: the same versions, no resolution.
            write_if_changed(os.path.join(d, "Cargo.lock"), lock)
        else:
            attr, tail = "#[test]", ""
        for name in TARGETS:
            toml += f'[[test]]\nname = "{name}"\npath = "tests/{name}.rs"\n'
            if kind == "autopsy":
                toml += "harness = false\n"
            toml += "\n"
            write_if_changed(os.path.join(d, "tests", f"{name}.rs"), TARGETS[name](attr) + tail)
        write_if_changed(os.path.join(d, "Cargo.toml"), toml)
        write_if_changed(os.path.join(d, "src", "lib.rs"), "//! Benchmark crate.\n")
        crates[kind] = d
    return crates


# ---------------------------------------------------------------- running

def env(extra=None):
    e = dict(os.environ)
    e["CARGO_TARGET_DIR"] = TARGET
    # No incremental caches: they double the disk the 20,000-test builds take.
    e["CARGO_INCREMENTAL"] = "0"
    for k in list(e):
        if k.startswith("AUTOPSY_") or k.startswith("NEXTEST_") or k in (
                "RUST_TEST_THREADS", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE", "NO_COLOR", "SPEED_CHATTY_FAIL"):
            del e[k]
    e.update(extra or {})
    return e


def build(crate):
    """Builds the crate's test binaries; returns {target name: path}."""
    cmd = ["cargo", "test", "--no-run", "--message-format=json", "-q", "--tests"]
    p = subprocess.run(cmd, cwd=crate, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench: building {crate} failed")
    exes = {}
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("executable") and msg.get("target", {}).get("name") in TARGETS:
            exes[msg["target"]["name"]] = msg["executable"]
    missing = set(TARGETS) - set(exes)
    if missing:
        sys.exit(f"bench: no test executable for {sorted(missing)} in {crate}")
    return exes


def timed(cmd, cwd=None, extra=None, expect=0):
    """Wall time of one run (the whole process tree, waited)."""
    start = time.perf_counter()
    # stdin /dev/null, as nextest gives tests (and as a CI job has): the
    # same in every run, wherever the benchmark is started from.
    p = subprocess.Popen(cmd, cwd=cwd, env=env(extra), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, _ = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != expect:
        sys.exit(f"bench: {' '.join(cmd)} exited with {code}, expected {expect}")
    return wall


def check(cmd, want, extra=None, expect=0, cwd=None):
    """One untimed run whose stdout must contain `want`."""
    p = subprocess.run(cmd, env=env(extra), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != expect or want not in p.stdout + p.stderr:
        sys.stderr.write(p.stdout[-2000:] + p.stderr[-2000:])
        sys.exit(f"bench: {' '.join(cmd)} did not print {want!r} (exit {p.returncode})")


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def peak_pss(cmd):
    """The largest summed PSS over the run's process tree, sampled."""
    p = subprocess.Popen(cmd, env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    best, procs = 0, 0
    while p.poll() is None:
        tree = descendants(p.pid)
        total = sum(pss_kb(q) for q in tree)
        if total > best:
            best, procs = total, len(tree)
        time.sleep(0.001)
    return best, procs


# ---------------------------------------------------------------- the rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--nextest-rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="3 rounds, 3 nextest rounds")
    ap.add_argument("--only", choices=("run", "compile"), help="only the run-time or the compile-time rows")
    ap.add_argument("--compile-rounds", type=int, default=3)
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.nextest_rounds, a.compile_rounds = 3, 3, 2

    results = []
    if a.only != "compile":
        results += run_rows(a)
    if a.only != "run":
        import compiletime as compile_rows
        lock = open(os.path.join(ROOT, "Cargo.lock")).read()
        ccrates = compile_rows.make(BENCH, ROOT, realistic, write_if_changed, lock)
        print(f"bench: compile-time rows in {os.path.relpath(BENCH, ROOT)}/compile_* ...", flush=True)
        results += compile_rows.rows(ccrates, a.compile_rounds)

    print()
    print(f"{'what (run: medians; compile: minimums; interleaved)':<52} {'libtest':>10} {'autopsy':>10} {'ratio':>7} {'goal':>7}")
    failed = False
    for label, goal, unit, v in results:
        ratio = v["autopsy"] / v["libtest"]
        ok = ratio <= goal
        failed |= not ok
        if unit == "s" and max(v.values()) < 0.1:
            # One test's start: milliseconds, or the ratio hides in rounding.
            fmt = lambda x: f"{x * 1000:.2f} ms"
        elif unit == "s":
            fmt = lambda x: f"{x:.3f} s"
        else:
            fmt = lambda x, u=unit: f"{x:.1f} {u}"
        print(f"{label:<52} {fmt(v['libtest']):>10} {fmt(v['autopsy']):>10} {ratio:>6.2f}x {'<=' + format(goal, 'g') + 'x':>7}  {'PASS' if ok else 'FAIL'}")
    if a.only != "compile" and not shutil.which("cargo-nextest"):
        print(f"{'cargo nextest run, 500 realistic tests':<52} {'(cargo-nextest not installed)':>30}  SKIPPED")
    print("--trace when nobody traces: the test's code is as compiled without autopsy (stops are breakpoints"
          " planted only while tracing); bench/trace.sh measures it")
    sys.exit(1 if failed else 0)


def run_rows(a):
    """The run-time rows."""
    crates = make_crates()
    print(f"bench: building both suites into {os.path.relpath(TARGET, ROOT)} ...", flush=True)
    exes = {k: build(c) for k, c in crates.items()}
    for k in KINDS:
        check([exes[k]["trivial2k"]], "test result: ok. 2000 passed; 0 failed;")
        check([exes[k]["trivial20k"]], "test result: ok. 20000 passed; 0 failed;")
        check([exes[k]["realistic"]], "test result: ok. 500 passed; 0 failed;")
        check([exes[k]["chatty"]], "test result: ok. 200 passed; 0 failed;")
        check([exes[k]["chatty"]], "chatty_007 line 9999: some progress output",
              extra={"SPEED_CHATTY_FAIL": "1"}, expect=101)
    exact2k = ["--exact", "group010::test_01000"]
    exact20k = ["--exact", "group100::test_10000"]
    for k in KINDS:
        check([exes[k]["trivial2k"]] + exact2k, "test result: ok. 1 passed; 0 failed;")
        check([exes[k]["trivial20k"]] + exact20k, "test result: ok. 1 passed; 0 failed;")
    nextest = shutil.which("cargo-nextest")
    nx = ["cargo", "nextest", "run", "--no-fail-fast", "--color", "never", "--test", "realistic"]
    if nextest:
        for k in KINDS:
            check(nx, "500 tests run: 500 passed", cwd=crates[k])

    # (label, goal, {kind: argv}, extra env, expected exit code, rounds)
    rows = [
        ("2,000 trivial tests, whole run", 1.3, lambda k: [exes[k]["trivial2k"]], None, 0, a.rounds),
        ("20,000 trivial tests, whole run", 1.5, lambda k: [exes[k]["trivial20k"]], None, 0, a.rounds),
        ("one test (--exact) of 2,000", 2.0, lambda k: [exes[k]["trivial2k"]] + exact2k, None, 0, a.rounds * 3),
        ("one test (--exact) of 20,000", 2.0, lambda k: [exes[k]["trivial20k"]] + exact20k, None, 0, a.rounds * 3),
        ("200 chatty tests, passing (captured)", 1.5, lambda k: [exes[k]["chatty"]], None, 0, a.rounds),
        ("200 chatty tests, failing (shown)", 1.5, lambda k: [exes[k]["chatty"]], {"SPEED_CHATTY_FAIL": "1"}, 101, a.rounds),
    ]
    results = []
    for label, goal, argv, extra, expect, rounds in rows:
        t = {k: [] for k in KINDS}
        for _ in range(rounds):
            for k in KINDS:
                t[k].append(timed(argv(k), extra=extra, expect=expect))
        results.append((label, goal, "s", {k: statistics.median(v) for k, v in t.items()}))
    if nextest:
        t = {k: [] for k in KINDS}
        for _ in range(a.nextest_rounds):
            for k in KINDS:
                t[k].append(timed(nx, cwd=crates[k]))
        results.append(("cargo nextest run, 500 realistic tests", 1.2, "s",
                        {k: statistics.median(v) for k, v in t.items()}))
    mem, procs = {}, {}
    for k in KINDS:
        samples = [peak_pss([exes[k]["realistic"], "--test-threads", "8"]) for _ in range(3)]
        mem[k] = max(s[0] for s in samples) / 1024.0
        procs[k] = max(s[1] for s in samples)
    results.append((f"PSS, all processes, --test-threads 8 ({procs['libtest']} / {procs['autopsy']} procs)",
                    3.0, "MiB", mem))

    return results


if __name__ == "__main__":
    main()

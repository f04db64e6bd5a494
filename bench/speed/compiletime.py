"""The compile-time rows of issue 12: what a user pays in the compiler.

One crate per harness under target/bench/speed/compile_{libtest,autopsy,dylib}/,
each with one test target of 300 realistic tests from bench.py's generator,
built in its own target directory with cargo's defaults (incremental on for
the dev profile, as users have it):

  cargo check after editing one test body   (what rust-analyzer pays on save)
  rebuild after editing one test body, dev  (`cargo test --no-run`)
  clean build of the test target, dev and release (its dependencies built)
  rustc's peak memory in that clean build
  test binary size, dev and release

and, for a third crate that renames `autopsy-dylib` to `autopsy` (the harness
in one shared library), the rebuild and the binary sizes again (the rows
that linking the harness into each test binary costs) and one test's
start, which loading the library costs.

Edits are interleaved (libtest, autopsy, libtest, ...); each row takes the
minimum of its rounds (the machines are noisy: the minimum is what the work
costs when nothing else runs).
"""

import json
import os
import subprocess
import sys
import time

N_TESTS = 300
EDIT_MARK = "let offset = "


def make(bench_dir, root, realistic, write_if_changed, lock):
    crates = {}
    for kind in ("libtest", "autopsy", "dylib"):
        d = os.path.join(bench_dir, f"compile_{kind}")
        toml = (f'[package]\nname = "compile_{kind}"\nversion = "0.1.0"\nedition = "2021"\n'
                'publish = false\n\n[workspace]\n\n')
        if kind != "libtest":
            attr, tail = "#[autopsy::test]", "\nautopsy::main!();\n"
            if kind == "autopsy":
                dep = f'{{ path = "{os.path.join(root, "harness")}" }}'
            else:
                dep = f'{{ package = "autopsy-dylib", path = "{os.path.join(root, "dylib")}" }}'
            toml += f'[dev-dependencies]\nautopsy = {dep}\n\n'
            toml += '[[test]]\nname = "real"\npath = "tests/real.rs"\nharness = false\n'
            write_if_changed(os.path.join(d, "Cargo.lock"), lock)
        else:
            attr, tail = "#[test]", ""
            toml += '[[test]]\nname = "real"\npath = "tests/real.rs"\n'
        write_if_changed(os.path.join(d, "Cargo.toml"), toml)
        write_if_changed(os.path.join(d, "src", "lib.rs"), "//! Benchmark crate.\n")
        write_if_changed(os.path.join(d, "tests", "real.rs"), realistic(N_TESTS, attr) + tail)
        crates[kind] = d
    return crates


def _env(crate):
    e = dict(os.environ)
    e["CARGO_TARGET_DIR"] = os.path.join(crate, "target")
    for k in list(e):
        if k.startswith("AUTOPSY_") or k in ("CARGO_INCREMENTAL", "RUSTFLAGS"):
            del e[k]
    return e


def _run(cmd, crate):
    """Wall time of one cargo command."""
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=crate, env=_env(crate), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench: {' '.join(cmd)} failed in {crate}")
    return wall


def _edit(crate):
    """Changes one test body (a constant in the last `state_` test)."""
    path = os.path.join(crate, "tests", "real.rs")
    text = open(path).read()
    i = text.rindex(EDIT_MARK) + len(EDIT_MARK)
    j = text.index(" ", i)
    n = (int(text[i:j]) + 1) % 100000
    with open(path, "w") as f:
        f.write(text[:i] + str(n) + text[j:])


def _exe(crate, release):
    cmd = ["cargo", "test", "--no-run", "--message-format=json", "-q", "--test", "real"]
    if release:
        cmd.append("--release")
    p = subprocess.run(cmd, cwd=crate, env=_env(crate), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("executable"):
            return msg["executable"]
    sys.exit(f"bench: no test executable in {crate}")


def _rustc_peak_kib(crate, release):
    """rustc's peak RSS compiling the test target from scratch."""
    wrapper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rustc_peak.sh")
    log = os.path.join(crate, "target", "rustc-peak.log")
    if os.path.exists(log):
        os.remove(log)
    e = _env(crate)
    e["RUSTC_WORKSPACE_WRAPPER"] = wrapper
    e["RUSTC_PEAK_LOG"] = log
    cmd = ["cargo", "test", "--no-run", "-q", "--test", "real"] + (["--release"] if release else [])
    subprocess.run(["cargo", "clean", "-q", "-p", os.path.basename(crate)] + (["--release"] if release else []),
                   cwd=crate, env=e, check=True)
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=crate, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench: clean build failed in {crate}")
    peaks = [int(l) for l in open(log).read().split() if l.isdigit()]
    return wall, max(peaks) if peaks else 0


def _shared_library_mb(crate, release):
    """libautopsy_dylib.so beside the test binary (0 when there is none)."""
    deps = os.path.dirname(_exe(crate, release))
    path = os.path.join(deps, "libautopsy_dylib.so")
    return os.path.getsize(path) / 1e6 if os.path.exists(path) else 0.0


def _library_path(exe, libdir):
    """LD_LIBRARY_PATH as cargo test and cargo nextest set it for a test
    binary, whatever its harness: the profile's directory, its deps/, the
    toolchain's target libdir (`libdir`) and its lib/ (the loader searches
    them for every library a binary needs, libc's included)."""
    toolchain_lib = os.path.dirname(os.path.dirname(os.path.dirname(libdir)))
    deps = os.path.dirname(exe)
    return ":".join([os.path.dirname(deps), deps, libdir, toolchain_lib])


def _start_s(crates, rounds):
    """One test (`--exact NAME`), start to exit, for the libtest and the
    autopsy-dylib binaries, interleaved: medians in seconds. Each gets the
    library path cargo test and nextest give it (the dylib binary needs
    it; libtest's pays its search for libc too)."""
    exes = {k: _exe(crates[k], False) for k in ("libtest", "dylib")}
    listed = subprocess.run([exes["libtest"], "--list", "--format", "terse"],
                            stdout=subprocess.PIPE, text=True, check=True).stdout
    name = listed.splitlines()[0].split(": ")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOPSY_", "RUST_TEST_", "RUST_BACKTRACE"))}
    libdir = subprocess.run(["rustc", "--print", "target-libdir"], stdout=subprocess.PIPE,
                            text=True, check=True).stdout.strip()
    envs = {k: dict(env, LD_LIBRARY_PATH=_library_path(exe, libdir)) for k, exe in exes.items()}
    times = {k: [] for k in exes}
    for _ in range(rounds):
        for k, exe in exes.items():
            start = time.perf_counter()
            subprocess.run([exe, "--exact", name], env=envs[k], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[k].append(time.perf_counter() - start)
    return {"libtest": sorted(times["libtest"])[rounds // 2],
            "autopsy": sorted(times["dylib"])[rounds // 2]}


def rows(crates, rounds):
    """[(label, goal, unit, {kind: value})] for the compile-time rows; the
    autopsy-dylib rows put that crate's value in the autopsy column."""
    kinds = ("libtest", "autopsy")
    every = kinds + ("dylib",)
    # Warm: dependencies built in both profiles, and the check metadata.
    for k in every:
        _run(["cargo", "check", "-q", "--tests"], crates[k])
        _exe(crates[k], False)
        _exe(crates[k], True)
    check = {k: [] for k in kinds}
    rebuild = {k: [] for k in every}
    for _ in range(rounds):
        for k in kinds:
            _edit(crates[k])
            check[k].append(_run(["cargo", "check", "-q", "--tests"], crates[k]))
        for k in every:
            _edit(crates[k])
            rebuild[k].append(_run(["cargo", "test", "--no-run", "-q", "--test", "real"], crates[k]))
    clean = {False: {}, True: {}}
    peak = {}
    for release in (False, True):
        for k in kinds:
            wall, kib = _rustc_peak_kib(crates[k], release)
            clean[release][k] = wall
            if not release:
                peak[k] = kib / 1024.0
    size = {release: {k: os.path.getsize(_exe(crates[k], release)) / 1e6 for k in every}
            for release in (False, True)}
    shared = {release: _shared_library_mb(crates["dylib"], release) for release in (False, True)}
    start = _start_s(crates, 101)
    as_dylib = lambda v: {"libtest": v["libtest"], "autopsy": v["dylib"]}
    return [
        (f"cargo check after editing one test body, {N_TESTS} tests", 1.3, "s", {k: min(v) for k, v in check.items()}),
        ("rebuild after editing one test body, dev", 1.3, "s", {k: min(v) for k, v in rebuild.items()}),
        ("clean build of the test target, dev", 1.2, "s", clean[False]),
        ("clean build of the test target, release", 1.2, "s", clean[True]),
        ("rustc peak memory, clean dev build", 1.2, "MiB", peak),
        ("test binary size, dev", 1.3, "MB", size[False]),
        ("test binary size, release", 1.3, "MB", size[True]),
        ("autopsy-dylib: rebuild after editing one test body", 1.3, "s",
         as_dylib({k: min(v) for k, v in rebuild.items()})),
        (f"autopsy-dylib: binary size, dev (+{shared[False]:.0f} MB .so, shared)", 1.3, "MB",
         as_dylib(size[False])),
        (f"autopsy-dylib: binary size, release (+{shared[True]:.1f} MB .so)", 1.3, "MB",
         as_dylib(size[True])),
        ("autopsy-dylib: one test (--exact) of 300, median", 2.0, "s", start),
    ]

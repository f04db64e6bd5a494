"""Measures post-mortem dumps: see bench/dumps.sh."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

JOB, OPEN, BIGVEC, INPUT = sys.argv[1:5]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))


def env(**extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AUTOPSY_") and k not in ("RUST_BACKTRACE", "RUST_LIB_BACKTRACE")}
    e.update(extra)
    return e


def timed(cmd, stdin=None, **extra):
    start = time.perf_counter()
    p = subprocess.run(cmd, input=stdin, capture_output=True, env=env(**extra))
    return time.perf_counter() - start, p


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    return d


def only_dump(d):
    files = [os.path.join(d, f) for f in os.listdir(d)]
    assert len(files) == 1, files
    return files[0]


tmp = tempfile.mkdtemp(prefix="autopsy-bench-dumps-")
dumps = os.path.join(tmp, "dumps")
plain, dumped, opened = [], [], []
for _ in range(ROUNDS):
    t, p = timed([JOB, INPUT], AUTOPSY_PDB="0")
    assert p.returncode == 101, p.stderr
    plain.append(t)
    t, p = timed([JOB, INPUT], stdin=b"", AUTOPSY_DUMP=fresh(dumps))
    assert p.returncode == 101 and b"dump written to" in p.stderr, p.stderr
    dumped.append(t)
    dump = only_dump(dumps)
    t, p = timed([OPEN, "open", dump], stdin=b"c\n")
    assert p.returncode == 0 and b"(autopsy) " in p.stdout, p.stderr
    opened.append(t)
size = os.path.getsize(dump)

# The 100 MB Vec: default cap, then a cap of 4 KiB.
t, p = timed([BIGVEC], stdin=b"", AUTOPSY_DUMP=fresh(dumps))
assert p.returncode == 101, p.stderr
big = os.path.getsize(only_dump(dumps))
t, p = timed([BIGVEC], stdin=b"", AUTOPSY_DUMP=fresh(dumps), AUTOPSY_DUMP_CAP="4K")
small = os.path.getsize(only_dump(dumps))
small_line = p.stderr.decode().strip().splitlines()[-1]
shutil.rmtree(tmp, ignore_errors=True)

added = min(dumped) - min(plain)
rows = [
    ("batch job failing, no dump (AUTOPSY_PDB=0)", f"{min(plain)*1000:.1f} ms", "", None),
    ("batch job failing, writing its dump", f"{min(dumped)*1000:.1f} ms", "", None),
    ("time the dump adds", f"{added*1000:.1f} ms", "< 100 ms", added < 0.100),
    ("dump size", f"{size/1024:.1f} KiB", "< 1 MiB", size < 1 << 20),
    ("cargo autopsy open, start to prompt and `c`", f"{min(opened)*1000:.1f} ms", "< 300 ms",
     min(opened) < 0.300),
    ("100 MB Vec local, default cap (64 MiB)", f"{big/1024:.1f} KiB", "< 64 MiB", big < 64 << 20),
    ("100 MB Vec local, AUTOPSY_DUMP_CAP=4K", f"{small/1024:.1f} KiB", "says what it left out",
     "left out" in small_line),
]
failed = False
print(f"{'what':<48} {'measured':>12}  bound")
for what, value, bound, ok in rows:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    failed |= ok is False
    print(f"{what:<48} {value:>12}  {bound} {verdict}")
print()
print("with the 4K cap:", small_line)
sys.exit(1 if failed else 0)

"""Measurements for bench/pdb.sh (issue 3) and bench/trace.sh (issue 4).

Only the standard library: run a test binary, feed its prompt, parse the
`autopsy-latency-ms: N` lines it prints under AUTOPSY_LATENCY=1, read peak RSS
through wait4 (which covers the reaped worker processes too), sample VmHWM of
the worker while the prompt waits, and strace the run.
"""

import os
import re
import select
import shutil
import subprocess
import sys
import time

LAT_RE = re.compile(r"autopsy-latency-ms: ([0-9.]+)")
PROMPT = b"(autopsy) "


def base_env(**extra):
    env = dict(os.environ)
    # The default panic hook symbolises a backtrace under RUST_BACKTRACE,
    # which reads the debug info itself: keep the user's default (off).
    for k in ("RUST_BACKTRACE", "RUST_LIB_BACKTRACE", "AUTOPSY_PDB", "AUTOPSY_TRACE",
              "AUTOPSY_SHOWLOCALS", "AUTOPSY_LATENCY", "NO_COLOR"):
        env.pop(k, None)
    env["NO_COLOR"] = "1"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def debug_sections(binary):
    """{section name: size} of the .debug_* sections, from readelf -SW."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and m.group(1).startswith(".debug_"):
            sizes[m.group(1)] = int(m.group(2), 16)
    return sizes


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run(binary, args, env, stdin_text="", sample_at_prompt=False, timeout=120):
    """Runs the binary with `stdin_text` fed to it. With `sample_at_prompt`,
    stdin is held open until the first `(autopsy) ` prompt appears, the
    worker's VmHWM is read then, and only then is the input written.

    Returns dict(out, rc, wall_s, maxrss_kb, hwm_at_prompt_kb)."""
    t0 = time.monotonic()
    p = subprocess.Popen([binary] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env)
    out = b""
    hwm = None
    fd = p.stdout.fileno()
    if sample_at_prompt:
        deadline = time.monotonic() + timeout
        while PROMPT not in out and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                out += chunk
        if PROMPT in out:
            workers = children(p.pid)
            hwms = [h for h in (vm_hwm_kb(w) for w in workers) if h]
            hwm = max(hwms) if hwms else vm_hwm_kb(p.pid)
    try:
        p.stdin.write(stdin_text.encode())
        p.stdin.close()
    except BrokenPipeError:
        pass
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    return dict(out=out.decode(errors="replace"), rc=p.returncode, wall_s=wall,
                maxrss_kb=ru.ru_maxrss, hwm_at_prompt_kb=hwm)


def latencies(text):
    return [float(x) for x in LAT_RE.findall(text)]


def strace_opens(binary, args, env):
    """Every openat/open of the binary itself (by any path) in the run and all
    its processes; execve is not a read of the debug info and is not counted."""
    log = f"/tmp/autopsy-bench-strace-{os.getpid()}.log"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log, binary] + args,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    real = os.path.realpath(binary)
    pat = re.compile(r'open(?:at2?)?\((?:[^,]*, )?"([^"]*)"')
    hits = []
    with open(log) as f:
        for line in f:
            m = pat.search(line)
            if not m:
                continue
            path = m.group(1)
            if re.fullmatch(r"/proc/(self|\d+)/exe", path) or path in (binary, real):
                hits.append(line.strip())
    os.unlink(log)
    return hits


def fmt_mb(kb):
    return f"{kb / 1024:.1f} MiB"


class Table:
    def __init__(self):
        self.rows = []
        self.failed = False

    def row(self, what, figure, bound="", ok=None):
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        if ok is False:
            self.failed = True
        self.rows.append((what, figure, bound, verdict))

    def print(self, title):
        heads = ("measure", "figure", "bound", "")
        widths = [max(len(str(r[i])) for r in self.rows + [heads]) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        print(f"\n{title}\n{line}")
        print("  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip())
        print(line)
        for r in self.rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        print(line)

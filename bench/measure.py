"""Whole-process timing: wall time, CPU time and peak RSS of one child process, from
`os.wait4` (the child's own rusage, not the running maximum over all children).

Children run with the user's default environment minus PYTHONDONTWRITEBYTECODE and
PYTHONUNBUFFERED (so .pyc files are written and used, as after any first run).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field

ENV = {k: v for k, v in os.environ.items()
       if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + sys seconds of the child
    rss_mib: float  # peak resident set size of the child
    code: int
    stdout: bytes = b""
    stderr: bytes = b""


def run_once(cmd: list[str], *, env: dict | None = None,
             stdout_path: str | None = None) -> Run:
    """Run `cmd` to completion, output to /dev/null (or stdout to the file `stdout_path`)."""
    out_fh = open(stdout_path, "wb") if stdout_path else None
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=out_fh or subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env or ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    finally:
        if out_fh:
            out_fh.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def run_captured(cmd: list[str], env: dict | None = None) -> Run:
    """Run with stdout/stderr captured through files (large outputs are fine), with rusage."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env or ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   os.waitstatus_to_exitcode(status), out.read(), err.read())


@dataclass
class Stats:
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def lo(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def hi(self) -> float:
        return max(self.values) if self.values else float("nan")

    @property
    def n(self) -> int:
        return len(self.values)

    def fmt(self, unit: str = "s", digits: int | None = None) -> str:
        if not self.values:
            return "n/a"
        scale = {"s": 1, "ms": 1e3, "MiB": 1, "x": 1}[unit]
        d = digits if digits is not None else (1 if unit in ("ms", "MiB") else
                                               (2 if unit == "x" else 3))
        m, lo, hi = (v * scale for v in (self.median, self.lo, self.hi))
        suffix = "×" if unit == "x" else f" {unit}"
        if self.n == 1:
            return f"{m:.{d}f}{suffix} (n=1)"
        return f"{m:.{d}f}{suffix} [{lo:.{d}f}..{hi:.{d}f}] n={self.n}"


def rotate(commands: dict, runs: int, warmup: int) -> dict[str, list[Run]]:
    """Run every command once per round, in turn (A B C A B C ...), after `warmup` rounds,
    so drift and other tenants' load fall on all of them alike. Per-round ratios pair up.
    A command is an argv list, or (argv, env) for its own environment."""
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, cmd in commands.items():
            argv, env = cmd if isinstance(cmd, tuple) else (cmd, None)
            r = run_once(argv, env=env)
            if i >= warmup:
                results[name].append(r)
    return results


def paired_ratio(a: list[Run], b: list[Run]) -> Stats:
    return Stats([x.wall / y.wall for x, y in zip(a, b, strict=True)])


def walls(runs: list[Run]) -> Stats:
    return Stats([r.wall for r in runs])


def rss(runs: list[Run]) -> Stats:
    return Stats([r.rss_mib for r in runs])

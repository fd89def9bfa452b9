"""Measuring commands the same way for every benchmark: wall time, peak RSS, medians, ratios.

What it is for: each benchmark runs its command and its reference *interleaved* in the same
run (A, B, A, B, ...), so drift on a noisy machine hits both; it reports medians, the
ratio of the medians, and the target. Peak memory is the child's `ru_maxrss` from
`os.wait4` (the largest RSS of that process and of the descendants it waited for, e.g.
nmap), so no sampling is missed.

Peak memory comes from GNU time (`/usr/bin/time -f %M`) wrapped around the command, not from
our own `wait4`: a child forked from this (larger) Python process reports at least the
parent's RSS at fork time as its `ru_maxrss`, which made `ss` look like a 21 MB program. The
wrapper costs both sides of a comparison the same ~1 ms.

It must not know what the commands do: the benchmark modules build the argv lists.
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GNU_TIME = "/usr/bin/time"


def surfacecheck_argv() -> list[str]:
    """The installed console script if there is one (what users run), else `python -m checker`.

    The script next to the interpreter, not a pyenv shim on PATH: a shim is a bash script that
    re-execs pyenv and would add ~100 ms that is not ours.
    """
    script = os.path.join(sysconfig.get_path("scripts"), "surfacecheck")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "checker"]


@dataclass(frozen=True)
class Sample:
    wall: float
    """Seconds, wall clock."""
    max_rss_mb: float
    """Peak resident set size of the process (and waited-for descendants), MiB."""
    returncode: int


class CommandFailedError(RuntimeError):
    pass


def measure(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | None = None,
            stdout_path: str | None = None, accept: Sequence[int] = (0,), timeout: float = 300) -> Sample:
    """Run argv once, output to `stdout_path` (or /dev/null); raise unless its exit code is in `accept`."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    err_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-stderr-{os.getpid()}.txt")
    rss_path = err_path + ".rss"
    command = list(argv)
    if os.access(GNU_TIME, os.X_OK):
        command = [GNU_TIME, "-f", "%M", "-o", rss_path, *command]
    with open(err_path, "wb") as err:
        try:
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                       env=dict(env) if env is not None else None, cwd=cwd)
            # A blocking wait4 (no polling granularity); a timer kills a command that hangs.
            killer = threading.Timer(timeout, process.kill)
            killer.start()
            try:
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                killer.cancel()
            wall = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode == -9 and wall >= timeout:
                raise CommandFailedError(f"timed out after {timeout}s: {shlex.join(argv)}")
        finally:
            if stdout_path:
                out.close()  # type: ignore[union-attr]
    if process.returncode not in accept:
        with open(err_path, encoding="utf-8", errors="replace") as handle:
            tail = handle.read()[-2000:]
        raise CommandFailedError(f"exit {process.returncode} (accepted {list(accept)}): {shlex.join(argv)}\n{tail}")
    max_rss_kb = usage.ru_maxrss
    try:
        with open(rss_path, encoding="ascii") as handle:
            max_rss_kb = int(handle.read().split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return Sample(wall, max_rss_kb / 1024, process.returncode)


@dataclass
class Series:
    """Repeated measurements of one command."""

    label: str
    command: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.wall for s in self.samples)

    @property
    def peak_rss(self) -> float:
        return max(s.max_rss_mb for s in self.samples)

    @property
    def exits(self) -> str:
        return ",".join(sorted({str(s.returncode) for s in self.samples}))


def interleave(runs: int, steps: Sequence[tuple[Series, Callable[[], Sample]]], *, warmup: int = 1) -> None:
    """Run every step once per round, `warmup` uncounted rounds first."""
    for round_index in range(warmup + runs):
        for series, step in steps:
            sample = step()
            if round_index >= warmup:
                series.samples.append(sample)


@dataclass
class Verdict:
    name: str
    value: float
    target: str
    met: bool
    unit: str = "x"

    def line(self) -> str:
        value = f"{self.value:.2f}{self.unit}" if self.unit == "x" else f"{self.value:.1f} {self.unit}"
        verdict = "information" if self.target == "-" else "met" if self.met else "**MISSED**"
        return f"| {self.name} | {value} | {self.target} | {verdict} |"


@dataclass
class BenchResult:
    title: str
    setup: str
    series: list[Series]
    verdicts: list[Verdict]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", self.setup, "",
                 "| command | runs | median s | min s | max s | peak RSS MiB | exit |",
                 "|---|---:|---:|---:|---:|---:|---|"]
        lines += [f"| {s.label} | {len(s.samples)} | {s.median:.3f} | {s.low:.3f} | {s.high:.3f} | "
                  f"{s.peak_rss:.1f} | {s.exits} |" for s in self.series]
        lines += ["", "| figure | measured | target | verdict |", "|---|---:|---|---|"]
        lines += [v.line() for v in self.verdicts]
        lines.append("")
        lines += ["Commands:", ""] + [f"- {s.label}: `{s.command}`" for s in self.series]
        if self.notes:
            lines += [""] + [f"> {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def machine_info() -> str:
    def run(argv: list[str]) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "unavailable"

    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nmap = run(["nmap", "--version"]).splitlines()
    # From /, so that the current directory (often this repository) cannot shadow the install.
    where = run([sys.executable, "-c", "import os; os.chdir('/'); import checker; print(checker.__file__)"])
    kind = "regular install" if f"{os.sep}site-packages{os.sep}" in where else "source tree or editable install"
    ss = run(["ss", "--version"]).splitlines()
    rows = [
        ("date (UTC)", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
        ("nproc", str(os.cpu_count())),
        ("cpu", cpu),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("kernel", platform.release()),
        ("python", platform.python_version() + f" ({sys.executable})"),
        ("surfacecheck", f"{' '.join(surfacecheck_argv())}: {kind} ({where})"),
        ("nmap", nmap[0] if nmap else "unavailable"),
        ("ss", ss[0] if ss else "unavailable"),
        ("RLIMIT_NOFILE", run(["sh", "-c", "ulimit -Sn; ulimit -Hn"]).replace("\n", " / ")),
        # A shared machine: other people's work competes for the cores (it hits both sides alike).
        ("load average at start (1/5/15 min)", " / ".join(f"{load:.2f}" for load in os.getloadavg())),
    ]
    return "\n".join(["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]) + "\n"


def shorten(argv: Sequence[str], limit: int = 400) -> str:
    text = shlex.join(argv)
    return text if len(text) <= limit else text[: limit - 5] + " ..."

"""Live progress of the outside view on stderr: a line per host as it finishes, plus a status line.

Shown only when stderr is a TTY and the run is not in CI (the `CI` environment variable
that GitHub Actions, GitLab CI and most others set), or when `--progress` asks for it.
Never writes to stdout (reports may go there) and never affects results.

Where the progress comes from: nmap runs with `--stats-every` when progress is shown, and its
XML on stdout is read as it is written (`checker._subprocess.run_command_streaming`). nmap
writes a `<taskprogress task=".." percent=".." remaining="..">` element at that interval and
each `<host>` element when that host is finished, so a host's line appears when nmap is done
with it, not when its whole nmap process ends. `NmapStreamReader` picks those two out of the
lines (pure; the full XML is still parsed by `checker.collect.nmap.xml` at the end).

A host scanned for TCP and UDP is in two nmap processes: it is "done" (one line, its open
ports of both protocols) when every protocol's process has reported it (`protocols`).
On a TTY the status line is redrawn in place: hosts done, open ports, elapsed, the running
scans' percent and nmap's own ETA. On a pipe (`--progress`), only the host lines and a summary.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from checker.model import CollectorRun, CollectorStatus, NetworkView
from checker.model.text import printable_line

STATS_EVERY = "1s"
"""nmap's `--stats-every` interval when progress is shown."""

_ATTRIBUTE = re.compile(r'([A-Za-z_]+)="([^"]*)"')


class FinishedHost(Protocol):
    """What a progress line shows of one host's outcome (`checker.collect.nmap.merge.HostScan` is
    one): only model types, so progress needs nothing of the scan machinery."""

    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str | None: ...
    @property
    def view(self) -> NetworkView | None: ...
    @property
    def run(self) -> CollectorRun: ...


def progress_wanted(forced: bool, stream: TextIO | None = None) -> bool:
    """`--progress`, or an interactive stderr outside CI."""
    if forced:
        return True
    stream = stream if stream is not None else sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return interactive and not os.environ.get("CI")


@dataclass(frozen=True)
class TaskProgress:
    """One `<taskprogress>` of nmap: the running phase, how far, and nmap's estimate."""

    task: str
    percent: float
    remaining: int | None
    """Seconds nmap expects the phase still needs."""


class NmapStreamReader:
    """Reads one nmap process's XML line by line: calls `on_task` for each `<taskprogress>` and
    `on_host(address, open ports)` for each finished `<host>` (not for hosts nmap gave up on:
    `timedout="true"`; their failure comes with the process's result)."""

    def __init__(self, on_task: Callable[[TaskProgress], None], on_host: Callable[[str, int], None]) -> None:
        self._on_task = on_task
        self._on_host = on_host
        self._in_host = False
        self._timed_out = False
        self._address: str | None = None
        self._open = 0

    def feed(self, line: str) -> None:
        if "<taskprogress " in line:
            attrs = dict(_ATTRIBUTE.findall(line))
            try:
                percent = float(attrs.get("percent", "0"))
            except ValueError:
                percent = 0.0
            remaining = attrs.get("remaining", "")
            self._on_task(TaskProgress(attrs.get("task", "scan"), percent,
                                       int(remaining) if remaining.isdigit() else None))
        if "<host " in line or "<host>" in line:
            self._in_host, self._address, self._open = True, None, 0
            self._timed_out = 'timedout="true"' in line
        if not self._in_host:
            return
        if self._address is None and "<address " in line:
            attrs = dict(_ATTRIBUTE.findall(line[line.index("<address "):]))
            if attrs.get("addrtype") in ("ipv4", "ipv6"):
                self._address = attrs.get("addr")
        self._open += line.count('<state state="open"')
        if "</host>" in line:
            self._in_host = False
            if self._address is not None and not self._timed_out:
                self._on_host(self._address, self._open)


class ScanProgress:
    """Counts hosts done and open ports found; prints on `stream` (stderr). Thread-safe: nmap
    processes report from their own threads."""

    def __init__(self, total_targets: int, *, stream: TextIO | None = None, protocols: int = 1) -> None:
        self.total = total_targets
        self.protocols = max(1, protocols)
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.done: set[str] = set()
        self.open_ports = 0
        self.live = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self._open_by_host: dict[str, int] = {}
        self._failures: dict[str, str] = {}
        self._reported: dict[int, set[str]] = {}
        self._tasks: dict[int, TaskProgress] = {}

    # -- what the scan reports ------------------------------------------------------------

    def reader(self, process: int) -> NmapStreamReader:
        """The reader of nmap process number `process`'s stdout."""
        return NmapStreamReader(lambda task: self._task(process, task),
                                lambda address, opened: self._streamed_host(process, address, opened))

    def process_done(self, process: int, scans: Sequence[FinishedHost]) -> None:
        """Process `process` ended with these hosts (those its XML stream already showed are not
        counted again; failures and hosts nmap gave up on are counted here)."""
        with self._lock:
            self._tasks.pop(process, None)
            seen = self._reported.setdefault(process, set())
            lines: list[str] = []
            for scan in scans:
                key = scan.address or scan.name
                if key in seen:
                    continue
                seen.add(key)
                opened = sum(1 for p in scan.view.ports if p.state == "open") if scan.view else 0
                failure = None if scan.run.status is CollectorStatus.OK else (scan.run.reason or "failed")
                lines += self._host_reported(key, scan.name, opened, failure)
            self._write(lines)

    def hosts_done(self, scans: Sequence[FinishedHost]) -> None:
        """A process ended without a stream (kept for callers that only know the end)."""
        self.process_done(-1 - len(self._reported), scans)

    # -- internals (called with the lock held, except the two stream callbacks) ----------------

    def _task(self, process: int, task: TaskProgress) -> None:
        with self._lock:
            self._tasks[process] = task
            if self.live:
                self._write([])

    def _streamed_host(self, process: int, address: str, opened: int) -> None:
        with self._lock:
            self._reported.setdefault(process, set()).add(address)
            self._write(self._host_reported(address, address, opened, None))

    def _host_reported(self, key: str, name: str, opened: int, failure: str | None) -> list[str]:
        """One protocol's process is done with a host: a line once every protocol's is."""
        self._open_by_host[key] = self._open_by_host.get(key, 0) + opened
        self.open_ports += opened
        if failure is not None:
            self._failures[key] = "; ".join(filter(None, (self._failures.get(key), failure)))
        remaining = self._pending.get(key, self.protocols) - 1
        self._pending[key] = remaining
        if remaining > 0 or key in self.done:
            return []
        self.done.add(key)
        shown = printable_line(name, 80, cut_mark="")  # names come from users and DNS
        if key in self._failures:
            return [f"nmap: {shown}: failed: {printable_line(self._failures[key], 160, cut_mark='')}"]
        count = self._open_by_host[key]
        return [f"nmap: {shown}: {count} open port{'s' if count != 1 else ''}"]

    def _status(self) -> str:
        elapsed = time.monotonic() - self.started
        text = (f"nmap: {len(self.done)}/{self.total} hosts done, {self.open_ports} open "
                f"port{'s' if self.open_ports != 1 else ''}, "
                f"{elapsed:.1f}s elapsed")
        if self._tasks:
            tasks = list(self._tasks.values())
            percent = sum(t.percent for t in tasks) / len(tasks)
            etas = [t.remaining for t in tasks if t.remaining is not None]
            text += f", {tasks[0].task} {percent:.0f}%"
            if etas:
                text += f", ETA {max(etas)}s"
        return text

    def _write(self, lines: list[str]) -> None:
        elapsed = time.monotonic() - self.started
        out = "\r\x1b[K" if self.live else ""
        out += "".join(f"{line} ({elapsed:.1f}s)\n" for line in lines)
        if self.live:
            out += self._status()
        if out:
            self.stream.write(out)
            self.stream.flush()

    # -- start and end ---------------------------------------------------------------------

    def start(self) -> None:
        if self.live:
            with self._lock:
                self._write([])

    def finish(self) -> None:
        with self._lock:
            self._tasks.clear()
            if self.live:
                self.stream.write("\r\x1b[K")
            self.stream.write(self._status() + "\n")
            self.stream.flush()

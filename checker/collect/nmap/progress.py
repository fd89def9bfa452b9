"""Live progress of the outside view on stderr: a line per host as it finishes, plus a status line.

Shown only when stderr is a TTY and the run is not in CI (the `CI` environment variable
that GitHub Actions, GitLab CI and most others set), or when `--progress` asks for it.
Never writes to stdout (reports may go there) and never affects results.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Protocol, TextIO

from checker.model import CollectorRun, CollectorStatus, NetworkView
from checker.model.text import printable_line


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


class ScanProgress:
    """Counts hosts done and open ports found; prints on `stream` (stderr)."""

    def __init__(self, total_targets: int, *, stream: TextIO | None = None) -> None:
        self.total = total_targets
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.done: set[str] = set()
        self.open_ports = 0
        self.live = self.stream.isatty() if hasattr(self.stream, "isatty") else False

    def _status(self) -> str:
        return (f"nmap: {len(self.done)}/{self.total} hosts done, {self.open_ports} open ports, "
                f"{time.monotonic() - self.started:.1f}s")

    def start(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K" + self._status())
            self.stream.flush()

    def hosts_done(self, scans: Sequence[FinishedHost]) -> None:
        """Called as each nmap process ends, with its hosts."""
        lines = []
        for scan in scans:
            opened = sum(1 for p in scan.view.ports if p.state == "open") if scan.view else 0
            self.open_ports += opened
            self.done.add(scan.address or scan.name)
            name = printable_line(scan.name, 80, cut_mark="")  # names come from users and DNS
            if scan.run.status is CollectorStatus.OK:
                lines.append(f"nmap: {name}: {opened} open ports")
            else:
                lines.append(f"nmap: {name}: failed: {printable_line(scan.run.reason or '', 80, cut_mark='')}")
        prefix = "\r\x1b[K" if self.live else ""
        for line in lines:
            self.stream.write(f"{prefix}{line} ({time.monotonic() - self.started:.1f}s)\n")
            prefix = ""
        if self.live:
            self.stream.write(self._status())
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
        self.stream.write(self._status() + "\n")
        self.stream.flush()

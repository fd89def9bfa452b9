"""Progress on stderr: only on a TTY outside CI, or with --progress; terminal-safe host names."""

from __future__ import annotations

import io

import pytest

from checker.collect.nmap.merge import HostScan
from checker.collect.nmap.progress import ScanProgress, progress_wanted
from checker.model import Collector, CollectorRun, CollectorStatus, NetworkView, Protocol, ScannedPort


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_wanted_only_on_a_tty_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not progress_wanted(False, io.StringIO())
    assert progress_wanted(False, _Tty())
    assert progress_wanted(True, io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(False, _Tty())
    assert progress_wanted(True, _Tty())


def _scans() -> list[HostScan]:
    view = NetworkView("127.0.0.2", "up", ports=(ScannedPort(Protocol.TCP, 22001, "open"),
                                                  ScannedPort(Protocol.TCP, 22002, "closed")))
    ok = HostScan("127.0.0.2", "127.0.0.2", view, CollectorRun(Collector.NMAP, CollectorStatus.OK), "t")
    failed = HostScan("evil\x1b[2J", None, None, CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "boom"), "t")
    return [ok, failed]


def test_a_line_per_host_and_a_summary_on_a_pipe() -> None:
    stream = io.StringIO()
    progress = ScanProgress(2, stream=stream)
    progress.start()
    progress.hosts_done(_scans())
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("nmap: 127.0.0.2: 1 open ports (")
    assert lines[1].startswith("nmap: evil?[2J: failed: boom (")
    assert lines[2].startswith("nmap: 2/2 hosts done, 1 open ports, ")
    assert "\r" not in stream.getvalue()


def test_a_live_status_line_on_a_tty() -> None:
    stream = _Tty()
    progress = ScanProgress(2, stream=stream)
    progress.start()
    progress.hosts_done(_scans()[:1])
    text = stream.getvalue()
    assert text.startswith("\r\x1b[Knmap: 0/2 hosts done")
    assert "\r\x1b[Knmap: 127.0.0.2: 1 open ports (" in text
    last_line = text.rsplit("\n", 1)[1]
    assert last_line.startswith("nmap: 1/2 hosts done, 1 open ports, ")  # the live line, no newline yet

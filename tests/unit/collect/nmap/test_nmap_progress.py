"""Progress on stderr: only on a TTY outside CI, or with --progress; terminal-safe host names."""

from __future__ import annotations

import io

import pytest

from checker.collect.nmap.merge import HostScan
from checker.collect.nmap.progress import NmapStreamReader, ScanProgress, TaskProgress, progress_wanted
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
    assert lines[0].startswith("nmap: 127.0.0.2: 1 open port (")
    assert lines[1].startswith("nmap: evil?[2J: failed: boom (")
    assert lines[2].startswith("nmap: 2/2 hosts done, 1 open port, ")
    assert "\r" not in stream.getvalue()


def test_a_live_status_line_on_a_tty() -> None:
    stream = _Tty()
    progress = ScanProgress(2, stream=stream)
    progress.start()
    progress.hosts_done(_scans()[:1])
    text = stream.getvalue()
    assert text.startswith("\r\x1b[Knmap: 0/2 hosts done")
    assert "\r\x1b[Knmap: 127.0.0.2: 1 open port (" in text
    last_line = text.rsplit("\n", 1)[1]
    assert last_line.startswith("nmap: 1/2 hosts done, 1 open port, ")  # the live line, no newline yet


XML_LINES = [
    '<nmaprun scanner="nmap" args="nmap ..." version="7.93">\n',
    '<taskprogress task="Connect Scan" time="1" percent="29.51" remaining="3" etc="4"/>\n',
    '<host starttime="1" endtime="3"><status state="up" reason="user-set" reason_ttl="0"/>\n',
    '<address addr="127.0.0.2" addrtype="ipv4"/>\n',
    '<ports><port protocol="tcp" portid="40001"><state state="open" reason="syn-ack" reason_ttl="0"/></port>\n',
    '<port protocol="tcp" portid="40002"><state state="closed" reason="conn-refused" reason_ttl="0"/></port>\n',
    '</ports>\n',
    '</host>\n',
    '<host starttime="1" endtime="3" timedout="true"><status state="up" reason="user-set" reason_ttl="0"/>\n',
    '<address addr="127.0.0.3" addrtype="ipv4"/>\n',
    '</host>\n',
]


def test_the_stream_reader_sees_task_progress_and_each_finished_host() -> None:
    tasks: list[TaskProgress] = []
    hosts: list[tuple[str, int]] = []
    reader = NmapStreamReader(tasks.append, lambda address, opened: hosts.append((address, opened)))
    for line in XML_LINES:
        reader.feed(line)
    assert tasks == [TaskProgress("Connect Scan", 29.51, 3)]
    assert hosts == [("127.0.0.2", 1)]  # the host nmap gave up on comes with the process's result


def test_a_host_is_done_once_every_protocol_reported_it_and_printed_once() -> None:
    """Issue 15: with UDP each host was printed twice and "2/2 hosts done" came while UDP ran."""
    stream = io.StringIO()
    progress = ScanProgress(1, stream=stream, protocols=2)
    tcp = progress.reader(0)
    for line in XML_LINES[:8]:
        tcp.feed(line)
    assert progress.done == set() and stream.getvalue() == ""
    progress.process_done(0, _scans()[:1])  # the streamed host is not counted a second time
    assert progress.done == set()
    udp_view = NetworkView("127.0.0.2", "up", ports=(ScannedPort(Protocol.UDP, 53, "open"),))
    progress.process_done(1, [HostScan("127.0.0.2", "127.0.0.2", udp_view,
                                       CollectorRun(Collector.NMAP, CollectorStatus.OK), "t")])
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nmap: 127.0.0.2: 2 open ports (")
    assert progress.done == {"127.0.0.2"}


def test_the_live_line_shows_the_running_task_and_its_eta() -> None:
    stream = _Tty()
    progress = ScanProgress(1, stream=stream)
    progress.reader(0).feed(XML_LINES[1])
    live = stream.getvalue().rsplit("\r\x1b[K", 1)[1]
    assert live.startswith("nmap: 0/1 hosts done, 0 open ports, ") and live.endswith(", Connect Scan 30%, ETA 3s")

"""Live scan progress seen from a terminal (issue 15: the line stayed at `0/40 hosts done,
0.0s` for the whole scan, then printed every host at once; UDP printed each host twice).

The CLI runs with stderr on a pseudo-terminal (the pty module) during a multi-second scan:
nmap's polite timing (-T2 waits 0.4 s between probes) over ten loopback ports bound with
port 0 on two addresses, TCP and one UDP port. Bounded: ten ports, two hosts, a host timeout.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from support import REPO_ROOT
from support.ports import bound_socket, port_of

pytestmark = pytest.mark.integration

_STATUS = re.compile(r"nmap: (\d+)/2 hosts done, (\d+) open ports?, ([\d.]+)s elapsed")


def _read_all(fd: int, process: subprocess.Popen[bytes], limit: float) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


def _collect(ports: list[int], *extra: str, timing: str = "2") -> list[str]:
    return [sys.executable, "-m", "checker", "collect", "--target", "127.0.0.2", "--target", "127.0.0.3",
            "--tcp-ports", ",".join(map(str, ports)), "--udp-ports", str(ports[0]), "--timing", timing,
            "--host-timeout", "60", "-o", os.devnull, *extra]


def test_progress_updates_live_on_a_terminal_one_line_per_host() -> None:
    sockets = [bound_socket("127.0.0.2") for _ in range(10)]
    try:
        for sock in sockets[:2]:
            sock.listen()
        ports = [port_of(sock) for sock in sockets]
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env["PYTHONPATH"] = str(REPO_ROOT)
        master, slave = pty.openpty()
        process = subprocess.Popen(_collect(ports), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=slave, env=env)
        os.close(slave)
        try:
            text = _read_all(master, process, 120).decode("utf-8", "replace")
        finally:
            os.close(master)
            process.kill() if process.poll() is None else None
            process.wait()
    finally:
        for sock in sockets:
            sock.close()
    assert process.returncode == 0, text
    statuses = [(int(done), float(elapsed)) for done, _, elapsed in _STATUS.findall(text)]
    before_first_host = [elapsed for done, elapsed in statuses if done == 0]
    # the status line moved while nmap was still scanning (not only when a process ended)
    assert len(set(before_first_host)) >= 3, text
    assert re.search(r"Scan \d+%, ETA \d+s", text), text
    host_lines = re.findall(r"nmap: (127\.0\.0\.[23]): (\d+) open ports? \(", text)
    assert sorted(host_lines) == [("127.0.0.2", "2"), ("127.0.0.3", "0")], text  # once each, TCP+UDP
    assert statuses[-1][0] == 2
    # a host is not "done" while its UDP scan still runs: 2/2 only after both host lines
    last_host_line = max(m.start() for m in re.finditer(r"nmap: 127\.0\.0\.[23]: ", text))
    assert text.index("2/2 hosts done") > last_host_line


def test_nothing_on_a_pipe_unless_asked() -> None:
    with bound_socket("127.0.0.2") as sock:
        ports = [port_of(sock)]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        quiet = subprocess.run(_collect(ports, timing="4"), capture_output=True, text=True, timeout=120, env=env)
        asked = subprocess.run(_collect(ports, "--progress", timing="4"), capture_output=True, text=True,
                               timeout=120, env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert asked.returncode == 0
    assert "\r" not in asked.stderr and "\x1b" not in asked.stderr
    assert sorted(re.findall(r"nmap: (127\.0\.0\.[23]): ", asked.stderr)) == ["127.0.0.2", "127.0.0.3"]
    assert asked.stderr.splitlines()[-1].startswith("nmap: 2/2 hosts done, 0 open ports, ")

"""`surfacecheck audit --local` end to end against real sockets on 127.0.0.x (ports 21000-21999).

Two helper processes (real `python` processes, so the owner seen by the sockets collector is
a real process name) open TCP listeners: a good one the baseline requires, binds and owns,
and an offending one on a forbidden port. The audit must give exactly the expected
(check, resource, status) set and exit 1; once the offender is gone the same audit exits 0.
Only loopback addresses and ports 21000-21999 are used; foreign listeners are tolerated
because the baseline is `default: allow` and names only our ports.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from support import run_cli

pytestmark = pytest.mark.integration

GOOD_ADDRESS = "127.0.4.1"
BAD_ADDRESS = "127.0.4.3"

LISTENER_SCRIPT = """
import socket, sys, time
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind((sys.argv[1], int(sys.argv[2])))
sock.listen(8)
print("ready", flush=True)
time.sleep(300)
"""


def _ports_in_use() -> set[int]:
    return {c.laddr.port for c in psutil.net_connections("inet") if c.laddr}


def _free_ports(count: int) -> list[int]:
    busy = _ports_in_use()
    candidates = [p for p in range(21000, 22000) if p not in busy]
    return random.sample(candidates, count)


class Listening:
    """A child python process holding one TCP listener."""

    def __init__(self, address: str, port: int) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LISTENER_SCRIPT, address, str(port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.close()
            error = self.process.stderr.read() if self.process.stderr else ""
            pytest.fail(f"listener on {address}:{port} did not start: {error}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def ports() -> tuple[int, int]:
    good, bad = _free_ports(2)
    return good, bad


@pytest.fixture
def good_listener(ports: tuple[int, int]) -> Iterator[Listening]:
    listening = Listening(GOOD_ADDRESS, ports[0])
    yield listening
    listening.close()


def _write_baseline(path: Path, good: int, bad: int) -> None:
    user = pwd.getpwuid(os.geteuid()).pw_name
    path.write_text(
        "version: 1\n"
        "name: audit-integration\n"
        "ports:\n"
        "  default: allow\n"
        "  allow:\n"
        f"    - {{port: {good}, protocol: tcp, required: true, bind: [{GOOD_ADDRESS}], process: 'python*',"
        f" user: {user}}}\n"
        "  forbid:\n"
        f"    - {{port: {bad}, protocol: tcp, reason: integration test offender, severity: high}}\n",
        encoding="utf-8",
    )


def _audit(baseline: Path, out: Path) -> tuple[int, set[tuple[str, str, str]], dict[str, object]]:
    completed = run_cli("audit", str(baseline), "--local", "--json", str(out))
    assert completed.returncode in (0, 1, 3), completed.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    results = [r for host in data["hosts"] for r in host["results"]]
    collector_errors = [r for r in results if r["check"] == "collector-error"]
    assert all(r["status"] == "skip" for r in collector_errors), collector_errors  # nothing we need is missing
    found = {(r["check"], r["resource"], r["status"]) for r in results if r["check"] != "collector-error"}
    return completed.returncode, found, data


def test_audit_fails_on_the_offender_and_passes_once_it_is_closed(
        tmp_path: Path, ports: tuple[int, int], good_listener: Listening) -> None:
    good, bad = ports
    baseline = tmp_path / "baseline.yaml"
    _write_baseline(baseline, good, bad)
    offender = Listening(BAD_ADDRESS, bad)
    try:
        code, found, data = _audit(baseline, tmp_path / "out.json")
    finally:
        offender.close()
    assert found == {
        ("port-required-missing", f"tcp/*:{good}", "pass"),
        ("port-bind", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-process", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-forbidden", f"tcp/{BAD_ADDRESS}:{bad}", "fail"),
    }
    assert code == 1
    failure = next(r for host in data["hosts"] for r in host["results"]  # type: ignore[attr-defined]
                   if r["status"] == "fail")
    assert failure["evidence"]["pid"] == offender.process.pid
    assert failure["evidence"]["process"].startswith("python")
    assert failure["location"]["file"] == str(baseline) and failure["location"]["line"] == 8

    code, found, _ = _audit(baseline, tmp_path / "after.json")
    assert found == {
        ("port-required-missing", f"tcp/*:{good}", "pass"),
        ("port-bind", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-process", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-forbidden", f"tcp/*:{bad}", "pass"),
    }
    assert code == 0


def test_required_listener_gone_fails_and_fail_on_critical_ignores_it(tmp_path: Path, ports: tuple[int, int]) -> None:
    good, bad = ports
    baseline = tmp_path / "baseline.yaml"
    _write_baseline(baseline, good, bad)
    code, found, _ = _audit(baseline, tmp_path / "out.json")
    assert ("port-required-missing", f"tcp/*:{good}", "fail") in found
    assert code == 1
    completed = run_cli("-q", "audit", str(baseline), "--local", "--json", str(tmp_path / "o2.json"),
                        "--fail-on", "critical")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "" and completed.stderr == ""

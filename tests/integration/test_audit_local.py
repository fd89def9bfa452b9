"""`surfacecheck audit --local` end to end against real sockets on 127.0.4.x.

Two helper processes (real `python` processes, so the owner seen by the sockets collector is
a real process name) take over TCP sockets the test bound and listen: a good one the baseline
requires, binds and owns, and an offending one on a forbidden port. The audit must give exactly
the expected (check, resource, status) set and exit 1; once the offender is gone the same audit
exits 0. Both ports are held (tests/support/ports.py) for the whole test, so no other program
can listen on them; foreign listeners elsewhere are tolerated because the baseline is
`default: allow` and names only our ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import run_cli
from support.ports import bound_socket, child_listeners, held_port, port_of

pytestmark = pytest.mark.integration

GOOD_ADDRESS = "127.0.4.1"
BAD_ADDRESS = "127.0.4.3"


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    """The good and the bad port: held, closed on every address until a listener joins."""
    with held_port() as good, held_port() as bad:
        yield port_of(good), port_of(bad)


@contextlib.contextmanager
def listening(address: str, port: int) -> Iterator[subprocess.Popen[str]]:
    """A child python process listening on ADDRESS:PORT (a held port it joins)."""
    with child_listeners(bound_socket(address, port, join=True)) as child:
        yield child


@pytest.fixture
def good_listener(ports: tuple[int, int]) -> Iterator[subprocess.Popen[str]]:
    with listening(GOOD_ADDRESS, ports[0]) as child:
        yield child


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
        tmp_path: Path, ports: tuple[int, int], good_listener: subprocess.Popen[str]) -> None:
    good, bad = ports
    baseline = tmp_path / "baseline.yaml"
    _write_baseline(baseline, good, bad)
    with listening(BAD_ADDRESS, bad) as offender:
        code, found, data = _audit(baseline, tmp_path / "out.json")
    assert found == {
        ("port-required-missing", f"tcp/*:{good}", "pass"),
        ("port-bind", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-process", f"tcp/{GOOD_ADDRESS}:{good}", "pass"),
        ("port-forbidden", f"tcp/{BAD_ADDRESS}:{bad}", "fail"),
    }
    assert code == 1
    failure = next(r for host in data["hosts"] for r in host["results"]  # type: ignore[attr-defined]
                   if r["status"] == "fail")
    assert failure["evidence"]["pid"] == offender.pid
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
    assert completed.stdout.startswith("surfacecheck: 1 host, ") and completed.stdout.count("\n") == 1
    assert completed.stderr == ""

"""`surfacecheck audit --local --target 127.0.0.1` with real nmap: exposure rules end to end.

Two listeners on 127.0.0.1 and one held port closed everywhere (tests/support/ports.py); the
scan is bounded by the baseline's `scan.tcp_ports` to those three ports, on loopback only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import run_cli
from support.ports import services

pytestmark = pytest.mark.integration


def test_exposure_rules_against_a_real_scan(tmp_path: Path) -> None:
    assert shutil.which("nmap") or Path("/usr/bin/nmap").exists(), "nmap is a real component of the test suite"
    out = tmp_path / "out.json"
    with services() as running:
        internal, public_open = running.tcp("127.0.0.1"), running.tcp("127.0.0.1")
        public_closed = running.closed_port()
        baseline = tmp_path / "baseline.yaml"
        baseline.write_text(
            "version: 1\n"
            "name: exposure\n"
            f"scan: {{tcp_ports: '{internal},{public_open},{public_closed}', timing: 4}}\n"
            "ports:\n"
            "  default: allow\n"
            "  allow:\n"
            f"    - {{port: {internal}, protocol: tcp, exposure: internal}}\n"
            f"    - {{port: {public_open}, protocol: tcp, exposure: public, required: true}}\n"
            f"    - {{port: {public_closed}, protocol: tcp, exposure: public, required: true}}\n",
            encoding="utf-8",
        )
        completed = run_cli("audit", str(baseline), "--local", "--target", "127.0.0.1", "--json", str(out))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["hosts"]) == 1
    found = {(r["check"], r["resource"], r["status"]) for r in data["hosts"][0]["results"]
             if r["check"] != "collector-error"}
    assert found == {
        ("port-exposed", f"tcp/127.0.0.1:{internal}", "fail"),
        ("port-required-missing", f"tcp/*:{public_open}", "pass"),
        ("port-unreachable", f"tcp/127.0.0.1:{public_open}", "pass"),
        ("port-required-missing", f"tcp/*:{public_closed}", "fail"),
        ("port-unreachable", f"tcp/127.0.0.1:{public_closed}", "fail"),
    }
    exposed = next(r for r in data["hosts"][0]["results"] if r["check"] == "port-exposed")
    assert exposed["evidence"]["source"] == "nmap" and exposed["evidence"]["state"] == "open"

"""Fault tests of `surfacecheck audit --local`: missing tools make rules `error`, never `pass`.

systemctl is made unavailable by running the real CLI with a PATH that does not contain it
(python is started by absolute path). The service rules must be `error` with the reason, the
unit-runtime collector must be reported, and the exit code must be 3, not 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support import run_cli

pytestmark = pytest.mark.integration


def test_systemctl_unavailable_makes_service_rules_error_and_exit_3(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "version: 1\n"
        "name: services-only\n"
        "services:\n"
        "  - {unit: ssh.service, running: true}\n"
        "  - {unit: telnet.service, running: false, absent_ok: true}\n",
        encoding="utf-8",
    )
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {**os.environ, "PATH": str(empty_bin)}
    out = tmp_path / "out.json"
    completed = run_cli("audit", str(baseline), "--local", "--json", str(out), env=env)
    assert completed.returncode == 3, completed.stdout + completed.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    results = [r for host in data["hosts"] for r in host["results"]]
    states = [r for r in results if r["check"] == "service-state"]
    assert {(r["resource"], r["status"]) for r in states} == {("unit:ssh.service", "error"),
                                                             ("unit:telnet.service", "error")}
    assert all("unit-runtime collector" in r["message"] for r in states)
    runtime = [r for r in results if r["resource"] == "collector:unit-runtime"]
    assert len(runtime) == 1 and runtime[0]["status"] == "error"
    assert not [r for r in results if r["status"] == "pass" and r["check"] == "service-state"]
    assert "ERROR" in completed.stdout  # the console summary lists the errors


def test_exit_zero_overrides_incomplete_evidence(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("version: 1\nname: s\nservices:\n  - {unit: ssh.service, running: true}\n", encoding="utf-8")
    env = {**os.environ, "PATH": str(tmp_path)}
    completed = run_cli("-q", "audit", str(baseline), "--local", "--exit-zero", env=env)
    assert completed.returncode == 0, completed.stderr


NO_HOST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sT -p 1-100 127.0.0.9" start="1763716800" version="7.93" xmloutputversion="1.05">
<scaninfo type="connect" protocol="tcp" numservices="100" services="1-100"/>
<runstats><finished time="1763716801" elapsed="1.00" exit="success"/><hosts up="0" down="1" total="1"/></runstats>
</nmaprun>
"""


def test_a_scan_that_found_no_host_audits_nothing_and_exits_3(tmp_path: Path) -> None:
    """An imported scan whose target was down: nothing audited is not compliance (exit 3, not 0)."""
    scan = tmp_path / "scan.xml"
    scan.write_text(NO_HOST_XML, encoding="utf-8")
    junit = tmp_path / "out.xml"
    completed = run_cli("audit", "builtin:default", "--nmap-xml", str(scan), "--junit", str(junit))
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "no host was audited" in completed.stdout
    assert "<error" in junit.read_text(encoding="utf-8")

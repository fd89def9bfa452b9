"""A service answering nmap -sV with a hostile banner: the snapshot carries it, the reports stay valid.

nmap itself replaces control characters in version fields with `.` and caps a capture at
80 characters, so the real scan carries HTML and `|`; the imported XML
(tests/assets/nmap-xml/hostile-banner.xml) carries what other nmap builds or an edited
file can: a 3,000-character product, a newline, a carriage return, `\\x1b`-style escapes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support import ASSETS, run_cli
from support.outputs import by_host, snapshots_of
from support.ports import services
from support.reports import render_markdown, table_after, validate_junit, validate_sarif

pytestmark = pytest.mark.integration

# Matched by nmap-service-probes' BitDefender smtp-proxy line: version = ([^\r\n]+), 80 chars max.
HOSTILE_BANNER = (b"220 mail.example ESMTP BitDefender Proxy version 1.0 <script>alert(1)</script>"
                  b" | a | </td>\x07\x1b[31m\x01\r\n")
BASELINE = "version: 1\nname: hostile-banner\nports:\n  default: deny\n"


def test_the_snapshot_carries_the_hostile_banner() -> None:
    with services() as running:
        port = running.tcp("127.0.0.2", banner=HOSTILE_BANNER)
        result = run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", str(port), "--service-detection",
                         "--host-timeout", "30", "-o", "-")
    assert result.returncode == 0, result.stderr
    (port_entry,) = by_host(snapshots_of(result.stdout))["127.0.0.2"]["network"]["ports"]
    assert port_entry["service"] == "smtp-proxy"
    assert "<script>alert(1)</script> | a | </td>" in port_entry["version"]
    assert "\x07" not in port_entry["version"]  # nmap's own escaping: control characters become '.'


def _validate_reports(directory: Path) -> dict[str, Any]:
    """The report checks of the formatter tests (tests/support/reports.py), on files audit wrote."""

    results = json.loads((directory / "report.json").read_text())
    fails = sum(1 for h in results["hosts"] for r in h["results"] if r["status"] == "fail")
    counts = validate_junit((directory / "report.junit.xml").read_text())
    assert counts["failures"] == fails
    validate_sarif((directory / "report.sarif").read_text(), directory)
    parsed = render_markdown((directory / "report.md").read_text())  # only plain tags: no injected HTML
    head, body = table_after(parsed, "Failures")
    assert len(body) == fails and all(len(row) == len(head[0]) for row in body)
    return dict(results)


def _audit(tmp_path: Path, *argv: str) -> dict[str, Any]:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE)
    result = run_cli("-q", "audit", str(baseline), *argv, "--junit", str(tmp_path / "report.junit.xml"),
                     "--sarif", str(tmp_path / "report.sarif"), "--markdown", str(tmp_path / "report.md"),
                     "--json", str(tmp_path / "report.json"))
    assert result.returncode in (1, 3), result.stderr
    return _validate_reports(tmp_path)


def test_reports_stay_valid_with_a_real_hostile_banner(tmp_path: Path) -> None:
    with services() as running:
        port = running.tcp("127.0.0.2", banner=HOSTILE_BANNER)
        results = _audit(tmp_path, "--target", "127.0.0.2", "--tcp-ports", str(port), "--service-detection",
                         "--host-timeout", "30")
    fails = [r for h in results["hosts"] for r in h["results"] if r["status"] == "fail"]
    assert any("<script>" in json.dumps(r["evidence"]) for r in fails)


def test_reports_stay_valid_with_an_imported_hostile_scan(tmp_path: Path) -> None:
    results = _audit(tmp_path, "--nmap-xml", str(ASSETS / "nmap-xml/hostile-banner.xml"))
    hosts = {h["name"]: h for h in results["hosts"]}
    product = hosts["127.0.0.2"]["snapshot"]["network"]["ports"][0]["product"]
    assert product.startswith("<script>") and len(product) > 3000
    timed_out = hosts["127.0.0.3"]["snapshot"]
    assert timed_out["network"] is None
    assert [c["status"] for c in timed_out["collectors"] if c["name"] == "nmap"] == ["failed"]

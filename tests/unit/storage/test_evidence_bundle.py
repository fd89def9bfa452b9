"""The evidence bundle: every format, snapshots, resolved baseline, and a SHA256SUMS that the
real `sha256sum -c` accepts."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from checker.errors import CheckerError, UsageError
from checker.formatters import FormatOptions, bundle_files, get_formatter
from checker.model import Baseline, Report
from checker.storage.evidence import write_evidence_bundle
from checker.storage.results import load_report
from support.reports import expected_counts, validate_junit, validate_markdown, validate_sarif

EXPECTED_FILES = {
    "SHA256SUMS", "baseline.resolved.yaml", *bundle_files().values(),
    "snapshots/db-2.json", "snapshots/edge-3.json", "snapshots/web-1.json",
}


def files_in(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}


def test_bundle_contents_verify_with_sha256sum(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    bundle = tmp_path / "evidence"
    write_evidence_bundle(str(bundle), report, baseline, {})
    assert files_in(bundle) == EXPECTED_FILES
    check = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=bundle, capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(EXPECTED_FILES) - 1

    (bundle / "report.md").write_text("tampered\n", "utf-8")
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=bundle, capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 1 and "report.md: FAILED" in check.stdout


def test_bundle_files_are_the_formats(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    bundle = tmp_path / "evidence"
    sarif = get_formatter("sarif").format(report, FormatOptions(sarif_root="policies"))
    write_evidence_bundle(str(bundle), report, baseline, {"sarif": sarif})
    assert (bundle / "results.sarif").read_text("utf-8") == sarif  # the caller's rendering, reused
    for fmt, name in (("json", "results.json"), ("junit", "results.junit.xml"),
                      ("markdown", "report.md")):
        assert (bundle / name).read_text("utf-8") == get_formatter(fmt).format(report, FormatOptions())
    validate_sarif(sarif, tmp_path)
    assert validate_junit((bundle / "results.junit.xml").read_text("utf-8")) == expected_counts(report)
    validate_markdown((bundle / "report.md").read_text("utf-8"), report)
    assert load_report(str(bundle / "results.json")).counts() == report.counts()
    snapshot = json.loads((bundle / "snapshots" / "web-1.json").read_text("utf-8"))
    assert snapshot["host"]["hostname"] == "web-1"
    resolved = yaml.safe_load((bundle / "baseline.resolved.yaml").read_text("utf-8"))
    assert resolved["ports"]["allow"][0]["process"] == "sshd"
    assert str(resolved["waivers"][0]["expires"]) == "2026-12-31"


def test_refuses_a_non_empty_directory(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    bundle = tmp_path / "evidence"
    bundle.mkdir()
    (bundle / "old.txt").write_text("keep me", "utf-8")
    with pytest.raises(UsageError, match="not empty"):
        write_evidence_bundle(str(bundle), report, baseline, {})
    assert files_in(bundle) == {"old.txt"}
    afile = tmp_path / "file"
    afile.write_text("x", "utf-8")
    with pytest.raises(CheckerError, match="not a directory"):
        write_evidence_bundle(str(afile), report, baseline, {})


def test_empty_existing_directory_is_used(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    write_evidence_bundle(str(tmp_path), report, baseline, {})
    assert files_in(tmp_path) == EXPECTED_FILES


def test_unsafe_and_colliding_host_names(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    hosts = (replace(report.hosts[0], name="../../etc/passwd"), replace(report.hosts[1], name="web/1"),
             replace(report.hosts[2], name="web:1"))
    write_evidence_bundle(str(tmp_path / "b"), replace(report, hosts=hosts), baseline, {})
    names = {n for n in files_in(tmp_path / "b") if n.startswith("snapshots/")}
    assert names == {"snapshots/_.._etc_passwd.json", "snapshots/web_1.json", "snapshots/web_1-2.json"}
    assert not (tmp_path / "etc").exists()
    check = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=tmp_path / "b",
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr

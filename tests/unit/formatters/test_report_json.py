"""The JSON results: golden file, schemas/results.schema.json, and the round trip through load_report
(reading a bad results file: tests/unit/storage/test_results_files.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from checker.formatters import FormatOptions, all_formats, get_formatter
from checker.model import Report
from checker.model.serialize import dumps_by_line
from checker.storage.results import load_report
from support import REPO_ROOT as REPO

RESULTS_SCHEMA = REPO / "schemas" / "results.schema.json"
SNAPSHOT_SCHEMA = REPO / "schemas" / "snapshot.schema.json"


def render(report: Report) -> str:
    return get_formatter("json").format(report, FormatOptions())


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("results.json", render(report))


def test_deterministic_and_sorted(report: Report) -> None:
    text = render(report)
    assert text == render(report)
    data = json.loads(text)
    assert dumps_by_line(data, depth=4) == text  # canonical: sorted keys, fixed layout
    assert [h["name"] for h in data["hosts"]] == ["db-2", "edge-3", "web-1"]
    result_lines = [line for line in text.splitlines() if line.lstrip().startswith('{"check": ')]
    assert len(result_lines) == sum(len(h["results"]) for h in data["hosts"])  # one line per result


def test_valid_against_results_schema(report: Report) -> None:
    schema = json.loads(RESULTS_SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(render(report)))


def test_snapshots_valid_against_snapshot_schema(report: Report) -> None:
    if not SNAPSHOT_SCHEMA.exists():
        pytest.skip("schemas/snapshot.schema.json not written yet")
    schema = json.loads(SNAPSHOT_SCHEMA.read_text("utf-8"))
    for host in json.loads(render(report))["hosts"]:
        jsonschema.validate(host["snapshot"], schema)


def test_contents(report: Report) -> None:
    data = json.loads(render(report))
    assert data["tool"] == {"name": "surfacecheck", "version": "0.1.0"}
    assert data["baseline"]["sources"][1] == {"path": "policies/common.yaml", "sha256": "b" * 64}
    assert data["summary"]["by_status"] == report.counts()
    assert data["summary"]["total"] == len(report.results)
    web = next(h for h in data["hosts"] if h["name"] == "web-1")
    assert web["snapshot"]["listeners"][1]["process"] == "python3"
    assert {r["check"] for h in data["hosts"] for r in h["results"]} == {c.value for c in
                                                                        {r.check for r in report.results}}


def test_round_trip_gives_identical_bytes_in_every_format(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(render(report), "utf-8")
    loaded = load_report(str(path))
    for fmt in (spec.name for spec in all_formats()):
        for options in (FormatOptions(), FormatOptions(junit_file_attrs=True, sarif_root="policies")):
            formatter = get_formatter(fmt)
            assert formatter.format(loaded, options) == formatter.format(report, options), fmt


def test_the_baseline_description_survives_the_round_trip(report: Report, tmp_path: Path) -> None:
    from dataclasses import replace

    described = replace(report, baseline_description="Public web tier, approved for go-live")
    path = tmp_path / "results.json"
    path.write_text(render(described), "utf-8")
    assert json.loads(path.read_text())["baseline"]["description"] == "Public web tier, approved for go-live"
    assert load_report(str(path)).baseline_description == "Public web tier, approved for go-live"

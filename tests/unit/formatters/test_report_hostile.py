"""Hostile data (control characters, `|`, HTML, CDATA ends, backslashes, newlines, RTL marks, a
1 MB banner) in process names, evidence and messages: every format stays valid for its real
consumer, and nothing is lost except what the format cannot carry."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from checker.formatters import FormatOptions, all_formats, get_formatter
from checker.formatters._common import evidence_text
from checker.model import Listener, Protocol, Report, Status
from checker.storage.results import load_report
from support.reports import (
    expected_counts,
    render_markdown,
    table_after,
    validate_junit,
    validate_markdown,
    validate_sarif,
)

HOSTILE = ("evil\x00name\x1b[31m\x0bpipe|col<script>alert(1)</script>]]>back\\slash\\|end\nline2\r\nline3"
           " \u200fRTL\u202eoverride `code` *em* _u_ [link](http://x.invalid) $x$ &amp; &#124; ~~s~~ \x7f\x85")
HUGE = "B" * 1_000_000 + HOSTILE
XML_STRIPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""Illegal in XML 1.0, plus DEL and the C1 controls but NEL, which junit-xml also strips (discouraged)."""


def xml_visible(text: str, *, attribute: bool = False) -> str:
    """What an XML parser gives back: stripped characters gone; in text, CR/CRLF normalised to LF
    (attributes keep CR, ElementTree writes it as `&#13;`)."""
    text = XML_STRIPPED.sub("", text)
    return text if attribute else text.replace("\r\n", "\n").replace("\r", "\n")


def md_visible(text: str) -> str:
    """What the rendered Markdown cell shows: control characters gone, CRLF as one line break."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", text).replace("\t", " ").strip()


@pytest.fixture
def hostile(report: Report) -> Report:
    web = report.hosts[0]
    snapshot = replace(web.snapshot, listeners=web.snapshot.listeners + (
        Listener(Protocol.TCP, "ipv4", "0.0.0.0", 6666, 1, HOSTILE, HUGE, HOSTILE),))
    results = list(web.results)
    results.append(replace(results[0], resource="tcp/0.0.0.0:6666", message=f"owned by {HOSTILE}",
                           evidence={"process": HOSTILE, "banner": HUGE}))
    results.append(replace(results[0], resource=f"tcp/0.0.0.0:6667 {HOSTILE}", message=HOSTILE,
                           evidence={"process": HOSTILE}))
    results.append(replace(results[0], resource="tcp/0.0.0.0:6668", status=Status.ERROR, message=HOSTILE,
                           evidence={"banner": HUGE}))
    waived = next(r for r in web.results if r.status is Status.WAIVED)
    assert waived.waiver is not None
    results.append(replace(waived, resource="tcp/0.0.0.0:6669", message=HOSTILE,
                           waiver=replace(waived.waiver, reason=HOSTILE)))
    hostile_web = replace(web, snapshot=snapshot, results=tuple(results))
    return replace(report, hosts=(hostile_web, *report.hosts[1:]))


def render(report: Report, fmt: str) -> str:
    return get_formatter(fmt).format(report, FormatOptions(junit_file_attrs=False))


def test_json_keeps_everything(hostile: Report, tmp_path: Path) -> None:
    text = render(hostile, "json")
    path = tmp_path / "results.json"
    path.write_text(text, "utf-8")
    loaded = load_report(str(path))
    assert loaded.hosts[2].results == tuple(sorted(hostile.hosts[0].results, key=lambda r: r.sort_key()))
    assert loaded.hosts[2].snapshot == hostile.hosts[0].snapshot
    for fmt in (spec.name for spec in all_formats()):
        assert render(loaded, fmt) == render(hostile, fmt)


def test_sarif_valid_and_lossless(hostile: Report, tmp_path: Path) -> None:
    log = validate_sarif(render(hostile, "sarif"), tmp_path)
    results = {r["properties"]["resource"]: r for r in log["runs"][0]["results"]}
    assert results["tcp/0.0.0.0:6666"]["properties"]["evidence"] == {"process": HOSTILE, "banner": HUGE}
    assert results[f"tcp/0.0.0.0:6667 {HOSTILE}"]["message"]["text"].endswith(HOSTILE)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(HUGE in n["message"]["text"] for n in notes)


def test_junit_valid_and_only_illegal_characters_lost(hostile: Report) -> None:
    for file_attrs in (False, True):
        text = get_formatter("junit").format(hostile, FormatOptions(junit_file_attrs=file_attrs))
        assert validate_junit(text, file_attrs=file_attrs) == expected_counts(hostile)
    text = render(hostile, "junit")
    root = ET.fromstring(text.encode("utf-8"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["tcp/0.0.0.0:6666"].find("failure")
    assert failure is not None
    assert failure.get("message") == xml_visible(f"owned by {HOSTILE}", attribute=True)
    assert xml_visible(evidence_text({"process": HOSTILE, "banner": HUGE})) in (failure.text or "")
    named = cases[xml_visible(f"tcp/0.0.0.0:6667 {HOSTILE}", attribute=True)].find("failure")
    assert named is not None and named.get("message") == xml_visible(HOSTILE, attribute=True)
    error = cases["tcp/0.0.0.0:6668"].find("error")
    assert error is not None and xml_visible(HUGE) in (error.text or "")
    out = cases["tcp/0.0.0.0:6669"].findtext("system-out") or ""
    assert xml_visible(f"waived: {HOSTILE}") in out


def test_markdown_valid_and_cells_exact(hostile: Report) -> None:
    text = render(hostile, "markdown")
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "<script" not in text and "\x00" not in text and "\x1b" not in text
    parsed = validate_markdown(text, hostile)
    _, failures = table_after(parsed, "Failures")
    rows = {row[3]: row for row in failures}
    row = rows["tcp/0.0.0.0:6666"]
    assert row[4] == md_visible(f"owned by {HOSTILE}")
    assert md_visible(f"process: {HOSTILE}") in row[5]
    assert "more characters, see the JSON results" in row[5]  # the 1 MB banner, cut to fit 1 MiB
    assert rows[md_visible(f"tcp/0.0.0.0:6667 {HOSTILE}")][4] == md_visible(HOSTILE)
    _, waivers = table_after(parsed, "Waivers")
    assert md_visible(HOSTILE) in [w[4] for w in waivers]
    _, errors = table_after(parsed, "Errors")
    assert len(errors) == hostile.counts()["error"]
    render_markdown(text)


def test_hostile_host_and_baseline_names(hostile: Report, tmp_path: Path) -> None:
    renamed = replace(hostile, baseline_name=HOSTILE, baseline_path=f"pol|icies/{HOSTILE}.yaml",
                      hosts=tuple(replace(h, name=f"{h.name}{HOSTILE}",
                                          results=tuple(replace(r, host=f"{r.host}{HOSTILE}") for r in h.results))
                                  for h in hostile.hosts))
    validate_sarif(render(renamed, "sarif"), tmp_path)
    assert validate_junit(render(renamed, "junit")) == expected_counts(renamed)
    validate_markdown(render(renamed, "markdown"), renamed)
    data = json.loads(render(renamed, "json"))
    assert data["baseline"]["name"] == HOSTILE


def test_whole_pipeline_json_to_report_command_and_evidence_bundle(hostile: Report, tmp_path: Path) -> None:
    """Saved JSON -> `surfacecheck report` (every format) and an evidence bundle: all still valid."""
    import subprocess

    from checker.model import Baseline
    from checker.storage.evidence import write_evidence_bundle
    from support import run_cli

    saved = tmp_path / "results.json"
    saved.write_text(render(hostile, "json"), "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("report", str(saved), "--junit", str(out / "r.xml"), "--sarif", str(out / "r.sarif"),
                     "--markdown", str(out / "r.md"), "--json", str(out / "r.json"))
    assert result.returncode == 0, result.stderr
    assert (out / "r.json").read_bytes() == saved.read_bytes()
    validate_sarif((out / "r.sarif").read_text("utf-8"), tmp_path)
    assert validate_junit((out / "r.xml").read_text("utf-8")) == expected_counts(hostile)
    validate_markdown((out / "r.md").read_text("utf-8"), hostile)

    baseline = Baseline(path="policies/web.yaml", name=HOSTILE)
    bundle = tmp_path / "bundle"
    write_evidence_bundle(str(bundle), load_report(str(saved)), baseline, {})
    check = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=bundle, capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    import yaml

    assert yaml.safe_load((bundle / "baseline.resolved.yaml").read_text("utf-8"))["name"] == HOSTILE


def test_a_baseline_file_name_that_is_not_utf8(report: Report, tmp_path: Path) -> None:
    """`surfacecheck audit $'b\\xff.yaml'`: Python hands the name over with a lone surrogate
    (surrogateescape). SARIF's artifact URI and Markdown's link target raised UnicodeEncodeError
    (exit 2, "internal error", no report at all); they name the file by its bytes now."""
    path = "policies/b\udcff.yaml"
    moved = replace(report, baseline_path=path, hosts=tuple(
        replace(h, results=tuple(replace(r, location=replace(r.location, file=path)) if r.location else r
                                 for r in h.results)) for h in report.hosts))
    log = validate_sarif(render(moved, "sarif"), tmp_path)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"] for loc in result["locations"]}
    assert uris == {"policies/b%FF.yaml"}
    text = render(moved, "markdown")
    assert "(policies/b%FF.yaml#L" in text
    validate_markdown(text, moved)
    for fmt in ("json", "junit"):
        render(moved, fmt).encode("utf-8")  # what the report writer does: no lone surrogate left

"""Issue 14's formatter hot paths: each stays fast by construction (counted, never timed) and gives
the same bytes as the slow way it replaced."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest
from junit_xml import to_xml_report_string

from checker.formatters import FormatOptions, _common, get_formatter, junit, sarif
from checker.formatters import json as json_format
from checker.model import Location, Report, Status
from checker.model.serialize import dumps_by_line

NASTY = "a\x00b\x7fc\x80d\x85e\r\nf\rg\th\ufffei\U0001fffe&<>\"'|]]>é"


def _nasty(report: Report) -> Report:
    host = report.hosts[0]
    results = tuple(replace(r, message=f"{r.message} {NASTY}", resource=f"{r.resource}{NASTY}",
                            evidence={**r.evidence, "banner": NASTY, "n": 1.5, "ok": True, "none": None})
                    for r in host.results)
    return replace(report, hosts=(replace(host, results=results), *report.hosts[1:]))


def _three_pass_junit(report: Report, options: FormatOptions) -> str:
    """What the JUnit formatter did before: junit-xml's string, parsed again, re-indented."""
    suites = [junit._suite(host, report, options) for host in _common.sorted_hosts(report)]
    if not any(suite.test_cases for suite in suites):
        suites.append(junit._placeholder(report))
    root = ET.fromstring(to_xml_report_string(suites, prettyprint=False))
    for element in root.iter():
        element.attrib.pop("disabled", None)
    ET.indent(root, space="  ")
    return junit.XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


@pytest.mark.parametrize("file_attrs", [False, True])
def test_junit_is_serialised_once_and_gives_the_three_pass_bytes(report: Report, file_attrs: bool,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    options = FormatOptions(junit_file_attrs=file_attrs)
    for subject in (report, _nasty(report), replace(report, hosts=()),
                    replace(report, hosts=tuple(replace(h, results=()) for h in report.hosts))):
        expected = _three_pass_junit(subject, options)

        def no_reparse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the JUnit document must not be parsed back")

        with monkeypatch.context() as patch:
            patch.setattr(ET, "fromstring", no_reparse)
            patch.setattr(ET, "XML", no_reparse)
            text = get_formatter("junit").format(subject, options)
        assert text == expected


def test_sarif_computes_each_artifact_uri_once(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = [r for r in report.results if r.status is Status.FAIL][0]
    many = tuple(replace(failing, resource=f"tcp/0.0.0.0:{port}", location=Location("policies/web.yaml", port % 7))
                 for port in range(1, 2001))
    host = replace(report.hosts[0], results=many)
    big = replace(report, hosts=(host,))
    calls: list[str] = []
    original = sarif.artifact_uri
    monkeypatch.setattr(sarif, "artifact_uri", lambda path, root: calls.append(path) or original(path, root))
    log = json.loads(get_formatter("sarif").format(big, FormatOptions()))
    assert len(log["runs"][0]["results"]) == 2000
    assert sorted(calls) == ["policies/web.yaml"]


def test_sarif_is_one_result_a_line(report: Report) -> None:
    text = get_formatter("sarif").format(report, FormatOptions())
    lines = text.splitlines()
    failures = [r for r in report.results if r.status is Status.FAIL]
    assert sum(1 for line in lines if line.lstrip().startswith('{"kind": "fail"')) == len(failures)
    assert text == dumps_by_line(json.loads(text), depth=5, records=frozenset({"results"}))


def test_evidence_text_writes_scalars_without_json(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"s": "x y", "i": -12, "big": 10**30, "t": True, "f": False, "n": None}
    expected = "; ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in sorted(values.items()))

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("json.dumps called for a scalar")

    monkeypatch.setattr(_common.json, "dumps", refuse)
    assert _common.evidence_text(values) == expected


def test_evidence_text_keeps_json_for_everything_else() -> None:
    values: dict[str, Any] = {"l": [1, "é"], "d": {"b": 1, "a": None}, "x": 1.5, "nan": math.nan, "e": 1e300}
    assert _common.evidence_text(values) == "; ".join(
        f"{k}: {json.dumps(v, sort_keys=True, ensure_ascii=False)}" for k, v in sorted(values.items()))


def test_markdown_cleans_each_failure_once_however_many_limits_are_tried(report: Report,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    failing = [r for r in report.results if r.status is Status.FAIL][0]
    # 3,000 failures with long evidence: too big for 1 MiB at every cell limit (the last resort).
    many = tuple(replace(failing, resource=f"tcp/0.0.0.0:{port}", evidence={"banner": "B" * 5000, "port": port})
                 for port in range(3000))
    big = replace(report, hosts=(replace(report.hosts[0], results=many),))
    from checker.formatters import markdown_rows

    converted: list[object] = []
    original = markdown_rows.evidence_value_text
    monkeypatch.setattr(markdown_rows, "evidence_value_text", lambda v: converted.append(v) or original(v))
    text = get_formatter("markdown").format(big, FormatOptions())
    assert len(text.encode()) <= 1024 * 1024 and "not listed to keep this report under 1 MiB" in text
    assert len(converted) <= 2 * len(many)  # two evidence values per failure, each converted once


def test_json_is_written_host_by_host_with_the_same_bytes(report: Report) -> None:
    formatter = get_formatter("json")
    chunks = list(formatter.chunks(report, FormatOptions()))
    assert len(chunks) > len(report.hosts)
    whole = dumps_by_line(json_format.report_to_data(report), depth=4)
    assert "".join(chunks) == whole == formatter.format(report, FormatOptions())


def test_json_host_data_is_made_only_while_it_is_written(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    original = json_format.host_to_data
    monkeypatch.setattr(json_format, "host_to_data", lambda host: made.append(host.name) or original(host))
    pieces = get_formatter("json").chunks(report, FormatOptions())
    written = ""
    for piece in pieces:
        written += piece
        # A host's data exists only once the document has reached it.
        assert len(made) <= written.count('"name": ') + 1
    assert sorted(made) == sorted(h.name for h in report.hosts)

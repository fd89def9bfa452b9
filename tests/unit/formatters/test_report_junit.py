"""JUnit XML: golden files, junit-10.xsd, and junitparser counting what the JSON counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from checker.formatters import FormatOptions, get_formatter
from checker.model import Report, Status
from support.reports import expected_counts, validate_junit


def render(report: Report, **options: bool) -> str:
    return get_formatter("junit").format(report, FormatOptions(**options))  # type: ignore[arg-type]


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("results.junit.xml", render(report))
    golden("results.file-attrs.junit.xml", render(report, junit_file_attrs=True))


def test_valid_and_counts_match_json(report: Report) -> None:
    assert validate_junit(render(report)) == expected_counts(report)


def test_file_attrs_variant_only_adds_file_and_line(report: Report) -> None:
    text = render(report, junit_file_attrs=True)
    assert validate_junit(text, file_attrs=True) == expected_counts(report)
    root = ET.fromstring(text)
    case = next(c for c in root.iter("testcase") if c.get("name") == "tcp/0.0.0.0:23")
    assert (case.get("file"), case.get("line")) == ("policies/web.yaml", "30")
    # A result no rule produced has no location, hence no file/line.
    case = next(c for c in root.iter("testcase") if c.get("name") == "collector:nmap")
    assert case.get("file") is None and case.get("line") is None
    assert "file" not in render(report).split("<testcase", 1)[1].split(">", 1)[0]


def test_structure(report: Report) -> None:
    root = ET.fromstring(render(report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["db-2", "edge-3", "web-1"]
    assert all(el.get("disabled") is None for el in root.iter())
    web = suites[2]
    cases = web.findall("testcase")
    assert len(cases) == len(report.hosts[0].results)
    assert all("." not in (c.get("classname") or "") for c in root.iter("testcase"))
    failure = next(c for c in cases if c.get("name") == "tcp/0.0.0.0:8080").find("failure")
    assert failure is not None
    message = "tcp/0.0.0.0:8080 (python3, user www-data) is not allowed by the baseline"
    assert failure.get("message") == message
    assert (failure.text or "").startswith(message)
    error = next(c for c in cases if c.get("classname") == "collector-error").find("error")
    assert error is not None and (error.text or "").startswith(error.get("message") or "?")


def test_waived_is_a_passing_testcase_that_says_why_and_until_when(report: Report) -> None:
    root = ET.fromstring(render(report))
    case = next(c for c in root.iter("testcase") if c.get("name") == "tcp/0.0.0.0:9090")
    assert [child.tag for child in case] == ["system-out"]
    out = case.findtext("system-out") or ""
    assert "waived: temporary debug server, ticket OPS-123" in out
    assert "until 2026-12-31" in out


def test_expired_waiver_is_a_failure_that_says_so(report: Report) -> None:
    root = ET.fromstring(render(report))
    case = next(c for c in root.iter("testcase") if c.get("name") == "tcp/0.0.0.0:8443")
    failure = case.find("failure")
    assert failure is not None and "waiver expired on 2026-01-31" in (failure.text or "")


def test_empty_report_has_a_placeholder_testcase(report: Report) -> None:
    from dataclasses import replace

    # Hosts without any result: nothing to check, a skipped placeholder.
    empty = replace(report, hosts=tuple(replace(h, results=()) for h in report.hosts))
    text = render(empty)
    counts = validate_junit(text)
    assert counts == {"passed": 0, "failures": 0, "errors": 0, "skipped": 1}
    assert ET.fromstring(text).find("testsuite/testcase/skipped") is not None
    # No host at all: nothing was audited (exit code 3), so the test tab must not look green.
    text = render(replace(report, hosts=()))
    assert validate_junit(text) == {"passed": 0, "failures": 0, "errors": 1, "skipped": 0}
    error = ET.fromstring(text).find("testsuite/testcase/error")
    assert error is not None and "no host was audited" in (error.text or "")


def test_every_status_present(report: Report) -> None:
    assert {r.status for r in report.results} == set(Status)

"""Every OutputFormat has a registered formatter, and every formatter is deterministic."""

from __future__ import annotations

import pytest

from checker.formatters import FormatOptions, Formatter, OutputFormat, get_formatter
from checker.model import CheckId, Report, Status


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_has_a_formatter(fmt: OutputFormat, report: Report) -> None:
    formatter = get_formatter(fmt)
    assert isinstance(formatter, Formatter)
    first = formatter.format(report, FormatOptions())
    assert isinstance(first, str) and first.endswith("\n")
    assert formatter.format(report, FormatOptions()) == first


def test_fixture_covers_every_status_check_and_waiver_case(report: Report) -> None:
    results = report.results
    assert {r.status for r in results} == set(Status)
    assert {r.check for r in results} == set(CheckId)
    waivers = [r for r in results if r.waiver is not None]
    assert any(r.status is Status.WAIVED and not r.waiver.expired for r in waivers if r.waiver)
    assert any(r.status is Status.FAIL and r.waiver.expired for r in waivers if r.waiver)
    assert any(r.check is CheckId.WAIVER_EXPIRED for r in results)
    assert any(r.check is CheckId.WAIVER_UNUSED for r in results)
    assert any(r.location is None for r in results)
    assert any(not h.results for h in report.hosts)

"""Markdown: golden file, cmark-gfm (GitHub's renderer) and markdown-it see the intended tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from checker.formatters import FormatOptions, get_formatter
from checker.formatters.markdown import MarkdownFormatter
from checker.formatters.markdown_text import markdown_cell
from checker.model import Report, Result, Status
from support.reports import render_markdown, table_after, validate_markdown


def render(report: Report) -> str:
    return get_formatter("markdown").format(report, FormatOptions())


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("report.md", render(report))


def test_tables_render_as_intended(report: Report) -> None:
    parsed = validate_markdown(render(report), report)
    head, body = table_after(parsed, "Failures")
    assert head[0] == ["Severity", "Check", "Host", "Resource", "Message", "Evidence", "Remediation", "Baseline"]
    assert body[0][:4] == ["critical", "port-forbidden", "web-1", "tcp/0.0.0.0:23"]
    _, errors = table_after(parsed, "Errors")
    assert len(errors) == report.counts()["error"]
    _, waivers = table_after(parsed, "Waivers")
    assert len(waivers) == 3
    assert {row[0] for row in waivers} == {"waived", "EXPIRED (fail)"}
    assert [row[5] for row in waivers if row[3] == "tcp/0.0.0.0:9090"] == ["2026-12-31"]
    _, passes = table_after(parsed, "Passed")
    assert len(passes) == report.counts()["pass"]
    _, skips = table_after(parsed, "Skipped")
    assert len(skips) == report.counts()["skip"]


def test_header_says_what_was_audited(report: Report) -> None:
    parsed = render_markdown(render(report))
    _, facts = parsed.tables[0][1], parsed.tables[0][2]
    header = {row[0]: row[1] for row in facts}
    assert header["Tool"] == "surfacecheck 0.1.0"
    assert header["Baseline sha256"] == "a" * 64
    assert header["Collection (UTC)"] == "2026-11-21T09:40:50Z to 2026-11-21T09:41:03Z"
    _, hosts = table_after(parsed, "Hosts")
    web = next(row for row in hosts if row[0] == "web-1")
    assert web[3] == "root (euid 0)"
    assert "nmap: failed" in web[6]


def test_passes_and_skips_are_inside_details(report: Report) -> None:
    text = render(report)
    details = text.split("<details>", 1)[1]
    assert "Passed (9)" in details and "Skipped (3)" in details
    assert "## Failures" not in details


def test_cell_escaping() -> None:
    assert markdown_cell("a|b") == "a&#124;b"
    assert markdown_cell("<script>&") == "&lt;script&gt;&amp;"
    assert markdown_cell("back\\slash") == "back\\\\slash"
    assert markdown_cell("l1\r\nl2\nl3") == "l1<br>l2<br>l3"
    assert markdown_cell("nul\x00esc\x1bvt\x0b") == "nulescvt"
    assert markdown_cell("x" * 10, limit=4).startswith("xxxx… (truncated: 6 more characters")
    assert markdown_cell(None) == ""  # an absent value in a `diff --markdown` row


def _many_passes(report: Report, count: int, size: int) -> Report:
    host = report.hosts[0]
    template = next(r for r in host.results if r.status is Status.PASS)
    passes = tuple(replace(template, resource=f"tcp/0.0.0.0:{i}", message="p" * size) for i in range(count))
    return replace(report, hosts=(replace(host, results=host.results + passes), *report.hosts[1:]))


def test_over_the_limit_passes_are_cut_first_with_a_note(report: Report) -> None:
    big = _many_passes(report, 300, 400)
    formatter = MarkdownFormatter(max_bytes=64 * 1024)
    text = formatter.format(big, FormatOptions())
    assert len(text.encode()) <= 64 * 1024
    assert "passes not listed to keep this report under 1 MiB" in text
    parsed = render_markdown(text)
    _, body = table_after(parsed, "Failures")
    assert len(body) == big.counts()["fail"]
    _, skips = table_after(parsed, "Skipped")
    assert len(skips) == big.counts()["skip"]
    _, passes = table_after(parsed, "Passed")
    assert 0 < len(passes) < big.counts()["pass"]
    assert f"of {big.counts()['pass']} passes not listed" in text


def test_long_cells_are_truncated_when_failures_alone_are_too_big(report: Report) -> None:
    host = report.hosts[0]
    huge: list[Result] = [replace(r, evidence={"banner": "B" * 200_000}) if r.status is Status.FAIL else r
                          for r in host.results]
    big = replace(report, hosts=(replace(host, results=tuple(huge)), *report.hosts[1:]))
    text = MarkdownFormatter().format(big, FormatOptions())
    assert len(text.encode()) <= 1024 * 1024
    assert "more characters, see the JSON results" in text
    validate_markdown(text, big)


def test_last_resort_cuts_rows_but_stays_valid(report: Report) -> None:
    text = MarkdownFormatter(max_bytes=6 * 1024).format(report, FormatOptions())
    assert len(text.encode()) <= 6 * 1024
    assert "failures not listed" in text or "errors not listed" in text
    render_markdown(text)


def test_verdict_follows_fail_on_and_errors(report: Report) -> None:
    from checker.model import Severity

    assert "Verdict: **FAIL**: 1 failure(s) at or above critical" in render(replace(report, fail_on=Severity.CRITICAL))
    no_fail = replace(report, hosts=tuple(replace(h, results=tuple(r for r in h.results if r.status is not Status.FAIL))
                                          for h in report.hosts))
    assert "Verdict: **INCOMPLETE**: 6 result(s) could not be evaluated" in render(no_fail)
    only_low = replace(report, fail_on=Severity.HIGH, hosts=tuple(
        replace(h, results=tuple(r for r in h.results if r.status in (Status.PASS, Status.FAIL)
                                 and r.severity in (Severity.LOW, Severity.MEDIUM))) for h in report.hosts))
    assert "Verdict: **PASS** (9 failure(s) below high)" in render(only_low)


def test_verdict_without_any_host_is_incomplete(report: Report) -> None:
    """Same rule as the exit code: nothing audited is not a pass."""
    text = render(replace(report, hosts=()))
    assert "Verdict: **INCOMPLETE**: no host was audited" in text
    assert "**PASS**" not in text


def test_scan_scope_description_and_builtin_rules_as_plain_text(report: Report) -> None:
    """Issue 15: no scan scope, no baseline description, and `builtin%3Adefault#L38` links that
    lead nowhere."""
    from checker.model import Location, NetworkView

    host = report.hosts[0]
    view = NetworkView("127.0.0.2", "up", scanned=("tcp:1-1024", "udp:top:100"), scanner_version="7.93",
                       arguments=("nmap", "-sS", "-T4", "-p", "1-1024"), scan_type="syn+udp", source="scan")
    failing = next(r for r in host.results if r.status is Status.FAIL)
    builtin = replace(failing, location=Location("builtin:default", 38, 7))
    changed = replace(host, snapshot=replace(host.snapshot, network=view), results=(builtin,))
    text = render(replace(report, hosts=(changed,), baseline_description="Public web tier, approved for go-live"))
    assert "| **Description** | Public web tier, approved for go-live |" in text
    head, body = table_after(render_markdown(text), "Scan scope")
    assert head[0] == ["Host", "Target", "State", "Ports scanned", "Protocols", "Scan type", "Timing", "Scanner",
                        "Source"]
    assert body == [[changed.name, "127.0.0.2", "up", "tcp:1-1024, udp:top:100", "tcp, udp", "syn+udp", "4",
                     "nmap 7.93", "scan"]]
    assert "builtin:default:38:7" in text and "builtin%3A" not in text and "](builtin" not in text

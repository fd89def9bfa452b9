"""The Markdown evidence report: for a CI job summary, a pull request, or an auditor's folder.

Layout: a header (tool version, baseline name/path/sha256 and sources, hosts, collection
time UTC, privileges, collectors that ran or failed), summary counts by status and by
severity, the failures table (severity, check, host, resource, message, evidence,
remediation, link to the baseline line), then errors, then waivers with their expiry,
then passes and skips inside `<details>`.

Every piece of data goes through `markdown_cell()` (checker/formatters/markdown_text.py, the
one escaper, shared with `diff --markdown`), so data cannot add HTML, columns or markup. The
only HTML in the output is ours: `<br>`, `<details>`, `<summary>`.

Size: GitHub refuses job summaries over 1 MiB, so the report is fitted under
`MAX_BYTES`: passes are cut first, then skips (each with a note and counts). If the
failures, errors and waivers still do not fit, long cells are shortened with an ellipsis
note, and only as a last resort rows of those sections are cut, again with a note. The
JSON results always have everything.

Must not: do file I/O, read a clock, or let data add columns, rows or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.formatters._common import SEVERITIES_HIGH_FIRST, all_results, counts_by_severity, sorted_hosts
from checker.formatters.interface import FormatOptions, Formatter
from checker.formatters.markdown_rows import EvidenceCell, LazyRows, LinkCell, RowCells, RowSource, TextCell
from checker.formatters.markdown_text import markdown_cell
from checker.model import CollectorStatus, HostReport, Report, Result, Status
from checker.model.checks import check_info

MAX_BYTES = 1024 * 1024
"""GitHub's job-summary limit (1 MiB), in UTF-8 bytes."""

CELL_LIMITS: tuple[int | None, ...] = (None, 4096, 1024, 256, 64)
"""Longest cell text tried, in characters, from untouched down to the last resort."""


@dataclass
class _Table:
    """One table of the report; `rows` are its lines (without the newline), rendered lazily."""

    key: str
    title: str
    headers: Sequence[str]
    rows: LazyRows
    noun: str
    """What a row is, for the truncation note (`passes`, `failures`...)."""
    details: bool = False
    """Rendered inside `<details>` (passes, skips)."""

    def render(self, shown: int) -> str:
        count = len(self.rows)
        lines: list[str] = []
        if self.details:
            lines += [f"<details><summary>{self.title} ({count})</summary>", ""]
        else:
            lines += [f"## {self.title} ({count})", ""]
        if count == 0:
            lines.append("None.")
        else:
            lines.append("| " + " | ".join(self.headers) + " |")
            lines.append("|" + "---|" * len(self.headers))
            lines += self.rows[:shown]
        if shown < count:
            lines += [
                "",
                f"*{count - shown} of {count} {self.noun} not listed to keep this report under 1 MiB "
                "(GitHub's job-summary limit); the JSON results have every result.*",
            ]
        if self.details:
            lines += ["", "</details>"]
        return "\n".join(lines) + "\n\n"


def _row(values: Sequence[str]) -> str:
    return "| " + " | ".join(values) + " |"


def _remediation(result: Result) -> str:
    return result.remediation or check_info(result.check).remediation


def _failure_cells(result: Result) -> RowCells:
    message = result.message
    if result.waiver is not None and result.waiver.expired:
        message += f" (waiver expired on {result.waiver.expires.isoformat()}: {result.waiver.reason})"
    return RowCells([
        TextCell(result.severity.value), TextCell(result.check.value), TextCell(result.host),
        TextCell(result.resource), TextCell(message), EvidenceCell(result.evidence),
        TextCell(_remediation(result)), LinkCell(result.location),
    ])


def _error_cells(result: Result) -> RowCells:
    return RowCells([
        TextCell(result.check.value), TextCell(result.host), TextCell(result.resource), TextCell(result.message),
        EvidenceCell(result.evidence), TextCell(_remediation(result)), LinkCell(result.location),
    ])


def _waiver_cells(result: Result) -> RowCells:
    assert result.waiver is not None
    waiver = result.waiver
    state = f"EXPIRED ({result.status.value})" if waiver.expired else result.status.value
    return RowCells([
        TextCell(state), TextCell(result.check.value), TextCell(result.host), TextCell(result.resource),
        TextCell(waiver.reason), TextCell(waiver.expires.isoformat()), LinkCell(waiver.location),
        LinkCell(result.location),
    ])


def _short_cells(result: Result) -> RowCells:
    return RowCells([
        TextCell(result.check.value), TextCell(result.host), TextCell(result.resource), TextCell(result.message),
        LinkCell(result.location),
    ])


def _row_sources(report: Report) -> dict[str, RowSource]:
    """Each table's results (in table order) and how its rows are made, shared by every limit."""
    results = all_results(report)
    failures = sorted((r for r in results if r.status is Status.FAIL),
                      key=lambda r: (-r.severity.rank, *r.sort_key()))
    return {
        "failures": RowSource(failures, _failure_cells),
        "errors": RowSource([r for r in results if r.status is Status.ERROR], _error_cells),
        "waivers": RowSource([r for r in results if r.waiver is not None], _waiver_cells),
        "skips": RowSource([r for r in results if r.status is Status.SKIP], _short_cells),
        "passes": RowSource([r for r in results if r.status is Status.PASS], _short_cells),
    }


def _tables(sources: dict[str, RowSource], limit: int | None) -> list[_Table]:
    def rows(key: str) -> LazyRows:
        return LazyRows(sources[key], limit)

    short = ("Check", "Host", "Resource", "Message", "Baseline")
    return [
        _Table("failures", "Failures", ("Severity", "Check", "Host", "Resource", "Message", "Evidence",
                                        "Remediation", "Baseline"), rows("failures"), "failures"),
        _Table("errors", "Errors: evidence missing", ("Check", "Host", "Resource", "Message", "Evidence",
                                                       "Remediation", "Baseline"), rows("errors"), "errors"),
        _Table("waivers", "Waivers", ("Status", "Check", "Host", "Resource", "Reason", "Expires", "Waiver",
                                      "Baseline"), rows("waivers"), "waived results"),
        _Table("skips", "Skipped", short, rows("skips"), "skipped results", details=True),
        _Table("passes", "Passed", short, rows("passes"), "passes", details=True),
    ]


def _privileges(host: HostReport) -> str:
    info = host.snapshot.host
    euid = "unknown" if info.euid is None else str(info.euid)
    if info.privileged:
        return f"root (euid {euid})"
    return f"unprivileged (euid {euid}): owners of other users' sockets are unknown"


def _collectors(host: HostReport, ok: bool) -> str:
    parts = []
    for run in sorted(host.snapshot.collectors, key=lambda run: run.name.value):
        if (run.status is CollectorStatus.OK) != ok:
            continue
        text = run.name.value if ok else f"{run.name.value}: {run.status.value}"
        if not ok and run.reason:
            text += f" ({run.reason})"
        parts.append(text)
    return "\n".join(parts) if parts else ("none" if ok else "")


def _header(report: Report, limit: int | None) -> str:
    hosts = sorted_hosts(report)
    started = sorted(h.snapshot.host.collected_at for h in hosts)
    finished = sorted(h.snapshot.host.finished_at or h.snapshot.host.collected_at for h in hosts)
    sha = report.baseline_sources[0].sha256 if report.baseline_sources else "unknown"
    facts = [
        ("Tool", f"surfacecheck {report.tool_version}"),
        ("Baseline", report.baseline_name),
        ("Description", report.baseline_description or ""),
        ("Baseline file", report.baseline_path),
        ("Baseline sha256", sha),
        ("Baseline sources", "\n".join(f"{s.path} (sha256 {s.sha256})" for s in report.baseline_sources)),
        ("Controls", "\n".join(f"{k}: {v}" for k, v in sorted(report.controls.items()))),
        ("Hosts", ", ".join(h.name for h in hosts) or "none"),
        ("Collection (UTC)", f"{started[0]} to {finished[-1]}" if hosts else "nothing collected"),
        ("Fail on", f"{report.fail_on.value} and above"),
    ]
    title = f"# surfacecheck report: {markdown_cell(report.baseline_name, limit)}\n\n"
    lines = ["| | |", "|---|---|"]
    lines += [_row([f"**{name}**", markdown_cell(value, limit)]) for name, value in facts if value]
    host_lines = ["## Hosts", ""]
    if hosts:
        host_lines += [
            _row(["Host", "Collected (UTC)", "Finished (UTC)", "Privileges", "OS", "Collectors that ran",
                  "Collectors failed or unavailable"]),
            "|" + "---|" * 7,
        ]
        for host in hosts:
            info = host.snapshot.host
            host_lines.append(_row([
                markdown_cell(host.name, limit),
                markdown_cell(info.collected_at, limit),
                markdown_cell(info.finished_at or "", limit),
                markdown_cell(_privileges(host), limit),
                markdown_cell(" ".join(x for x in (info.os_release, info.kernel) if x), limit),
                markdown_cell(_collectors(host, ok=True), limit),
                markdown_cell(_collectors(host, ok=False), limit),
            ]))
    else:
        host_lines.append("None.")
    return title + "\n".join(lines) + "\n\n" + "\n".join(host_lines) + "\n\n" + _scan_scope(hosts, limit)


def _timing(arguments: Sequence[str]) -> str:
    return next((arg[2:] for arg in arguments if len(arg) == 3 and arg.startswith("-T") and arg[2].isdigit()), "")


def _scan_scope(hosts: Sequence[HostReport], limit: int | None) -> str:
    """What the outside view covered, per host: an auditor must see what "not open" rests on."""
    views = [(host, host.snapshot.network) for host in hosts if host.snapshot.network is not None]
    if not views:
        return ""
    lines = ["## Scan scope (outside view)", "",
             _row(["Host", "Target", "State", "Ports scanned", "Protocols", "Scan type", "Timing", "Scanner",
                   "Source"]),
             "|" + "---|" * 9]
    for host, view in views:
        assert view is not None
        protocols = sorted({spec.split(":", 1)[0] for spec in view.scanned})
        lines.append(_row([markdown_cell(value, limit) for value in (
            host.name, view.address, view.state, ", ".join(view.scanned) or "unknown", ", ".join(protocols),
            view.scan_type or "unknown", _timing(view.arguments), f"{view.scanner} {view.scanner_version or ''}",
            view.source or "")]))
    return "\n".join(lines) + "\n\n"


def _summary(report: Report) -> str:
    statuses = list(Status)
    counts = report.counts()
    lines = ["## Summary", "", _row(["Severity", *[s.value for s in statuses], "total"]),
             "|" + "---|" * (len(statuses) + 2),
             _row(["**all**", *[str(counts[s.value]) for s in statuses], str(len(report.results))])]
    by_severity = counts_by_severity(report)
    for severity in SEVERITIES_HIGH_FIRST:
        row = by_severity[severity.value]
        lines.append(_row([severity.value, *[str(row[s.value]) for s in statuses], str(sum(row.values()))]))
    blocking = sum(1 for r in report.results if r.status is Status.FAIL and r.severity.rank >= report.fail_on.rank)
    if blocking:
        verdict = f"**FAIL**: {blocking} failure(s) at or above {report.fail_on.value}"
    elif counts["error"]:
        verdict = f"**INCOMPLETE**: {counts['error']} result(s) could not be evaluated (evidence missing)"
    elif not report.hosts:
        verdict = "**INCOMPLETE**: no host was audited"
    elif report.evaluated_nothing():
        verdict = "**INCOMPLETE**: nothing was evaluated (no result rests on evidence)"
    else:
        verdict = "**PASS**"
        if counts["fail"]:
            verdict += f" ({counts['fail']} failure(s) below {report.fail_on.value})"
    return "\n".join(lines) + f"\n\nVerdict: {verdict}\n\n"


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _fit(prefix: str, tables: list[_Table], budget: int, must_keep: Sequence[str]) -> str | None:
    """Render with every row of `must_keep` tables, the others filled in order while they fit."""
    shown = {t.key: (len(t.rows) if t.key in must_keep else 0) for t in tables}

    def render() -> str:
        return prefix + "".join(t.render(shown[t.key]) for t in tables)

    # Cheap check first: the frame, then the must-keep rows one by one, giving up as soon as
    # they cannot fit (so an oversized attempt renders about `budget` bytes, not every row).
    used = _size(prefix) + sum(_size(t.render(0)) for t in tables)
    for table in tables:
        if table.key in must_keep:
            for row in table.rows:
                used += _size(row) + 1
                if used > budget:
                    return None
    used = _size(render())
    if used > budget:
        return None
    for table in tables:
        if table.key in must_keep:
            continue
        for row in table.rows:
            row_size = _size(row) + 1
            if used + row_size > budget:
                break
            shown[table.key] += 1
            used += row_size
    text = render()
    while _size(text) > budget:  # the note disappearing or appearing can shift a few bytes
        table = next(t for t in reversed(tables) if shown[t.key] > 0)
        shown[table.key] -= 1
        text = render()
    return text


class MarkdownFormatter(Formatter):
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes

    def format(self, report: Report, options: FormatOptions) -> str:
        summary = _summary(report)
        keep = ("failures", "errors", "waivers")
        sources = _row_sources(report)
        tables: list[_Table] = []
        failed_prefix, seen = None, 0
        for limit in CELL_LIMITS:
            prefix = _header(report, limit) + summary
            if prefix == failed_prefix and limit is not None and seen <= limit:
                # Every row the last attempt read, and the header, are the same at this limit:
                # the attempt would fail at the same row again.
                continue
            tables = _tables(sources, limit)
            text = _fit(prefix, tables, self.max_bytes, keep)
            if text is not None:
                return text
            failed_prefix = prefix
            seen = max(table.rows.longest_seen for table in tables)
        # Last resort: even the shortest cells are too many; cut rows, failures kept longest.
        limit = CELL_LIMITS[-1]
        if not tables or tables[0].rows.limit != limit:
            tables = _tables(sources, limit)
        text = _fit(_header(report, limit) + summary, tables, self.max_bytes, ())
        if text is None:
            text = summary  # unreachable in practice: the summary alone is a few hundred bytes
        return text


FORMATTER = MarkdownFormatter()

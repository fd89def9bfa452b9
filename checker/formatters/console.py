"""The console summary of an audit: counts by status and severity, then one line per problem.

A formatter like the others (`FORMATTER`, registered as `console` in
checker/formatters/registry.py), but registered without an option and without a bundle file:
`audit` always prints it (stderr when a report is written to stdout, stdout otherwise,
nowhere under `--quiet`), so a `--console PATH` option would add a way to write it that
`audit` never had, and the evidence bundle never held it. `report` does not print it either.

Returns text; must not evaluate or write files. Hostile text from the host (process names,
banners) goes through `checker.model.text.printable_line` with its codes shown, so it cannot
move the cursor or forge lines on the terminal.
"""

from __future__ import annotations

from checker.formatters.interface import FormatOptions, Formatter
from checker.model import Report, Result, Severity, Status
from checker.model.text import printable_line

_SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.WAIVED, Status.SKIP, Status.PASS)
MAX_PROBLEM_LINES = 200
"""Longer lists are cut with a note: the reports hold everything."""


def _problem_line(result: Result) -> str:
    status = "FAIL" if result.status is Status.FAIL else "ERROR"
    expired = " (waiver expired)" if result.waiver is not None and result.waiver.expired else ""
    return printable_line(f"{status:<5} {result.severity.value:<8} {result.host}  {result.check.value}  "
                          f"{result.resource}: {result.message}{expired}", 500, escape=True)


def render_summary(report: Report) -> str:
    """The summary text, ending with a newline."""
    results = report.results
    counts = report.counts()
    hosts = len(report.hosts)
    lines = [
        f"surfacecheck: {hosts} host{'s' if hosts != 1 else ''}, {len(results)} results: "
        + ", ".join(f"{counts[s.value]} {s.value}" for s in _STATUS_ORDER),
    ]
    for severity in _SEVERITY_ORDER:
        of_severity = [r for r in results if r.severity is severity]
        if not of_severity:
            continue
        per_status = ", ".join(f"{sum(r.status is s for r in of_severity)} {s.value}" for s in _STATUS_ORDER
                               if any(r.status is s for r in of_severity))
        lines.append(f"  {severity.value:<8} {per_status}")
    problems = sorted(
        (r for r in results if r.status in (Status.FAIL, Status.ERROR)),
        key=lambda r: (r.status is not Status.FAIL, -r.severity.rank, *r.sort_key()),
    )
    if not report.hosts:
        lines.append("no host was audited: nothing to evaluate (exit code 3)")
    elif report.evaluated_nothing():
        lines.append("nothing was evaluated: no result rests on evidence (every one skip, or none) (exit code 3)")
    if problems:
        lines.append("")
        lines.extend(_problem_line(r) for r in problems[:MAX_PROBLEM_LINES])
        if len(problems) > MAX_PROBLEM_LINES:
            lines.append(f"... and {len(problems) - MAX_PROBLEM_LINES} more (see the reports)")
    return "\n".join(lines) + "\n"


class ConsoleFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        return render_summary(report)


FORMATTER = ConsoleFormatter()

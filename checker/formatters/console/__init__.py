"""The console summary of an audit: what a sysadmin reads first.

In order: the summary line (counts by status: all that `-q` prints); the policy and where it
came from; per host an inventory (listeners by address class with process and user, what is
reachable beyond loopback, what the outside view found open; `inventory`); the problems
grouped by cause with counts and remediation (`problems`); what was skipped and why; under
`-v` every result; and the next step. Colour only when `FormatOptions.color` (see `style`).

A formatter like the others (`FORMATTER`, registered as `console` in
checker/formatters/registry.py), but registered without an option and without a bundle file:
`audit` always prints it (stderr when a report is written to stdout, stdout otherwise,
only the summary line under `--quiet`), so a `--console PATH` option would add a way to write
it that `audit` never had, and the evidence bundle never held it. `report` does not print it.

Returns text; must not evaluate or write files. Hostile text from the host (process names,
banners) goes through `checker.model.text.printable_line` with its codes shown, so it cannot
move the cursor or forge lines on the terminal.
"""

from __future__ import annotations

from checker.formatters._common import sorted_hosts
from checker.formatters.console.inventory import inventory_lines
from checker.formatters.console.problems import group_lines, group_results
from checker.formatters.console.style import Style
from checker.formatters.interface import FormatOptions, Formatter
from checker.model import Report, Result, Severity, Status
from checker.model.text import printable_line

_SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.WAIVED, Status.SKIP, Status.PASS)
MAX_GROUPS = 40
"""Problem groups shown; longer lists are cut with a note."""


def summary_line(report: Report, style: Style | None = None) -> str:
    """`surfacecheck: 2 hosts, 77 results: 0 fail, 16 error, 0 waived, 31 skip, 30 pass`."""
    style = style or Style()
    counts = report.counts()
    hosts = len(report.hosts)
    parts = ", ".join(style.paint(s.value, f"{counts[s.value]} {s.value}") if counts[s.value] else
                      f"{counts[s.value]} {s.value}" for s in _STATUS_ORDER)
    return f"surfacecheck: {hosts} host{'s' if hosts != 1 else ''}, {len(report.results)} results: {parts}"


def policy_line(report: Report, options: FormatOptions) -> str:
    """`policy: default (builtin:default, permissive: ports.default allow)`, then what it extends."""
    mode = ""
    if options.ports_default == "allow":
        mode = ", permissive: ports.default allow"
    elif options.ports_default == "deny":
        mode = ", strict: ports.default deny"
    extends = [s.path for s in report.baseline_sources[1:]]
    extra = f", extends {', '.join(extends)}" if extends else ""
    return printable_line(f"policy: {report.baseline_name} ({report.baseline_path}{mode}{extra})", 500, escape=True)


def _severity_lines(report: Report) -> list[str]:
    lines = []
    for severity in _SEVERITY_ORDER:
        of_severity = [r for r in report.results if r.severity is severity]
        if of_severity:
            per_status = ", ".join(f"{sum(r.status is s for r in of_severity)} {s.value}" for s in _STATUS_ORDER
                                   if any(r.status is s for r in of_severity))
            lines.append(f"  {severity.value:<8} {per_status}")
    return lines


def _every_result_line(result: Result, style: Style) -> str:
    label = style.paint(result.status.value, f"{result.status.value.upper():<6}")
    return label + printable_line(f"{result.severity.value:<8} {result.host}  {result.check.value}  "
                                  f"{result.resource}: {result.message}", 500, escape=True)


def next_step(report: Report, options: FormatOptions) -> list[str]:
    """What to do now, given the outcome."""
    counts = report.counts()
    steps: list[str] = []
    if not report.hosts:
        steps.append("no host was audited: nothing to evaluate (exit code 3); check the targets and snapshots")
    elif report.evaluated_nothing():
        steps.append("nothing was evaluated: no result rests on evidence (every one skip, or none) (exit code 3); "
                     "collect the evidence the baseline's rules need")
    elif counts["fail"]:
        steps.append("fix the problems above (each says how), or record an approved exception as a "
                     "`waivers:` entry of the baseline, then rerun")
    elif counts["error"]:
        steps.append("the evidence is incomplete (exit code 3): fix the causes above and rerun")
    elif options.ports_default != "deny":
        steps.append("draft your own baseline from this host: `surfacecheck learn -o baseline.yaml`, "
                     "review it, then `surfacecheck audit baseline.yaml`")
    else:
        steps.append("compliant: keep the baseline in git and run this audit in CI (examples/github-actions.yml)")
    if options.reports_requested:
        steps.append("every result and its evidence are in the reports")
    elif report.hosts:
        steps.append("`-v` lists every result; `--markdown report.md` or `--evidence-dir DIR` writes the evidence")
    return [f"next: {step}" for step in steps]


def render_summary(report: Report, options: FormatOptions | None = None) -> str:
    """The console text, ending with a newline (only the summary line when `options.quiet`)."""
    options = options or FormatOptions()
    style = Style(options.color)
    lines = [summary_line(report, style)]
    if options.quiet:
        return lines[0] + "\n"
    lines.append(policy_line(report, options))
    lines.extend(_severity_lines(report))
    hosts = sorted_hosts(report)
    inventory = [line for host in hosts for line in inventory_lines(host.name, host.snapshot, style,
                                                                      verbose=options.verbose)]
    if inventory:
        lines += ["", style.paint("heading", "Inventory"), *inventory]
    many_hosts = len(hosts) > 1
    problems = group_results(hosts, frozenset({Status.FAIL, Status.ERROR}))
    if problems:
        lines += ["", style.paint("heading", "Problems")]
        for group in problems[:MAX_GROUPS]:
            lines.extend(group_lines(group, style, verbose=options.verbose, many_hosts=many_hosts))
        if len(problems) > MAX_GROUPS:
            where = "see the reports" if options.reports_requested else "-v lists them"
            lines.append(f"... and {len(problems) - MAX_GROUPS} more groups ({where})")
    skipped = group_results(hosts, frozenset({Status.SKIP, Status.WAIVED}))
    if skipped:
        heading = "Skipped and waived" if any(g.status is Status.WAIVED for g in skipped) else "Skipped"
        lines += ["", style.paint("heading", heading)]
        for group in skipped:
            lines.extend(group_lines(group, style, verbose=options.verbose, many_hosts=many_hosts))
    if options.verbose and report.results:
        lines += ["", style.paint("heading", "Every result")]
        lines.extend(_every_result_line(r, style) for host in hosts for r in sorted(host.results, key=Result.sort_key))
    lines += ["", *(style.paint("hint", step) for step in next_step(report, options))]
    return "\n".join(lines) + "\n"


class ConsoleFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        return render_summary(report, options)


FORMATTER = ConsoleFormatter()

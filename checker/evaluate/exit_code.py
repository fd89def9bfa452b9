"""The one place a report becomes a process exit code (../shared/DESIGN.md section 3).

* 1 (FAILED): at least one `fail` (an expired-waiver fail included) with severity at or
  above `fail_on`;
* 3 (INCOMPLETE): otherwise, at least one `error`, so fails below `fail_on` plus an error
  give 3, never 0; also a run that evaluated nothing: a report with no host at all (an
  `--nmap-xml` listing no host, a target range where nothing answered), or one where no
  result proves anything (every result `skip`, or none at all: e.g. only `exposure` rules and
  no outside view). Nothing was audited, which is not compliance;
* 0 (COMPLIANT): everything else (pass, skip, waived, fails below `fail_on`), when at least
  one result decided something (`checker.model.results.PROVING_STATUSES`);
* `exit_zero` forces 0; the reports still say what failed.

(2, input or usage errors, comes from `CheckerError` in the CLI, before any report exists.)
"""

from __future__ import annotations

from checker.errors import ExitCode
from checker.model import Report, Severity, Status


def exit_code_for(report: Report, *, fail_on: Severity | None = None, exit_zero: bool = False) -> ExitCode:
    """The exit code of an audit; `fail_on` defaults to the report's own `fail_on`."""
    if exit_zero:
        return ExitCode.COMPLIANT
    threshold = (fail_on or report.fail_on).rank
    results = report.results
    if any(r.status is Status.FAIL and r.severity.rank >= threshold for r in results):
        return ExitCode.FAILED
    if report.evaluated_nothing() or any(r.status is Status.ERROR for r in results):
        return ExitCode.INCOMPLETE
    return ExitCode.COMPLIANT

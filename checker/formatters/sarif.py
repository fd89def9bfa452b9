"""SARIF 2.1.0 for code scanning (GitHub, GitLab): one run, one result per failure.

Hand-written (no maintained Python library writes SARIF; semgrep does the same): plain
dicts dumped with `sort_keys=True`, so the output is snapshot-testable. Laid out one record a
line (each result, notification and rule on its own line, written by the C JSON encoder,
`serialize.dumps_by_line`): `indent=2` forced Python's pure-Python encoder, 60 % of the
SARIF time on a report with 5,000 failures.

What goes in, and why:

* only `fail` results (including fails whose waiver expired). GitHub shows every result,
  even `kind: pass`, as an alert, so passes, skips and waived results are left out;
* each result is located at the baseline file (URI relative to `--sarif-root`) and the
  line of the rule that produced it: that is the line to change or justify. A result
  without a location points at the baseline's first line, because GitHub rejects a
  whole upload if one result has no location;
* `partialFingerprints.primaryLocationLineHash` hashes (check id, host, resource): many
  results share one baseline line, and the fingerprint keeps their alerts apart and
  stable across runs;
* `tool.driver.rules` has every check id the report uses, from `checker.model.checks`, with
  `security-severity` as a string. GitHub reads it per rule, so a rule gets the highest
  severity its failing results have (the check's default when none fails); each result
  still carries its own `level`;
* `error` results are `invocations[0].toolExecutionNotifications` and make
  `executionSuccessful` false: missing evidence is a tool problem, not a finding; so does a
  report without any host (one notification says nothing was audited);
* `automationDetails.id` is `--sarif-category NAME` when given, else `surfacecheck/<baseline
  name>/<host set>/` (`automation_id`): GitHub's category. upload-sarif's own `category`
  input is ignored when the file has an id, so the id must tell uploads apart: two baselines,
  or per-host and matrix uploads of one baseline, do not replace each other's alerts;
* past `MAX_UPLOADED_RESULTS` results the commands warn on stderr (`too_many_results_warning`):
  GitHub shows only the first 5,000 of an upload, and GitLab refuses larger reports.

Must not: do file I/O or read a clock, or emit absolute URIs (GitHub wants repo-relative).
`os.path.relpath` is used lexically against the current directory, as the CLI does, once
per file (`_Locations`): thousands of results share a handful of baseline files.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from typing import Any

from checker.formatters._common import all_results, evidence_text, path_uri, sorted_hosts, waiver_note
from checker.formatters.interface import FormatOptions, Formatter
from checker.model import CheckId, Location, Report, Result, Severity, Status
from checker.model.checks import check_info
from checker.model.serialize import dumps_by_line

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://example.invalid/surfacecheck"
MAX_TAGS = 20
"""GitHub refuses a rule with more than 20 tags."""

NO_HOST_NOTIFICATION: dict[str, Any] = {
    "level": "error",
    "message": {"text": "No host was audited: no snapshot, no inside view and no scanned host."},
}
"""The notification of a report without any host (the exit code is 3: nothing was audited)."""

_LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}


def fingerprint(result: Result) -> str:
    """Stable for (check id, host, resource): the same finding keeps its alert across runs."""
    key = "\x00".join((result.check.value, result.host, result.resource))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def artifact_uri(path: str, sarif_root: str) -> str:
    """`path` as a URI reference relative to `sarif_root` (percent-encoded, `/`-separated)."""
    if path.startswith("builtin:"):
        # A bundled policy has no file in the user's repository; keep it recognisable.
        relative = path
    else:
        relative = os.path.relpath(path, sarif_root) if path else "."
        relative = posixpath.normpath(relative.replace(os.sep, "/"))
    return path_uri(relative)


class _Locations:
    """`physicalLocation`s: the artifact URI of each file computed once, and one shared
    (never modified) dict per baseline position, however many results point at it."""

    def __init__(self, report: Report, options: FormatOptions) -> None:
        self._baseline_path = report.baseline_path
        self._root = options.sarif_root
        self._uris: dict[str, str] = {}
        self._made: dict[Location | None, dict[str, Any]] = {}

    def of(self, location: Location | None) -> dict[str, Any]:
        made = self._made.get(location)
        if made is None:
            made = self._made[location] = self._make(location)
        return made

    def _make(self, location: Location | None) -> dict[str, Any]:
        file = location.file if location is not None else self._baseline_path
        uri = self._uris.get(file)
        if uri is None:
            uri = self._uris[file] = artifact_uri(file, self._root)
        line = location.line if location is not None and location.line > 0 else 1
        region: dict[str, Any] = {"startLine": line}
        if location is not None and location.column > 0:
            region["startColumn"] = location.column
        return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


def _message(result: Result) -> str:
    text = f"{result.host}: {result.resource}: {result.message}"
    if result.waiver is not None and result.waiver.expired:
        text += f" ({waiver_note(result)})"
    return text


def _rule(check: CheckId, severity: Severity, controls: set[str]) -> dict[str, Any]:
    info = check_info(check)
    family = check.value.split("-", 1)[0]
    tags = ["security", "network", family, *sorted(controls)][:MAX_TAGS]
    return {
        "id": check.value,
        "name": "".join(part.capitalize() for part in check.value.split("-")),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description},
        "help": {
            "text": f"{info.description}\n\nRemediation: {info.remediation}",
            "markdown": f"{info.description}\n\n**Remediation:** {info.remediation}",
        },
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "properties": {
            "tags": tags,
            "security-severity": severity.security_severity,
        },
    }


def _rules(results: list[Result]) -> tuple[list[dict[str, Any]], dict[CheckId, int]]:
    """One rule per check id used (sorted), with the highest severity of its failures; one pass."""
    severities: dict[CheckId, Severity | None] = {}
    controls: dict[CheckId, set[str]] = {}
    for result in results:
        check = result.check
        if check not in severities:
            severities[check], controls[check] = None, set()
        if result.status is Status.FAIL:
            best = severities[check]
            if best is None or result.severity.rank > best.rank:
                severities[check] = result.severity
        if result.controls:
            controls[check].update(result.controls)
    checks = sorted(severities, key=lambda check: check.value)
    rules = [_rule(check, severities[check] or check_info(check).severity, controls[check]) for check in checks]
    return rules, {check: index for index, check in enumerate(checks)}


def _result(result: Result, index: int, locations: _Locations) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "host": result.host,
        "resource": result.resource,
        "severity": result.severity.value,
        "evidence": dict(result.evidence),
    }
    if result.remediation:
        properties["remediation"] = result.remediation
    if result.controls:
        properties["controls"] = list(result.controls)
    if result.waiver is not None:
        properties["waiver"] = {
            "reason": result.waiver.reason,
            "expires": result.waiver.expires.isoformat(),
            "expired": result.waiver.expired,
            "location": str(result.waiver.location),
        }
    return {
        "ruleId": result.check.value,
        "ruleIndex": index,
        "kind": "fail",
        "level": _LEVELS[result.severity],
        "message": {"text": _message(result)},
        "locations": [locations.of(result.location)],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint(result)},
        "properties": properties,
    }


def _notification(result: Result, index: int, locations: _Locations) -> dict[str, Any]:
    text = f"{result.host}: {result.resource}: {result.message}"
    if result.evidence:
        text += f" [{evidence_text(result.evidence)}]"
    return {
        "level": "error",
        "message": {"text": text},
        "locations": [locations.of(result.location)],
        "associatedRule": {"id": result.check.value, "index": index},
        "properties": {"host": result.host, "resource": result.resource},
    }


MAX_UPLOADED_RESULTS = 5000
"""GitHub code scanning shows at most this many results of one upload."""
_HOST_SET_LIMIT = 80
"""Longer host sets are named by their count and a digest, so the category stays readable."""


def automation_id(report: Report, options: FormatOptions) -> str:
    """`--sarif-category NAME` (ending in `/`), else `surfacecheck/<baseline>/<host set>/`."""
    if options.sarif_category:
        category = options.sarif_category
    else:
        hosts = [host.name for host in sorted_hosts(report)]
        host_set = "+".join(hosts)
        if len(host_set) > _HOST_SET_LIMIT:
            digest = hashlib.sha256("\n".join(hosts).encode("utf-8")).hexdigest()[:12]
            host_set = f"{len(hosts)}-hosts-{digest}"
        category = f"surfacecheck/{report.baseline_name}/{host_set or 'no-host'}"
    return category if category.endswith("/") else category + "/"


def too_many_results_warning(report: Report) -> str | None:
    """The stderr warning when the SARIF holds more results than GitHub shows (None otherwise)."""
    count = sum(1 for r in report.results if r.status is Status.FAIL)
    if count <= MAX_UPLOADED_RESULTS:
        return None
    return (f"warning: the SARIF report holds {count:,} results; GitHub code scanning shows only "
            f"{MAX_UPLOADED_RESULTS:,} of one upload and GitLab refuses such reports: narrow it "
            "(--fail-on, fewer hosts per upload, waivers) or split it per host with --sarif-category")


def build_sarif(report: Report, options: FormatOptions) -> dict[str, Any]:
    """The SARIF log as plain data."""
    results = all_results(report)
    rules, rule_index = _rules(results)
    locations = _Locations(report, options)
    failures = [r for r in results if r.status is Status.FAIL]
    errors = [r for r in results if r.status is Status.ERROR]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "surfacecheck",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": automation_id(report, options)},
        "invocations": [
            {
                "executionSuccessful": bool(report.hosts) and not errors,
                "toolExecutionNotifications": [
                    _notification(r, rule_index[r.check], locations) for r in errors
                ] + ([] if report.hosts else [NO_HOST_NOTIFICATION]),
            }
        ],
        "results": [_result(r, rule_index[r.check], locations) for r in failures],
        "properties": {
            "baseline": {
                "name": report.baseline_name,
                "path": report.baseline_path,
                "sources": [{"path": s.path, "sha256": s.sha256} for s in report.baseline_sources],
            },
            "hosts": sorted(host.name for host in report.hosts),
            "counts": report.counts(),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        return dumps_by_line(build_sarif(report, options), depth=5, records=frozenset({"results"}))


FORMATTER = SarifFormatter()

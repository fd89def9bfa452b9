"""The full results as JSON (schemas/results.schema.json): the machine-readable record.

Everything a later `surfacecheck report` or `diff` needs is here: the tool version, the
baseline (path, name, every source file with its sha256, controls), per host the whole
snapshot and every result, and summary counts. `checker.storage.results.load_report` reads it
back into the same `Report`, so re-rendering saved results gives the same bytes; the document's
`format` and `version` markers are storage's (`checker.storage.results`), which reads them.

Must not: read a clock (times come only from the snapshots), reorder keys or results
unpredictably, or lose data (strings are written with `\\u` escapes, so even control
characters and lone surrogates survive).
"""

from __future__ import annotations

from typing import Any

from checker.formatters._common import counts_by_severity, sorted_hosts, sorted_results
from checker.formatters.interface import FormatOptions, Formatter
from checker.model import RESULTS_FORMAT, RESULTS_VERSION, Report
from checker.model.serialize import dumps_by_line, to_data


def report_to_data(report: Report) -> dict[str, Any]:
    """The results document as plain data (what the JSON file holds)."""
    hosts = [
        {
            "name": host.name,
            "snapshot": to_data(host.snapshot),
            "results": [to_data(result) for result in sorted_results(host)],
        }
        for host in sorted_hosts(report)
    ]
    return {
        "format": RESULTS_FORMAT,
        "version": RESULTS_VERSION,
        "tool": {"name": "surfacecheck", "version": report.tool_version},
        "baseline": {
            "path": report.baseline_path,
            "name": report.baseline_name,
            "sha256": report.baseline_sources[0].sha256 if report.baseline_sources else None,
            "sources": [to_data(source) for source in report.baseline_sources],
            "controls": to_data(report.controls),
            **({"description": report.baseline_description} if report.baseline_description else {}),
        },
        "fail_on": report.fail_on.value,
        "hosts": hosts,
        "summary": {
            "total": len(report.results),
            "by_status": report.counts(),
            "by_severity": counts_by_severity(report),
        },
    }


class JsonFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        # One line per result and per observed record (listener, unit, xinetd service).
        return dumps_by_line(report_to_data(report), depth=4)


FORMATTER = JsonFormatter()

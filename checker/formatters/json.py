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

from collections.abc import Iterator
from typing import Any

from checker.formatters._common import counts_by_severity, sorted_hosts, sorted_results
from checker.formatters.interface import FormatOptions, Formatter
from checker.model import RESULTS_FORMAT, RESULTS_VERSION, HostReport, Report
from checker.model.serialize import StreamedList, iter_dumps_by_line, to_data

LINE_DEPTH = 4
"""`serialize.dumps_by_line` depth: one line per result and per observed record."""


def host_to_data(host: HostReport) -> dict[str, Any]:
    """One host of the results document as plain data."""
    return {
        "name": host.name,
        "snapshot": to_data(host.snapshot),
        "results": [to_data(result) for result in sorted_results(host)],
    }


def report_to_data(report: Report) -> dict[str, Any]:
    """The results document as plain data (what the JSON file holds)."""
    return _document(report, [host_to_data(host) for host in sorted_hosts(report)])


def _document(report: Report, hosts: list[dict[str, Any]] | StreamedList) -> dict[str, Any]:
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
        return "".join(self.chunks(report, options))

    def chunks(self, report: Report, options: FormatOptions) -> Iterator[str]:
        # Host by host: only one host's plain data exists at a time (a fleet report of
        # 1,000 hosts needed 1 GB as one tree and one string).
        hosts = sorted_hosts(report)
        streamed = StreamedList(len(hosts), lambda: (host_to_data(host) for host in hosts))
        return iter_dumps_by_line(_document(report, streamed), depth=LINE_DEPTH)


FORMATTER = JsonFormatter()

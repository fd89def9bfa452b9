"""`surfacecheck report RESULTS.json --junit P --sarif P --markdown P --json P`: re-render saved results.

Nothing is collected or evaluated: the saved `Report` is read back (`checker.storage.results`)
and handed to the same formatters `audit` uses, so the bytes are the same as the audit's
own reports. Every format is rendered before any file is written, then each is written
atomically. Exit 0 (the verdict was the audit's business).
"""

from __future__ import annotations

import argparse

from checker.errors import UsageError
from checker.formatters import FormatOptions, OutputFormat, get_formatter
from checker.storage.atomic import write_text_atomic
from checker.storage.results import load_report

FORMAT_OPTIONS = {
    OutputFormat.JSON: "json",
    OutputFormat.JUNIT: "junit",
    OutputFormat.SARIF: "sarif",
    OutputFormat.MARKDOWN: "markdown",
}
"""Each format and its argparse destination (`--json PATH` -> `args.json`)."""


def requested_outputs(args: argparse.Namespace) -> dict[OutputFormat, str]:
    """`{format: path}` from `--json/--junit/--sarif/--markdown`; at most one may be `-`."""
    outputs = {fmt: path for fmt, dest in FORMAT_OPTIONS.items() if (path := getattr(args, dest, None))}
    to_stdout = [f"--{FORMAT_OPTIONS[fmt]}" for fmt, path in outputs.items() if path == "-"]
    if len(to_stdout) > 1:
        raise UsageError(f"only one format can go to stdout ('-'); got {' and '.join(to_stdout)}")
    return outputs


def run(args: argparse.Namespace) -> int:
    outputs = requested_outputs(args)
    if not outputs:
        raise UsageError("report: give at least one of --json, --junit, --sarif, --markdown (PATH or -)")
    report = load_report(args.results)
    options = FormatOptions(
        junit_file_attrs=bool(getattr(args, "junit_file_attrs", False)),
        sarif_root=getattr(args, "sarif_root", None) or ".",
    )
    rendered = {fmt: get_formatter(fmt).format(report, options) for fmt in outputs}
    for fmt, path in outputs.items():
        write_text_atomic(path, rendered[fmt])
    return 0

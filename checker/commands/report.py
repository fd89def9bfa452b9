"""`surfacecheck report RESULTS.json --junit P --sarif P --markdown P --json P`: re-render saved results.

Nothing is collected or evaluated: the saved `Report` is read back (`checker.storage.results`)
and handed to the same formatters `audit` uses, so the bytes are the same as the audit's
own reports. The output paths are checked first; every format is rendered (piece by piece,
into temporary files) before any file is put in place, then all are replaced as one set
(`checker.storage.atomic.write_report_set`). Exit 0 (the verdict was the audit's business).

The options are those of the format registry (`checker.formatters.registry.option_formats`);
`requested_outputs` and `format_options` are shared with `audit`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from checker.errors import UsageError
from checker.formatters import FormatOptions, get_format, get_formatter, option_formats
from checker.model import Report
from checker.storage.atomic import check_output_paths, write_report_set
from checker.storage.results import load_report


def requested_outputs(args: argparse.Namespace) -> dict[str, str]:
    """`{format name: path}` from the format options (`--json PATH`...); at most one may be `-`."""
    outputs = {spec.name: path for spec in option_formats() if (path := getattr(args, spec.name, None))}
    to_stdout = [get_format(name) for name, path in outputs.items() if path == "-"]
    for spec in to_stdout:
        if not spec.stdout:
            raise UsageError(f"{spec.flag}: cannot write to stdout ('-'); give a file path")
    if len(to_stdout) > 1:
        raise UsageError(f"only one format can go to stdout ('-'); got {' and '.join(s.flag for s in to_stdout)}")
    return outputs


def check_outputs(outputs: dict[str, str]) -> None:
    """Every `{format: path}` usable (`checker.storage.atomic.check_output_path`), before any work."""
    check_output_paths((get_format(name).flag, path) for name, path in outputs.items())


def format_options(args: argparse.Namespace) -> FormatOptions:
    """The per-format options (`--junit-file-attrs`, `--sarif-root`) of `audit` and `report`."""
    category = getattr(args, "sarif_category", None)
    if category is not None and (not category.strip() or not category.isprintable() or len(category) > 200):
        raise UsageError("--sarif-category: a printable name of 1-200 characters, e.g. surfacecheck/web-1")
    return FormatOptions(
        junit_file_attrs=bool(getattr(args, "junit_file_attrs", False)),
        sarif_root=getattr(args, "sarif_root", None) or ".",
        sarif_category=category,
    )


def warn_about_sarif_size(report: Report, outputs: Mapping[str, str]) -> None:
    """The 5,000-results warning on stderr when SARIF was asked for (docs/reports.md)."""
    from checker.formatters.sarif import too_many_results_warning

    warning = too_many_results_warning(report) if "sarif" in outputs else None
    if warning:
        print(f"surfacecheck: {warning}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    outputs = requested_outputs(args)
    if not outputs:
        flags = ", ".join(spec.flag for spec in option_formats())
        raise UsageError(f"report: give at least one of {flags} (PATH or -)")
    check_outputs(outputs)
    report = load_report(args.results)
    options = format_options(args)
    write_report_set({path: get_formatter(name).chunks(report, options) for name, path in outputs.items()})
    warn_about_sarif_size(report, outputs)
    return 0

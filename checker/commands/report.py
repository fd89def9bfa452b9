"""`surfacecheck report RESULTS.json --junit P --sarif P --markdown P --json P`: re-render saved results.

Nothing is collected or evaluated: the saved `Report` is read back (`checker.storage.results`)
and handed to the same formatters `audit` uses, so the bytes are the same as the audit's
own reports. Every format is rendered (into temporary files) before any report is put in
place, each atomically (`checker.storage.atomic.write_outputs_atomic`). Exit 0 (the verdict
was the audit's business).

The options are those of the format registry (`checker.formatters.registry.option_formats`);
`requested_outputs` and `format_options` are shared with `audit`.
"""

from __future__ import annotations

import argparse

from checker.errors import UsageError
from checker.formatters import FormatOptions, get_format, get_formatter, option_formats
from checker.storage.atomic import write_outputs_atomic
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


def format_options(args: argparse.Namespace) -> FormatOptions:
    """The per-format options (`--junit-file-attrs`, `--sarif-root`) of `audit` and `report`."""
    return FormatOptions(
        junit_file_attrs=bool(getattr(args, "junit_file_attrs", False)),
        sarif_root=getattr(args, "sarif_root", None) or ".",
    )


def run(args: argparse.Namespace) -> int:
    outputs = requested_outputs(args)
    if not outputs:
        flags = ", ".join(spec.flag for spec in option_formats())
        raise UsageError(f"report: give at least one of {flags} (PATH or -)")
    report = load_report(args.results)
    options = format_options(args)
    write_outputs_atomic({path: get_formatter(name).chunks(report, options) for name, path in outputs.items()})
    return 0

"""`surfacecheck diff OLD NEW`: drift between two snapshots or two results files.

The kind of each file is detected from its content (a results file has
`"format": "surfacecheck-results"`, a snapshot has `host`; a JSON list is several
snapshots, as `collect` writes for several hosts). Both
files must be of the same kind. Exit codes follow ndiff: 0 identical, 1 different, 2 error
(a `CheckerError` raised here; the CLI prints it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from checker.drift import diff_reports, diff_snapshots, render_json, render_markdown, render_text
from checker.errors import InputError, UsageError
from checker.model import RESULTS_FORMAT
from checker.storage.atomic import check_output_paths, write_report_set
from checker.storage.json_reader import read_json_file

SNAPSHOTS = "snapshots"
RESULTS = "results"


def _kind(path: str, data: Any) -> str:
    """`snapshots` or `results` for a decoded document; InputError when it is neither."""
    if isinstance(data, dict) and (data.get("format") == RESULTS_FORMAT or "hosts" in data):
        return RESULTS
    if isinstance(data, dict) and "host" in data:
        return SNAPSHOTS
    if isinstance(data, list) and data and all(isinstance(item, dict) and "host" in item for item in data):
        return SNAPSHOTS
    raise InputError(f"{path}: neither a snapshot (surfacecheck collect) nor a results file "
                     "(surfacecheck audit --json)")


def run(args: argparse.Namespace) -> int:
    outputs = [(path, render) for path, render in ((args.json, "json"), (args.markdown, "markdown")) if path]
    if [path for path, _ in outputs].count("-") > 1:
        raise UsageError("only one of --json and --markdown can go to stdout ('-')")
    check_output_paths((f"--{render}", path) for path, render in outputs)
    # Each file is read once; its kind decides which loader validates and builds it.
    old_data, new_data = read_json_file(args.old), read_json_file(args.new)
    old_kind, new_kind = _kind(args.old, old_data), _kind(args.new, new_data)
    if old_kind != new_kind:
        raise InputError(f"cannot compare {old_kind} ({args.old}) with {new_kind} ({args.new}): "
                         "give two snapshots or two results files")
    names = (args.old, args.new)
    if old_kind == SNAPSHOTS:
        from checker.storage.snapshots import snapshots_from_document

        drifts = diff_snapshots(snapshots_from_document(args.old, old_data),
                                snapshots_from_document(args.new, new_data), names=names)
    else:
        from checker.storage.results import report_from_document

        drifts = diff_reports(report_from_document(args.old, old_data),
                              report_from_document(args.new, new_data), names=names)
    write_report_set({path: render_json(drifts, args.old, args.new, old_kind) if render == "json"
                      else render_markdown(drifts, args.old, args.new) for path, render in outputs})
    if not getattr(args, "quiet", False):
        stream = sys.stderr if any(path == "-" for path, _ in outputs) else sys.stdout
        stream.write(render_text(drifts, args.old, args.new))
        stream.flush()
    return 1 if drifts else 0

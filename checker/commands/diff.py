"""`surfacecheck diff OLD NEW`: drift between two snapshots or two results files.

The kind of each file is detected from its content (a results file has
`"format": "surfacecheck-results"`, a snapshot has `host`; a JSON list is several
snapshots, as `collect` writes for several hosts). Both
files must be of the same kind. Exit codes follow ndiff: 0 identical, 1 different, 2 error
(a `CheckerError` raised here; the CLI prints it).
"""

from __future__ import annotations

import argparse
import json
import sys

from checker.diff import diff_reports, diff_snapshots, render_json, render_markdown, render_text
from checker.errors import InputError
from checker.models import Report, Snapshot
from checker.output import write_text_atomic

SNAPSHOTS = "snapshots"
RESULTS = "results"

MAX_INPUT_BYTES = 512 * 1024 * 1024
"""A results file of 1,000 hosts stays far below this; anything bigger is not ours."""


def detect_kind(path: str) -> str:
    """`snapshots` or `results`; InputError when `path` is neither.

    The file is then read again by the loader of its kind, which validates it against its
    schema: reading twice is cheaper than two partial parsers.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a snapshot or results file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB, refused")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected a snapshot or results JSON file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply") from None
    if isinstance(data, dict) and (data.get("format") == "surfacecheck-results" or "hosts" in data):
        return RESULTS
    if isinstance(data, dict) and "host" in data:
        return SNAPSHOTS
    if isinstance(data, list) and data and all(isinstance(item, dict) and "host" in item for item in data):
        return SNAPSHOTS
    raise InputError(f"{path}: neither a snapshot (surfacecheck collect) nor a results file "
                     "(surfacecheck audit --json)")


def load_snapshots(path: str) -> list[Snapshot]:
    """The snapshots of one file (one object, or a list of them), schema-validated."""
    from checker.snapshots import load_snapshot_list

    return load_snapshot_list(path)


def load_results(path: str) -> Report:
    from checker.results_io import load_report

    return load_report(path)


def run(args: argparse.Namespace) -> int:
    old_kind = detect_kind(args.old)
    new_kind = detect_kind(args.new)
    if old_kind != new_kind:
        raise InputError(f"cannot compare {old_kind} ({args.old}) with {new_kind} ({args.new}): "
                         "give two snapshots or two results files")
    if old_kind == SNAPSHOTS:
        drifts = diff_snapshots(load_snapshots(args.old), load_snapshots(args.new), names=(args.old, args.new))
    else:
        drifts = diff_reports(load_results(args.old), load_results(args.new), names=(args.old, args.new))
    outputs = [(path, render) for path, render in ((args.json, "json"), (args.markdown, "markdown")) if path]
    for path, render in outputs:
        if render == "json":
            write_text_atomic(path, render_json(drifts, args.old, args.new, old_kind))
        else:
            write_text_atomic(path, render_markdown(drifts, args.old, args.new))
    if not getattr(args, "quiet", False):
        stream = sys.stderr if any(path == "-" for path, _ in outputs) else sys.stdout
        stream.write(render_text(drifts, args.old, args.new))
        stream.flush()
    return 1 if drifts else 0

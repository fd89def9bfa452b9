"""`surfacecheck learn`: draft a reviewed-before-use baseline from the live state (or snapshots).

Collection is the same as `audit`'s (`checker.collect.gather`); the drafting is the pure
`checker.learn.draft_baseline`. This module only adds what needs the machine: the live
ephemeral port range and the path of a committed schema for the editor modeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from checker.collect.gather import gather_snapshots, wants_local
from checker.errors import InputError
from checker.learn import DEFAULT_EPHEMERAL_RANGE, draft_baseline
from checker.storage.atomic import check_output_path, write_text_atomic

LOCAL_PORT_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"


def read_ephemeral_range(path: str = LOCAL_PORT_RANGE) -> tuple[int, int]:
    """This host's ip_local_port_range; Linux's default when it cannot be read."""
    try:
        low, high = (int(part) for part in Path(path).read_text("ascii").split()[:2])
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL_RANGE
    return (low, high) if 0 < low <= high <= 65535 else DEFAULT_EPHEMERAL_RANGE


SCHEMA_NAMES = ("baseline.schema.json", "schemas/baseline.schema.json")
"""Where a committed schema sits beside baselines: `surfacecheck schema > baseline.schema.json`
next to them, or a `schemas/` folder as in this repository."""


def schema_reference(output: str) -> str | None:
    """A schema path for the editor modeline that stays right once the draft is committed: a
    `baseline.schema.json` (or `schemas/baseline.schema.json`) in the output's directory or an
    ancestor up to the repository root (the directory holding `.git`), relative to the output.
    None when there is none: a path into the installed package (a venv, site-packages) is
    wrong on every other machine, so the draft gets a one-line hint instead."""
    directory = os.path.realpath(os.getcwd() if output == "-" else os.path.dirname(os.path.abspath(output)))
    probe = directory
    while True:
        for name in SCHEMA_NAMES:
            candidate = os.path.join(probe, name)
            if os.path.isfile(candidate):
                return os.path.relpath(candidate, directory)
        parent = os.path.dirname(probe)
        if os.path.exists(os.path.join(probe, ".git")) or parent == probe:
            return None
        probe = parent


def run(args: argparse.Namespace) -> int:
    check_output_path(args.output, "-o")
    snapshots = gather_snapshots(args, None)
    if not snapshots:
        raise InputError("learn: nothing to learn from (no snapshot was collected or given)")
    # Saved snapshots may come from other hosts: their range is unknown, so Linux's default.
    ephemeral = read_ephemeral_range() if wants_local(args) else DEFAULT_EPHEMERAL_RANGE
    text = draft_baseline(snapshots, ephemeral_range=ephemeral, schema_ref=schema_reference(args.output))
    write_text_atomic(args.output, text)
    if not getattr(args, "quiet", False):
        risks = text.count("# RISK:")
        where = "stdout" if args.output == "-" else args.output
        print(f"surfacecheck: drafted a baseline from {len(snapshots)} host(s) to {where}; "
              f"{risks} `# RISK:` note{'' if risks == 1 else 's'} to review. Review it all, then "
              f"`surfacecheck validate` and `surfacecheck audit` with it.", file=sys.stderr)
    return 0

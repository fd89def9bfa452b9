"""`surfacecheck collect`: write snapshot(s), evaluate nothing.

Collection goes through `checker.collect.gather.gather_snapshots` (the same path as `audit`), so the
inside view (`--local`, `--root`, `--xinetd-conf`, one host per `--netns`/`--netns-pid`) and the
outside view (`--target`, `--nmap-xml`) all work here. One snapshot is written as a JSON object,
several as a JSON list (`checker.storage.snapshots.snapshots_to_json`), atomically, to `-o FILE`
or stdout; `-o` is checked (`checker.storage.atomic.check_output_path`) before anything is collected.

Collector failures are data in the snapshot, not errors: the exit code is 0 whenever a
snapshot was written, 2 for unusable options or inputs.
"""

from __future__ import annotations

import argparse

from checker.collect.gather import gather_snapshots
from checker.errors import ExitCode
from checker.storage.atomic import check_output_path, write_text_atomic
from checker.storage.snapshots import snapshots_to_json


def run(args: argparse.Namespace) -> int:
    output = getattr(args, "output", "-") or "-"
    check_output_path(output, "-o")  # before collecting: a FIFO planted at the path must not hang us
    snapshots = gather_snapshots(args, None)
    write_text_atomic(output, snapshots_to_json(snapshots))
    return int(ExitCode.COMPLIANT)

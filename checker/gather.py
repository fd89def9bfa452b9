"""Turn the collection options of audit/collect/learn into a list of snapshots, one per host.

Sources: `--snapshot FILE` (saved snapshots), `--local` (the inside view of this host,
implied when nothing else is asked), and the outside view (`--target`, `--nmap-xml`, the
baseline's `targets:`). A snapshot and a scan naming the same host are joined into one
snapshot whose `network` is the scan.
"""

from __future__ import annotations

import argparse

from checker.models import Baseline, Snapshot


def wants_local(args: argparse.Namespace) -> bool:
    """`--local`, or nothing else asked for (DESIGN.md section 3)."""
    asked_other = bool(getattr(args, "target", None) or getattr(args, "snapshot", None)
                       or getattr(args, "nmap_xml", None))
    return bool(getattr(args, "local", False)) or not asked_other


def gather_snapshots(args: argparse.Namespace, baseline: Baseline | None) -> list[Snapshot]:
    """Every host's snapshot, in a stable order. Raises `InputError` for unusable inputs."""
    from checker.snapshots import load_snapshot

    snapshots = [load_snapshot(path) for path in getattr(args, "snapshot", None) or []]
    if wants_local(args):
        from checker.collectors.local import collect_local

        snapshots.append(collect_local(root=args.root, xinetd_conf=args.xinetd_conf))
    return snapshots

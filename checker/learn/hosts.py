"""Which hosts a section of the draft can rest on: host names and collector outcomes.

A section is drafted only from hosts whose collector succeeded; the others are named in a
comment with the collector's status and reason. Must not read anything but the snapshots.
"""

from __future__ import annotations

from checker.model import Collector, CollectorStatus, Snapshot


def host_name(snapshot: Snapshot) -> str:
    return snapshot.host.hostname or "unknown-host"


def collector_ok(snapshot: Snapshot, name: Collector) -> bool:
    return snapshot.collector(name).status == CollectorStatus.OK


def collector_reason(snapshot: Snapshot, name: Collector) -> str:
    run = snapshot.collector(name)
    return f"{host_name(snapshot)}: {run.status.value}" + (f" ({run.reason})" if run.reason else "")

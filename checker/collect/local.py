"""The inside view of this host (or of a mounted image with --root): one `Snapshot`.

What it is for: `collect_local()` runs every collector of `checker.collect.registry` in turn,
assembles their evidence into one snapshot (no collector is wired by hand here) and records
what each one did (`CollectorRun`). A collector that fails, times out or is not available
here becomes a FAILED/UNAVAILABLE run with a one-line reason, and the others still run (fail
closed: the evaluator turns missing evidence into `error` results).

`--root DIR` audits an image, not the live host: only unit files, socket units and xinetd
files are read (under DIR). The live sockets and the systemd runtime are UNAVAILABLE there,
with `--root` as the reason, and `HostInfo.root` records DIR.

What it must not do: evaluate policy, or raise for a collector failure. Only a programming
error escapes, and even that is caught per collector and recorded.
"""

from __future__ import annotations

import os
import platform
import socket
from collections.abc import Sequence
from dataclasses import replace

from checker import __version__
from checker.collect import utc_now
from checker.collect.interface import CollectionContext, EvidenceCollector, InsideEvidence, run_collector
from checker.collect.registry import INSIDE_COLLECTORS
from checker.model import Collector, CollectorRun, HostInfo, Snapshot


def collect_inside_evidence(
    context: CollectionContext, collectors: Sequence[EvidenceCollector] = INSIDE_COLLECTORS,
) -> tuple[InsideEvidence, tuple[CollectorRun, ...]]:
    """Run the collectors (the registry's) in order; the evidence and one run per collector.

    Each collector sees what the ones before it collected (`context.earlier`) and fills only
    the fields it `provides`; one that collected nothing leaves those fields as they were.
    """
    evidence = context.earlier
    runs = []
    for collector in collectors:
        outcome = run_collector(collector, replace(context, earlier=evidence))
        runs.append(outcome.run)
        if outcome.evidence is not None:
            evidence = replace(evidence, **{name: getattr(outcome.evidence, name) for name in collector.provides})
    return evidence, tuple(runs)


# --------------------------------------------------------------------------- host metadata


def host_addresses() -> tuple[str, ...]:
    """This host's own IP addresses (every interface), sorted; empty if psutil cannot tell."""
    try:
        import psutil

        addresses = {
            address.address.split("%", 1)[0]
            for entries in psutil.net_if_addrs().values()
            for address in entries
            if address.family in (socket.AF_INET, socket.AF_INET6)
        }
    except Exception:  # metadata only: never fail the snapshot for it
        return ()
    return tuple(sorted(addresses))


def os_release(root: str | None) -> str | None:
    """PRETTY_NAME from os-release (of the image with --root)."""
    base = root or "/"
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        try:
            with open(os.path.join(base, candidate), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        return parse_os_release(text)
    return None


def parse_os_release(text: str) -> str | None:
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "PRETTY_NAME":
            return value.strip().strip('"').strip("'") or None
    return None


def _is_privileged() -> bool:
    return os.geteuid() == 0


def collect_local(root: str | None = None, xinetd_conf: str | None = None) -> Snapshot:
    """Collect the inside view: every collector of `checker.collect.registry`, plus host metadata.

    `root` reads unit files and xinetd config under that directory (a mounted image) and marks
    the live-only collectors UNAVAILABLE; `xinetd_conf` replaces /etc/xinetd.conf (and is read
    inside `root` when both are given). Never raises for a collector failure.
    """
    started = utc_now()
    evidence, runs = collect_inside_evidence(CollectionContext(root=root, xinetd_conf=xinetd_conf))
    host = HostInfo(
        hostname=socket.gethostname(),
        collected_at=started,
        tool_version=__version__,
        addresses=host_addresses() if root is None else (),
        os_release=os_release(root),
        kernel=platform.release() if root is None else None,
        euid=os.geteuid(),
        privileged=_is_privileged(),
        root=root,
        finished_at=utc_now(),
    )
    return assemble_snapshot(host, evidence, runs)


def assemble_snapshot(host: HostInfo, evidence: InsideEvidence, runs: Sequence[CollectorRun]) -> Snapshot:
    """The snapshot of one host's inside view: runs in `Collector` order, evidence in its documented order."""
    return Snapshot(
        host=host,
        collectors=tuple(sorted(runs, key=lambda run: list(Collector).index(run.name))),
        listeners=evidence.listeners,
        connection_states=dict(sorted(evidence.connection_states.items())),
        units=tuple(sorted(evidence.units, key=lambda unit: unit.name)),
        socket_units=tuple(sorted(evidence.socket_units, key=lambda unit: unit.name)),
        xinetd_services=evidence.xinetd_services,
    )

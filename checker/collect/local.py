"""The inside view of this host (or of a mounted image with --root): one `Snapshot`.

What it is for: `collect_local()` runs every collector of `checker.collect.registry` in turn,
assembles their evidence into one snapshot (no collector is wired by hand here) and records
what each one did (`CollectorRun`). A collector that fails, times out or is not available
here becomes a FAILED/UNAVAILABLE run with a one-line reason, and the others still run (fail
closed: the evaluator turns missing evidence into `error` results).

`--root DIR` audits an image, not the live host: only unit files, socket units and xinetd
files are read (under DIR). The live sockets and the systemd runtime are UNAVAILABLE there,
with `--root` as the reason, and `HostInfo.root` records DIR.

Speed: the sockets collector (netlink and /proc, CPU in this process) and systemctl
(`list-unit-files` walks every unit directory itself when systemd is not PID 1: 0.2 s) do not
need each other, so the collectors that read no earlier evidence and provide none that a
later one reads (`RUN_APART`) run on a worker thread while the others run here: systemctl
works in its own process while the sockets are read. Each collector still collects everything it
always did (`collect` and `learn` stay complete), and the evidence is assembled in registry
order, so the snapshot is the same as a one-by-one run.

What it must not do: evaluate policy, or raise for a collector failure. Only a programming
error escapes, and even that is caught per collector and recorded.
"""

from __future__ import annotations

import os
import platform
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from checker import __version__
from checker.collect import utc_now
from checker.collect.interface import (
    EVIDENCE_FIELDS,
    CollectedEvidence,
    CollectionContext,
    EvidenceCollector,
    InsideEvidence,
    run_collector,
)
from checker.collect.registry import INSIDE_COLLECTORS
from checker.model import Collector, CollectorRun, HostInfo, Snapshot
from checker.model.firewall import FirewallEvidence
from checker.storage.inputs import read_bounded

RUN_APART = frozenset({Collector.SOCKETS, Collector.XINETD})
"""Collectors that read nothing from `CollectionContext.earlier` and provide nothing another
collector reads there (only the unit runtime and the socket units read `earlier`, and only
`units`): they can run alongside the others. tests/unit/collect/test_local_assembly.py
checks this against the collectors' source."""


def collect_inside_evidence(
    context: CollectionContext, collectors: Sequence[EvidenceCollector] = INSIDE_COLLECTORS,
) -> tuple[InsideEvidence, tuple[CollectorRun, ...]]:
    """Run the collectors (the registry's); the evidence and one run per collector, in order.

    Each collector sees what the ones before it collected (`context.earlier`) and fills only
    the fields it `provides`; one that collected nothing leaves those fields as they were.
    The `RUN_APART` ones run on a worker thread meanwhile and see `context.earlier` as given
    (they read none of it).
    """
    apart = [c for c in collectors if c.name in RUN_APART]
    outcomes: dict[int, CollectedEvidence] = {}

    def run_apart() -> None:
        for collector in apart:
            outcomes[id(collector)] = run_collector(collector, context)

    worker = threading.Thread(target=run_apart, name="surfacecheck-collectors", daemon=True)
    worker.start()
    evidence = context.earlier
    try:
        for collector in collectors:
            if collector in apart:
                continue
            outcome = run_collector(collector, replace(context, earlier=evidence))
            outcomes[id(collector)] = outcome
            if outcome.evidence is not None:
                evidence = _take(evidence, collector, outcome)
    finally:
        worker.join()
    evidence, runs = context.earlier, []
    for collector in collectors:
        outcome = outcomes[id(collector)]
        runs.append(outcome.run)
        if outcome.evidence is not None:
            evidence = _take(evidence, collector, outcome)
    return evidence, tuple(runs)


def _take(evidence: InsideEvidence, collector: EvidenceCollector, outcome: CollectedEvidence) -> InsideEvidence:
    """`evidence` with the fields `collector` provides taken from its outcome."""
    assert outcome.evidence is not None
    return replace(evidence, **{name: getattr(outcome.evidence, name) for name in collector.provides})


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


OS_RELEASE_MAX_BYTES = 64 * 1024
"""os-release is a few hundred bytes; more is not an os-release."""


def os_release(root: str | None) -> str | None:
    """PRETTY_NAME from os-release (of the image with --root)."""
    base = root or "/"
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        try:  # bounded and never blocking: an image's os-release may be a FIFO
            text = read_bounded(os.path.join(base, candidate), OS_RELEASE_MAX_BYTES).decode("utf-8", "replace")
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


def collect_local(root: str | None = None, xinetd_conf: str | None = None,
                  imported_firewall: FirewallEvidence | None = None) -> Snapshot:
    """Collect the inside view: every collector of `checker.collect.registry`, plus host metadata.

    `root` reads unit files and xinetd config under that directory (a mounted image) and marks
    the live-only collectors UNAVAILABLE; `xinetd_conf` replaces /etc/xinetd.conf (and is read
    inside `root` when both are given); `imported_firewall` (`--nft-json`) replaces the live
    ruleset. Never raises for a collector failure.
    """
    started = utc_now()
    evidence, runs = collect_inside_evidence(CollectionContext(
        root=root, xinetd_conf=xinetd_conf, imported_firewall=imported_firewall))
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
    return snapshot_from_evidence(host, evidence, runs)


def snapshot_from_evidence(host: HostInfo, evidence: InsideEvidence, runs: Sequence[CollectorRun]) -> Snapshot:
    """The snapshot of `host`: every `EVIDENCE_FIELDS` field copied (none wired by hand, so a new
    collector's field cannot be dropped here), in the documented order; runs in `Collector` order."""
    fields = {name: _SNAPSHOT_ORDER.get(name, _as_collected)(getattr(evidence, name)) for name in EVIDENCE_FIELDS}
    ordered_runs = tuple(sorted(runs, key=lambda run: list(Collector).index(run.name)))
    return replace(Snapshot(host=host, collectors=ordered_runs), **fields)


def _as_collected(value: Any) -> Any:
    return value


_SNAPSHOT_ORDER: dict[str, Callable[[Any], Any]] = {
    "connection_states": lambda states: dict(sorted(states.items())),
    "units": lambda units: tuple(sorted(units, key=lambda unit: unit.name)),
    "socket_units": lambda units: tuple(sorted(units, key=lambda unit: unit.name)),
}
"""Fields sorted for byte-stable snapshots; the others keep the order their collector gave (xinetd
services in configuration order, which decides which of two same-named services wins)."""

"""Builders of hand-made baselines and snapshots for the evaluator's unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checker.evaluate import evaluate
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    Listener,
    Location,
    NetworkView,
    Protocol,
    Report,
    Result,
    RuleMeta,
    ScannedPort,
    Severity,
    Snapshot,
    SocketUnit,
    Status,
    Unit,
    XinetdService,
)

BASELINE_FILE = "baseline.yaml"
INSIDE = (Collector.SOCKETS, Collector.UNIT_FILES, Collector.UNIT_RUNTIME, Collector.SOCKET_UNITS, Collector.XINETD,
          Collector.FIREWALL)


def loc(line: int) -> Location:
    return Location(BASELINE_FILE, line, 3)


def meta(line: int = 10, *, severity: Severity | None = None, controls: tuple[str, ...] = (),
         reason: str | None = None) -> RuleMeta:
    return RuleMeta(loc(line), severity=severity, reason=reason, controls=controls)


def runs(status: Mapping[Collector, CollectorStatus] | None = None, *, nmap: CollectorStatus | None = None,
         reason: str = "broken on purpose") -> tuple[CollectorRun, ...]:
    """Every inside collector OK unless `status` says otherwise; nmap only when given.

    NOT_RUN is recorded explicitly, as `collect` and the outside-only join write it: an inside
    collector without any record is unknown evidence (`Snapshot.collector`), not "not asked for"."""
    wanted = dict.fromkeys(INSIDE, CollectorStatus.OK)
    wanted.update(status or {})
    if nmap is not None:
        wanted[Collector.NMAP] = nmap
    return tuple(CollectorRun(c, s, None if s is CollectorStatus.OK else reason) for c, s in wanted.items())


def listener(port: int, address: str = "0.0.0.0", *, protocol: Protocol = Protocol.TCP,
             process: str | None = "nginx", user: str | None = "www-data", pid: int | None = 100,
             dual_stack: bool = False) -> Listener:
    family = "ipv6" if ":" in address else "ipv4"
    return Listener(protocol, family, address, port, pid=pid, process=process,
                    exe=f"/usr/sbin/{process}" if process else None, user=user, dual_stack=dual_stack)


def network(*ports: tuple[int, str] | ScannedPort, address: str = "192.0.2.7", state: str = "up",
            scanned: tuple[str, ...] = ("tcp:1-65535",), scan_type: str | None = None) -> NetworkView:
    """A single-address view in the older snapshot shape (no tables): a SYN scan, plus a UDP scan
    when a UDP port or spec is given, unless `scan_type` says otherwise."""
    scanned_ports = tuple(p if isinstance(p, ScannedPort) else ScannedPort(Protocol.TCP, p[0], p[1])
                          for p in ports)
    if scan_type is None:
        udp = any(p.protocol is Protocol.UDP for p in scanned_ports) or any(s.startswith("udp") for s in scanned)
        scan_type = "syn+udp" if udp else "syn"
    return NetworkView(address=address, state=state, ports=scanned_ports, scanned=scanned, scan_type=scan_type)


def snapshot(*, hostname: str = "web-1", collected_at: str = "2026-11-21T09:00:00Z",
             collectors: tuple[CollectorRun, ...] | None = None, listeners: Iterable[Listener] = (),
             units: Iterable[Unit] = (), socket_units: Iterable[SocketUnit] = (),
             xinetd: Iterable[XinetdService] = (), network_view: NetworkView | None = None,
             connection_states: Mapping[str, int] | None = None) -> Snapshot:
    if collectors is None:
        collectors = runs(nmap=CollectorStatus.OK if network_view is not None else None)
    return Snapshot(
        host=HostInfo(hostname=hostname, collected_at=collected_at, tool_version="0.1.0", privileged=True),
        collectors=collectors, listeners=tuple(listeners), units=tuple(units),
        socket_units=tuple(socket_units), xinetd_services=tuple(xinetd), network=network_view,
        connection_states=dict(connection_states or {}),
    )


def baseline(**fields: Any) -> Baseline:
    return Baseline(path=BASELINE_FILE, name="test", **fields)


def run(base: Baseline, *snapshots: Snapshot, fail_on: Severity = Severity.LOW) -> Report:
    return evaluate(base, snapshots or (snapshot(),), fail_on=fail_on)


def outcomes(report: Report, *checks: CheckId) -> set[tuple[str, str, str]]:
    """(check, resource, status) of every result (of `checks`, when given)."""
    return {(r.check.value, r.resource, r.status.value) for r in report.results if not checks or r.check in checks}


def only(report: Report, check: CheckId, resource: str | None = None) -> Result:
    found = [r for r in report.results if r.check is check and (resource is None or r.resource == resource)]
    assert len(found) == 1, found
    return found[0]


def statuses(report: Report, check: CheckId) -> list[Status]:
    return [r.status for r in report.results if r.check is check]

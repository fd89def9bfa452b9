"""The two views of one host's ports, and what every port rule shares about them.

The inside view is the sockets collector's listeners; the outside view is nmap's `NetworkView`
of the host. `port_views` says how usable each is (`EvidenceState`), so that a rule can fail
closed on missing evidence. The resource strings (`tcp/*:443`, `tcp/192.0.2.7:8080`), the
evidence dicts and the governing `allow` entry are here so that every rule names things the
same way. Must not decide a result: the rule modules (`listening`, `inside`, `exposure`) do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.evaluate.interface import Availability, EvidenceState, evidence_state
from checker.evaluate.ports.coverage import open_rows
from checker.model import (
    Collector,
    CollectorStatus,
    Listener,
    NetworkView,
    PortRange,
    Protocol,
    ScannedPort,
    Snapshot,
)
from checker.model.text import address_before_port


def rule_resource(protocol: Protocol, ports: PortRange, address: str = "*") -> str:
    """`tcp/*:443`, `udp/*:32768-60999`, `tcp/192.0.2.7:5432`: a rule-level resource."""
    return f"{protocol.value}/{address_before_port(address)}:{ports}"


def scanned_resource(network: NetworkView, port: ScannedPort) -> str:
    return f"{port.protocol.value}/{address_before_port(network.row_address(port))}:{port.port}"


def listener_evidence(listener: Listener) -> dict[str, Any]:
    return {
        "source": "sockets",
        "protocol": listener.protocol.value,
        "family": listener.family,
        "address": listener.address,
        "port": listener.port,
        "pid": listener.pid,
        "process": listener.process,
        "exe": listener.exe,
        "user": listener.user,
        "dual_stack": listener.dual_stack,
        "unit": listener.unit,
    }


def scanned_evidence(network: NetworkView, port: ScannedPort) -> dict[str, Any]:
    """A listed port as evidence: address, scan technique and state always included."""
    return {
        "source": "nmap",
        "address": network.row_address(port),
        "protocol": port.protocol.value,
        "port": port.port,
        "scan_type": network.row_scan_type(port),
        "state": port.state,
        "reason": port.reason,
        "service": port.service,
        "product": port.product,
        "version": port.version,
    }


@dataclass(frozen=True)
class PortViews:
    """The two kinds of port evidence of one host."""

    inside: EvidenceState
    outside: EvidenceState
    listeners: tuple[Listener, ...]
    network: NetworkView | None
    open_ports: tuple[ScannedPort, ...]
    """The listed ports proven open (`coverage.open_rows`)."""
    socket_units_by_port: dict[tuple[str, int], str]
    privileged: bool = False
    """Collected as root: an owner still unknown is not for want of privileges."""


def _outside_state(snapshot: Snapshot) -> EvidenceState:
    run = snapshot.collector(Collector.NMAP)
    state = evidence_state(snapshot, Collector.NMAP)
    if state.availability is Availability.MISSING:
        return state
    network = snapshot.network
    if network is None:
        reason = "no outside view of this host (no --target or --nmap-xml)"
        if run.status is not CollectorStatus.NOT_RUN:
            reason = "the nmap collector produced no outside view of this host"
            return EvidenceState(Collector.NMAP, Availability.MISSING, reason)
        return EvidenceState(Collector.NMAP, Availability.NOT_COLLECTED, reason)
    if network.state != "up":
        return EvidenceState(Collector.NMAP, Availability.MISSING,
                             f"host {network.address} is {network.state!r} in the outside view")
    return EvidenceState(Collector.NMAP, Availability.PRESENT, "outside view by nmap")


def port_views(snapshot: Snapshot) -> PortViews:
    inside = evidence_state(snapshot, Collector.SOCKETS)
    outside = _outside_state(snapshot)
    network = snapshot.network if outside.present else None
    # Only a state the technique proves open (`proof`): an ACK scan's `unfiltered` is not open.
    open_ports = open_rows(network) if network else ()
    units: dict[tuple[str, int], str] = {}
    for unit in snapshot.socket_units:
        for listen in unit.listens:
            if listen.port is None:
                continue
            protocol = "udp" if listen.kind == "datagram" else "tcp"
            units.setdefault((protocol, listen.port), unit.name)
    return PortViews(inside, outside, snapshot.listeners if inside.present else (), network, open_ports, units,
                     snapshot.host.privileged)


def no_port_evidence(views: PortViews) -> EvidenceState | None:
    """Why neither view can show the host's ports (None: at least one view is usable).

    The inside view failing is always a gap (`error`): an outside view does not see loopback.
    An inside view not asked for is covered by a usable outside view.
    """
    if views.inside.present:
        return None
    if views.inside.availability is Availability.MISSING:
        return views.inside
    if views.outside.present:
        return None
    if views.outside.availability is Availability.MISSING:
        return views.outside
    return views.inside


def owner_text(listener: Listener) -> str:
    if listener.process:
        pid = f", pid {listener.pid}" if listener.pid is not None else ""
        return f"`{listener.process}`{pid}"
    return "an unknown process"


def stop_hint(views: PortViews, protocol: Protocol, port: int, listener: Listener | None = None) -> str:
    """How to stop what listens: the socket unit on the port (it would start the service again),
    else the service of the owning process (`Listener.unit`, from its cgroup)."""
    unit = views.socket_units_by_port.get((protocol.value, port))
    if not unit and listener is not None and listener.unit:
        unit = listener.unit
    if unit:
        return f"`systemctl disable --now {unit}`"
    return "`systemctl disable --now <its unit>` (find it with `ss -tulnp`)"

"""The `ports:` section of the draft: one `allow` entry per (protocol, port) seen.

IPv4 and IPv6 listeners of one port merge into one entry; a wildcard becomes `bind: [any]`,
loopback addresses `loopback`. UDP client sockets in the ephemeral range become one range
entry. With an outside (nmap) view an entry gets `exposure: public` or `internal`, decided by
the evaluator's own coverage predicates so that the audit accepts what is drafted. Must not
do I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from checker.evaluate.ports.coverage import open_rows, outside_findings
from checker.learn.firewall import internal_contradiction
from checker.learn.hosts import collector_ok, collector_reason, host_name
from checker.learn.render import DraftWriter, flow_mapping, flow_sequence, glob_literal, yaml_scalar
from checker.learn.risks import port_risks
from checker.model import Collector, Listener, NetworkView, PortRange, Protocol, ScannedPort, Snapshot
from checker.model.ports import DEFAULT_EPHEMERAL_RANGE, WELL_KNOWN, is_ephemeral_client_port
from checker.model.text import address_before_port


@dataclass(frozen=True)
class _Observed:
    """Listeners of one (protocol, port) across the snapshots."""

    protocol: Protocol
    port: int
    listeners: list[tuple[Snapshot, Listener]] = field(default_factory=list)
    scanned: list[tuple[Snapshot, ScannedPort]] = field(default_factory=list)
    """Open in an outside (nmap) view."""

    @property
    def first_seen(self) -> tuple[str, str]:
        hosts = [s for s, _ in self.listeners] + [s for s, _ in self.scanned]
        snapshot = min(hosts, key=lambda s: s.host.collected_at)
        return snapshot.host.collected_at, host_name(snapshot)


def _outside_view(snapshot: Snapshot) -> NetworkView | None:
    """The usable nmap view of a host (the collector worked and the host was up), if any."""
    network = snapshot.network
    if network is None or not collector_ok(snapshot, Collector.NMAP) or network.state != "up":
        return None
    return network


def draft_ports(out: DraftWriter, snapshots: Sequence[Snapshot], ephemeral: tuple[int, int]) -> None:
    usable = [s for s in snapshots if collector_ok(s, Collector.SOCKETS)]
    outside = [(s, view) for s in snapshots if (view := _outside_view(s)) is not None]
    if not usable and not outside:
        out.comment(0, "ports: not drafted, the sockets collector did not succeed ("
                       + "; ".join(collector_reason(s, Collector.SOCKETS) for s in snapshots) + ").")
        out.line()
        return
    for snapshot in snapshots:
        if snapshot not in usable:
            out.comment(0, "NOTE: no listeners from " + collector_reason(snapshot, Collector.SOCKETS))
    groups: dict[tuple[Protocol, int], _Observed] = {}
    ephemeral_seen: list[tuple[Snapshot, Listener]] = []
    for snapshot in usable:
        for listener in snapshot.listeners:
            if is_ephemeral_client_port(listener, ephemeral):
                ephemeral_seen.append((snapshot, listener))
                continue
            key = (listener.protocol, listener.port)
            groups.setdefault(key, _Observed(listener.protocol, listener.port)).listeners.append(
                (snapshot, listener))
    for snapshot, view in outside:
        for scanned in open_rows(view):
            key = (scanned.protocol, scanned.port)
            groups.setdefault(key, _Observed(scanned.protocol, scanned.port)).scanned.append((snapshot, scanned))
    out.line("ports:")
    out.line("  default: deny")
    if not groups and not ephemeral_seen:
        out.line("  allow: []")
        out.line()
        return
    out.line("  allow:")
    for key in sorted(groups, key=lambda k: (k[1], k[0].value)):
        _draft_port_entry(out, groups[key], [view for _, view in outside], ephemeral)
    if ephemeral_seen:
        _draft_ephemeral_entry(out, ephemeral_seen, ephemeral)
    out.line()


def _ambiguous_states(observed: _Observed, views: Sequence[NetworkView]) -> list[str]:
    """The states no scan could decide for this port (`open|filtered`: no answer, an ACK scan's
    `unfiltered`, ...), as the audit's `coverage.outside_findings` sees them."""
    port = PortRange(observed.port, observed.port)
    return sorted({f.state for view in views for f in outside_findings(view, observed.protocol, port).unproven})


def _exposure(observed: _Observed, views: Sequence[NetworkView]) -> str | None:
    """`public` when some outside view found the port open; `internal` when every outside
    view proved it not open on every address; None without an outside view, or when a scan
    could not decide (the audit would make `internal` an `error` or `skip` there)."""
    if observed.scanned:
        return "public"
    port = PortRange(observed.port, observed.port)
    if views and all(outside_findings(view, observed.protocol, port).proven_closed_or_unreachable for view in views):
        return "internal"
    return None


def _single(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    if len(distinct) == 1:
        (only,) = distinct
        return only
    return None


def _draft_port_entry(out: DraftWriter, observed: _Observed, views: Sequence[NetworkView],
                      ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE) -> None:
    listeners = [listener for _, listener in observed.listeners]
    proto, port = observed.protocol, observed.port
    service = WELL_KNOWN.get((proto, port))
    exposure = _exposure(observed, views)
    if not listeners:
        _draft_outside_only_entry(out, observed)
        return
    owners = sorted({
        (listener.process or "?", str(listener.pid) if listener.pid is not None else "?", listener.user or "?")
        for listener in listeners
    })
    owner_text = ", ".join(f"{p} (pid {pid}, user {u})" for p, pid, u in owners[:4])
    if len(owners) > 4:
        owner_text += f" and {len(owners) - 4} more"
    shown = sorted({_display_address(listener) for listener in listeners})
    addresses = ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")
    seen_at, seen_on = observed.first_seen
    out.comment(4, f"{service + ': ' if service else ''}{owner_text} on {addresses}; first seen {seen_at} "
                   f"on {seen_on}")
    binds = sorted({bind_word(listener) for listener in listeners}, key=_bind_sort_key)
    for risk in port_risks(proto, port, binds):
        out.comment(4, "RISK: " + risk)
    if service is None and ephemeral[0] <= port <= ephemeral[1]:
        # rpc.statd, Java RMI and friends take a random port at each start: an exact rule
        # turns into a failure after the next restart. Say so; the reviewer decides.
        out.comment(4, f"NOTE: {port} is in the ephemeral range {ephemeral[0]}-{ephemeral[1]}: if the "
                       "program picks a random port at start, pin its port in its config or allow a range")
    fields: list[tuple[str, str]] = [("port", str(port)), ("protocol", proto.value)]
    process = _single(listener.process for listener in listeners)
    if process:
        fields.append(("process", yaml_scalar(glob_literal(process))))
    elif any(listener.process for listener in listeners):
        out.comment(4, "NOTE: several processes share this port: process not pinned")
    else:
        out.comment(4, "NOTE: owning process unknown: process not pinned")
    user = _single(listener.user for listener in listeners)
    if user:
        fields.append(("user", yaml_scalar(glob_literal(user))))
    elif any(listener.user for listener in listeners):
        out.comment(4, "NOTE: several users own this port: user not pinned")
    fields.append(("bind", flow_sequence(yaml_scalar(word) for word in binds)))
    if exposure == "public":
        out.comment(4, "open from outside (nmap): " + _scan_text(observed))
        if binds == ["loopback"]:
            # Only a scan of a loopback address sees it: not an exposure (and the validator
            # rightly refuses `exposure: public` with `bind: [loopback]`).
            exposure = None
    if exposure == "internal":
        contradiction = next((why for snapshot, listener in observed.listeners
                              if (why := internal_contradiction(snapshot, listener))), None)
        if contradiction:
            out.comment(4, f"RISK: nmap did not see it open, but the firewall: {contradiction}: exposure not pinned")
            exposure = None
    ambiguous = _ambiguous_states(observed, views)
    if ambiguous and not exposure:
        out.comment(4, f"NOTE: nmap saw it {', '.join(ambiguous)} (no answer): exposure not pinned")
    if exposure:
        fields.append(("exposure", exposure))
    out.line("    - " + flow_mapping(fields))


def _scan_text(observed: _Observed) -> str:
    seen = []
    for snapshot, scanned in observed.scanned:
        product = " ".join(x for x in (scanned.service, scanned.product, scanned.version) if x)
        seen.append(f"{host_name(snapshot)}" + (f" ({product})" if product else ""))
    return ", ".join(sorted(set(seen)))


def _draft_outside_only_entry(out: DraftWriter, observed: _Observed) -> None:
    seen_at, seen_on = observed.first_seen
    service = WELL_KNOWN.get((observed.protocol, observed.port))
    out.comment(4, f"{service + ': ' if service else ''}open from outside (nmap) on {_scan_text(observed)}; "
                   f"first seen {seen_at} on {seen_on}")
    out.comment(4, "NOTE: no local listener was seen (no inside view, or a port forwarded elsewhere)")
    for risk in port_risks(observed.protocol, observed.port, ["any"]):
        out.comment(4, "RISK: " + risk)
    fields = [("port", str(observed.port)), ("protocol", observed.protocol.value), ("exposure", "public")]
    out.line("    - " + flow_mapping(fields))


def _draft_ephemeral_entry(out: DraftWriter, seen: list[tuple[Snapshot, Listener]], ephemeral: tuple[int, int]) -> None:
    processes = sorted({listener.process or "?" for _, listener in seen})
    ports = sorted({listener.port for _, listener in seen})
    shown = ", ".join(str(p) for p in ports[:8]) + (" ..." if len(ports) > 8 else "")
    out.comment(4, f"client sockets: {len(seen)} UDP socket(s) in the ephemeral range "
                   f"{ephemeral[0]}-{ephemeral[1]} (ports {shown}) of {', '.join(processes)};")
    out.comment(4, "their ports change at every restart, so they are covered by one range, not learned one by one")
    fields = [("port", f"{ephemeral[0]}-{ephemeral[1]}"), ("protocol", "udp")]
    process = _single(listener.process for _, listener in seen)
    if process:
        fields.append(("process", yaml_scalar(glob_literal(process))))
    out.line("    - " + flow_mapping(fields))


def _is_loopback(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1, as for the evaluator
    return parsed.is_loopback


def bind_word(listener: Listener) -> str:
    """The `bind` value of one listener: `any`, `loopback`, or its address."""
    if listener.address in ("0.0.0.0", "::", "*", ""):
        return "any"
    if _is_loopback(listener.address):
        return "loopback"
    # A zone (fe80::1%eth0) is not part of a baseline address; the evaluator ignores it too.
    return listener.address.split("%", 1)[0]


def _bind_sort_key(word: str) -> tuple[int, str]:
    return ({"any": 0, "loopback": 1}.get(word, 2), word)


def _display_address(listener: Listener) -> str:
    address = address_before_port(listener.address)
    return address + (" (dual-stack)" if listener.dual_stack else "")

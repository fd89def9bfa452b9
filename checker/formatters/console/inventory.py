"""The console's inventory of one host: its listeners by address class, what is reachable
beyond loopback, and what the outside view found open.

Address classes (`address_class`): `loopback` (127.0.0.0/8, ::1: reachable from this host
only), `all interfaces` (0.0.0.0, ::: every address of the host) and `specific` (any other
address: reachable on that address). Everything but loopback is "reachable beyond loopback"
(a firewall may still drop it; the outside view says what was actually open).

Pure text from the snapshot; must not evaluate (the rules decide), must not write.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.formatters.console.style import Style
from checker.model import Collector, CollectorStatus, Listener, Snapshot
from checker.model.addresses import parse_address
from checker.model.text import printable_line

LOOPBACK = "loopback"
ALL_INTERFACES = "all interfaces"
SPECIFIC = "specific"
CLASS_ORDER = (ALL_INTERFACES, SPECIFIC, LOOPBACK)
"""Most exposed first."""
LISTENERS_SHOWN = 8
"""Listeners named per class without `-v`; the rest are counted."""


def address_class(address: str) -> str:
    parsed = parse_address(address)
    if parsed is None or address in ("*", ""):
        return ALL_INTERFACES
    if parsed.is_unspecified:
        return ALL_INTERFACES
    if parsed.is_loopback:
        return LOOPBACK
    return SPECIFIC


def listener_text(listener: Listener) -> str:
    """`tcp/0.0.0.0:22 sshd (root)`; `owner unknown` without the process."""
    if listener.process:
        owner = printable_line(listener.process, 60, escape=True)
        if listener.user:
            owner += f" ({printable_line(listener.user, 40, escape=True)})"
    else:
        owner = "owner unknown"
    dual = " dual-stack" if listener.dual_stack else ""
    return f"{listener.resource}{dual} {owner}"


def _port_list(pairs: Iterable[tuple[str, int]]) -> str:
    """`tcp 22, 443; udp 68`."""
    by_protocol: dict[str, set[int]] = {}
    for protocol, port in pairs:
        by_protocol.setdefault(protocol, set()).add(port)
    return "; ".join(f"{protocol} {', '.join(str(p) for p in sorted(ports))}"
                     for protocol, ports in sorted(by_protocol.items()))


def unknown_owners(snapshot: Snapshot) -> int:
    """Listeners whose process is unknown (another user's socket read without root, or, as root,
    a socket no process of this PID namespace holds)."""
    return sum(1 for listener in snapshot.listeners if listener.pid is None or listener.process is None)


def inventory_lines(name: str, snapshot: Snapshot, style: Style, *, verbose: bool) -> list[str]:
    """The inventory of one host, as indented lines (empty when nothing was observed)."""
    lines: list[str] = []
    sockets = snapshot.collector(Collector.SOCKETS)
    if sockets.status is CollectorStatus.OK or snapshot.listeners:
        listeners = sorted(snapshot.listeners, key=lambda x: (x.protocol.value, x.port, x.address))
        lines.append(style.paint("heading", f"{name}: {len(listeners)} listener{'s' if len(listeners) != 1 else ''}"))
        classes: dict[str, list[Listener]] = {}
        for listener in listeners:
            classes.setdefault(address_class(listener.address), []).append(listener)
        for kind in CLASS_ORDER:
            members = classes.get(kind, [])
            if not members:
                continue
            shown = members if verbose else members[:LISTENERS_SHOWN]
            more = f", and {len(members) - len(shown)} more (-v lists them)" if len(members) > len(shown) else ""
            lines.append(f"  {kind} ({len(members)}): " + ", ".join(listener_text(x) for x in shown) + more)
        beyond = [(x.protocol.value, x.port) for x in listeners if address_class(x.address) != LOOPBACK]
        lines.append("  reachable beyond loopback: " + (_port_list(beyond) if beyond else "nothing"))
        unknown = unknown_owners(snapshot)
        if unknown:
            # As root every process of this PID namespace is readable: an owner still unknown holds
            # the socket from elsewhere (a container's PID namespace sharing this network namespace).
            why = ("no process in this view holds " + ("it" if unknown == 1 else "them") +
                   " (another PID namespace?)" if snapshot.host.privileged else "run as root to see owners")
            lines.append(style.paint("hint", f"  owners of {unknown} listener{'s' if unknown != 1 else ''} unknown: "
                                             f"{why}"))
    elif sockets.status is not CollectorStatus.NOT_RUN:
        lines.append(f"{name}: listeners unknown (sockets collector {sockets.status.value}: {sockets.reason})")
    network = snapshot.network
    if network is not None:
        opened = [(p.protocol.value, p.port) for p in network.ports if p.state == "open"]
        prefix = "  " if lines else f"{name}: "
        scope = ", ".join(network.scanned) or "ports unknown"
        lines.append(f"{prefix}open from outside ({network.scanner} {network.address}, {network.state}, "
                     f"scanned {scope}): " + (_port_list(opened) if opened else "none"))
    return lines

"""The outside view of a host (what nmap saw), with one port table per scanned address.

A `NetworkView` is one host's outside view. Its `tables` say, per address, protocol and scan
technique, which ports nmap looked at (`PortTable.scanned`, from `<scaninfo services=...>`)
and the ports it folded instead of listing (`FoldedPorts`, from `<extraports>`); its `ports`
are the listed `<port>` rows, each naming its address and scan technique. Merging an IPv4
and an IPv6 scan of one host keeps both tables: nothing is first-wins.

Snapshots written before the tables existed carry one address, `ports` without address or
scan type, `scanned` specs such as `tcp:1-1024` and a joined `scan_type` (`syn+udp`):
`NetworkView.port_tables` derives their tables from those, so old files read as before.

Identity: `NetworkView.named` holds only the names the user gave the scan (`--target NAME`,
`<hostname type="user">`); `hostnames` also holds reverse-DNS (PTR) names, which whoever
controls the address's reverse zone chooses, so they are shown but never identify a host
(`identities`). Frozen, slotted, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from checker.model.baseline import PortRange
from checker.model.vocabulary import Protocol


@dataclass(frozen=True, slots=True)
class ScannedPort:
    """One `<port>` row of an nmap scan."""

    protocol: Protocol
    port: int
    state: str
    """open, closed, filtered, open|filtered, closed|filtered, unfiltered."""
    reason: str | None = None
    service: str | None = None
    product: str | None = None
    version: str | None = None
    extrainfo: str | None = None
    address: str | None = None
    """The scanned address; None in snapshots before per-address tables (= the view's address)."""
    scan_type: str | None = None
    """The scan technique that found the state (`syn`, `ack`, `udp`, ...); None in snapshots before
    per-address tables (= the view's `scan_type` for this protocol)."""


@dataclass(frozen=True, slots=True)
class FoldedPorts:
    """An nmap `<extraports>` group: ports of one state that nmap counted instead of listing."""

    state: str
    """closed, filtered, open|filtered, ... (nmap never folds `open` ports, but it is read if it does)."""
    count: int
    """How many ports of the table nmap folded into this state (for this protocol when known)."""
    reason: str | None = None
    """`<extrareasons reason=...>`: reset, no-response, port-unreach, ..."""
    ports: str | None = None
    """Exactly which ports (`extrareasons@ports`, nmap 7.92 and later), e.g. `1-22,24-1000`;
    None: some of the table's scanned ports that are not listed (older nmap)."""


@dataclass(frozen=True, slots=True)
class PortTable:
    """What one scan technique found for one protocol on one address of the host."""

    address: str
    protocol: Protocol
    scan_type: str | None
    """nmap's `scaninfo@type`: syn, connect, ack, window, maimon, null, fin, xmas, udp, ...
    None when unknown (no `<scaninfo>`): such a table proves nothing."""
    scanned: str | None
    """The ports looked at, nmap's `services` list (`1-1000,8080`); None when unknown (then only
    the listed ports were looked at)."""
    state: str = "up"
    """The host's state at this address in this scan: up, down, unknown."""
    folded: tuple[FoldedPorts, ...] = ()


_LEGACY_TCP_TYPES = ("syn", "connect")


@dataclass(frozen=True, slots=True)
class NetworkView:
    """The outside view of one host: what nmap saw, one port table per address and technique."""

    address: str
    """The first scanned address (results of a single-address view name it)."""
    state: str
    """Host state: up (at some address), down, unknown."""
    hostnames: tuple[str, ...] = ()
    """Every name nmap reported, reverse-DNS (PTR) included: shown, never an identity."""
    ports: tuple[ScannedPort, ...] = ()
    """The listed `<port>` rows of every table."""
    scanned: tuple[str, ...] = ()
    """Port specs covered, e.g. `tcp:1-65535`: a summary (older snapshots: the coverage itself)."""
    scanner: str = "nmap"
    scanner_version: str | None = None
    arguments: tuple[str, ...] = ()
    """Exact argv given to nmap (or read from the imported XML)."""
    scan_type: str | None = None
    """Summary of the techniques, e.g. `syn+udp` (older snapshots: the technique of every port)."""
    started_at: str | None = None
    finished_at: str | None = None
    source: str | None = None
    """`scan` or the path of an imported nmap XML."""
    tables: tuple[PortTable, ...] = ()
    """One per scanned address, protocol and technique; empty in older snapshots (`port_tables`)."""
    named: tuple[str, ...] = ()
    """The names the user gave this host's scan (`--target NAME`, `<hostname type="user">`)."""

    def port_tables(self) -> tuple[PortTable, ...]:
        """The tables; for an older snapshot, the ones its single-address fields describe."""
        if self.tables:
            return self.tables
        services: dict[Protocol, list[str]] = {}
        for spec in self.scanned:
            kind, _, text = spec.partition(":")
            protocol = _protocol(kind)
            if protocol is not None:
                services.setdefault(protocol, [])
                if (readable := _legacy_services(text)) is not None:
                    services[protocol].append(readable)
        for port in self.ports:
            services.setdefault(port.protocol, [])
        tables = {protocol: PortTable(self.address, protocol, self.legacy_scan_type(protocol),
                                      ",".join(texts) or None, self.state)
                  for protocol, texts in services.items()}
        return tuple(tables.values())

    def legacy_scan_type(self, protocol: Protocol) -> str | None:
        """The technique an older snapshot used for `protocol`: `udp` for UDP, the one TCP
        technique of `scan_type` for TCP (None when it names none or several)."""
        kinds = [k for k in (self.scan_type or "").split("+") if k]
        if protocol is Protocol.UDP:
            return "udp" if "udp" in kinds else None
        tcp = [k for k in kinds if k != "udp"]
        return tcp[0] if len(tcp) == 1 else None

    def rows(self, table: PortTable) -> tuple[ScannedPort, ...]:
        """The listed ports of `table`."""
        return tuple(p for p in self.ports if p.protocol == table.protocol
                     and self.row_address(p) == table.address and self.row_scan_type(p) == table.scan_type)

    def row_scan_type(self, port: ScannedPort) -> str | None:
        if port.scan_type is not None or self.tables:
            return port.scan_type
        return self.legacy_scan_type(port.protocol)

    def explicit(self) -> NetworkView:
        """This view with its tables spelt out and every row naming its address and technique
        (an older snapshot's view in today's shape; a current view unchanged)."""
        if self.tables:
            return self
        ports = tuple(replace(p, address=self.row_address(p), scan_type=self.row_scan_type(p)) for p in self.ports)
        return replace(self, ports=ports, tables=self.port_tables())

    def row_address(self, port: ScannedPort) -> str:
        return port.address or self.address

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every scanned address, the first one first."""
        return tuple(dict.fromkeys([self.address, *(t.address for t in self.tables),
                                    *(p.address for p in self.ports if p.address)]))

    def identities(self) -> tuple[str, ...]:
        """What may identify the host: its scanned addresses and the names the user gave, never PTR names."""
        return (*self.addresses, *self.named)


def host_name_key(name: str) -> str:
    """The one form host names are compared in: no case, no trailing dot (`Web-1.` is `web-1`)."""
    return name.lower().rstrip(".")


def same_host_name(first: str, second: str) -> bool:
    return host_name_key(first) == host_name_key(second)


def _protocol(text: str) -> Protocol | None:
    try:
        return Protocol(text.strip().lower())
    except ValueError:
        return None


def _legacy_services(text: str) -> str | None:
    """An older `scanned` spec's ports: `all` is every port; `top:N` and unreadable specs cannot
    be enumerated (None: only listed ports count as looked at)."""
    text = text.strip().lower()
    if text in ("all", ""):
        return "1-65535"
    if text.startswith("top") or parse_port_set(text) is None:
        return None
    return text


def parse_port_set(text: str) -> tuple[PortRange, ...] | None:
    """nmap's services list (`1-1000,8080`) as sorted, merged ranges; None when unreadable."""
    ranges: list[PortRange] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            return None
        first, last = int(low), int(high or low)
        if last < first or last > 65535:
            return None
        ranges.append(PortRange(first, last))
    return merge_ranges(ranges)


def merge_ranges(ranges: list[PortRange]) -> tuple[PortRange, ...]:
    merged: list[PortRange] = []
    for item in sorted(ranges, key=lambda r: (r.low, r.high)):
        if merged and item.low <= merged[-1].high + 1:
            if item.high > merged[-1].high:
                merged[-1] = PortRange(merged[-1].low, item.high)
        else:
            merged.append(item)
    return tuple(merged)

"""Draft a baseline from what snapshots show: the engine of `surfacecheck learn`.

`draft_baseline(snapshots)` is pure: snapshots in, the text of a commented YAML baseline out.
It reads no file and no clock (times come from the snapshots), so it is unit-tested on
hand-built snapshots. The YAML is written by hand rather than by `yaml.safe_dump`, because
the point of the draft is its comments: every entry says what was observed (process, pid,
user, first seen) and entries that look risky are flagged with `RISK:` so that a human
reviews the draft before committing it.

What the draft contains (DESIGN.md section 4 language):

* `ports.default: deny`, and one `allow` entry per (port, protocol) with the process, the
  user and the bind addresses seen. IPv4 and IPv6 listeners of one port merge into one
  entry; a wildcard (`0.0.0.0`, `::`, dual-stack or not) becomes `bind: [any]`, loopback
  addresses become `loopback`.
* UDP sockets in the ephemeral port range with no well-known service are *client* sockets
  (resolvers, NTP clients) whose port changes at every restart. They never become one rule
  each: a single range entry (`{port: 32768-60999, protocol: udp, process: chronyd}`, the
  DESIGN.md example) covers them, so that auditing the same host with the draft passes.
* With an outside (nmap) view, an entry gets `exposure: public` when the port is open
  from outside and `exposure: internal` when the scan covered it and found it not open; a
  port open from outside with no local listener (NAT, or no inside view) gets its own entry.
* `services`: the `.service` units that are enabled *and* running a process, minus the
  machine's own plumbing (getty, journald, cron...). `running: true` is written only when
  the snapshot has the systemd runtime state; otherwise it would make the audit `error`.
* `socket_units.default: deny` with every socket unit the evaluator counts (enabled-like,
  `static` included, or active), with its Listen* values; the OS's own static unix-socket
  units (journald, dbus...) are allowed by name only.
* `xinetd.default: deny` with every enabled xinetd service, and `limits` holding the
  current limits when every enabled service shares them (otherwise comments say why not).

A section whose collector did not succeed is left out with a comment: a rule there would
only produce `error` results.

Two pure predicates are borrowed from the evaluator (`checker.evaluate.socket_units.counts`
and `checker.evaluate.ports.coverage.scan_covers`) rather than re-implemented, so that the draft
allows exactly what the audit will look at; that is what makes the round trip hold.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from checker import __version__
from checker.model import (
    Collector,
    CollectorStatus,
    Listener,
    NetworkView,
    Protocol,
    ScannedPort,
    Snapshot,
    SocketUnit,
    Unit,
    XinetdService,
)

DEFAULT_EPHEMERAL_RANGE = (32768, 60999)
"""Linux's default net.ipv4.ip_local_port_range; the command passes the live one when known."""

SCHEMA_MODELINE_PREFIX = "# yaml-language-server: $schema="

# --------------------------------------------------------------------------- port knowledge

WELL_KNOWN: Mapping[tuple[Protocol, int], str] = {
    **{(Protocol.TCP, port): name for port, name in {
        7: "echo", 9: "discard", 13: "daytime", 19: "chargen", 21: "FTP", 22: "SSH", 23: "telnet",
        25: "SMTP", 37: "time", 53: "DNS", 79: "finger", 80: "HTTP", 88: "Kerberos", 110: "POP3",
        111: "rpcbind", 119: "NNTP", 135: "MS RPC", 139: "NetBIOS session", 143: "IMAP",
        179: "BGP", 199: "SNMP smux", 389: "LDAP", 443: "HTTPS", 445: "SMB", 465: "SMTPS",
        512: "rexec", 513: "rlogin", 514: "rsh", 515: "LPD", 587: "SMTP submission", 631: "IPP (CUPS)",
        636: "LDAPS", 873: "rsync", 993: "IMAPS", 995: "POP3S", 1433: "MS SQL", 1521: "Oracle",
        2049: "NFS", 2379: "etcd", 3128: "Squid proxy", 3306: "MySQL/MariaDB", 3389: "RDP",
        4369: "Erlang epmd", 5432: "PostgreSQL", 5672: "AMQP", 5900: "VNC", 5984: "CouchDB",
        6379: "Redis", 6443: "Kubernetes API", 8080: "HTTP alternate", 8086: "InfluxDB",
        8443: "HTTPS alternate", 9042: "Cassandra", 9090: "Prometheus", 9100: "node exporter",
        9200: "Elasticsearch", 9300: "Elasticsearch transport", 10250: "kubelet",
        11211: "memcached", 27017: "MongoDB", 33060: "MySQL X protocol",
    }.items()},
    **{(Protocol.UDP, port): name for port, name in {
        7: "echo", 9: "discard", 13: "daytime", 19: "chargen", 37: "time", 53: "DNS",
        67: "DHCP server", 68: "DHCP client", 69: "TFTP", 111: "rpcbind", 123: "NTP",
        137: "NetBIOS name", 138: "NetBIOS datagram", 161: "SNMP", 162: "SNMP trap",
        177: "XDMCP", 323: "chrony command", 443: "QUIC", 500: "IKE", 512: "biff", 513: "rwho",
        514: "syslog", 517: "talk", 518: "ntalk", 546: "DHCPv6 client", 547: "DHCPv6 server",
        1194: "OpenVPN", 1812: "RADIUS", 2049: "NFS", 4500: "IPsec NAT-T", 5353: "mDNS",
        5355: "LLMNR", 11211: "memcached", 41641: "Tailscale", 51820: "WireGuard",
    }.items()},
}
"""Service names of ports worth naming in comments; also what makes a UDP port in the
ephemeral range a server rather than a client."""

CLEARTEXT: Mapping[tuple[Protocol, int], str] = {
    (Protocol.TCP, 21): "FTP", (Protocol.TCP, 23): "telnet", (Protocol.UDP, 69): "TFTP",
    (Protocol.TCP, 79): "finger", (Protocol.TCP, 110): "POP3 without TLS",
    (Protocol.TCP, 119): "NNTP", (Protocol.TCP, 143): "IMAP without TLS",
    (Protocol.TCP, 512): "rexec", (Protocol.TCP, 513): "rlogin", (Protocol.TCP, 514): "rsh",
    (Protocol.UDP, 177): "XDMCP", (Protocol.UDP, 517): "talk", (Protocol.UDP, 518): "ntalk",
    (Protocol.TCP, 873): "the rsync daemon protocol",
}
"""Protocols that carry credentials or data in clear text."""

X11_PORTS = range(6000, 6064)
"""X11 over TCP (displays :0 to :63): keystrokes and screens in clear text (CIS 2.1.20)."""

LEGACY_SMALL_SERVICES = frozenset({7, 9, 13, 19, 37})
"""echo, discard, daytime, chargen, time: no use today, and UDP ones amplify floods."""

DATABASE_PORTS: Mapping[int, str] = {
    3306: "MySQL/MariaDB", 5432: "PostgreSQL", 6379: "Redis", 11211: "memcached",
    27017: "MongoDB", 9200: "Elasticsearch", 9300: "Elasticsearch transport", 5984: "CouchDB",
    9042: "Cassandra", 2379: "etcd", 1433: "MS SQL", 1521: "Oracle", 8086: "InfluxDB",
    33060: "MySQL X protocol",
}
"""Databases and caches: they belong on loopback or an internal address, never on all interfaces."""

_NOISE_UNITS = re.compile(
    r"""^(
        systemd-.* | getty@.* | serial-getty@.* | console-getty | container-getty@.* | user@.* |
        user-runtime-dir@.* | dbus(-broker)? | dbus-.* | cron | crond | anacron | atd |
        rsyslog | syslog-ng | syslog | e2scrub.* | fstrim | logrotate | man-db | apt-daily.* |
        dpkg-db-backup | unattended-upgrades | apparmor | keyboard-setup | console-setup |
        setvtrgb | kmod.* | lvm2-.* | plymouth.* | blk-availability | polkit | accounts-daemon |
        udisks2 | upower | packagekit | thermald | irqbalance | rtkit-daemon | multipathd |
        ModemManager | NetworkManager.* | wpa_supplicant.* | networking | ifup@.* | ifupdown.* |
        snapd.* | cloud-init.* | cloud-config | cloud-final | finalrd | grub-.* | haveged |
        rngd | smartd | smartmontools | lxcfs | qemu-guest-agent | open-vm-tools | vgauth |
        auditd | chrony | chronyd | ntp | ntpsec | sysstat | mdmonitor | alsa-.* | bluetooth |
        colord | switcheroo-control | power-profiles-daemon | low-memory-monitor | gdm3? | lightdm
    )\.service$""",
    re.VERBOSE,
)
"""Units that belong to the machine itself, not to the services it offers. A daemon here
that does listen (chrony, ntp) still shows up as a port entry."""

_GLOB_CHARS = re.compile(r"([*?\[])")
_PLAIN_SCALAR = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./@+-]*$")
"""Strings safe as YAML plain scalars (`@` and digits may not start one; words below excepted)."""
_YAML_WORDS = frozenset({
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan",
})


# --------------------------------------------------------------------------- small helpers


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as the same string, whatever it holds."""
    if _PLAIN_SCALAR.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return '"' + "".join(_escape_char(ch) for ch in value) + '"'


def _escape_char(ch: str) -> str:
    """One character inside a YAML double-quoted scalar (YAML 1.1/1.2 escapes, as PyYAML reads them)."""
    if ch in '"\\':
        return "\\" + ch
    if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF:
        return ch
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be written in UTF-8 at all
        return "\\uFFFD"
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def comment_text(text: str, limit: int = 160) -> str:
    """One safe comment line: no control characters (a newline would end the comment)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def glob_literal(name: str) -> str:
    """`name` as an fnmatch pattern that matches only itself (`process` and `user` are globs)."""
    return _GLOB_CHARS.sub(r"[\1]", name)


def _flow(items: Iterable[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in items) + "}"


def _flow_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(values) + "]"


def is_ephemeral_client_port(listener: Listener, ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE) -> bool:
    """A UDP socket in the ephemeral range with no well-known service: a client's socket."""
    return (
        listener.protocol == Protocol.UDP
        and ephemeral[0] <= listener.port <= ephemeral[1]
        and (Protocol.UDP, listener.port) not in WELL_KNOWN
    )


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
    address = f"[{listener.address}]" if ":" in listener.address else listener.address
    return address + (" (dual-stack)" if listener.dual_stack else "")


def _host_name(snapshot: Snapshot) -> str:
    return snapshot.host.hostname or "unknown-host"


def _collector_ok(snapshot: Snapshot, name: Collector) -> bool:
    return snapshot.collector(name).status == CollectorStatus.OK


def _collector_reason(snapshot: Snapshot, name: Collector) -> str:
    run = snapshot.collector(name)
    return f"{_host_name(snapshot)}: {run.status.value}" + (f" ({run.reason})" if run.reason else "")


# --------------------------------------------------------------------------- the draft


@dataclass
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
        return snapshot.host.collected_at, _host_name(snapshot)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def comment(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + "# " + comment_text(text))

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


def draft_baseline(
    snapshots: Sequence[Snapshot],
    *,
    ephemeral_range: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE,
    schema_ref: str = "../schemas/baseline.schema.json",
    name: str | None = None,
) -> str:
    """The commented YAML baseline describing `snapshots` as they are (union over hosts).

    `ephemeral_range` is the hosts' ip_local_port_range; `schema_ref` goes into the
    yaml-language-server modeline; `name` defaults to `learned-HOST`.
    """
    if not snapshots:
        raise ValueError("draft_baseline needs at least one snapshot")
    hosts = sorted({_host_name(s) for s in snapshots})
    times = sorted(s.host.collected_at for s in snapshots)
    out = _Writer()
    out.line(SCHEMA_MODELINE_PREFIX + schema_ref)
    out.line("#")
    out.comment(0, f"Drafted by `surfacecheck learn` (surfacecheck {__version__}) from {', '.join(hosts)}, "
                   f"collected {times[0]}" + (f" to {times[-1]}" if times[-1] != times[0] else "") + ".")
    out.comment(0, "REVIEW BEFORE COMMITTING: this describes the host as it is, not as it should be.")
    out.comment(0, "Entries flagged RISK deserve a second look; remove what is not approved, and add a")
    out.comment(0, "`reason:` to what is.")
    unprivileged = [_host_name(s) for s in snapshots if not s.host.privileged]
    if unprivileged:
        out.comment(0, f"NOTE: collected without root on {', '.join(unprivileged)}: the owners of other "
                       "users' sockets are unknown and are not pinned.")
    out.line("version: 1")
    out.line(f"name: {yaml_scalar(name or 'learned-' + (hosts[0] if len(hosts) == 1 else 'fleet'))}")
    out.line("description: " + yaml_scalar(
        f"Learned from {', '.join(hosts)} at {times[0]} by surfacecheck learn; reviewed by: (your name)"))
    out.line()
    _draft_ports(out, snapshots, ephemeral_range)
    _draft_services(out, snapshots)
    _draft_socket_units(out, snapshots)
    _draft_xinetd(out, snapshots)
    return out.text()


# ----------------------------------------------------------------------------- ports


def _outside_view(snapshot: Snapshot) -> NetworkView | None:
    """The usable nmap view of a host (the collector worked and the host was up), if any."""
    network = snapshot.network
    if network is None or not _collector_ok(snapshot, Collector.NMAP) or network.state != "up":
        return None
    return network


def _draft_ports(out: _Writer, snapshots: Sequence[Snapshot], ephemeral: tuple[int, int]) -> None:
    usable = [s for s in snapshots if _collector_ok(s, Collector.SOCKETS)]
    outside = [(s, view) for s in snapshots if (view := _outside_view(s)) is not None]
    if not usable and not outside:
        out.comment(0, "ports: not drafted, the sockets collector did not succeed ("
                       + "; ".join(_collector_reason(s, Collector.SOCKETS) for s in snapshots) + ").")
        out.line()
        return
    for snapshot in snapshots:
        if snapshot not in usable:
            out.comment(0, "NOTE: no listeners from " + _collector_reason(snapshot, Collector.SOCKETS))
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
        for scanned in view.ports:
            if scanned.state == "open":
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
    """The states nmap could not decide (`open|filtered`: no answer) for this port."""
    from checker.evaluate.ports.coverage import AMBIGUOUS_STATES

    return sorted({p.state for view in views for p in view.ports
                   if p.protocol == observed.protocol and p.port == observed.port and p.state in AMBIGUOUS_STATES})


def _exposure(observed: _Observed, views: Sequence[NetworkView]) -> str | None:
    """`public` when some outside view found the port open; `internal` when every outside
    view looked at it and found it not open; None without an outside view, or when nmap
    could only say `open|filtered` (the audit would make `internal` an `error` there)."""
    if observed.scanned:
        return "public"
    if views and not _ambiguous_states(observed, views):
        from checker.evaluate.ports.coverage import scan_covers

        if all(scan_covers(view, observed.protocol, observed.port) for view in views):
            return "internal"
    return None


def _single(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    if len(distinct) == 1:
        (only,) = distinct
        return only
    return None


def _draft_port_entry(out: _Writer, observed: _Observed, views: Sequence[NetworkView],
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
    for risk in _port_risks(proto, port, binds):
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
    fields.append(("bind", _flow_list(yaml_scalar(word) for word in binds)))
    if exposure == "public":
        out.comment(4, "open from outside (nmap): " + _scan_text(observed))
        if binds == ["loopback"]:
            # Only a scan of a loopback address sees it: not an exposure (and the validator
            # rightly refuses `exposure: public` with `bind: [loopback]`).
            exposure = None
    ambiguous = _ambiguous_states(observed, views)
    if ambiguous and not exposure:
        out.comment(4, f"NOTE: nmap saw it {', '.join(ambiguous)} (no answer): exposure not pinned")
    if exposure:
        fields.append(("exposure", exposure))
    out.line("    - " + _flow(fields))


def _scan_text(observed: _Observed) -> str:
    seen = []
    for snapshot, scanned in observed.scanned:
        product = " ".join(x for x in (scanned.service, scanned.product, scanned.version) if x)
        seen.append(f"{_host_name(snapshot)}" + (f" ({product})" if product else ""))
    return ", ".join(sorted(set(seen)))


def _draft_outside_only_entry(out: _Writer, observed: _Observed) -> None:
    seen_at, seen_on = observed.first_seen
    service = WELL_KNOWN.get((observed.protocol, observed.port))
    out.comment(4, f"{service + ': ' if service else ''}open from outside (nmap) on {_scan_text(observed)}; "
                   f"first seen {seen_at} on {seen_on}")
    out.comment(4, "NOTE: no local listener was seen (no inside view, or a port forwarded elsewhere)")
    for risk in _port_risks(observed.protocol, observed.port, ["any"]):
        out.comment(4, "RISK: " + risk)
    fields = [("port", str(observed.port)), ("protocol", observed.protocol.value), ("exposure", "public")]
    out.line("    - " + _flow(fields))


def _port_risks(proto: Protocol, port: int, binds: Sequence[str]) -> list[str]:
    risks = []
    if (proto, port) in CLEARTEXT:
        risks.append(f"{CLEARTEXT[(proto, port)]} is a cleartext protocol; replace it with an encrypted one")
    if proto == Protocol.TCP and port in X11_PORTS:
        risks.append(f"X11 display :{port - 6000} over TCP is a cleartext protocol; start the X server with "
                     "-nolisten tcp and use SSH X forwarding")
    if port in LEGACY_SMALL_SERVICES:
        risks.append(f"{WELL_KNOWN.get((proto, port), 'this')} is a legacy diagnostic service; disable it")
    beyond_loopback = [word for word in binds if word != "loopback"]
    if port in DATABASE_PORTS and beyond_loopback:
        where = "all interfaces" if "any" in beyond_loopback else ", ".join(beyond_loopback)
        risks.append(f"{DATABASE_PORTS[port]} listens on {where}; bind it to loopback or an internal "
                     "address (bind: [loopback])")
    return risks


def _draft_ephemeral_entry(out: _Writer, seen: list[tuple[Snapshot, Listener]], ephemeral: tuple[int, int]) -> None:
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
    out.line("    - " + _flow(fields))


# -------------------------------------------------------------------------- services


def is_unit_of_interest(unit: Unit, *, runtime: bool) -> bool:
    """An enabled `.service` that runs a daemon (when runtime state is known) and is not plumbing."""
    if not unit.name.endswith(".service") or _NOISE_UNITS.match(unit.name):
        return False
    if unit.enablement != "enabled":
        return False
    return not runtime or (unit.active == "active" and unit.sub == "running")


def _draft_services(out: _Writer, snapshots: Sequence[Snapshot]) -> None:
    usable = [s for s in snapshots if _collector_ok(s, Collector.UNIT_FILES)]
    if not usable:
        out.comment(0, "services: not drafted, unit enablement is unknown ("
                       + "; ".join(_collector_reason(s, Collector.UNIT_FILES) for s in snapshots) + ").")
        out.line()
        return
    runtime = all(_collector_ok(s, Collector.UNIT_RUNTIME) for s in usable)
    per_host: list[set[str]] = []
    units_by_name: dict[str, Unit] = {}
    for snapshot in usable:
        names = set()
        for unit in snapshot.units:
            if is_unit_of_interest(unit, runtime=runtime):
                names.add(unit.name)
                units_by_name.setdefault(unit.name, unit)
        per_host.append(names)
    everywhere = set.intersection(*per_host) if per_host else set()
    somewhere = set.union(*per_host) if per_host else set()
    if not runtime:
        # What it means comes first: comment lines are cut at 160 characters, and the
        # collector's reason (systemctl's own message) can be long.
        out.comment(0, "`running:` is left out (it could only be an error): the systemd runtime state was "
                       "not collected.")
        out.comment(0, "Why: " + "; ".join(_collector_reason(s, Collector.UNIT_RUNTIME) for s in usable
                                          if not _collector_ok(s, Collector.UNIT_RUNTIME)))
    if not everywhere:
        out.comment(0, "services: no enabled, running service of interest was found (system plumbing "
                       "such as getty or journald is left out on purpose).")
        out.line("services: []")
    else:
        out.comment(0, "Enabled" + (" and running" if runtime else "") + " services; system plumbing "
                       "(getty, journald, cron...) is left out on purpose.")
        out.line("services:")
        for name in sorted(everywhere):
            unit = units_by_name[name]
            state = f"enabled, {unit.active}/{unit.sub}" if runtime else "enabled"
            out.comment(2, f"{name}: {state}" + (f", {unit.path}" if unit.path else ""))
            fields = [("unit", yaml_scalar(name))]
            if runtime:
                fields.append(("running", "true"))
            fields.append(("enabled", "true"))
            out.line("  - " + _flow(fields))
    for name in sorted(somewhere - everywhere):
        out.comment(0, f"not learned: {name} is enabled on some hosts only")
    out.line()


# ----------------------------------------------------------------------- socket units

def is_socket_unit_in_use(unit: SocketUnit, runtime: CollectorStatus = CollectorStatus.OK) -> bool:
    """Enabled-like or active: the units `socket_units.default: deny` looks at.

    The evaluator's own predicate, so that the draft allows what the audit will check
    (`static` units count: `systemctl is-enabled` exits 0 for them). A unit whose state
    the evaluator cannot tell (None) is allowed too: leaving it out could only add a failure.
    `runtime` is the host's unit-runtime collector status.
    """
    from checker.evaluate.socket_units import counts

    return counts(unit, runtime) is not False


def _is_plumbing_socket(unit: SocketUnit) -> bool:
    """An OS socket (journald, dbus, udev...): not explicitly enabled and no IP listener."""
    return unit.enablement not in ("enabled", "enabled-runtime") and all(
        listen.port is None for listen in unit.listens)


def _draft_socket_units(out: _Writer, snapshots: Sequence[Snapshot]) -> None:
    # The evaluator needs both: the parsed units, and their enablement from the unit files.
    needed = (Collector.SOCKET_UNITS, Collector.UNIT_FILES)
    usable = [s for s in snapshots if all(_collector_ok(s, c) for c in needed)]
    if not usable:
        out.comment(0, "socket_units: not drafted, a collector it needs did not succeed ("
                       + "; ".join(_collector_reason(s, c) for s in snapshots for c in needed
                                   if not _collector_ok(s, c)) + ").")
        out.line()
        return
    found: dict[str, list[SocketUnit]] = {}
    for snapshot in usable:
        runtime = snapshot.collector(Collector.UNIT_RUNTIME).status
        for unit in snapshot.socket_units:
            if is_socket_unit_in_use(unit, runtime):
                found.setdefault(unit.name, []).append(unit)
    out.line("socket_units:")
    out.line("  default: deny")
    if not found:
        out.line("  allow: []")
        out.line()
        return
    out.line("  allow:")
    plumbing = sorted(name for name, units in found.items() if all(_is_plumbing_socket(u) for u in units))
    for name in sorted(set(found) - set(plumbing)):
        units = found[name]
        unit = units[0]
        listens = sorted({listen.value for u in units for listen in u.listens})
        state = ", ".join(x for x in (unit.enablement, unit.active) if x)
        triggers = f", starts {unit.service}" if unit.service else ""
        out.comment(4, f"{name}: {state}{triggers}" + (f", {unit.path}" if unit.path else ""))
        legacy = sorted({listen.port for u in units for listen in u.listens if listen.port in _LEGACY_SOCKET_PORTS})
        if legacy:
            out.comment(4, "RISK: listens on " + ", ".join(f"{p} ({_LEGACY_SOCKET_PORTS[p]})" for p in legacy)
                           + ", a cleartext or legacy service")
        fields = [("unit", yaml_scalar(name))]
        if len({tuple(sorted(listen.value for listen in u.listens)) for u in units}) == 1:
            fields.append(("listen", _flow_list(yaml_scalar(v) for v in listens)))
        else:
            out.comment(4, "NOTE: its Listen* values differ between hosts: listen not pinned")
        out.line("    - " + _flow(fields))
    if plumbing:
        out.comment(4, "The operating system's own sockets (static, unix/netlink only): allowed by name.")
        for name in plumbing:
            out.line(f"    - {yaml_scalar(name)}")
    out.line()


_LEGACY_SOCKET_PORTS = {
    **{port: name for (_proto, port), name in CLEARTEXT.items()},
    **{port: WELL_KNOWN[(Protocol.TCP, port)] for port in LEGACY_SMALL_SERVICES},
}


# ----------------------------------------------------------------------------- xinetd

_LEGACY_XINETD = {
    "telnet": "cleartext", "login": "rlogin, cleartext", "shell": "rsh, cleartext", "exec": "rexec, cleartext",
    "tftp": "cleartext", "finger": "cleartext", "ftp": "cleartext", "talk": "cleartext", "ntalk": "cleartext",
    "echo": "diagnostic", "discard": "diagnostic", "daytime": "diagnostic", "chargen": "diagnostic",
    "time": "diagnostic",
}
"""xinetd service names of legacy services (the names /etc/services and the Debian package use)."""

_LIMIT_ORDER = ("instances", "cps", "per_source", "max_load", "only_from", "log_on_failure")


def _attr(service: XinetdService, name: str) -> tuple[str, ...]:
    value = service.attributes.get(name)
    return value.values if value else ()


def xinetd_limits(service: XinetdService) -> dict[str, str | None]:
    """The effective limits of one service as baseline values; None = unlimited / unset.

    Missing attributes take xinetd's built-in defaults (instances and per_source UNLIMITED,
    max_load off), see ../shared/testdata/xinetd/GRAMMAR.md section 5. A `cps` left unset
    is None too, although xinetd then applies `50 10`: the evaluator fails a `cps` limit on
    a service that does not set it (checker/evaluate/xinetd.py), so pinning the built-in
    value would break the learn-audit round trip.
    """
    def count(name: str) -> str | None:
        values = _attr(service, name)
        if not values or values[0].upper() == "UNLIMITED" or not values[0].isdigit():
            return None
        return values[0]

    cps = _attr(service, "cps")
    cps_rate = cps[0] if cps and cps[0].isdigit() else None
    load = _attr(service, "max_load")
    try:
        load_value: str | None = load[0] if load and float(load[0]) > 0 else None
    except ValueError:
        load_value = None
    flags = {v.upper() for v in _attr(service, "log_on_failure")}
    return {
        "instances": count("instances"),
        "cps": cps_rate,
        "per_source": count("per_source"),
        "max_load": load_value,
        "only_from": "required" if _attr(service, "only_from") else None,
        "log_on_failure": "HOST" if "HOST" in flags else None,
    }


def _limit_yaml(name: str, value: str) -> str:
    if name == "instances":
        return f"instances: {{max: {value}}}"
    if name == "cps":
        return f"cps: {{max_rate: {value}}}"
    if name == "per_source":
        return f"per_source: {{max: {value}}}"
    if name == "max_load":
        return f"max_load: {{max: {float(value)}}}"
    if name == "only_from":
        return "only_from: required"
    return "log_on_failure: {includes: [HOST]}"


def _draft_xinetd(out: _Writer, snapshots: Sequence[Snapshot]) -> None:
    usable = [s for s in snapshots if _collector_ok(s, Collector.XINETD)]
    if not usable:
        out.comment(0, "xinetd: not drafted, the xinetd collector did not succeed ("
                       + "; ".join(_collector_reason(s, Collector.XINETD) for s in snapshots) + ").")
        return
    enabled = [(s, svc) for s in usable for svc in s.xinetd_services if svc.enabled]
    out.line("xinetd:")
    out.line("  default: deny")
    if not enabled:
        out.line("  allow: []")
        return
    out.line("  allow:")
    names: dict[str, list[tuple[Snapshot, XinetdService]]] = {}
    for snapshot, service in enabled:
        names.setdefault(service.name, []).append((snapshot, service))
    all_limits = [(svc, xinetd_limits(svc)) for _, svc in enabled]
    for name in sorted(names):
        for _snapshot, service in names[name]:
            bind = _attr(service, "bind")
            where = (f"{service.protocol or '?'}/{bind[0] if bind else '*'}:"
                     f"{service.port if service.port is not None else '?'}")
            kind = " ".join(_attr(service, "type")) or "server " + " ".join(_attr(service, "server"))
            out.comment(4, f"{service.id}: {kind.strip()}, {where}, {service.location}")
            limits = xinetd_limits(service)
            missing = [k for k in ("instances", "per_source", "only_from") if limits[k] is None]
            if missing:
                out.comment(4, f"RISK: {service.id} has no {', '.join(missing)} limit")
        port = names[name][0][1].port
        proto = names[name][0][1].protocol
        if name in _LEGACY_XINETD or port in LEGACY_SMALL_SERVICES:
            out.comment(4, f"RISK: {name} is a legacy service ({_LEGACY_XINETD.get(name, 'diagnostic')}); "
                           "disable it")
        elif port is not None and proto in ("tcp", "udp") and (Protocol(proto), port) in CLEARTEXT:
            out.comment(4, f"RISK: {name} speaks {CLEARTEXT[(Protocol(proto), port)]}, a cleartext protocol")
        out.line(f"    - {yaml_scalar(name)}")
    shared: list[str] = []
    differing: list[str] = []
    for limit in _LIMIT_ORDER:
        values = {limits[limit] for _, limits in all_limits}
        if len(values) == 1 and None not in values:
            (value,) = values
            assert value is not None
            shared.append(_limit_yaml(limit, value))
        elif len(values) > 1:
            per_service = ", ".join(f"{svc.id}={limits[limit] or 'unset'}" for svc, limits in all_limits)
            differing.append(f"{limit} differs between services ({per_service})")
    for text in differing:
        out.comment(2, "limits: not learned: " + text)
    if shared:
        out.comment(2, "Limits every enabled service shares today; keep them from getting looser.")
        out.line("  limits:")
        for text in shared:
            out.line("    " + text)
    else:
        out.comment(2, "RISK: the enabled services share no limit; consider builtin:xinetd-hardening")

"""The snapshot (what was observed on one host), built by `checker.collect` and serialised to JSON
(schemas/snapshot.schema.json). Frozen, slotted, no I/O. The outside view's classes live in
`checker.model.network` and are re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from checker.model.baseline import Location
from checker.model.firewall import FirewallEvidence
from checker.model.network import NetworkView, ScannedPort
from checker.model.text import address_before_port
from checker.model.vocabulary import Collector, CollectorStatus, Protocol

__all__ = ["COLLECTED_FIELDS", "CollectorRun", "HostInfo", "Listener", "NetworkView", "ScannedPort", "Snapshot",
           "SocketListen", "SocketUnit", "Unit", "XinetdService", "XinetdValue"]


@dataclass(frozen=True, slots=True)
class CollectorRun:
    """What one collector did: the snapshot's record of which evidence exists."""

    name: Collector
    status: CollectorStatus
    reason: str | None = None
    """Why it failed / was unavailable, one line (e.g. `systemctl: exit 1: Failed to connect to bus`)."""


@dataclass(frozen=True, slots=True)
class HostInfo:
    hostname: str
    collected_at: str
    """UTC, ISO 8601 with `Z` (e.g. `2026-11-21T09:40:54Z`). "Today" for waivers comes from here."""
    tool_version: str
    addresses: tuple[str, ...] = ()
    """This host's own IP addresses (inside view), sorted."""
    os_release: str | None = None
    """PRETTY_NAME from os-release."""
    kernel: str | None = None
    euid: int | None = None
    privileged: bool = False
    """True when collected as root: every socket's owner is knowable."""
    root: str | None = None
    """`--root DIR` when a mounted image was read instead of the live host."""
    finished_at: str | None = None
    """UTC ISO 8601 time collection ended."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A listening TCP socket or an unconnected UDP socket."""

    protocol: Protocol
    family: str
    """`ipv4` or `ipv6`."""
    address: str
    """Bind address as the kernel reports it: `0.0.0.0`, `::`, `127.0.0.1`, `::1`, ..."""
    port: int
    pid: int | None = None
    """None when unknown (another user's socket in an unprivileged run)."""
    process: str | None = None
    exe: str | None = None
    user: str | None = None
    dual_stack: bool = False
    """An IPv6 wildcard (`::`) socket that also accepts IPv4: its own IPV6_V6ONLY flag is 0, as
    the kernel's socket diagnostics report it (older snapshots inferred it from the sysctl
    net.ipv6.bindv6only)."""
    pids: tuple[int, ...] = ()
    """Every process holding the socket, sorted; `pid` is the lowest. Empty when unknown."""
    socket_uid: int | None = None
    """The socket's owner uid from the kernel (known even when the process is not readable);
    None in snapshots that predate it."""
    unit: str | None = None
    """The systemd service of the owning process, from its /proc/PID/cgroup (`nginx.service`);
    None when it runs in no service (a login session, a container) or is not readable."""

    @property
    def resource(self) -> str:
        """`tcp/0.0.0.0:8080`, `udp/[::]:53`: the stable result resource of this listener."""
        return f"{self.protocol}/{address_before_port(self.address)}:{self.port}"


@dataclass(frozen=True, slots=True)
class Unit:
    """A systemd unit (or SysV service) and its states."""

    name: str
    """Full unit name, `ssh.service`."""
    enablement: str | None = None
    """Unit-file state: enabled, disabled, static, masked, alias, indirect, ... None = unknown."""
    active: str | None = None
    """ActiveState (active, inactive, failed...). None = runtime state not available."""
    sub: str | None = None
    """SubState (running, listening, dead...)."""
    source: str = "systemd"
    """`systemd`, `sysv` (init.d on a host without systemd) or `sysv-generator` (an init.d script
    without a native unit, as systemd's SysV generator makes it a unit: checker/collect/sysv.py)."""
    path: str | None = None
    """Unit file path when known."""


@dataclass(frozen=True, slots=True)
class SocketListen:
    """One Listen* line of a socket unit, after drop-ins."""

    kind: str
    """`stream`, `datagram`, `seqpacket`, `fifo`, `netlink`, ..."""
    value: str
    """The value as written (`[::1]:53`, `53`, `/run/foo.sock`)."""
    address: str | None = None
    """Bind address for IP sockets (None = all addresses, i.e. a bare port)."""
    port: int | None = None
    path: str | None = None
    """Filesystem path for unix sockets / FIFOs."""
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class SocketUnit:
    name: str
    path: str | None = None
    """Main unit file path (inside --root when given)."""
    enablement: str | None = None
    active: str | None = None
    """ActiveState when systemd is running."""
    listens: tuple[SocketListen, ...] = ()
    bind_ipv6_only: str | None = None
    accept: bool = False
    service: str | None = None
    """The unit it triggers (Service=, or NAME.service / NAME@.service with Accept=yes)."""
    dropins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class XinetdValue:
    """The effective value of one xinetd attribute and where it came from."""

    values: tuple[str, ...]
    location: Location
    """File and line that set it; `<xinetd built-in>:0` for built-in defaults."""


@dataclass(frozen=True, slots=True)
class XinetdService:
    """One xinetd service entry, after `defaults` merging."""

    name: str
    id: str
    enabled: bool
    location: Location
    """Where the `service NAME` line is."""
    disabled_reason: str | None = None
    """Why it is not enabled (`disable = yes`, `listed in defaults disabled`, a parse error...)."""
    attributes: Mapping[str, XinetdValue] = field(default_factory=dict)
    """Effective attributes, lower-case names: port, protocol, socket_type, bind, user,
    server, instances, cps, per_source, max_load, only_from, no_access, log_type,
    log_on_success, log_on_failure, type, flags, wait, ..."""

    @property
    def port(self) -> int | None:
        value = self.attributes.get("port")
        if value and value.values and value.values[0].isdigit():
            return int(value.values[0])
        return None

    @property
    def protocol(self) -> str | None:
        value = self.attributes.get("protocol")
        return value.values[0].lower() if value and value.values else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything collected about one host. Serialised as schemas/snapshot.schema.json."""

    host: HostInfo
    collectors: tuple[CollectorRun, ...] = ()
    listeners: tuple[Listener, ...] = ()
    connection_states: Mapping[str, int] = field(default_factory=dict)
    """Count of TCP connections per state, ss spelling (ESTABLISHED, SYN-RECV, ...)."""
    units: tuple[Unit, ...] = ()
    socket_units: tuple[SocketUnit, ...] = ()
    xinetd_services: tuple[XinetdService, ...] = ()
    firewall: FirewallEvidence | None = None
    """The host's nftables/iptables rulesets (None: the firewall collector did not run or failed)."""
    network: NetworkView | None = None
    """The outside view, when one was collected or imported."""
    schema_version: int = 1

    def collector(self, name: Collector) -> CollectorRun:
        """The run record of `name`.

        Without a record: the outside view (nmap) was simply not asked for (NOT_RUN), but an
        inside-view collector's evidence is *unknown*, not absent (a hand-edited or truncated
        snapshot, or one written before the collector existed): FAILED with `MISSING_RECORD`,
        so the rules needing it are `error`, never `skip` or `pass`. A snapshot that holds only
        an outside view records the inside collectors as NOT_RUN explicitly.
        """
        for run in self.collectors:
            if run.name == name:
                return run
        if name is Collector.NMAP:
            return CollectorRun(name, CollectorStatus.NOT_RUN, "not collected")
        return CollectorRun(name, CollectorStatus.FAILED, MISSING_RECORD)

    def has_record(self, name: Collector) -> bool:
        """Whether the snapshot records what `name` did (see `collector`)."""
        return any(run.name == name for run in self.collectors)


COLLECTED_FIELDS: Mapping[Collector, tuple[str, ...]] = {
    Collector.SOCKETS: ("listeners", "connection_states"),
    Collector.UNIT_FILES: ("units",),
    Collector.UNIT_RUNTIME: ("units",),
    Collector.SOCKET_UNITS: ("socket_units",),
    Collector.XINETD: ("xinetd_services",),
    Collector.FIREWALL: ("firewall",),
}
"""The `Snapshot` fields each inside-view collector fills (`EvidenceCollector.provides` reads
them here). In the model, not in `checker.collect`: reading a snapshot file checks that a
collector recorded as run left its fields (checker/storage/snapshots.py) without importing
the collectors."""


MISSING_RECORD = "the snapshot has no record of this collector: its evidence is unknown"
"""The reason of an inside-view collector a snapshot does not mention (`Snapshot.collector`)."""



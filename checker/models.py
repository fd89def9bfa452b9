"""The data model: frozen dataclasses and enums shared by the three stages. No I/O here.

Three families live here:

* the **baseline** (what is approved), built by `checker.baseline` from YAML;
* the **snapshot** (what was observed on one host), built by `checker.collectors`
  and serialised to JSON (schemas/snapshot.schema.json);
* the **results** (what the evaluator decided), built by `checker.evaluate` and
  rendered by `checker.formatters` (schemas/results.schema.json).

Everything is immutable; derive new values with `dataclasses.replace`. Every class has
`slots=True`: an audit of 1,000 hosts holds ~300,000 `Result`s, and dropping the per-instance
`__dict__` keeps that evaluation under the 300 MB of DESIGN.md section 9 (benchmarks/RESULTS.md,
benchmark 4: 294 -> 270 MiB). Converting to and
from JSON-compatible dicts is `checker.serialize`'s job.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- enums


class Severity(enum.StrEnum):
    """How bad a failure is. Ordered: `Severity.LOW < Severity.CRITICAL` via `rank`."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def security_severity(self) -> str:
        """GitHub code scanning's `security-severity` (a string, CVSS-like)."""
        return _SECURITY_SEVERITY[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_SECURITY_SEVERITY = {Severity.LOW: "2.0", Severity.MEDIUM: "5.5", Severity.HIGH: "8.0", Severity.CRITICAL: "9.5"}


class Status(enum.StrEnum):
    """The outcome of one result."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    """Could not be evaluated: evidence is missing. Never treated as compliant."""
    SKIP = "skip"
    """Not applicable, with a reason (e.g. no outside view for an exposure check)."""
    WAIVED = "waived"
    """A fail covered by a valid, unexpired waiver."""


class CheckId(enum.StrEnum):
    """Stable identifiers of kinds of findings (SARIF ruleId). Never rename a released one."""

    PORT_UNEXPECTED = "port-unexpected"
    PORT_FORBIDDEN = "port-forbidden"
    PORT_REQUIRED_MISSING = "port-required-missing"
    PORT_BIND = "port-bind"
    PORT_PROCESS = "port-process"
    PORT_EXPOSED = "port-exposed"
    PORT_UNREACHABLE = "port-unreachable"
    SERVICE_STATE = "service-state"
    SERVICE_ENABLED = "service-enabled"
    SOCKET_UNIT_UNEXPECTED = "socket-unit-unexpected"
    SOCKET_UNIT_FORBIDDEN = "socket-unit-forbidden"
    SOCKET_UNIT_LISTEN = "socket-unit-listen"
    XINETD_SERVICE_UNEXPECTED = "xinetd-service-unexpected"
    XINETD_SERVICE_FORBIDDEN = "xinetd-service-forbidden"
    XINETD_LIMIT = "xinetd-limit"
    XINETD_ACCESS = "xinetd-access"
    XINETD_LOGGING = "xinetd-logging"
    CONNECTIONS_STATE = "connections-state"
    COLLECTOR_ERROR = "collector-error"
    WAIVER_EXPIRED = "waiver-expired"
    WAIVER_UNUSED = "waiver-unused"


class Protocol(enum.StrEnum):
    TCP = "tcp"
    UDP = "udp"


class DefaultPolicy(enum.StrEnum):
    """`default:` of ports, socket_units and xinetd."""

    DENY = "deny"
    """Everything observed must match an allow entry."""
    ALLOW = "allow"
    """Only forbid entries (and required/limits) are enforced."""


class Exposure(enum.StrEnum):
    INTERNAL = "internal"
    """Must not be reachable by the outside view."""
    PUBLIC = "public"
    """Meant to be reachable; with `required`, must be open in the outside view."""


class CollectorStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    """Ran and failed: its evidence is missing; dependent rules become `error`."""
    UNAVAILABLE = "unavailable"
    """Could not run here (no systemd as PID 1, --root given, ...); dependent rules become `error`."""
    NOT_RUN = "not-run"
    """Not asked for (e.g. no outside view requested); dependent rules are `skip`."""


class Collector(enum.StrEnum):
    """Names of the evidence sources recorded in a snapshot's `collectors` list."""

    SOCKETS = "sockets"
    """Listening sockets and connection-state counts (psutil)."""
    UNIT_FILES = "unit-files"
    """systemd unit-file enablement (systemctl list-unit-files), or the SysV fallback."""
    UNIT_RUNTIME = "unit-runtime"
    """systemd runtime state (systemctl list-units): needs a running systemd."""
    SOCKET_UNITS = "socket-units"
    """Parsed .socket units with drop-ins."""
    XINETD = "xinetd"
    """Parsed xinetd configuration."""
    NMAP = "nmap"
    """The outside view: an nmap scan, or an imported nmap XML."""


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where something was written: a baseline rule, an xinetd attribute, a unit file line."""

    file: str
    """Path as given by the user (baseline) or as found on the host (xinetd, units)."""
    line: int
    """1-based line; 0 when not known."""
    column: int = 0
    """1-based column; 0 when not known."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What every baseline rule carries besides its matching fields."""

    location: Location
    """File and line of the rule in the baseline (after `extends`, the file it came from)."""
    severity: Severity | None = None
    """Severity set on the rule itself; None = from `defaults`, then the check's default."""
    reason: str | None = None
    """Why the rule exists (shown in reports)."""
    controls: tuple[str, ...] = ()
    """Control references, e.g. `CIS 2.1.16`."""


@dataclass(frozen=True, slots=True)
class PortRange:
    low: int
    """First port, 1..65535."""
    high: int
    """Last port, inclusive; equal to `low` for a single port."""

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class PortAllow:
    """`ports.allow[]`: a listener that may exist (and how)."""

    ports: PortRange
    protocol: Protocol
    meta: RuleMeta
    process: str | None = None
    """Process name or glob (fnmatch) the listener must belong to."""
    user: str | None = None
    """Owner user name or glob."""
    bind: tuple[str, ...] = ()
    """Allowed bind addresses: IPs, CIDRs, `loopback`, `any`. Empty = any address."""
    exposure: Exposure | None = None
    required: bool = False
    """The port must be listening (port-required-missing otherwise)."""


@dataclass(frozen=True, slots=True)
class PortForbid:
    """`ports.forbid[]`: a port that must not listen / be open at all."""

    ports: PortRange
    protocol: Protocol | None
    """None = both tcp and udp (the entry gave no protocol)."""
    meta: RuleMeta


@dataclass(frozen=True, slots=True)
class PortsPolicy:
    default: DefaultPolicy = DefaultPolicy.ALLOW
    allow: tuple[PortAllow, ...] = ()
    forbid: tuple[PortForbid, ...] = ()
    location: Location | None = None
    """Where the `ports:` section starts (for `default: deny` results)."""


@dataclass(frozen=True, slots=True)
class ServiceRule:
    """`services[]`: desired state of one systemd (or SysV) unit."""

    unit: str
    meta: RuleMeta
    running: bool | None = None
    enabled: bool | None = None
    absent_ok: bool = False
    """A unit that does not exist satisfies running: false / enabled: false."""


@dataclass(frozen=True, slots=True)
class SocketUnitAllow:
    unit: str
    meta: RuleMeta
    listen: tuple[str, ...] | None = None
    """Expected Listen* values (e.g. `22`, `0.0.0.0:80`, `/run/x.sock`); None = not checked."""


@dataclass(frozen=True, slots=True)
class UnitForbid:
    """A forbidden unit name (socket unit or xinetd service)."""

    name: str
    meta: RuleMeta


@dataclass(frozen=True, slots=True)
class SocketUnitsPolicy:
    default: DefaultPolicy = DefaultPolicy.ALLOW
    allow: tuple[SocketUnitAllow, ...] = ()
    forbid: tuple[UnitForbid, ...] = ()
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class XinetdAllow:
    name: str
    """Service name or id."""
    meta: RuleMeta


@dataclass(frozen=True, slots=True)
class XinetdLimits:
    """`xinetd.limits`: applied to every enabled service after defaults merging."""

    instances_max: int | None = None
    """`instances: {max: N}`; UNLIMITED (or unset, which is UNLIMITED) fails."""
    cps_max_rate: int | None = None
    """`cps: {max_rate: N}`: the first cps value must be <= N."""
    per_source_max: int | None = None
    max_load_max: float | None = None
    """`max_load: {max: F}`: max_load must be set (non-zero) and <= F."""
    only_from_required: bool = False
    no_access_required: bool = False
    log_on_failure_includes: tuple[str, ...] = ()
    locations: Mapping[str, Location] = field(default_factory=dict)
    """Baseline location of each limit, keyed `instances`, `cps`, `per_source`, `max_load`,
    `only_from`, `no_access`, `log_on_failure`."""
    meta: RuleMeta | None = None
    """Where `limits:` is; severity/controls set on it apply to all limits."""


@dataclass(frozen=True, slots=True)
class XinetdPolicy:
    default: DefaultPolicy = DefaultPolicy.ALLOW
    allow: tuple[XinetdAllow, ...] = ()
    forbid: tuple[UnitForbid, ...] = ()
    limits: XinetdLimits | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ConnectionLimit:
    state: str
    """Connection state as `ss` spells it: ESTABLISHED, SYN-RECV, TIME-WAIT, ..."""
    max: int
    meta: RuleMeta


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """`scan:`: the outside view's options. Turned into nmap arguments by one function only."""

    tcp_ports: str = "top:1000"
    """`all`, `top:N`, or a port list such as `1-1024,8080`."""
    udp_ports: str = "none"
    """`none`, `top:N`, or a port list."""
    service_detection: bool = False
    timing: int = 4
    """nmap -T0..-T5."""
    host_timeout: int = 300
    """Seconds before nmap gives up on one host."""


@dataclass(frozen=True, slots=True)
class Waiver:
    check: CheckId
    match: Mapping[str, Any]
    """Keys compared with a result's `match_keys` (port, protocol, unit, service, resource...)."""
    reason: str
    expires: dt.date
    location: Location
    hosts: tuple[str, ...] = ()
    """Empty = every host."""


@dataclass(frozen=True, slots=True)
class BaselineSource:
    """One file the baseline was resolved from (itself or via `extends`)."""

    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """A resolved baseline: `extends` already merged, every rule located."""

    path: str
    """The top-level file as the user named it (`builtin:default` for the bundled one)."""
    name: str
    version: int = 1
    description: str | None = None
    sources: tuple[BaselineSource, ...] = ()
    """Every file that contributed, top-level first, with its sha256."""
    default_severity: Severity | None = None
    """`defaults.severity`."""
    targets: tuple[str, ...] = ()
    controls: Mapping[str, str] = field(default_factory=dict)
    """`controls:` header (framework name, ...), carried into reports."""
    ports: PortsPolicy = field(default_factory=PortsPolicy)
    services: tuple[ServiceRule, ...] = ()
    socket_units: SocketUnitsPolicy = field(default_factory=SocketUnitsPolicy)
    xinetd: XinetdPolicy = field(default_factory=XinetdPolicy)
    connections: tuple[ConnectionLimit, ...] = ()
    scan: ScanSettings = field(default_factory=ScanSettings)
    waivers: tuple[Waiver, ...] = ()


# --------------------------------------------------------------------------- snapshot


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
    """An IPv6 wildcard socket that also accepts IPv4 (IPV6_V6ONLY=0)."""

    @property
    def resource(self) -> str:
        """`tcp/0.0.0.0:8080`, `udp/[::]:53`: the stable result resource of this listener."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.protocol}/{host}:{self.port}"


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
    """`systemd` or `sysv`."""
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
class ScannedPort:
    protocol: Protocol
    port: int
    state: str
    """open, closed, filtered, open|filtered, closed|filtered, unfiltered."""
    reason: str | None = None
    service: str | None = None
    product: str | None = None
    version: str | None = None
    extrainfo: str | None = None


@dataclass(frozen=True, slots=True)
class NetworkView:
    """The outside view of one host: what nmap saw."""

    address: str
    state: str
    """Host state: up, down, unknown."""
    hostnames: tuple[str, ...] = ()
    ports: tuple[ScannedPort, ...] = ()
    scanned: tuple[str, ...] = ()
    """Port specs covered by the scan, e.g. `tcp:1-65535`, `udp:top:100`: a port outside is unknown."""
    scanner: str = "nmap"
    scanner_version: str | None = None
    arguments: tuple[str, ...] = ()
    """Exact argv given to nmap (or read from the imported XML)."""
    scan_type: str | None = None
    """`connect` (-sT) or `syn` (-sS), plus `udp` when -sU."""
    started_at: str | None = None
    finished_at: str | None = None
    source: str | None = None
    """`scan` or the path of an imported nmap XML."""


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
    network: NetworkView | None = None
    """The outside view, when one was collected or imported."""
    schema_version: int = 1

    def collector(self, name: Collector) -> CollectorRun:
        """The run record of `name`; NOT_RUN if the collector never ran."""
        for run in self.collectors:
            if run.name == name:
                return run
        return CollectorRun(name, CollectorStatus.NOT_RUN, "not collected")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class WaiverApplied:
    """The waiver that covered (or, expired, failed to cover) a result."""

    reason: str
    expires: dt.date
    location: Location
    expired: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    """One decision about one resource on one host."""

    host: str
    check: CheckId
    resource: str
    """Stable identity within (host, check): `tcp/0.0.0.0:8080`, `unit:telnet.socket`,
    `xinetd:echo-stream/instances`."""
    status: Status
    severity: Severity
    message: str
    """A sentence a human understands."""
    location: Location | None = None
    """The baseline rule that produced it (None only for results no rule produced)."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """Observed facts (JSON-compatible): the socket with pid/process/user, the unit
    state, the xinetd value with its file:line, the collector failure reason."""
    remediation: str | None = None
    controls: tuple[str, ...] = ()
    waiver: WaiverApplied | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        """The one documented result order: host, check id, resource, status."""
        return (self.host, self.check.value, self.resource, self.status.value)


@dataclass(frozen=True, slots=True)
class HostReport:
    name: str
    """Host name used in reports (hostname, or the scanned address)."""
    snapshot: Snapshot
    results: tuple[Result, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """The whole outcome of one audit: what every formatter renders."""

    tool_version: str
    baseline_path: str
    baseline_name: str
    baseline_sources: tuple[BaselineSource, ...]
    hosts: tuple[HostReport, ...]
    controls: Mapping[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.LOW

    @property
    def results(self) -> tuple[Result, ...]:
        return tuple(r for h in self.hosts for r in h.results)

    def counts(self) -> dict[str, int]:
        """Number of results per status, every status present (0 when none)."""
        counts = {s.value: 0 for s in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

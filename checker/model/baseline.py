"""The baseline (what is approved), built by `checker.policy` from YAML. Frozen, slotted, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.model.vocabulary import CheckId, DefaultPolicy, Exposure, Protocol, Severity


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
    """Connection state as `ss` spells it: ESTABLISHED, SYN-RECV, TIME-WAIT, ... (the policy
    loader stores a `TcpState`, checker/model/connection_states.py)."""
    max: int
    meta: RuleMeta


@dataclass(frozen=True, slots=True)
class FirewallPolicy:
    """`firewall:`: what the host's own nftables/iptables input path must do."""

    meta: RuleMeta
    """Where `firewall:` is; its severity/controls apply to every firewall check."""
    required: bool = False
    """Inbound traffic must be filtered (firewall-missing)."""
    listeners_covered: bool = False
    """`listeners: covered`: every non-loopback listener's port is decided by an explicit rule."""


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
    firewall: FirewallPolicy | None = None
    """`firewall:`; None when the baseline has no such section."""
    scan: ScanSettings = field(default_factory=ScanSettings)
    waivers: tuple[Waiver, ...] = ()



"""Enums shared by the baseline, the snapshot and the results: the model's vocabulary. No I/O."""

from __future__ import annotations

import enum


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
    FIREWALL_MISSING = "firewall-missing"
    FIREWALL_PORT_UNCOVERED = "firewall-port-uncovered"
    FIREWALL_PORT_OPEN = "firewall-port-open"
    FIREWALL_BYPASS = "firewall-bypass"
    EXPOSURE_MISMATCH = "exposure-mismatch"


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
    """What one collector's run proves about its evidence (../shared/DESIGN.md section 5b)."""

    OK = "ok"
    """Ran and its evidence is complete: something absent from it is absent."""
    PARTIAL = "partial"
    """Ran, but part of its source could not be read (the reason says which): what it found is
    real, what it did not find proves nothing. Rules needing it are never `pass`."""
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
    FIREWALL = "firewall"
    """The nftables ruleset (`nft -j list ruleset`) and legacy iptables tables, or `--nft-json`."""
    NMAP = "nmap"
    """The outside view: an nmap scan, or an imported nmap XML."""



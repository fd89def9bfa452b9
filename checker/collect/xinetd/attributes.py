"""xinetd's attribute tables: which attributes exist, their arity, and their allowed values.

What it is for: the tables parse.c, attr.h, builtins.c and the value parsers of xinetd 2.3.15.3
hold, written once for the parser (checker/collect/xinetd/parser.py), the value parsers
(checker/collect/xinetd/values.py) and the effective configuration
(checker/collect/xinetd/effective.py). Pure data; it must not hold logic.
"""

from __future__ import annotations

# Arity as in parse.c: n > 0 exactly n values, -1 any number, -2 any number with += / -=.
SERVICE_ARITY: dict[str, int] = {
    "socket_type": 1, "protocol": 1, "wait": 1, "user": 1, "group": 1, "server": 1,
    "server_args": -1, "instances": 1, "log_on_success": -2, "log_on_failure": -2,
    "log_type": -1, "only_from": -2, "no_access": -2, "access_times": -1, "type": -1,
    "rpc_version": 1, "rpc_number": 1, "id": 1, "env": -2, "port": 1, "passenv": -2,
    "flags": -1, "nice": 1, "redirect": 2, "banner": 1, "bind": 1, "interface": 1,
    "per_source": 1, "groups": 1, "banner_success": 1, "banner_fail": 1, "cps": 2,
    "leaky_bucket": 4, "disable": 1, "max_load": 1, "rlimit_as": 1, "rlimit_cpu": 1,
    "rlimit_data": 1, "rlimit_files": 1, "rlimit_rss": 1, "rlimit_stack": 1, "v6only": 1,
    "deny_time": 1, "umask": 1, "libwrap": 1,
}
DEFAULTS_ARITY: dict[str, int] = {
    "log_type": -2, "log_on_success": -2, "log_on_failure": -2, "disabled": -2, "no_access": -2,
    "only_from": -2, "instances": 1, "passenv": -2, "banner": 1, "bind": 1, "interface": 1,
    "per_source": 1, "groups": 1, "banner_success": 1, "banner_fail": 1, "cps": 2,
    "leaky_bucket": 4, "enabled": -2, "max_load": 1, "v6only": 1, "umask": 1,
}
# Copied from `defaults` when a service entry starts (get_service_entry), in this order.
COPIED_AT_ENTRY_START = ("log_on_success", "log_on_failure", "only_from", "no_access", "passenv",
                         "access_times", "banner", "banner_success", "banner_fail")

SERVICE_TYPES = ("RPC", "INTERNAL", "UNLISTED", "TCPMUX", "TCPMUXPLUS", "SPECIAL")
SERVICE_FLAGS = ("REUSE", "INTERCEPT", "NORETRY", "IDONLY", "NAMEINARGS", "NODELAY", "KEEPALIVE",
                 "NOLIBWRAP", "SENSOR", "IPV4", "IPV6", "LABELED")
# Canonical spelling in the snapshot (the dump writes IPv4/IPv6).
FLAG_SPELLING = {"IPV4": "IPv4", "IPV6": "IPv6"}
SUCCESS_LOG_FLAGS = ("PID", "HOST", "USERID", "EXIT", "DURATION", "TRAFFIC")
FAILURE_LOG_FLAGS = ("HOST", "USERID", "ATTEMPT")
SOCKET_TYPES = ("stream", "dgram", "raw", "seqpacket")
SYSLOG_FACILITIES = ("daemon", "auth", "authpriv", "user", "mail", "lpr", "news", "uucp", "ftp",
                     *(f"local{i}" for i in range(8)))
SYSLOG_LEVELS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
# builtins.c: internal services and the socket types each implements ("sensor" for SENSOR).
# `servers` and `services` are not built-ins of 2.3.15.3 (older xinetd had them): the real
# binary refuses them with "No such internal service: servers/stream - DISABLING" (../shared/testdata/xinetd/GRAMMAR.md
# section 8; tests/integration/test_collect_xinetd_oracle.py runs it).
INTERNAL_SERVICES = {
    "echo": ("stream", "dgram"), "chargen": ("stream", "dgram"), "daytime": ("stream", "dgram"),
    "time": ("stream", "dgram"), "discard": ("stream", "dgram"), "tcpmux": ("stream",),
    "sensor": ("stream", "dgram"),
}
IDENTITY_PORT = 113
DEFAULT_PROTOCOLS = frozenset({"ip", "IP", "icmp", "ICMP", "tcp", "TCP", "udp", "UDP", "ipv6", "IPv6",
                               "ipv6-icmp", "IPv6-ICMP", "sctp", "SCTP", "udplite", "UDPLite"})

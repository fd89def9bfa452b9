"""The `xinetd:` section of the draft: enabled services, and the limits they all share.

`xinetd_limits` reads a service's effective limits as baseline values; a limit is drafted
only when every enabled service has the same value, so the draft never loosens one service
to fit another. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.learn.hosts import collector_ok, collector_reason
from checker.learn.render import DraftWriter, yaml_scalar
from checker.learn.risks import CLEARTEXT, LEGACY_SMALL_SERVICES
from checker.model import Collector, Protocol, Snapshot, XinetdService

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


def draft_xinetd(out: DraftWriter, snapshots: Sequence[Snapshot]) -> None:
    usable = [s for s in snapshots if collector_ok(s, Collector.XINETD)]
    if not usable:
        out.comment(0, "xinetd: not drafted, the xinetd collector did not succeed ("
                       + "; ".join(collector_reason(s, Collector.XINETD) for s in snapshots) + ").")
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

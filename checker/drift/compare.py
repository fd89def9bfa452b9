"""Comparing two sets of snapshots, or two results files, host by host: a sorted list of `Drift`.

Hosts are paired by name (one host on each side pairs whatever the names). What counts as
drift is listed in the `checker.drift` docstring. Must not read files or render text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from checker.drift.changes import Drift, DriftKind
from checker.drift.firewall import diff_firewall
from checker.errors import InputError
from checker.model import Listener, NetworkView, Report, Result, Snapshot, SocketUnit, Status, Unit, XinetdService
from checker.model.ports import DEFAULT_EPHEMERAL_RANGE, is_ephemeral_client_port
from checker.model.text import address_before_port

_U = TypeVar("_U", Unit, SocketUnit)


def _pair_hosts(old: Sequence[tuple[str, object]], new: Sequence[tuple[str, object]],
                names: tuple[str, str] = ("OLD", "NEW"),
                ) -> tuple[list[tuple[str, object, object]], list[str], list[str]]:
    """Pair hosts by name; one host on each side pairs whatever the names (a renamed host).

    A name that appears twice on one side (cloned machines that all call themselves
    `debian`, or two snapshots of one host) cannot be paired: InputError, rather than
    silently comparing only one of them and reporting "no drift".
    """
    if len(old) == 1 and len(new) == 1:
        return [(new[0][0], old[0][1], new[0][1])], [], []
    for side, hosts in zip(names, (old, new), strict=True):
        counts = Counter(name for name, _ in hosts)
        twins = sorted(name for name, count in counts.items() if count > 1)
        if twins:
            raise InputError(f"{side}: host {', '.join(repr(n) for n in twins)} appears more than once; "
                             "diff pairs hosts by name, so compare files with one entry per host")
    old_by = dict(old)
    new_by = dict(new)
    pairs = [(name, old_by[name], new_by[name]) for name in sorted(old_by.keys() & new_by.keys())]
    return pairs, sorted(new_by.keys() - old_by.keys()), sorted(old_by.keys() - new_by.keys())


# --------------------------------------------------------------------------- snapshots


def diff_snapshots(old: Sequence[Snapshot], new: Sequence[Snapshot],
                   *, ephemeral_range: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE,
                   names: tuple[str, str] = ("OLD", "NEW")) -> list[Drift]:
    """Every drift between two sets of snapshots (one per host), sorted.

    `names` label the two sides in the InputError raised when a host name repeats on one side.
    """
    pairs, added, removed = _pair_hosts([(s.host.hostname, s) for s in old],
                                         [(s.host.hostname, s) for s in new], names)
    drifts = [Drift(DriftKind.HOST_ADDED, name, f"host:{name}") for name in added]
    drifts += [Drift(DriftKind.HOST_REMOVED, name, f"host:{name}") for name in removed]
    for host, old_snapshot, new_snapshot in pairs:
        assert isinstance(old_snapshot, Snapshot) and isinstance(new_snapshot, Snapshot)
        drifts += diff_snapshot(host, old_snapshot, new_snapshot, ephemeral_range=ephemeral_range)
    return sorted(drifts, key=Drift.sort_key)


def diff_snapshot(host: str, old: Snapshot, new: Snapshot,
                  *, ephemeral_range: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE) -> list[Drift]:
    """The drifts of one host."""
    drifts: list[Drift] = []
    old_runs = {run.name: run for run in old.collectors}
    new_runs = {run.name: run for run in new.collectors}
    for name in sorted(old_runs.keys() | new_runs.keys()):
        before = old.collector(name).status.value
        after = new.collector(name).status.value
        if before != after:
            reason = new.collector(name).reason
            drifts.append(Drift(DriftKind.COLLECTOR_CHANGED, host, f"collector:{name}", "status", before,
                                after + (f" ({reason})" if reason and after != "ok" else "")))
    drifts += _diff_listeners(host, old.listeners, new.listeners, ephemeral_range)
    drifts += _diff_keyed(host, "unit:", {u.name: u for u in old.units}, {u.name: u for u in new.units},
                          DriftKind.UNIT_ADDED, DriftKind.UNIT_REMOVED, DriftKind.UNIT_CHANGED, _unit_fields)
    drifts += _diff_keyed(host, "socket:", {u.name: u for u in old.socket_units},
                          {u.name: u for u in new.socket_units}, DriftKind.SOCKET_UNIT_ADDED,
                          DriftKind.SOCKET_UNIT_REMOVED, DriftKind.SOCKET_UNIT_CHANGED, _socket_unit_fields)
    drifts += _diff_xinetd(host, old.xinetd_services, new.xinetd_services)
    drifts += _diff_network(host, old, new)
    drifts += diff_firewall(host, old, new)
    return drifts


def _listener_group_key(listener: Listener, ephemeral_range: tuple[int, int]) -> str:
    if is_ephemeral_client_port(listener, ephemeral_range):
        return f"udp/ephemeral:{listener.process or '?'}"
    return f"{listener.protocol.value}/{listener.port}"


def _address(listener: Listener) -> str:
    text = address_before_port(listener.address)
    return text + (" dual-stack" if listener.dual_stack else "")


def _joined(values: Iterable[str | None]) -> str:
    return ", ".join(sorted({v if v is not None else "?" for v in values}))


def _diff_listeners(host: str, old: Sequence[Listener], new: Sequence[Listener],
                    ephemeral_range: tuple[int, int]) -> list[Drift]:
    def group(listeners: Sequence[Listener]) -> dict[str, list[Listener]]:
        groups: dict[str, list[Listener]] = {}
        for listener in listeners:
            groups.setdefault(_listener_group_key(listener, ephemeral_range), []).append(listener)
        return groups

    def describe(key: str, listeners: list[Listener]) -> str:
        if key.startswith("udp/ephemeral"):
            return f"{len(listeners)} client socket(s) of {_joined(x.process for x in listeners)}"
        return (f"{_joined(_address(x) for x in listeners)} by {_joined(x.process for x in listeners)} "
                f"(user {_joined(x.user for x in listeners)})")

    drifts = []
    before, after = group(old), group(new)
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            drifts.append(Drift(DriftKind.LISTENER_ADDED, host, key, new=describe(key, after[key])))
        elif key not in after:
            drifts.append(Drift(DriftKind.LISTENER_REMOVED, host, key, old=describe(key, before[key])))
        elif not key.startswith("udp/ephemeral"):
            # `exe` too: the same process name served from another binary (/tmp/sshd) is drift.
            for attribute, read in (("bind", _address), ("process", lambda x: x.process),
                                    ("exe", lambda x: x.exe), ("user", lambda x: x.user)):
                was = _joined(read(x) for x in before[key])
                now = _joined(read(x) for x in after[key])
                if was != now:
                    drifts.append(Drift(DriftKind.LISTENER_CHANGED, host, key, attribute, was, now))
    return drifts


def _unit_fields(unit: Unit) -> dict[str, str | None]:
    state = f"{unit.active}/{unit.sub}" if unit.active is not None else None
    return {"enablement": unit.enablement, "state": state}


def _socket_unit_fields(unit: SocketUnit) -> dict[str, str | None]:
    return {
        "enablement": unit.enablement,
        "state": unit.active,
        "listen": ", ".join(f"{listen.kind}:{listen.value}" for listen in unit.listens) or None,
        "accept": "yes" if unit.accept else "no",
        "bind_ipv6_only": unit.bind_ipv6_only,
        "service": unit.service,
    }


def _summary(fields: Mapping[str, str | None]) -> str:
    return ", ".join(f"{k} {v}" for k, v in fields.items() if v is not None and k in ("enablement", "state"))


def _diff_keyed(host: str, prefix: str, old: Mapping[str, _U], new: Mapping[str, _U],
                added: DriftKind, removed: DriftKind, changed: DriftKind,
                fields: Callable[[_U], dict[str, str | None]]) -> list[Drift]:
    drifts = []
    for name in sorted(old.keys() | new.keys()):
        resource = prefix + name
        if name not in old:
            drifts.append(Drift(added, host, resource, new=_summary(fields(new[name])) or None))
        elif name not in new:
            drifts.append(Drift(removed, host, resource, old=_summary(fields(old[name])) or None))
        else:
            was, now = fields(old[name]), fields(new[name])
            drifts += [Drift(changed, host, resource, key, was[key], now[key])
                       for key in was if was[key] != now[key]]
    return drifts


def _xinetd_value(service: XinetdService, name: str) -> str | None:
    value = service.attributes.get(name)
    return " ".join(value.values) if value is not None else None


def _diff_xinetd(host: str, old: Sequence[XinetdService], new: Sequence[XinetdService]) -> list[Drift]:
    drifts = []
    before = {s.id: s for s in old}
    after = {s.id: s for s in new}
    for service_id in sorted(before.keys() | after.keys()):
        resource = f"xinetd:{service_id}"
        if service_id not in before:
            service = after[service_id]
            state = "enabled" if service.enabled else f"disabled ({service.disabled_reason or 'no reason'})"
            drifts.append(Drift(DriftKind.XINETD_SERVICE_ADDED, host, resource, new=state, location=service.location))
            continue
        if service_id not in after:
            drifts.append(Drift(DriftKind.XINETD_SERVICE_REMOVED, host, resource,
                                old="enabled" if before[service_id].enabled else "disabled",
                                location=before[service_id].location))
            continue
        was, now = before[service_id], after[service_id]
        if was.enabled != now.enabled:
            drifts.append(Drift(
                DriftKind.XINETD_SERVICE_CHANGED, host, resource, "enabled",
                "yes" if was.enabled else f"no ({was.disabled_reason or 'no reason'})",
                "yes" if now.enabled else f"no ({now.disabled_reason or 'no reason'})", now.location))
        for attribute in sorted(was.attributes.keys() | now.attributes.keys()):
            old_value, new_value = _xinetd_value(was, attribute), _xinetd_value(now, attribute)
            if old_value != new_value:
                source = now.attributes.get(attribute) or was.attributes.get(attribute)
                drifts.append(Drift(DriftKind.XINETD_SERVICE_CHANGED, host, resource, attribute, old_value,
                                    new_value, source.location if source else now.location))
    return drifts


def _diff_network(host: str, old: Snapshot, new: Snapshot) -> list[Drift]:
    if old.network is None or new.network is None:
        return []
    before = _scanned_states(old.network)
    after = _scanned_states(new.network)
    return [
        Drift(DriftKind.NETWORK_PORT_CHANGED, host, f"outside:{key}", "state", before.get(key), after.get(key))
        for key in sorted(before.keys() | after.keys(), key=lambda k: (int(k.split("/")[1].split("@")[0]), k))
        if before.get(key) != after.get(key)
    ]


def _scanned_states(view: NetworkView) -> dict[str, str]:
    """`tcp/80` -> state for the view's first address, `tcp/80@::1` for its others; the states
    of several scan techniques of one port joined (`closed,unfiltered`)."""
    states: dict[str, set[str]] = {}
    for port in view.ports:
        where = view.row_address(port)
        key = f"{port.protocol.value}/{port.port}" + ("" if where == view.address else f"@{where}")
        states.setdefault(key, set()).add(port.state)
    return {key: ",".join(sorted(found)) for key, found in states.items()}


# --------------------------------------------------------------------------- results


def diff_reports(old: Report, new: Report, *, names: tuple[str, str] = ("OLD", "NEW")) -> list[Drift]:
    """Checks that began or stopped failing (and `error` changes) between two results, sorted."""
    drifts: list[Drift] = []
    if [s.sha256 for s in old.baseline_sources] != [s.sha256 for s in new.baseline_sources]:
        drifts.append(Drift(DriftKind.BASELINE_CHANGED, "*", f"baseline:{new.baseline_path}", "sha256",
                            _sources(old), _sources(new)))
    pairs, added, removed = _pair_hosts([(h.name, h) for h in old.hosts], [(h.name, h) for h in new.hosts], names)
    drifts += [Drift(DriftKind.HOST_ADDED, name, f"host:{name}") for name in added]
    drifts += [Drift(DriftKind.HOST_REMOVED, name, f"host:{name}") for name in removed]
    for host, old_host, new_host in pairs:
        before = {(r.check.value, r.resource): r for r in getattr(old_host, "results", ())}
        after = {(r.check.value, r.resource): r for r in getattr(new_host, "results", ())}
        for key in sorted(before.keys() | after.keys()):
            drift = _result_drift(host, before.get(key), after.get(key))
            if drift is not None:
                drifts.append(drift)
    return sorted(drifts, key=Drift.sort_key)


def _sources(report: Report) -> str:
    return ", ".join(f"{s.path} {s.sha256[:12]}" for s in report.baseline_sources) or report.baseline_path


def _result_drift(host: str, was: Result | None, now: Result | None) -> Drift | None:
    some = now or was
    assert some is not None
    resource = f"{some.check.value} {some.resource}"
    old_status = was.status if was else None
    new_status = now.status if now else None
    if old_status == new_status:
        return None
    if new_status == Status.FAIL:
        return Drift(DriftKind.CHECK_STARTED_FAILING, host, resource, "status",
                     old_status.value if old_status else None, now.message if now else None,
                     now.location if now else None)
    if old_status == Status.FAIL:
        return Drift(DriftKind.CHECK_STOPPED_FAILING, host, resource, "status", "fail",
                     new_status.value if new_status else None, now.location if now else None)
    if Status.ERROR in (old_status, new_status):
        return Drift(DriftKind.CHECK_STATUS_CHANGED, host, resource, "status",
                     old_status.value if old_status else None, new_status.value if new_status else None,
                     now.location if now else None)
    return None

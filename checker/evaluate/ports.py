"""The `ports:` rule family: listeners (inside view) and open ports (outside view).

Produces port-unexpected, port-forbidden, port-required-missing, port-bind, port-process,
port-exposed and port-unreachable. Must not do I/O; bind-address semantics live in
`checker.evaluate.addresses`.

Matching. A listener or an open scanned port *matches* an `allow` entry by protocol and port
(in the range). When several entries match, the listener is *governed* by the most specific
one (the narrowest range; ties: the first in the baseline), whose `bind`, `process`, `user`
and `exposure` apply to it. Only listeners governed by an entry are checked for bind/process.

Results and resources:

* `default: deny`: one port-unexpected result per listener (`tcp/0.0.0.0:8080`): pass when
  an allow entry matches, else fail. With an outside view, one more per *open* scanned port
  (`tcp/192.0.2.7:8080`, evidence `source: nmap`).
* `forbid`: a fail per matching listener / open scanned port; when none, one pass per
  protocol the entry covers (`tcp/*:23`; no protocol in the entry = tcp and udp).
* `required`: one result `tcp/*:443`: pass if a listener (or an open scanned port) matches.
* `bind`, `process`/`user`: one result per governed listener. An unknown owner (pid,
  process or user None: an unprivileged snapshot) is `error`, never pass; a known mismatch is
  a fail even if the other half is unknown.
* `exposure: internal`: a fail per open scanned port in the range, an `error` per port nmap
  could only call `open|filtered` (no answer: it may be open), else one pass
  `tcp/<scanned address>:<range>`. `exposure: public` + `required`: pass when a port in the
  range is open from outside, fail when closed, filtered or absent from the scan.

Missing evidence (fail closed). The sockets collector FAILED/UNAVAILABLE makes every rule
that needs the inside view `error` with the collector's reason (one result per rule,
`tcp/*:<range>`, or `ports:default-deny`). The nmap collector FAILED/UNAVAILABLE (or the
host down in the scan) makes the exposure rules `error`. Without an outside view at all the
exposure rules are `skip` with the reason.

A snapshot with only an outside view (sockets NOT_RUN, network present): deny and forbid
are evaluated on the open scanned ports (a forbid rule whose port the scan covers and found
not open passes, "from outside"; one nmap calls `open|filtered` is an `error`); bind and
process rules are `skip` (they need the inside view, which was not asked for); a `required`
port not seen open from outside is `error`, never pass and never a fail on partial evidence.
With neither view, deny/forbid are `skip` and `required` is `error`.

A scanned port outside the scan's covered ranges (`NetworkView.scanned`, e.g. `tcp:1-1024`)
is unknown: exposure checks on it are `skip`, and so is a rule whose range the scan covered
only in part (a pass "not open from outside" must rest on every port of the range). `top:N`
specs cannot be enumerated here and are trusted to cover the port.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from checker.evaluate.addresses import bind_allows, describe_faces
from checker.evaluate.interface import (
    Availability,
    EvaluationContext,
    EvidenceState,
    RuleFamily,
    evidence_state,
)
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    Exposure,
    Listener,
    NetworkView,
    PortAllow,
    PortForbid,
    PortRange,
    Protocol,
    Result,
    RuleMeta,
    ScannedPort,
    Snapshot,
    Status,
)
from checker.model.text import address_before_port

DEFAULT_DENY_RESOURCE = "ports:default-deny"


def rule_resource(protocol: Protocol, ports: PortRange, address: str = "*") -> str:
    """`tcp/*:443`, `udp/*:32768-60999`, `tcp/192.0.2.7:5432`: a rule-level resource."""
    return f"{protocol.value}/{address_before_port(address)}:{ports}"


def scanned_resource(network: NetworkView, port: ScannedPort) -> str:
    return f"{port.protocol.value}/{address_before_port(network.address)}:{port.port}"


def listener_evidence(listener: Listener) -> dict[str, Any]:
    return {
        "source": "sockets",
        "protocol": listener.protocol.value,
        "family": listener.family,
        "address": listener.address,
        "port": listener.port,
        "pid": listener.pid,
        "process": listener.process,
        "exe": listener.exe,
        "user": listener.user,
        "dual_stack": listener.dual_stack,
    }


def scanned_evidence(network: NetworkView, port: ScannedPort) -> dict[str, Any]:
    return {
        "source": "nmap",
        "address": network.address,
        "protocol": port.protocol.value,
        "port": port.port,
        "state": port.state,
        "reason": port.reason,
        "service": port.service,
        "product": port.product,
        "version": port.version,
    }


def governing_entry(allow: Sequence[PortAllow], protocol: Protocol, port: int) -> PortAllow | None:
    """The most specific allow entry matching (protocol, port): narrowest range, then first."""
    best: PortAllow | None = None
    for entry in allow:
        if entry.protocol != protocol or port not in entry.ports:
            continue
        if best is None or entry.ports.high - entry.ports.low < best.ports.high - best.ports.low:
            best = entry
    return best


def scan_covers(network: NetworkView, protocol: Protocol, port: int) -> bool:
    """Whether the scan looked at (protocol, port) (see `range_covered`)."""
    return range_covered(network, protocol, PortRange(port, port))


def range_covered(network: NetworkView, protocol: Protocol, ports: PortRange) -> bool:
    """Whether the scan looked at *every* port of `ports`: a pass about a range needs all of it.

    A port the scan reported counts as looked at. No `scanned` list at all (an nmap XML
    without `<scaninfo>`, e.g. a ping sweep `-sn` that scanned no port) covers nothing else:
    "not open from outside" would rest on no evidence. `top:N` and a spec we cannot read are
    trusted to cover the port (nmap's own XML lists the exact ports it scanned).
    """
    intervals = [(p.port, p.port) for p in network.ports if p.protocol == protocol]
    for spec in network.scanned:
        kind, _, text = spec.partition(":")
        if kind.strip().lower() != protocol.value:
            continue
        text = text.strip().lower()
        if text in ("all", "") or text.startswith("top"):
            return True
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            try:
                intervals.append((int(low), int(high or low)))
            except ValueError:
                return True  # a spec we cannot read: trust the scanner
    reached = ports.low - 1  # every port up to `reached` is covered
    for first, last in sorted(intervals):
        if first > reached + 1:
            break
        reached = max(reached, last)
    return reached >= ports.high


@dataclass(frozen=True)
class _Views:
    """The two kinds of port evidence of one host."""

    inside: EvidenceState
    outside: EvidenceState
    listeners: tuple[Listener, ...]
    network: NetworkView | None
    open_ports: tuple[ScannedPort, ...]
    socket_units_by_port: dict[tuple[str, int], str]


def _outside_state(snapshot: Snapshot) -> EvidenceState:
    run = snapshot.collector(Collector.NMAP)
    state = evidence_state(snapshot, Collector.NMAP)
    if state.availability is Availability.MISSING:
        return state
    network = snapshot.network
    if network is None:
        reason = "no outside view of this host (no --target or --nmap-xml)"
        if run.status is not CollectorStatus.NOT_RUN:
            reason = "the nmap collector produced no outside view of this host"
            return EvidenceState(Collector.NMAP, Availability.MISSING, reason)
        return EvidenceState(Collector.NMAP, Availability.NOT_COLLECTED, reason)
    if network.state != "up":
        return EvidenceState(Collector.NMAP, Availability.MISSING,
                             f"host {network.address} is {network.state!r} in the outside view")
    return EvidenceState(Collector.NMAP, Availability.PRESENT, "outside view by nmap")


def _views(snapshot: Snapshot) -> _Views:
    inside = evidence_state(snapshot, Collector.SOCKETS)
    outside = _outside_state(snapshot)
    network = snapshot.network if outside.present else None
    open_ports = tuple(p for p in network.ports if p.state == "open") if network else ()
    units: dict[tuple[str, int], str] = {}
    for unit in snapshot.socket_units:
        for listen in unit.listens:
            if listen.port is None:
                continue
            protocol = "udp" if listen.kind == "datagram" else "tcp"
            units.setdefault((protocol, listen.port), unit.name)
    return _Views(inside, outside, snapshot.listeners if inside.present else (), network, open_ports, units)


def _no_port_evidence(views: _Views) -> EvidenceState | None:
    """Why neither view can show the host's ports (None: at least one view is usable).

    The inside view failing is always a gap (`error`): an outside view does not see loopback.
    An inside view not asked for is covered by a usable outside view.
    """
    if views.inside.present:
        return None
    if views.inside.availability is Availability.MISSING:
        return views.inside
    if views.outside.present:
        return None
    if views.outside.availability is Availability.MISSING:
        return views.outside
    return views.inside


def _owner_text(listener: Listener) -> str:
    if listener.process:
        pid = f", pid {listener.pid}" if listener.pid is not None else ""
        return f"`{listener.process}`{pid}"
    return "an unknown process"


def _stop_hint(views: _Views, protocol: Protocol, port: int) -> str:
    unit = views.socket_units_by_port.get((protocol.value, port))
    if unit:
        return f"`systemctl disable --now {unit}`"
    return "`systemctl disable --now <its unit>` (find it with `ss -tulnp`)"


class PortsFamily(RuleFamily):
    checks = frozenset({
        CheckId.PORT_UNEXPECTED, CheckId.PORT_FORBIDDEN, CheckId.PORT_REQUIRED_MISSING, CheckId.PORT_BIND,
        CheckId.PORT_PROCESS, CheckId.PORT_EXPOSED, CheckId.PORT_UNREACHABLE,
    })

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        policy = baseline.ports
        if policy.default is DefaultPolicy.DENY or policy.allow or policy.forbid:
            # The outside view is optional, but when one was asked for and failed, the port
            # rules' evidence is incomplete.
            return frozenset({Collector.SOCKETS, Collector.NMAP})
        return frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        views = _views(snapshot)
        policy = baseline.ports
        if policy.default is DefaultPolicy.DENY:
            yield from _default_deny(baseline, views, ctx)
        for forbid in policy.forbid:
            yield from _forbidden(forbid, views, ctx)
        governed = _listeners_by_governing_entry(policy.allow, views.listeners)
        for entry in policy.allow:
            if entry.required:
                yield _required(entry, views, ctx)
            if entry.bind:
                yield from _bind(entry, governed.get(id(entry), []), views, ctx)
            if entry.process is not None or entry.user is not None:
                yield from _process(entry, governed.get(id(entry), []), views, ctx)
            if entry.exposure is Exposure.INTERNAL:
                yield from _exposed(entry, views, ctx)
            elif entry.exposure is Exposure.PUBLIC and entry.required:
                yield _unreachable(entry, views, ctx)


# --------------------------------------------------------------------------- default: deny


def _default_deny(baseline: Baseline, views: _Views, ctx: EvaluationContext) -> Iterator[Result]:
    policy = baseline.ports
    check = CheckId.PORT_UNEXPECTED
    gap = _no_port_evidence(views)
    if gap is not None:
        yield ctx.result(
            check, DEFAULT_DENY_RESOURCE, gap.gap_status,
            f"Cannot check listeners against `ports.default: deny`: {gap.reason}.",
            location=policy.location, evidence=gap.evidence(),
        )
    for listener in views.listeners:
        entry = governing_entry(policy.allow, listener.protocol, listener.port)
        evidence = listener_evidence(listener)
        if entry is not None:
            yield ctx.result(
                check, listener.resource, Status.PASS,
                f"{listener.resource} ({_owner_text(listener)}) is allowed by the entry for "
                f"{entry.protocol.value} port {entry.ports}.",
                meta=entry.meta, evidence=evidence,
            )
        else:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} is listening ({_owner_text(listener)}) but no `ports.allow` entry "
                f"allows {listener.protocol.value} port {listener.port}.",
                location=policy.location, evidence=evidence,
                remediation=f"Stop or reconfigure {_owner_text(listener)} on {listener.resource} "
                f"(e.g. {_stop_hint(views, listener.protocol, listener.port)}), or add a reviewed "
                f"`ports.allow` entry for {listener.protocol.value} port {listener.port}.",
            )
    if views.network is None:
        return
    for port in views.open_ports:
        entry = governing_entry(policy.allow, port.protocol, port.port)
        resource = scanned_resource(views.network, port)
        evidence = scanned_evidence(views.network, port)
        if entry is not None:
            yield ctx.result(check, resource, Status.PASS,
                             f"{resource} is open from outside and allowed by the entry for "
                             f"{entry.protocol.value} port {entry.ports}.",
                             meta=entry.meta, evidence=evidence)
        else:
            yield ctx.result(
                check, resource, Status.FAIL,
                f"{resource} is open from outside but no `ports.allow` entry allows "
                f"{port.protocol.value} port {port.port}.",
                location=policy.location, evidence=evidence,
                remediation=f"Close {port.protocol.value} port {port.port} (stop the service or block it in "
                f"the firewall), or add a reviewed `ports.allow` entry for it.",
            )


# --------------------------------------------------------------------------- forbid


def _forbidden(rule: PortForbid, views: _Views, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_FORBIDDEN
    protocols = (rule.protocol,) if rule.protocol is not None else (Protocol.TCP, Protocol.UDP)
    why = f" ({rule.meta.reason})" if rule.meta.reason else ""
    for protocol in protocols:
        found = False
        for listener in views.listeners:
            if listener.protocol == protocol and listener.port in rule.ports:
                found = True
                yield ctx.result(
                    check, listener.resource, Status.FAIL,
                    f"Forbidden {protocol.value} port {listener.port} is listening on {listener.resource} "
                    f"({_owner_text(listener)}){why}.",
                    meta=rule.meta, evidence=listener_evidence(listener),
                    remediation=f"Stop and disable {_owner_text(listener)}: "
                    f"{_stop_hint(views, protocol, listener.port)}, or remove its package.",
                )
        if views.network is not None:
            for port in views.open_ports:
                if port.protocol == protocol and port.port in rule.ports:
                    found = True
                    resource = scanned_resource(views.network, port)
                    yield ctx.result(
                        check, resource, Status.FAIL,
                        f"Forbidden {protocol.value} port {port.port} is open from outside on {resource}{why}.",
                        meta=rule.meta, evidence=scanned_evidence(views.network, port),
                        remediation=f"Stop and disable the service on {protocol.value} port {port.port}: "
                        f"{_stop_hint(views, protocol, port.port)}, or block it in the firewall.",
                    )
        if found:
            continue
        resource = rule_resource(protocol, rule.ports)
        if views.inside.present:
            outside = " and not open from outside" if views.network is not None else ""
            yield ctx.result(check, resource, Status.PASS,
                             f"Forbidden {protocol.value} port {rule.ports} is not listening{outside}.",
                             meta=rule.meta, evidence={"listeners": 0, "outside_view": views.network is not None})
        elif views.inside.availability is Availability.MISSING:
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot tell whether forbidden {protocol.value} port {rule.ports} is listening: "
                             f"{views.inside.reason}.", meta=rule.meta, evidence=views.inside.evidence())
        elif views.network is not None and (ambiguous := _ambiguous(views.network, protocol, rule.ports)):
            for port in ambiguous:
                yield _ambiguous_result(check, views.network, port, "Forbidden", rule.meta, ctx)
        elif views.network is not None and range_covered(views.network, protocol, rule.ports):
            yield ctx.result(check, resource, Status.PASS,
                             f"Forbidden {protocol.value} port {rule.ports} is not open from outside "
                             "(no inside view was collected).",
                             meta=rule.meta, evidence={"source": "nmap", "address": views.network.address,
                                                       "scanned": list(views.network.scanned)})
        else:
            gap = _no_port_evidence(views) or views.inside
            reason = gap.reason if views.network is None else "the scan did not cover the port"
            yield ctx.result(check, resource, gap.gap_status,
                             f"Forbidden {protocol.value} port {rule.ports} not checked: {reason}.",
                             meta=rule.meta, evidence=gap.evidence())


# --------------------------------------------------------------------------- required


def _required(entry: PortAllow, views: _Views, ctx: EvaluationContext) -> Result:
    check = CheckId.PORT_REQUIRED_MISSING
    resource = rule_resource(entry.protocol, entry.ports)
    what = f"required {entry.protocol.value} port {entry.ports}"
    listeners = [x for x in views.listeners if x.protocol == entry.protocol and x.port in entry.ports]
    if listeners:
        return ctx.result(check, resource, Status.PASS,
                          f"The {what} is listening ({', '.join(x.resource for x in listeners)}).",
                          meta=entry.meta, evidence={"listeners": [listener_evidence(x) for x in listeners]})
    open_ports = [p for p in views.open_ports if p.protocol == entry.protocol and p.port in entry.ports]
    if open_ports and views.network is not None:
        network = views.network
        return ctx.result(check, resource, Status.PASS,
                          f"The {what} is open from outside on {network.address}.",
                          meta=entry.meta, evidence={"scanned": [scanned_evidence(network, p) for p in open_ports]})
    if views.inside.present:
        return ctx.result(
            check, resource, Status.FAIL, f"The {what} is not listening.",
            meta=entry.meta, evidence={"listeners": []},
            remediation=f"Start the service{f' `{entry.process}`' if entry.process else ''} that should listen "
            f"on {entry.protocol.value} port {entry.ports} (`systemctl enable --now <unit>`) and check its logs.",
        )
    # Fail closed: without the inside view, absence cannot be shown and presence was not seen.
    return ctx.result(check, resource, Status.ERROR,
                      f"Cannot tell whether the {what} is listening: {views.inside.reason}.",
                      meta=entry.meta, evidence=views.inside.evidence())


# --------------------------------------------------------------------------- bind, process


def _inside_gap(check: CheckId, entry: PortAllow, views: _Views, ctx: EvaluationContext, what: str) -> Result:
    return ctx.result(check, rule_resource(entry.protocol, entry.ports), views.inside.gap_status,
                      f"Cannot check the {what} of {entry.protocol.value} port {entry.ports}: {views.inside.reason}.",
                      meta=entry.meta, evidence=views.inside.evidence())


def _listeners_by_governing_entry(allow: Sequence[PortAllow],
                                  listeners: Sequence[Listener]) -> dict[int, list[Listener]]:
    """`id(entry)` -> the listeners that entry governs (one pass: linear in the listeners)."""
    governed: dict[int, list[Listener]] = {}
    cache: dict[tuple[Protocol, int], PortAllow | None] = {}
    for listener in listeners:
        key = (listener.protocol, listener.port)
        if key not in cache:
            cache[key] = governing_entry(allow, *key)
        entry = cache[key]
        if entry is not None:
            governed.setdefault(id(entry), []).append(listener)
    return governed


def _bind(entry: PortAllow, governed: list[Listener], views: _Views, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_BIND
    if not views.inside.present:
        yield _inside_gap(check, entry, views, ctx, "bind address")
        return
    allowed = ", ".join(entry.bind)
    for listener in governed:
        ok = bind_allows(entry.bind, listener.address, dual_stack=listener.dual_stack)
        faces = describe_faces(listener.address, dual_stack=listener.dual_stack)
        evidence = {**listener_evidence(listener), "bound_to": faces, "allowed_bind": list(entry.bind)}
        if ok:
            yield ctx.result(check, listener.resource, Status.PASS,
                             f"{listener.resource} is bound to an approved address ({allowed}).",
                             meta=entry.meta, evidence=evidence)
        elif ok is None:
            yield ctx.result(check, listener.resource, Status.ERROR,
                             f"{listener.resource}: cannot read the bind address {listener.address!r}.",
                             meta=entry.meta, evidence=evidence)
        else:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} ({_owner_text(listener)}) is bound to {' and '.join(faces)}; "
                f"the baseline allows only {allowed}.",
                meta=entry.meta, evidence=evidence,
                remediation=f"Bind {_owner_text(listener)} to {allowed} only (its listen/bind setting), "
                "then restart it.",
            )


def _process(entry: PortAllow, governed: list[Listener], views: _Views, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_PROCESS
    if not views.inside.present:
        yield _inside_gap(check, entry, views, ctx, "owning process")
        return
    expected = " and ".join(
        part for part in (f"process `{entry.process}`" if entry.process else "",
                          f"user `{entry.user}`" if entry.user else "") if part)
    for listener in governed:
        evidence = {**listener_evidence(listener), "expected_process": entry.process, "expected_user": entry.user}
        mismatches: list[str] = []
        unknown: list[str] = []
        for field_name, pattern, actual in (("process", entry.process, listener.process),
                                            ("user", entry.user, listener.user)):
            if pattern is None:
                continue
            if actual is None:
                unknown.append(field_name)
            elif not fnmatch.fnmatchcase(actual, pattern):
                mismatches.append(f"{field_name} is `{actual}`")
        if mismatches:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} is owned by the wrong {' and '.join(mismatches)}; expected {expected}.",
                meta=entry.meta, evidence=evidence,
                remediation=f"Find the owner of {listener.resource} with `ss -tulnp`; stop it if it is not "
                f"the approved one ({expected}), or correct the rule.",
            )
        elif unknown:
            yield ctx.result(
                check, listener.resource, Status.ERROR,
                f"The owner of {listener.resource} is unknown ({', '.join(unknown)} not visible: collected "
                f"without root?); expected {expected}.",
                meta=entry.meta, evidence=evidence,
                remediation="Collect as root so every socket's owner is visible.",
            )
        else:
            yield ctx.result(check, listener.resource, Status.PASS,
                             f"{listener.resource} is owned by {expected}.", meta=entry.meta, evidence=evidence)


# --------------------------------------------------------------------------- exposure


AMBIGUOUS_STATES = frozenset({"open|filtered"})
"""nmap's "no answer" for UDP (and some TCP scans): the port may well be open. Never a pass of
"not open from outside"; an `error` naming the port instead (fail closed)."""


def _ambiguous(network: NetworkView, protocol: Protocol, ports: PortRange) -> list[ScannedPort]:
    return [p for p in network.ports if p.protocol == protocol and p.port in ports and p.state in AMBIGUOUS_STATES]


def _ambiguous_result(check: CheckId, network: NetworkView, port: ScannedPort, what: str, meta: RuleMeta,
                      ctx: EvaluationContext) -> Result:
    resource = scanned_resource(network, port)
    return ctx.result(check, resource, Status.ERROR,
                      f"{what} {port.protocol.value} port {port.port} may be open from outside on {resource}: "
                      f"nmap says {port.state} (no answer to its probes).",
                      meta=meta, evidence=scanned_evidence(network, port),
                      remediation=f"Check {port.protocol.value} port {port.port} with a service-specific probe "
                      "(nmap -sU -sV), or close it in the firewall so nmap sees it closed.")


def _outside_gap(check: CheckId, entry: PortAllow, views: _Views, ctx: EvaluationContext) -> Result:
    return ctx.result(check, rule_resource(entry.protocol, entry.ports), views.outside.gap_status,
                      f"Exposure of {entry.protocol.value} port {entry.ports} not checked: {views.outside.reason}.",
                      meta=entry.meta, evidence=views.outside.evidence())


def _covered(network: NetworkView, entry: PortAllow) -> bool:
    return range_covered(network, entry.protocol, entry.ports)


def _exposed(entry: PortAllow, views: _Views, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_EXPOSED
    network = views.network
    if network is None:
        yield _outside_gap(check, entry, views, ctx)
        return
    found = False
    for port in views.open_ports:
        if port.protocol == entry.protocol and port.port in entry.ports:
            found = True
            resource = scanned_resource(network, port)
            yield ctx.result(
                check, resource, Status.FAIL,
                f"Internal {entry.protocol.value} port {port.port} is open from outside on {resource}.",
                meta=entry.meta, evidence=scanned_evidence(network, port),
                remediation=f"Bind the service on {entry.protocol.value} port {port.port} to loopback or an "
                "internal interface, or block the port in the host or network firewall.",
            )
    if found:
        return
    ambiguous = _ambiguous(network, entry.protocol, entry.ports)
    for port in ambiguous:
        yield _ambiguous_result(check, network, port, "Internal", entry.meta, ctx)
    if ambiguous:
        return
    resource = rule_resource(entry.protocol, entry.ports, network.address)
    if not _covered(network, entry):
        yield ctx.result(check, resource, Status.SKIP,
                         f"{entry.protocol.value} port {entry.ports} was (at least partly) outside the scanned ports.",
                         meta=entry.meta, evidence={"source": "nmap", "scanned": list(network.scanned)})
        return
    yield ctx.result(check, resource, Status.PASS,
                     f"Internal {entry.protocol.value} port {entry.ports} is not open from outside on "
                     f"{network.address}.",
                     meta=entry.meta, evidence={"source": "nmap", "address": network.address,
                                                "scanned": list(network.scanned)})


def _unreachable(entry: PortAllow, views: _Views, ctx: EvaluationContext) -> Result:
    check = CheckId.PORT_UNREACHABLE
    network = views.network
    if network is None:
        return _outside_gap(check, entry, views, ctx)
    resource = rule_resource(entry.protocol, entry.ports, network.address)
    in_range = [p for p in network.ports if p.protocol == entry.protocol and p.port in entry.ports]
    evidence: dict[str, Any] = {"source": "nmap", "address": network.address,
                                "ports": [scanned_evidence(network, p) for p in in_range]}
    if any(p.state == "open" for p in in_range):
        return ctx.result(check, resource, Status.PASS,
                          f"Public {entry.protocol.value} port {entry.ports} is open from outside on "
                          f"{network.address}.", meta=entry.meta, evidence=evidence)
    if not _covered(network, entry):
        return ctx.result(check, resource, Status.SKIP,
                          f"{entry.protocol.value} port {entry.ports} was (at least partly) outside the scanned "
                          "ports.",
                          meta=entry.meta, evidence={**evidence, "scanned": list(network.scanned)})
    states = sorted({p.state for p in in_range}) or ["not reported open (closed or filtered)"]
    return ctx.result(
        check, resource, Status.FAIL,
        f"Public required {entry.protocol.value} port {entry.ports} is not reachable from outside on "
        f"{network.address}: {', '.join(states)}.",
        meta=entry.meta, evidence=evidence,
        remediation=f"Make the service listen on a public address and allow {entry.protocol.value} port "
        f"{entry.ports} in the host and network firewalls.",
    )

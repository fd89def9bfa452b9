"""`default: deny`, `forbid` and `required`: what listens inside or is open from outside.

These rules are decided on either view: a listener (inside) or an open scanned port
(outside) counts. Without the inside view a pass needs an outside view that covered the
whole range (`coverage`); without either, deny and forbid are `skip` and `required` is
`error`. Listeners and open ports are looked up by (protocol, port) in `index` (linear in
rules + listeners, not their product). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.evaluate.interface import Availability, EvaluationContext
from checker.evaluate.ports.coverage import ambiguous_ports, ambiguous_result, range_covered
from checker.evaluate.ports.index import allow_index, port_index
from checker.evaluate.ports.views import (
    PortViews,
    listener_evidence,
    no_port_evidence,
    owner_text,
    rule_resource,
    scanned_evidence,
    scanned_resource,
    stop_hint,
)
from checker.model import Baseline, CheckId, PortAllow, PortForbid, Protocol, Result, Status

DEFAULT_DENY_RESOURCE = "ports:default-deny"


def evaluate_default_deny(baseline: Baseline, views: PortViews, ctx: EvaluationContext) -> Iterator[Result]:
    policy = baseline.ports
    check = CheckId.PORT_UNEXPECTED
    gap = no_port_evidence(views)
    if gap is not None:
        yield ctx.result(
            check, DEFAULT_DENY_RESOURCE, gap.gap_status,
            f"Cannot check listeners against `ports.default: deny`: {gap.reason}.",
            location=policy.location, evidence=gap.evidence(),
        )
    governing = allow_index(policy.allow).governing
    for listener in views.listeners:
        entry = governing(listener.protocol, listener.port)
        evidence = listener_evidence(listener)
        if entry is not None:
            yield ctx.result(
                check, listener.resource, Status.PASS,
                f"{listener.resource} ({owner_text(listener)}) is allowed by the entry for "
                f"{entry.protocol.value} port {entry.ports}.",
                meta=entry.meta, evidence=evidence,
            )
        else:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} is listening ({owner_text(listener)}) but no `ports.allow` entry "
                f"allows {listener.protocol.value} port {listener.port}.",
                location=policy.location, evidence=evidence,
                remediation=f"Stop or reconfigure {owner_text(listener)} on {listener.resource} "
                f"(e.g. {stop_hint(views, listener.protocol, listener.port)}), or add a reviewed "
                f"`ports.allow` entry for {listener.protocol.value} port {listener.port}.",
            )
    if views.network is None:
        return
    for port in views.open_ports:
        entry = governing(port.protocol, port.port)
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


def evaluate_forbid(rule: PortForbid, views: PortViews, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_FORBIDDEN
    protocols = (rule.protocol,) if rule.protocol is not None else (Protocol.TCP, Protocol.UDP)
    why = f" ({rule.meta.reason})" if rule.meta.reason else ""
    index = port_index(views)
    for protocol in protocols:
        found = False
        for listener in index.listeners_in(protocol, rule.ports):
            found = True
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"Forbidden {protocol.value} port {listener.port} is listening on {listener.resource} "
                f"({owner_text(listener)}){why}.",
                meta=rule.meta, evidence=listener_evidence(listener),
                remediation=f"Stop and disable {owner_text(listener)}: "
                f"{stop_hint(views, protocol, listener.port)}, or remove its package.",
            )
        if views.network is not None:
            for port in index.open_ports_in(protocol, rule.ports):
                found = True
                resource = scanned_resource(views.network, port)
                yield ctx.result(
                    check, resource, Status.FAIL,
                    f"Forbidden {protocol.value} port {port.port} is open from outside on {resource}{why}.",
                    meta=rule.meta, evidence=scanned_evidence(views.network, port),
                    remediation=f"Stop and disable the service on {protocol.value} port {port.port}: "
                    f"{stop_hint(views, protocol, port.port)}, or block it in the firewall.",
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
        elif views.network is not None and (ambiguous := ambiguous_ports(views.network, protocol, rule.ports)):
            for port in ambiguous:
                yield ambiguous_result(check, views.network, port, "Forbidden", rule.meta, ctx)
        elif views.network is not None and range_covered(views.network, protocol, rule.ports):
            yield ctx.result(check, resource, Status.PASS,
                             f"Forbidden {protocol.value} port {rule.ports} is not open from outside "
                             "(no inside view was collected).",
                             meta=rule.meta, evidence={"source": "nmap", "address": views.network.address,
                                                       "scanned": list(views.network.scanned)})
        else:
            gap = no_port_evidence(views) or views.inside
            reason = gap.reason if views.network is None else "the scan did not cover the port"
            yield ctx.result(check, resource, gap.gap_status,
                             f"Forbidden {protocol.value} port {rule.ports} not checked: {reason}.",
                             meta=rule.meta, evidence=gap.evidence())


def evaluate_required(entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Result:
    check = CheckId.PORT_REQUIRED_MISSING
    resource = rule_resource(entry.protocol, entry.ports)
    what = f"required {entry.protocol.value} port {entry.ports}"
    index = port_index(views)
    listeners = index.listeners_in(entry.protocol, entry.ports)
    if listeners:
        return ctx.result(check, resource, Status.PASS,
                          f"The {what} is listening ({', '.join(x.resource for x in listeners)}).",
                          meta=entry.meta, evidence={"listeners": [listener_evidence(x) for x in listeners]})
    open_ports = index.open_ports_in(entry.protocol, entry.ports)
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

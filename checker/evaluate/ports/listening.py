"""`default: deny`, `forbid` and `required`: what listens inside or is open from outside.

These rules are decided on either view: a listener (inside) or a port an nmap scan proves
open (outside, on any scanned address) counts. A forbid pass says what it rests on: "not
listening inside", plus "proven not open from outside: closed to a SYN scan of 127.0.0.2"
only when every address's scan proved it (`coverage.outside_findings`); a scan that looked at
the port and could not decide (`open|filtered`, an ACK scan) makes it an `error`, never a
pass. Without the inside view a pass needs that outside proof; without either, deny and forbid
are `skip` and `required` is `error`. Listeners are looked up by (protocol, port) and the
governing `allow` entry per port in `index` (linear in rules + listeners, not their product).
Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.evaluate.interface import Availability, EvaluationContext
from checker.evaluate.ports.coverage import OutsideFindings, open_result, outside_findings, unproven_result
from checker.evaluate.ports.index import allow_index, port_index
from checker.evaluate.ports.joined import explained_by_listener, forbidden, joined_evidence
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
from checker.model import Baseline, CheckId, PortAllow, PortForbid, PortRange, Protocol, Result, Status

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
        if forbidden(policy.forbid, listener.protocol, listener.port):
            continue  # one finding per problem: port-forbidden decides it
        entry = governing(listener.protocol, listener.port)
        evidence = joined_evidence(views, listener)
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
                remediation=f"Stop or reconfigure {owner_text(listener)} on {listener.resource}, "
                f"e.g. {stop_hint(views, listener.protocol, listener.port, listener)}, or add a reviewed "
                f"`ports.allow` entry for {listener.protocol.value} port {listener.port}.",
            )
    if views.network is None:
        return
    if not views.inside.present:
        # Outside view only: a port the scan looked at but could not decide (ACK, NULL, UDP
        # `open|filtered`, folded `<extraports>`) may be open and unapproved; without listeners
        # to say otherwise it is an `error`, as for `forbid`, never silently nothing.
        for protocol in (Protocol.TCP, Protocol.UDP):
            for finding in outside_findings(views.network, protocol, PortRange(1, 65535)).unproven:
                yield unproven_result(check, finding, "Unapproved", None, ctx, location=policy.location)
    for port in views.open_ports:
        if forbidden(policy.forbid, port.protocol, port.port) or explained_by_listener(views, port):
            continue  # decided by port-forbidden, or joined to the listener's result above
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
                meta=rule.meta, evidence=joined_evidence(views, listener),
                remediation=f"Stop and disable {owner_text(listener)}: "
                f"{stop_hint(views, protocol, listener.port, listener)}, or remove its package.",
            )
        outside = outside_findings(views.network, protocol, rule.ports) if views.network is not None else None
        for finding in outside.open if outside is not None else ():
            found = True
            if finding.row is not None and explained_by_listener(views, finding.row):
                continue  # its evidence joined the listener's result (checker.evaluate.ports.joined)
            yield open_result(check, finding, f"Forbidden{why}", rule.meta,
                              f"Stop and disable the service on {protocol.value} port {finding.span}: "
                              f"{stop_hint(views, protocol, finding.span.low)}, or block it in the firewall.", ctx)
        if not found:
            yield from _forbid_not_found(rule, protocol, views, outside, ctx)


def _forbid_not_found(rule: PortForbid, protocol: Protocol, views: PortViews, outside: OutsideFindings | None,
                      ctx: EvaluationContext) -> Iterator[Result]:
    """No listener and no port proven open: a pass only on the evidence that exists, and the
    message claims only that evidence ("not listening inside" is not "closed from outside")."""
    check = CheckId.PORT_FORBIDDEN
    resource = rule_resource(protocol, rule.ports)
    what = f"Forbidden {protocol.value} port {rule.ports}"
    if views.inside.availability is Availability.MISSING:
        yield ctx.result(check, resource, Status.ERROR,
                         f"Cannot tell whether {what.lower()} is listening: {views.inside.reason}.",
                         meta=rule.meta, evidence=views.inside.evidence())
        return
    if outside is not None and outside.unproven:
        # The scan was asked for and could not decide: it may be open from outside (a
        # forwarded port, a listener the inside view cannot see), so no pass.
        for finding in outside.unproven:
            yield unproven_result(check, finding, "Forbidden", rule.meta, ctx)
        return
    proven = outside is not None and outside.proven_closed_or_unreachable
    if views.inside.present:
        claim = f"; proven not open from outside: {outside.proof_text()}" if proven and outside else ""
        yield ctx.result(check, resource, Status.PASS, f"{what} is not listening inside{claim}.",
                         meta=rule.meta, evidence={"source": "sockets", "listeners": 0,
                                                   "outside": outside.evidence() if proven and outside else None})
    elif proven and outside is not None:
        yield ctx.result(check, resource, Status.PASS,
                         f"{what} is proven not open from outside: {outside.proof_text()} "
                         "(no inside view was collected).", meta=rule.meta, evidence=outside.evidence())
    else:
        gap = no_port_evidence(views) or views.inside
        reason = gap.reason if outside is None else f"the scan did not look at it ({outside.uncovered_text()})"
        yield ctx.result(check, resource, gap.gap_status, f"{what} not checked: {reason}.",
                         meta=rule.meta, evidence=outside.evidence() if outside is not None else gap.evidence())


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
    outside = outside_findings(views.network, entry.protocol, entry.ports) if views.network is not None else None
    if outside is not None and outside.open:
        return ctx.result(check, resource, Status.PASS,
                          f"The {what} is open from outside: " + "; ".join(f.describe() for f in outside.open) + ".",
                          meta=entry.meta, evidence=outside.evidence())
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

"""`exposure: internal` and `exposure: public`: what is reachable from outside (nmap only).

`internal`: a fail per port proven open on any scanned address of the host (IPv4 or IPv6);
else an `error` per port no scan could decide (`open|filtered`, an ACK scan's `unfiltered`,
the host down at an address...); else, when every port of the range was looked at on every
address and proven closed or unreachable, one pass naming that proof; else (not fully scanned)
`skip`. `public` with `required`: a pass when a port of the range is proven open on some
address, an `error` when undecided, a fail when proven closed or unreachable everywhere, `skip`
when not fully scanned. Without an outside view the rules are `skip` (none asked for) or
`error` (nmap failed, host down). Every result's evidence names address, scan technique and
state (`coverage.PortFinding.evidence`). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.coverage import OutsideFindings, open_result, outside_findings, unproven_result
from checker.evaluate.ports.views import PortViews, rule_resource
from checker.model import CheckId, PortAllow, Result, RuleMeta, Status


def _outside_gap(check: CheckId, entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Result:
    return ctx.result(check, rule_resource(entry.protocol, entry.ports), views.outside.gap_status,
                      f"Exposure of {entry.protocol.value} port {entry.ports} not checked: {views.outside.reason}.",
                      meta=entry.meta, evidence=views.outside.evidence())


def not_scanned_result(check: CheckId, resource: str, findings: OutsideFindings, what: str, meta: RuleMeta,
                       ctx: EvaluationContext) -> Result:
    return ctx.result(check, resource, Status.SKIP,
                      f"{what} was not scanned everywhere ({findings.uncovered_text()} not looked at): "
                      "no claim about it from outside.", meta=meta, evidence=findings.evidence())


def evaluate_exposed(entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_EXPOSED
    network = views.network
    if network is None:
        yield _outside_gap(check, entry, views, ctx)
        return
    findings = outside_findings(network, entry.protocol, entry.ports)
    for finding in findings.open:
        yield open_result(check, finding, "Internal", entry.meta,
                          f"Bind the service on {entry.protocol.value} port {finding.span} to loopback or an "
                          "internal interface, or block the port in the host or network firewall.", ctx)
    if findings.open:
        return
    for finding in findings.unproven:
        yield unproven_result(check, finding, "Internal", entry.meta, ctx)
    if findings.unproven:
        return
    resource = rule_resource(entry.protocol, entry.ports, network.address)
    what = f"Internal {entry.protocol.value} port {entry.ports}"
    if not findings.proven_closed_or_unreachable:
        yield not_scanned_result(check, resource, findings, what, entry.meta, ctx)
        return
    yield ctx.result(check, resource, Status.PASS,
                     f"{what} is proven not open from outside: {findings.proof_text()}.",
                     meta=entry.meta, evidence=findings.evidence())


def evaluate_unreachable(entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Result:
    check = CheckId.PORT_UNREACHABLE
    network = views.network
    if network is None:
        return _outside_gap(check, entry, views, ctx)
    resource = rule_resource(entry.protocol, entry.ports, network.address)
    findings = outside_findings(network, entry.protocol, entry.ports)
    what = f"Public {entry.protocol.value} port {entry.ports}"
    if findings.open:
        return ctx.result(check, resource, Status.PASS,
                          f"{what} is open from outside: " + "; ".join(f.describe() for f in findings.open) + ".",
                          meta=entry.meta, evidence=findings.evidence())
    if findings.unproven:
        first = findings.unproven[0]
        return ctx.result(check, resource, Status.ERROR,
                          f"Cannot tell whether {what.lower()} is reachable from outside: "
                          + "; ".join(f.describe() for f in findings.unproven) + " proves neither open nor closed.",
                          meta=entry.meta, evidence=findings.evidence(),
                          remediation=f"Scan {first.protocol.value} port {entry.ports} with a SYN or connect scan "
                          "(TCP) or a service-specific probe (UDP, nmap -sU -sV).")
    if not findings.proven_closed_or_unreachable:
        return not_scanned_result(check, resource, findings, what, entry.meta, ctx)
    return ctx.result(
        check, resource, Status.FAIL,
        f"Public required {entry.protocol.value} port {entry.ports} is not reachable from outside: "
        f"{findings.proof_text()}.",
        meta=entry.meta, evidence=findings.evidence(),
        remediation=f"Make the service listen on a public address and allow {entry.protocol.value} port "
        f"{entry.ports} in the host and network firewalls.",
    )

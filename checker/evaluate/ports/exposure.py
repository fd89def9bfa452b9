"""`exposure: internal` and `exposure: public`: what is reachable from outside (nmap only).

`internal`: a fail per open scanned port in the range, an `error` per undecided
(`open|filtered`) port, else one pass. `public` with `required`: a pass when a port of the
range is open from outside, a fail when not. A range the scan covered only in part is `skip`;
without an outside view the rules are `skip` (none asked for) or `error` (nmap failed, host
down). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.coverage import ambiguous_ports, ambiguous_result, range_covered
from checker.evaluate.ports.views import PortViews, rule_resource, scanned_evidence, scanned_resource
from checker.model import CheckId, NetworkView, PortAllow, Result, Status


def _outside_gap(check: CheckId, entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Result:
    return ctx.result(check, rule_resource(entry.protocol, entry.ports), views.outside.gap_status,
                      f"Exposure of {entry.protocol.value} port {entry.ports} not checked: {views.outside.reason}.",
                      meta=entry.meta, evidence=views.outside.evidence())


def _covered(network: NetworkView, entry: PortAllow) -> bool:
    return range_covered(network, entry.protocol, entry.ports)


def evaluate_exposed(entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Iterator[Result]:
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
    ambiguous = ambiguous_ports(network, entry.protocol, entry.ports)
    for port in ambiguous:
        yield ambiguous_result(check, network, port, "Internal", entry.meta, ctx)
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


def evaluate_unreachable(entry: PortAllow, views: PortViews, ctx: EvaluationContext) -> Result:
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

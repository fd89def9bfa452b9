"""firewall-port-open and firewall-port-uncovered: each non-loopback listener against the input path.

A listener on `0.0.0.0` is reached over IPv4, on `::` over IPv6 (and IPv4 too when dual-stack);
each family is predicted on its own (`checker.evaluate.firewall.sources.reach`) and the
worst counts. firewall-port-open fails when some family accepts new connections from
anywhere; an unknown verdict is `error` quoting the rule. firewall-port-uncovered fails when
no rule naming the port matched on any source's path (only policies decided it); when such a
path stopped at an unknown rule first, `error`. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checker.evaluate.firewall.sources import PortReach, Reach, destination_of, reach
from checker.evaluate.interface import EvaluationContext, EvidenceState
from checker.evaluate.ports.index import allow_index
from checker.evaluate.ports.views import listener_evidence
from checker.model import Baseline, CheckId, DefaultPolicy, Exposure, Listener, Location, Result, RuleMeta, Status
from checker.model.addresses import is_loopback
from checker.model.firewall import FirewallEvidence


def listener_families(listener: Listener) -> tuple[str, ...]:
    if listener.family == "ipv6" and listener.dual_stack:
        return ("ipv6", "ipv4")
    return (listener.family,)


def listener_reach(firewall: FirewallEvidence, listener: Listener) -> list[PortReach]:
    destination = destination_of(listener.address)
    return [reach(firewall, family, listener.protocol.value, listener.port,
                  destination if destination is not None and family == listener.family else None)
            for family in listener_families(listener)]


def reach_evidence(listener: Listener, reaches: list[PortReach]) -> dict[str, Any]:
    return {**listener_evidence(listener), "firewall": [r.evidence() for r in reaches]}


def exposed_listeners(baseline: Baseline, listeners: tuple[Listener, ...]) -> Iterator[tuple[Listener, RuleMeta, str]]:
    """Listeners that must not be reachable from anywhere, with the rule saying so and why."""
    policy = baseline.ports
    governing = allow_index(policy.allow).governing  # by (protocol, port), not a scan per listener
    for listener in listeners:
        if is_loopback(listener.address):
            continue
        entry = governing(listener.protocol, listener.port)
        if entry is not None and entry.exposure is Exposure.INTERNAL:
            yield listener, entry.meta, f"its allow entry (port {entry.ports}) says `exposure: internal`"
        elif entry is None and policy.default is DefaultPolicy.DENY and baseline.firewall is not None:
            meta = RuleMeta(policy.location or Location(baseline.path, 0))
            yield listener, meta, "no `ports.allow` entry covers it under `default: deny`"


def evaluate_exposed_listeners(baseline: Baseline, listeners: tuple[Listener, ...], state: EvidenceState,
                       firewall: FirewallEvidence | None, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.FIREWALL_PORT_OPEN
    for listener, meta, why in exposed_listeners(baseline, listeners):
        if firewall is None or not state.present:
            yield ctx.result(check, listener.resource, state.gap_status,
                             f"Cannot predict whether the firewall accepts {listener.resource}: {state.reason}.",
                             meta=meta, evidence={**listener_evidence(listener), **state.evidence()})
            continue
        reaches = listener_reach(firewall, listener)
        evidence = reach_evidence(listener, reaches)
        open_from_anywhere = [r for r in reaches if r.reach is Reach.ANYWHERE]
        unknown = [r for r in reaches if r.reach is Reach.UNKNOWN]
        if open_from_anywhere:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"The firewall accepts new connections to {listener.resource} from anywhere "
                f"({open_from_anywhere[0].describe()}), but {why}.",
                meta=meta, evidence=evidence,
                remediation=f"Drop {listener.protocol.value} port {listener.port} in the input chain, or accept it "
                "only from the internal sources before a final drop.",
            )
        elif unknown:
            yield ctx.result(
                check, listener.resource, Status.ERROR,
                f"Cannot predict whether the firewall accepts {listener.resource}: the rule "
                f"`{unknown[0].unknown_rule}` is not modelled for this packet.",
                meta=meta, evidence=evidence,
            )
        else:
            yield ctx.result(
                check, listener.resource, Status.PASS,
                f"The firewall does not accept {listener.resource} from anywhere: "
                + "; ".join(r.describe() for r in reaches) + ".",
                meta=meta, evidence=evidence,
            )


def evaluate_uncovered(policy_meta: RuleMeta, listeners: tuple[Listener, ...], state: EvidenceState,
                       firewall: FirewallEvidence | None, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.FIREWALL_PORT_UNCOVERED
    if firewall is None or not state.present:
        yield ctx.result(check, "firewall:listeners", state.gap_status,
                         f"Cannot check that every listener's port has a firewall rule: {state.reason}.",
                         meta=policy_meta, evidence=state.evidence())
        return
    for listener in listeners:
        if is_loopback(listener.address):
            continue
        reaches = listener_reach(firewall, listener)
        evidence = reach_evidence(listener, reaches)
        uncovered = [r for r in reaches if not r.covered]
        if not uncovered:
            yield ctx.result(check, listener.resource, Status.PASS,
                             f"A firewall rule names {listener.protocol.value} port {listener.port}: "
                             f"`{reaches[0].port_rules[0]}`.", meta=policy_meta, evidence=evidence)
        elif any(r.reach is Reach.UNKNOWN for r in uncovered):
            rule = next(r for r in uncovered if r.reach is Reach.UNKNOWN).unknown_rule
            yield ctx.result(check, listener.resource, Status.ERROR,
                             f"Cannot tell whether a firewall rule decides {listener.resource}: the rule `{rule}` "
                             "is not modelled for this packet.", meta=policy_meta, evidence=evidence)
        else:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"No firewall rule names {listener.protocol.value} port {listener.port} of {listener.resource}: "
                f"only chain policies decide it ({uncovered[0].describe()}).",
                meta=policy_meta, evidence=evidence,
                remediation=f"Add an explicit rule, e.g. `nft add rule inet filter input {listener.protocol.value} "
                f"dport {listener.port} accept` (or drop), or stop the listener.",
            )

"""firewall-bypass: a port published by DNAT that the input path would drop but forward accepts.

Container runtimes publish ports (`docker run -p 8080:80`) with a DNAT rule in a prerouting
nat chain. The translated packet goes to the forward hook, never to input, so `policy drop`
on input does not protect it. For every DNAT rule (in a nat chain, with a `dport` condition)
and each port it names, from a source no rule names:

* the prerouting path of the original packet must really reach that DNAT (else: dropped
  before, or another translation: nothing to report for this rule);
* the input path alone says what the administrator meant for the port;
* the forward path of the translated packet (to the DNAT address and port, not local) says
  what happens. Input drops or rejects but forward accepts: fail. Any unknown verdict on the
  way: `error` quoting the rule. A DNAT to one of the host's own addresses goes to input:
  not a bypass. Must not do I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from checker.evaluate.firewall.path import FORWARD_HOOKS, Outcome, Packet, PathDecision, path_decision
from checker.evaluate.interface import EvaluationContext
from checker.model import CheckId, Result, RuleMeta, Status
from checker.model.firewall import FirewallChain, FirewallEvidence, FirewallMatch, FirewallRule, MatchKind, Verdict

_FAMILIES = {"ip": ("ipv4",), "ip6": ("ipv6",), "inet": ("ipv4", "ipv6")}


def _nat_rules(firewall: FirewallEvidence) -> Iterator[tuple[FirewallChain, FirewallRule]]:
    for chain in firewall.chains:
        if any(c.chain_type == "nat" and c.table == chain.table and c.family == chain.family
               for c in firewall.chains):
            yield from ((chain, rule) for rule in chain.rules)


def _named_ports(rule: FirewallRule) -> list[FirewallMatch]:
    return [m for m in rule.matches if m.kind is MatchKind.DPORT and not m.negated and m.qualifier in ("tcp", "udp")]


def published_ports(firewall: FirewallEvidence) -> Iterator[tuple[str, str, int, FirewallRule]]:
    """(family, protocol, port, rule) of every DNAT rule in a nat chain that names its ports."""
    for chain, rule in _nat_rules(firewall):
        if rule.verdict is not Verdict.DNAT:
            continue
        for match in _named_ports(rule):
            for value in match.values:
                port = int(value.partition("-")[0])
                for family in _FAMILIES.get(chain.family, ()):
                    yield family, str(match.qualifier), port, rule


def unnamed_translations(firewall: FirewallEvidence) -> Iterator[tuple[FirewallChain, FirewallRule]]:
    """nat rules that may publish ports `published_ports` cannot name: a DNAT without a port
    condition (every port of an address), or a statement the evaluator does not model there
    (a DNAT to a port range or through a map, an iptables-nft `xt` target)."""
    for chain, rule in _nat_rules(firewall):
        if rule.verdict is Verdict.UNMODELLED or rule.verdict is Verdict.DNAT and not _named_ports(rule):
            yield chain, rule


def _target(text: str | None, port: int) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    if not text:
        return None
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    try:
        return ipaddress.ip_address(host), int(port_text) if port_text else port
    except ValueError:
        return None


def _decision_evidence(decision: PathDecision) -> dict[str, Any]:
    return {"outcome": decision.outcome.value, "decided_by": decision.describe(),
            "chains": [step.describe() for step in decision.steps]}


def evaluate_bypass(meta: RuleMeta, firewall: FirewallEvidence, host_addresses: tuple[str, ...],
                    ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.FIREWALL_BYPASS
    found = False
    for family, protocol, port, rule in published_ports(firewall):
        found = True
        resource = f"{protocol}/*:{port}"
        original = Packet(family, protocol, port)
        prerouting = path_decision(firewall, original, ("ingress", "prerouting"))
        inbound = path_decision(firewall, original, ("input",))
        evidence: dict[str, Any] = {"source": "firewall", "family": family, "dnat_rule": rule.text,
                                    "prerouting": _decision_evidence(prerouting), "input": _decision_evidence(inbound)}
        if prerouting.outcome is Outcome.UNKNOWN or inbound.outcome is Outcome.UNKNOWN:
            unknown = prerouting if prerouting.outcome is Outcome.UNKNOWN else inbound
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot tell whether the DNAT `{rule.text}` bypasses the input chain: "
                             f"{unknown.describe()} is not modelled.", meta=meta, evidence=evidence)
            continue
        step = prerouting.decided_by
        if prerouting.outcome is not Outcome.TRANSLATED or step is None or step.rule != rule.text:
            yield ctx.result(check, resource, Status.PASS,
                             f"The DNAT `{rule.text}` is not reached from anywhere ({prerouting.describe()}).",
                             meta=meta, evidence=evidence)
            continue
        target = _target(step.target, port)
        if target is None or inbound.outcome is Outcome.ACCEPT or str(target[0]) in host_addresses \
                or target[0].is_loopback:
            why = ("the input path accepts the port anyway" if inbound.outcome is Outcome.ACCEPT
                   else "its destination is this host, so input filters it")
            yield ctx.result(check, resource, Status.PASS, f"The DNAT `{rule.text}` bypasses nothing: {why}.",
                             meta=meta, evidence=evidence)
            continue
        translated = Packet(family, protocol, target[1], None, target[0], local=False)
        forward = path_decision(firewall, translated, FORWARD_HOOKS)
        evidence["forward"] = _decision_evidence(forward)
        if forward.outcome is Outcome.ACCEPT:
            yield ctx.result(
                check, resource, Status.FAIL,
                f"{protocol} port {port} is published by `{rule.text}`: input would {inbound.outcome.value} it "
                f"({inbound.describe()}), but the forward path accepts it ({forward.describe()}).",
                meta=meta, evidence=evidence,
                remediation=f"Filter {protocol} port {target[1]} to {target[0]} in the forward path (DOCKER-USER "
                "or an nft forward chain), or publish it on 127.0.0.1 only.",
            )
        elif forward.outcome is Outcome.UNKNOWN:
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot tell whether the DNAT `{rule.text}` bypasses the input chain: "
                             f"{forward.describe()} is not modelled.", meta=meta, evidence=evidence)
        else:
            yield ctx.result(check, resource, Status.PASS,
                             f"The DNAT `{rule.text}` is filtered in the forward path too ({forward.describe()}).",
                             meta=meta, evidence=evidence)
    for chain, rule in unnamed_translations(firewall):
        found = True
        yield ctx.result(check, f"firewall:dnat {chain.label} {rule.handle}", Status.ERROR,
                         f"Cannot tell which ports `{rule.text}` in {chain.label} publishes, nor whether it "
                         "bypasses the input chain: the translation is not modelled.",
                         meta=meta, evidence={"source": "firewall", "dnat_rule": rule.text, "chain": chain.label})
    if not found:
        yield ctx.result(check, "firewall:dnat", Status.PASS, "No DNAT rule publishes a port.", meta=meta,
                         evidence={"source": "firewall", "rulesets": [r.source for r in firewall.rulesets]})

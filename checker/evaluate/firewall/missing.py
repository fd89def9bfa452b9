"""firewall-missing: is inbound traffic filtered at all, per address family?

One result per family (`firewall:ipv4`, `firewall:ipv6`). It fails when no base chain on the
inbound hooks (ingress, prerouting filter, input) sees that family, or when every such chain
has an accept policy and no rule reachable from them drops or rejects anything. A reachable
rule whose verdict is not modelled (it could drop) makes it `error` quoting the rule. Which
packets are dropped is the other checks' business. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.evaluate.firewall.path import INBOUND_HOOKS, base_chains
from checker.evaluate.interface import EvaluationContext
from checker.model import CheckId, Result, RuleMeta, Status
from checker.model.firewall import FirewallChain, FirewallEvidence, FirewallRule, Verdict

FAMILIES = ("ipv4", "ipv6")


def reachable_rules(firewall: FirewallEvidence,
                    bases: list[FirewallChain]) -> Iterator[tuple[FirewallChain, FirewallRule]]:
    """Every rule of the base chains and of the chains they jump or go to."""
    index = {(c.family, c.table, c.name): c for c in firewall.chains}
    seen: set[tuple[str, str, str]] = set()
    pending = list(bases)
    while pending:
        chain = pending.pop()
        key = (chain.family, chain.table, chain.name)
        if key in seen:
            continue
        seen.add(key)
        for rule in chain.rules:
            yield chain, rule
            if rule.verdict in (Verdict.JUMP, Verdict.GOTO) and (chain.family, chain.table, rule.target) in index:
                pending.append(index[(chain.family, chain.table, rule.target or "")])


def evaluate_missing(meta: RuleMeta, firewall: FirewallEvidence, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.FIREWALL_MISSING
    for family in FAMILIES:
        resource = f"firewall:{family}"
        bases = list(base_chains(firewall, INBOUND_HOOKS, family))
        bases = [c for c in bases if c.chain_type in (None, "filter")]
        labels = [c.label for c in bases]
        evidence = {"source": "firewall", "family": family, "base_chains": labels,
                    "rulesets": [r.source for r in firewall.rulesets], "notes": list(firewall.notes)}
        if not bases:
            yield ctx.result(check, resource, Status.FAIL,
                             f"Inbound {family} traffic is not filtered: no filter chain on the input hook.",
                             meta=meta, evidence=evidence,
                             remediation="Load a ruleset with an input chain (`type filter hook input priority 0; "
                             "policy drop;`) and enable it at boot.")
            continue
        dropping = [c for c in bases if (c.policy or "accept") != "accept"]
        rules = list(reachable_rules(firewall, bases))
        drops = [(c, r) for c, r in rules if r.verdict in (Verdict.DROP, Verdict.REJECT)]
        if dropping or drops:
            decided = (f"policy {dropping[0].policy} of {dropping[0].label}" if dropping
                       else f"rule `{drops[0][1].text}` in {drops[0][0].label}")
            yield ctx.result(check, resource, Status.PASS, f"Inbound {family} traffic is filtered: {decided}.",
                             meta=meta, evidence=evidence)
            continue
        unmodelled = [(c, r) for c, r in rules if r.verdict is Verdict.UNMODELLED]
        if unmodelled:
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot tell whether inbound {family} traffic is filtered: the rule "
                             f"`{unmodelled[0][1].text}` in {unmodelled[0][0].label} is not modelled.",
                             meta=meta, evidence=evidence)
            continue
        yield ctx.result(check, resource, Status.FAIL,
                         f"Inbound {family} traffic is not filtered: {', '.join(labels)} accept by policy and no "
                         "rule drops or rejects anything.",
                         meta=meta, evidence=evidence,
                         remediation="Set `policy drop` on the input chain and accept only the approved ports.")

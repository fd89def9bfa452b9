"""firewall-missing: is inbound traffic filtered at all, per address family?

One result per family (`firewall:ipv4`, `firewall:ipv6`). It fails when no base chain on the
inbound hooks (ingress, prerouting filter, input) sees that family, or when every such chain
has an accept policy and no rule reachable from them drops or rejects anything. A reachable
rule whose verdict is not modelled (it could drop) makes it `error` quoting the rule. Which
packets are dropped is the other checks' business. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.evaluate.firewall.path import DEVICE_HOOKS, INBOUND_HOOKS, base_chains, chain_scopes
from checker.evaluate.interface import EvaluationContext
from checker.model import CheckId, Result, RuleMeta, Status
from checker.model.firewall import FirewallChain, FirewallEvidence, FirewallRule, Verdict

FAMILIES = ("ipv4", "ipv6")


def reachable_rules(firewall: FirewallEvidence,
                    bases: list[FirewallChain]) -> Iterator[tuple[FirewallChain, FirewallRule]]:
    """Every rule of the base chains and of the chains they jump or go to."""
    scopes = chain_scopes(firewall)
    seen: set[int] = set()
    pending = list(bases)
    while pending:
        chain = pending.pop()
        if id(chain) in seen:
            continue
        seen.add(id(chain))
        index = scopes[id(chain)]
        for rule in chain.rules:
            yield chain, rule
            if rule.verdict in (Verdict.JUMP, Verdict.GOTO) and (chain.family, chain.table, rule.target) in index:
                pending.append(index[(chain.family, chain.table, rule.target or "")])


def _sees_every_packet(chain: FirewallChain) -> bool:
    """Whether the chain's policy and drops surely apply: not bound to devices (ingress), and not
    behind a first rule that decides every packet in a way the evaluator does not model (a table
    whose flags say it may be dormant, a `queue` of everything)."""
    if chain.hook in DEVICE_HOOKS:
        return False
    first = chain.rules[0] if chain.rules else None
    return first is None or bool(first.matches) or first.verdict is not Verdict.UNMODELLED


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
        certain = [c for c in bases if _sees_every_packet(c)]
        dropping = [c for c in certain if (c.policy or "accept") != "accept"]
        rules = list(reachable_rules(firewall, certain))
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
        uncertain = [c for c in bases if not _sees_every_packet(c)]
        if uncertain:
            chain = uncertain[0]
            why = (f"`{chain.rules[0].text}`" if chain.hook not in DEVICE_HOOKS
                   else "it filters only the packets of its devices")
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot tell whether inbound {family} traffic is filtered: only {chain.label} could "
                             f"filter it, and {why}.", meta=meta, evidence=evidence)
            continue
        yield ctx.result(check, resource, Status.FAIL,
                         f"Inbound {family} traffic is not filtered: {', '.join(labels)} accept by policy and no "
                         "rule drops or rejects anything.",
                         meta=meta, evidence=evidence,
                         remediation="Set `policy drop` on the input chain and accept only the approved ports.")

"""Firewall ruleset drift, per rule rather than per byte: what `diff` says about `Snapshot.firewall`.

Chains are keyed by backend and label (`nftables inet filter input`); a chain that appeared or
disappeared is one drift, a base chain whose hook, priority or policy changed another, and
within a chain every rule (by its text, so handles, counters and the order of other chains
never count) that appeared or disappeared is one drift. Notes (legacy rules present) drift
too. Must not read files or render text.
"""

from __future__ import annotations

from collections import Counter

from checker.drift.changes import Drift, DriftKind
from checker.model import Snapshot
from checker.model.firewall import FirewallChain, FirewallEvidence


def _chains(firewall: FirewallEvidence | None) -> dict[str, FirewallChain]:
    if firewall is None:
        return {}
    return {f"firewall:{ruleset.backend} {chain.label}": chain
            for ruleset in firewall.rulesets for chain in ruleset.chains}


def _base(chain: FirewallChain) -> str | None:
    if chain.hook is None:
        return None
    return f"hook {chain.hook} priority {chain.priority} policy {chain.policy}"


def diff_firewall(host: str, old: Snapshot, new: Snapshot) -> list[Drift]:
    """The ruleset drifts of one host; none when either side has no ruleset (the collector drift says why)."""
    if old.firewall is None or new.firewall is None:
        return []
    drifts: list[Drift] = []
    before, after = _chains(old.firewall), _chains(new.firewall)
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            drifts.append(Drift(DriftKind.FIREWALL_CHAIN_ADDED, host, key,
                                new=f"{_base(after[key]) or 'regular chain'}, {len(after[key].rules)} rule(s)"))
            continue
        if key not in after:
            drifts.append(Drift(DriftKind.FIREWALL_CHAIN_REMOVED, host, key,
                                old=f"{_base(before[key]) or 'regular chain'}, {len(before[key].rules)} rule(s)"))
            continue
        if _base(before[key]) != _base(after[key]):
            drifts.append(Drift(DriftKind.FIREWALL_CHAIN_CHANGED, host, key, "base chain",
                                _base(before[key]), _base(after[key])))
        was = Counter(rule.text for rule in before[key].rules)
        now = Counter(rule.text for rule in after[key].rules)
        drifts += [Drift(DriftKind.FIREWALL_RULE_ADDED, host, f"{key}: {text}", new=text)
                   for text in sorted((now - was).elements())]
        drifts += [Drift(DriftKind.FIREWALL_RULE_REMOVED, host, f"{key}: {text}", old=text)
                   for text in sorted((was - now).elements())]
    if sorted(old.firewall.notes) != sorted(new.firewall.notes):
        drifts.append(Drift(DriftKind.FIREWALL_CHAIN_CHANGED, host, "firewall:notes", "notes",
                            "; ".join(old.firewall.notes) or None, "; ".join(new.firewall.notes) or None))
    return drifts

"""The inbound path of one packet through the host's rulesets: pure, no I/O, never a guess.

`path_decision(firewall, packet)` walks the base chains a new connection's first packet meets
on its way to a local socket (hooks `ingress`, `prerouting`, then `input`; within a hook by
priority), or through the host (`prerouting`, then `forward`) for a packet DNAT sent
elsewhere. Within a base chain rules run in order with nftables' (and iptables') semantics:
accept ends that base chain only, drop and reject end the path (so does a DNAT: the
translated packet takes another path), jump pushes and goto replaces
the chain, return pops (in a base chain: the chain's policy), the end of a regular chain
returns, the end of a base chain applies its policy. A drop in ANY base chain wins.

Each condition is true, false or unknown for the packet (`condition_holds`). A rule whose
modelled conditions all hold but that has an unknown one (a `limit`, an interface name other
than `lo`, an `xt` match...), or whose verdict is not modelled, makes that base chain's
outcome UNKNOWN with the rule quoted, unless the rule could not change anything (no verdict).
A rule with one false condition never applies, whatever its unknown ones are.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.model.firewall import FirewallChain, FirewallEvidence, FirewallMatch, FirewallRule, MatchKind, Verdict

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_CALL_DEPTH = 64
"""The kernel refuses deeper jump chains; past this the walk is UNKNOWN rather than endless."""

ChainIndex = dict[tuple[str, str, str], FirewallChain]
"""The chains of one ruleset by (family, table, name)."""
INBOUND_HOOKS = ("ingress", "prerouting", "input")
FORWARD_HOOKS = ("forward",)
DEVICE_HOOKS = frozenset({"ingress"})
"""Hooks whose base chains are bound to network devices (netdev/inet ingress)."""
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "132": "sctp"}
_FAMILIES = {"ip": ("ipv4",), "ip6": ("ipv6",), "inet": ("ipv4", "ipv6"), "netdev": ("ipv4", "ipv6")}


class Outcome(enum.StrEnum):
    ACCEPT = "accept"
    DROP = "drop"
    REJECT = "reject"
    TRANSLATED = "translated"
    """A DNAT/redirect rule applies: the packet leaves this path for another one."""
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Packet:
    """The first packet of a new inbound connection."""

    family: str
    """`ipv4` or `ipv6`."""
    protocol: str
    """`tcp` or `udp`."""
    port: int
    source: IPAddress | None = None
    """None: an address no rule of the ruleset names ("anywhere else")."""
    destination: IPAddress | None = None
    """None: some local address not known in advance (a wildcard listener)."""
    local: bool = True
    """Destined to this host (input path); False for a forwarded packet."""


@dataclass(frozen=True)
class ChainStep:
    """What one base chain did with the packet, and the rule (or policy) that decided."""

    chain: str
    """`inet filter input`."""
    outcome: Outcome
    rule: str | None
    """The deciding rule's text; None when the chain's policy decided."""
    handle: int | None = None
    target: str | None = None
    """DNAT/redirect destination when TRANSLATED."""
    may_alter: bool = False
    """UNKNOWN by a statement the evaluator does not model (`notrack`, a payload rewrite, `queue`,
    ...), or a jump to a chain holding one: the packet, or its conntrack state, that later
    chains see may not be the one evaluated, so their drop proves nothing."""

    def describe(self) -> str:
        decided = f"rule `{self.rule}`" if self.rule is not None else "policy"
        return f"{self.chain}: {self.outcome.value} by {decided}"

    def evidence(self) -> dict[str, Any]:
        return {"chain": self.chain, "outcome": self.outcome.value, "rule": self.rule, "handle": self.handle}


@dataclass(frozen=True)
class PathDecision:
    """The fate of one packet: the deciding step and every base chain it went through."""

    outcome: Outcome
    decided_by: ChainStep | None
    """None when no base chain filters the path at all (accepted by default)."""
    steps: tuple[ChainStep, ...] = ()
    port_rules: tuple[str, ...] = field(default=())
    """Rules that matched the packet by naming its destination port (coverage)."""

    def describe(self) -> str:
        if self.decided_by is None:
            return "no base chain on the path: accepted by default"
        return self.decided_by.describe()


_PORT_KINDS = (MatchKind.DPORT, MatchKind.EITHER_PORT)
_QUALIFIED = (*_PORT_KINDS, MatchKind.SADDR, MatchKind.DADDR)


def condition_holds(match: FirewallMatch, packet: Packet) -> bool | None:
    """Whether `match` holds for `packet`: True, False or None (unknown)."""
    kind = match.kind
    if kind is MatchKind.UNMODELLED or kind is MatchKind.OIFNAME and not packet.local:
        return None
    if kind in _QUALIFIED and match.qualifier is not None:
        # nft's implicit dependency: `tcp dport` needs a TCP packet, `ip saddr` an IPv4 one,
        # even when negated
        wanted = packet.protocol if kind in _PORT_KINDS else packet.family
        if match.qualifier != wanted:
            return False
    held: bool | None
    if kind is MatchKind.PROTOCOL:
        names = {_PROTOCOL_NUMBERS.get(v, v).lower() for v in match.values}
        held = packet.protocol in names or "all" in names
    elif kind is MatchKind.FAMILY:
        held = packet.family in match.values
    elif kind is MatchKind.DPORT:
        held = any(_port_in(packet.port, value) for value in match.values)
    elif kind is MatchKind.EITHER_PORT:
        # the destination port decides when it is one; else the client's source port would
        held = True if any(_port_in(packet.port, value) for value in match.values) else None
    elif kind in (MatchKind.SADDR, MatchKind.DADDR):
        address = packet.source if kind is MatchKind.SADDR else packet.destination
        held = _address_in(address, match.values, unknown_is_outside=kind is MatchKind.SADDR)
    elif kind is MatchKind.IIFNAME:
        # the packet arrives on some non-loopback interface whose name the ruleset cannot tell
        held = False if all(v == "lo" for v in match.values) else None
    elif kind is MatchKind.OIFNAME:
        held = False  # an input-path packet has no output interface
    elif kind is MatchKind.CT_STATE:
        held = "new" in match.values
    elif kind is MatchKind.DST_LOCAL:
        held = ("local" if packet.local else "unicast") in match.values
    else:
        return None
    if held is None:
        return None
    return held != match.negated


def _port_in(port: int, value: str) -> bool:
    low, _, high = value.partition("-")
    try:
        return int(low) <= port <= int(high or low)
    except ValueError:
        return False


@functools.lru_cache(maxsize=65536)
def parse_networks(value: str) -> tuple[IPNetwork, ...] | None:
    """`10.0.0.0/8`, `1.2.3.4`, `10.0.0.1-10.0.0.9` as networks; None when not an address."""
    try:
        if "-" in value and "/" not in value:
            first, last = (ipaddress.ip_address(part.strip()) for part in value.split("-", 1))
            return tuple(ipaddress.summarize_address_range(first, last))
        return (ipaddress.ip_network(value.strip(), strict=False),)
    except (ValueError, TypeError):
        return None


def _address_in(address: IPAddress | None, values: tuple[str, ...], *, unknown_is_outside: bool) -> bool | None:
    networks = [parse_networks(v) for v in values]
    if any(n is None for n in networks):
        return None
    if address is None:
        # the "anywhere else" source lies outside every network the rules name, by construction
        return False if unknown_is_outside else None
    return any(address in network for group in networks if group for network in group)


def rule_applies(rule: FirewallRule, packet: Packet) -> bool | None:
    unknown = False
    for match in rule.matches:
        held = condition_holds(match, packet)
        if held is False:
            return False
        unknown = unknown or held is None
    return None if unknown else True


def _names_port(rule: FirewallRule, packet: Packet) -> bool:
    return any(m.kind in _PORT_KINDS and not m.negated and condition_holds(m, packet) for m in rule.matches)


def walk_base_chain(base: FirewallChain, chains: ChainIndex, packet: Packet,
                    port_rules: list[str]) -> ChainStep:
    """One base chain's outcome for `packet`; appends the rules naming its port to `port_rules`."""
    stack: list[tuple[FirewallChain, int]] = []
    chain, index = base, 0
    while True:
        if index >= len(chain.rules):
            if stack:
                chain, index = stack.pop()
                continue
            return _policy(base)
        rule = chain.rules[index]
        index += 1
        applies = rule_applies(rule, packet)
        if applies is False or (applies is None and rule.verdict is Verdict.CONTINUE):
            continue
        step = ChainStep(chain.label, Outcome.UNKNOWN, rule.text, rule.handle,
                         may_alter=_may_alter(rule, chain, chains))
        if applies is None:
            return step
        if _names_port(rule, packet):
            port_rules.append(rule.text)
        verdict = rule.verdict
        if verdict in _FINAL:
            return ChainStep(chain.label, _FINAL[verdict], rule.text, rule.handle, rule.target)
        if verdict is Verdict.RETURN:
            if not stack:
                return _policy(base)
            chain, index = stack.pop()
        elif verdict in (Verdict.JUMP, Verdict.GOTO):
            called = chains.get((chain.family, chain.table, rule.target or ""))
            if called is None or len(stack) >= MAX_CALL_DEPTH:
                return step
            if verdict is Verdict.JUMP:
                stack.append((chain, index))
            chain, index = called, 0
        elif verdict is not Verdict.CONTINUE:
            return step


def _may_alter(rule: FirewallRule, chain: FirewallChain, chains: ChainIndex) -> bool:
    """Whether `rule`, when it applies, could change the packet or its conntrack state."""
    pending, seen = [(rule, chain)], set()
    while pending:
        current, owner = pending.pop()
        if current.verdict is Verdict.UNMODELLED:
            return True
        if current.verdict in (Verdict.JUMP, Verdict.GOTO):
            called = chains.get((owner.family, owner.table, current.target or ""))
            if called is None:
                return True
            if id(called) not in seen:
                seen.add(id(called))
                pending += [(r, called) for r in called.rules]
    return False


_FINAL = {Verdict.ACCEPT: Outcome.ACCEPT, Verdict.DROP: Outcome.DROP, Verdict.REJECT: Outcome.REJECT,
          Verdict.DNAT: Outcome.TRANSLATED, Verdict.REDIRECT: Outcome.TRANSLATED}


def _policy(base: FirewallChain) -> ChainStep:
    policy = (base.policy or "accept").lower()
    outcome = {"accept": Outcome.ACCEPT, "drop": Outcome.DROP}.get(policy, Outcome.UNKNOWN)
    return ChainStep(base.label, outcome, None)


def chain_scopes(firewall: FirewallEvidence) -> dict[int, ChainIndex]:
    """For each chain (by identity), the chains its jumps can reach: those of its own ruleset.

    nftables and legacy iptables may both hold `ip filter CHECK`; a jump in one never lands
    in the other.
    """
    scopes: dict[int, ChainIndex] = {}
    for ruleset in firewall.rulesets:
        index = {(c.family, c.table, c.name): c for c in ruleset.chains}
        scopes.update((id(chain), index) for chain in ruleset.chains)
    return scopes


def base_chains(firewall: FirewallEvidence, hooks: tuple[str, ...], family: str) -> Iterator[FirewallChain]:
    """The base chains of `hooks` a packet of `family` meets, hook by hook, then by priority."""
    for hook in hooks:
        found = [c for c in firewall.chains if c.hook == hook and family in _FAMILIES.get(c.family, ())]
        yield from sorted(found, key=lambda c: c.priority if c.priority is not None else 0)


def path_decision(firewall: FirewallEvidence, packet: Packet, hooks: tuple[str, ...] = INBOUND_HOOKS) -> PathDecision:
    """The packet's fate on the path through `hooks`: the first drop or reject wins, then unknown."""
    scopes = chain_scopes(firewall)
    steps: list[ChainStep] = []
    port_rules: list[str] = []
    for chain in base_chains(firewall, hooks, packet.family):
        step = walk_base_chain(chain, scopes[id(chain)], packet, port_rules)
        if chain.hook in DEVICE_HOOKS and step.outcome is not Outcome.ACCEPT:
            # an ingress chain sees only the packets of its devices, and which interface a
            # remote packet arrives on is not in the ruleset (nft -j may not even name the device)
            rule = step.rule if step.rule is not None else f"policy {chain.policy}"
            step = ChainStep(step.chain, Outcome.UNKNOWN, f"{rule} (only on the devices of this ingress chain)",
                             step.handle, may_alter=step.may_alter)
        steps.append(step)
        if step.outcome is Outcome.UNKNOWN and step.may_alter:
            # what the later chains see is not the packet evaluated: their verdicts prove nothing
            return PathDecision(Outcome.UNKNOWN, step, tuple(steps), tuple(port_rules))
        if step.outcome in (Outcome.DROP, Outcome.REJECT, Outcome.TRANSLATED):
            # after a translation the later chains see another packet: this path ends here
            return PathDecision(step.outcome, step, tuple(steps), tuple(port_rules))
    for step in steps:
        if step.outcome is Outcome.UNKNOWN:
            return PathDecision(Outcome.UNKNOWN, step, tuple(steps), tuple(port_rules))
    # accepted by every chain: name the last one a rule (rather than a policy) accepted in
    decided = next((step for step in reversed(steps) if step.rule is not None), steps[-1] if steps else None)
    return PathDecision(Outcome.ACCEPT, decided, tuple(steps), tuple(port_rules))

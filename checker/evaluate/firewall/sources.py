"""Which sources may open a connection to one port: the path decision for every kind of source.

A ruleset distinguishes sources only by the addresses its rules name. Those networks are
nested or disjoint (CIDR blocks), so they cut the address space into *atoms*: each named
network minus the named networks inside it, plus "anywhere else" (outside every named one).
Every address of an atom meets the same fate, so one representative per atom decides for the
whole atom: the result is exact, not sampled. Pure, no I/O.

`reach()` classifies a port as accepted from anywhere, accepted only from some sources,
dropped, rejected, or unknown (some atom's path is unknown: never guessed).
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from typing import Any

from checker.evaluate.firewall.path import (
    INBOUND_HOOKS,
    IPAddress,
    IPNetwork,
    Outcome,
    Packet,
    PathDecision,
    parse_networks,
    path_decision,
)
from checker.model.firewall import FirewallEvidence, MatchKind


class Reach(enum.StrEnum):
    ANYWHERE = "accepted-from-anywhere"
    SOURCES = "accepted-only-from-sources"
    DROPPED = "dropped"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PortReach:
    """The ruleset's prediction for new connections to one (family, protocol, port)."""

    family: str
    protocol: str
    port: int
    reach: Reach
    anywhere: PathDecision
    """The path of a source no rule names."""
    accepted_sources: tuple[str, ...] = ()
    """The named source atoms that are accepted (`10.0.0.0/8`, `10.0.0.0/8 except 10.1.0.0/16`)."""
    unknown: PathDecision | None = None
    """The first unknown path (the rule that could not be modelled)."""
    port_rules: tuple[str, ...] = ()
    """Rules naming the port that matched on some source's path."""

    @property
    def covered(self) -> bool:
        """Some rule naming the port decided or steered it (CIS: a rule exists for the port)."""
        return bool(self.port_rules)

    @property
    def unknown_rule(self) -> str:
        decision = self.unknown or self.anywhere
        step = decision.decided_by
        return step.rule if step is not None and step.rule is not None else decision.describe()

    def describe(self) -> str:
        where = f"{self.protocol}/{self.port} ({self.family})"
        if self.reach is Reach.SOURCES:
            return f"{where} accepted only from {', '.join(self.accepted_sources)}"
        if self.reach is Reach.UNKNOWN:
            return f"{where}: verdict unknown at `{self.unknown_rule}`"
        return f"{where} {self.reach.value} ({self.anywhere.describe()})"

    def evidence(self) -> dict[str, Any]:
        decision = self.anywhere
        return {
            "source": "firewall", "family": self.family, "protocol": self.protocol, "port": self.port,
            "verdict": self.reach.value, "accepted_sources": list(self.accepted_sources),
            "decided_by": decision.decided_by.evidence() if decision.decided_by else None,
            "chains": [step.describe() for step in decision.steps],
            "unknown_rule": self.unknown_rule if self.reach is Reach.UNKNOWN else None,
            "port_rules": list(self.port_rules),
        }


def named_networks(firewall: FirewallEvidence, family: str) -> list[IPNetwork]:
    """Every source network of `family` some rule names, most general first."""
    version = 4 if family == "ipv4" else 6
    found: set[IPNetwork] = set()
    for chain in firewall.chains:
        for rule in chain.rules:
            for match in rule.matches:
                if match.kind is MatchKind.SADDR:
                    for value in match.values:
                        found.update(n for n in parse_networks(value) or () if n.version == version)
    return sorted(found, key=lambda n: (n.prefixlen, n.network_address))


def _representative(network: IPNetwork, inside: list[IPNetwork]) -> IPAddress | None:
    """An address of `network` outside every network of `inside`; None when they cover it all."""
    candidates: list[IPAddress] = [network.network_address, network.broadcast_address]
    for child in inside:
        # the neighbours of a child, where the address space has them (0.0.0.0 has no predecessor)
        candidates += [child.network_address - 1] if int(child.network_address) > 0 else []
        candidates += [child.broadcast_address + 1] if child.broadcast_address != _last(child) else []
    for candidate in candidates:
        if candidate in network and not any(candidate in child for child in inside):
            return candidate
    return None


def _last(network: IPNetwork) -> IPAddress:
    return ipaddress.ip_address((1 << network.max_prefixlen) - 1 if network.version == 6 else 0xFFFFFFFF)


def _outer_atoms(networks: list[IPNetwork], atoms: list[tuple[IPNetwork, IPAddress]]) -> list[IPNetwork] | None:
    """The atoms that stand for "anywhere else" when no address is left outside the named networks.

    None while some address lies outside every named network (that "anywhere else" atom
    decides). Else the atoms of the widest networks that have one: `ip saddr 0.0.0.0/0`, or
    the halves 0/1 and 128/1, name every source, and their atoms are what anyone else meets.
    """
    if not networks:
        return None
    whole = ipaddress.ip_network("::/0" if networks[0].version == 6 else "0.0.0.0/0")
    if list(ipaddress.collapse_addresses(networks)) != [whole]:  # type: ignore[type-var]
        return None
    with_atom = [network for network, _ in atoms]
    return [n for n in with_atom if not any(m != n and _within(n, m) for m in with_atom)]


def _atoms(networks: list[IPNetwork]) -> list[tuple[IPNetwork, IPAddress]]:
    """Each named network with a representative of its atom (the network minus the named ones inside)."""
    atoms = []
    for network in networks:
        inside = [n for n in networks if n != network and _within(n, network)]
        address = _representative(network, inside)
        if address is not None:
            atoms.append((network, address))
    return atoms


def _within(inner: IPNetwork, outer: IPNetwork) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _accepted_labels(networks: list[IPNetwork], accepted: set[IPNetwork], atoms: set[IPNetwork]) -> list[str]:
    """The accepted atoms in few words: the widest accepted networks, minus the parts that are not."""
    def inside(outer: IPNetwork) -> list[IPNetwork]:
        return [n for n in networks if n != outer and _within(n, outer)]

    def wholly(network: IPNetwork) -> bool:
        return all(n in accepted or n not in atoms for n in (network, *inside(network)))

    def children(outer: IPNetwork) -> list[IPNetwork]:
        nested = inside(outer)
        return [n for n in nested if not any(m != n and _within(n, m) for m in nested)]

    labels: list[tuple[IPNetwork, str]] = []
    described: list[IPNetwork] = []
    for network in networks:  # most general first
        if network not in accepted or any(_within(network, d) for d in described):
            continue
        described.append(network)
        holes = [child for child in children(network) if not wholly(child)]
        labels.append((network, str(network) + (f" except {', '.join(map(str, holes))}" if holes else "")))
    return [label for _, label in sorted(labels, key=lambda item: (item[0].network_address, item[0].prefixlen))]


def reach(firewall: FirewallEvidence, family: str, protocol: str, port: int,
          destination: IPAddress | None = None) -> PortReach:
    """The ruleset's prediction for a new `protocol` connection to `port` over `family`."""
    networks = named_networks(firewall, family)
    atoms = _atoms(networks)
    outer = _outer_atoms(networks, atoms)
    decisions = {network: path_decision(firewall, Packet(family, protocol, port, address, destination),
                                        INBOUND_HOOKS) for network, address in atoms}
    if outer is None:
        anywhere = path_decision(firewall, Packet(family, protocol, port, None, destination), INBOUND_HOOKS)
        everyone = anywhere.outcome is Outcome.ACCEPT
        paths = [anywhere, *decisions.values()]
    else:
        # the "anywhere else" packet would stand for no address at all: the widest atoms are anyone
        anywhere = decisions[outer[0]]
        everyone = all(decisions[network].outcome is Outcome.ACCEPT for network in outer)
        paths = list(decisions.values())
    unknown = next((d for d in paths if d.outcome in (Outcome.UNKNOWN, Outcome.TRANSLATED)), None)
    port_rules: list[str] = []
    for decision in paths:
        port_rules += [r for r in decision.port_rules if r not in port_rules]
    accepted_networks = {network for network, decision in decisions.items() if decision.outcome is Outcome.ACCEPT}
    if everyone:
        verdict = Reach.ANYWHERE  # whatever the named sources meet, anyone else gets in
    elif unknown is not None:
        verdict = Reach.UNKNOWN
    elif accepted_networks:
        verdict = Reach.SOURCES
    else:
        verdict = Reach.REJECTED if anywhere.outcome is Outcome.REJECT else Reach.DROPPED
    accepted = _accepted_labels(networks, accepted_networks, {network for network, _ in atoms})
    return PortReach(family, protocol, port, verdict, anywhere, tuple(accepted), unknown, tuple(port_rules))


def destination_of(address: str) -> IPAddress | None:
    """The listener's own address as the packet's destination; None for a wildcard."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    return None if parsed.is_unspecified else parsed

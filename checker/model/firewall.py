"""The host firewall as collected: nftables and legacy iptables rulesets in one shape. No I/O.

Both backends are parsed (checker.collect.firewall) into the same chains and rules, so one
evaluator (checker.evaluate.firewall.path) walks either. A rule keeps only the conditions
the evaluator models (`MatchKind`); any other condition or statement is kept as an
`UNMODELLED` match (or an `UNMODELLED` verdict) with its text, so the evaluator can say
`unknown` for exactly the packets that rule could decide, never guess. Every rule keeps its
text (nft syntax rendered from the JSON, or the iptables-save line) for evidence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class MatchKind(enum.StrEnum):
    """The conditions of a rule the inbound-path evaluator understands."""

    PROTOCOL = "protocol"
    """Layer 4 protocol: values `tcp`, `udp`, `icmp`, ... (nft `meta l4proto`, iptables `-p`)."""
    FAMILY = "family"
    """Address family: values `ipv4`, `ipv6` (nft `meta nfproto`)."""
    DPORT = "dport"
    """Destination port: values `22`, `8000-8080`; `qualifier` the protocol (`tcp`/`udp`) the
    match implies (nft `tcp dport` is false for UDP packets), None for any port-carrying one."""
    EITHER_PORT = "either-port"
    """Source OR destination port (iptables `-m multiport --ports`), values and `qualifier` as
    DPORT. The source port is the client's choice: unknown unless the destination port decides."""
    SADDR = "saddr"
    """Source address: values addresses, prefixes (`10.0.0.0/8`) or ranges (`a-b`);
    `qualifier` the family (`ipv4`/`ipv6`) it implies."""
    DADDR = "daddr"
    """Destination address, same values as SADDR."""
    IIFNAME = "iifname"
    """Input interface names (`lo`). Only `lo` is modelled: other names are unknown."""
    OIFNAME = "oifname"
    """Output interface names (forward path). Never modelled: always unknown when it decides."""
    CT_STATE = "ct-state"
    """Conntrack states: `new`, `established`, `related`, `invalid`, `untracked` (any of them)."""
    DST_LOCAL = "dst-local"
    """The destination is an address of this host (iptables `-m addrtype --dst-type LOCAL`,
    nft `fib daddr type local`); values the types named."""
    UNMODELLED = "unmodelled"
    """A condition the evaluator does not model; `values` holds its text."""


@dataclass(frozen=True, slots=True)
class FirewallMatch:
    """One condition of a rule; a rule applies when all of its conditions hold."""

    kind: MatchKind
    values: tuple[str, ...]
    """Any of these (for CT_STATE: any of these states; for DPORT: any of these ports/ranges)."""
    negated: bool = False
    """`!=` / `!`: the condition holds when none of the values does."""
    qualifier: str | None = None
    """The protocol (DPORT) or family (SADDR/DADDR) the match implies, see `MatchKind`."""


class Verdict(enum.StrEnum):
    """What a rule does with a packet it matches."""

    ACCEPT = "accept"
    DROP = "drop"
    REJECT = "reject"
    JUMP = "jump"
    GOTO = "goto"
    RETURN = "return"
    CONTINUE = "continue"
    """No verdict (counter, log, ...): the next rule is evaluated."""
    DNAT = "dnat"
    """Destination NAT (nat prerouting): `target` is the new `address:port`."""
    REDIRECT = "redirect"
    """Redirect to a local port: `target` is the port."""
    UNMODELLED = "unmodelled"
    """A statement the evaluator does not model (queue, vmap, set updates, ...)."""


@dataclass(frozen=True, slots=True)
class FirewallRule:
    """One rule: its conditions, its verdict, and its text for evidence."""

    matches: tuple[FirewallMatch, ...]
    verdict: Verdict
    text: str
    """nft syntax rendered from the JSON, or the iptables-save line as written."""
    target: str | None = None
    """The chain of a jump/goto; the `address:port` of a DNAT; the port of a redirect."""
    handle: int | None = None
    """nft rule handle; the line of the iptables-save output for iptables."""


@dataclass(frozen=True, slots=True)
class FirewallChain:
    """A chain with its rules; a base chain has a hook and a priority."""

    family: str
    """nft table family (`ip`, `ip6`, `inet`, `netdev`, `bridge`, `arp`); `ip`/`ip6` for iptables."""
    table: str
    name: str
    rules: tuple[FirewallRule, ...] = ()
    hook: str | None = None
    """`prerouting`, `input`, `forward`, `output`, `postrouting`, `ingress`; None: a regular chain."""
    chain_type: str | None = None
    """`filter`, `nat`, `route` (iptables: the table's kind)."""
    priority: int | None = None
    policy: str | None = None
    """`accept` or `drop` for a base chain."""

    @property
    def label(self) -> str:
        """`inet filter input`: how evidence names the chain."""
        return f"{self.family} {self.table} {self.name}"


@dataclass(frozen=True, slots=True)
class FirewallRuleset:
    """One backend's ruleset as read from one source."""

    backend: str
    """`nftables`, `iptables-legacy` or `ip6tables-legacy`."""
    source: str
    """The command (`nft -j list ruleset`) or the imported file's path."""
    chains: tuple[FirewallChain, ...] = ()
    version: str | None = None
    """The program version that wrote it, when it says."""


@dataclass(frozen=True, slots=True)
class FirewallEvidence:
    """The firewall of one host: every ruleset the packet path goes through."""

    rulesets: tuple[FirewallRuleset, ...] = ()
    notes: tuple[str, ...] = ()
    """What a reader must know, e.g. `legacy iptables rules present, not visible to nft`."""

    @property
    def chains(self) -> tuple[FirewallChain, ...]:
        return tuple(chain for ruleset in self.rulesets for chain in ruleset.chains)

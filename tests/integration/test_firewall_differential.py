"""Differential test of the inbound-path evaluator: its verdict equals what a real connection sees.

Two namespaces joined by a veth pair (tests/support/netns.py); three TCP listeners on 0.0.0.0
in the server namespace. For each ruleset (nftables, then legacy iptables, then both at
once), loaded in the server namespace with the real programs, the live ruleset is read the way
the collector reads it (`nft -j list ruleset`, `iptables-legacy-save`) and evaluated for a
connection from the client's address; a real connection attempt from the client namespace
must agree: connect succeeds (accept), is refused (reject) or times out (drop).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from collections.abc import Iterator
from string import Template

import pytest

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate.firewall.path import Outcome, Packet, path_decision
from checker.model.firewall import FirewallEvidence, FirewallRuleset
from support.netns import (
    CLIENT_ADDRESS,
    SERVER_ADDRESS,
    NamespacePair,
    connect_outcomes,
    namespace_pair,
    server_listeners,
)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(not (shutil.which("nft") and shutil.which("iptables-legacy-restore")),
                       reason="nftables and iptables are installed by `make test`"),
]

NFT_RULESETS = {
    "policy drop, one port accepted": """
table inet filter {
  chain input { type filter hook input priority 0; policy drop; tcp dport $p1 accept
  }
}""",
    "policy accept, drop and reject by port": """
table inet filter {
  chain input { type filter hook input priority 0; policy accept;
    tcp dport $p1 drop
    tcp dport $p2 reject with tcp reset
  }
}""",
    "anonymous set and range": """
table inet filter {
  chain input { type filter hook input priority 0; policy drop;
    tcp dport { $p1, 1-3 } accept
    tcp dport $p2-$p2 accept
  }
}""",
    "source address, prefix and named set": """
table ip filter {
  set friends { type ipv4_addr; flags interval; elements = { 198.18.0.0/30 } }
  chain input { type filter hook input priority 0; policy drop;
    ip saddr $client tcp dport $p1 accept
    ip saddr 198.18.0.99 tcp dport $p2 accept
    ip saddr @friends tcp dport $p3 accept
  }
}""",
    "jump, return and goto": """
table inet filter {
  chain only_client { ip saddr != $client return; accept
  }
  chain refuse { reject with tcp reset
  }
  chain input { type filter hook input priority 0; policy drop;
    tcp dport $p1 jump only_client
    tcp dport $p2 goto refuse
    tcp dport $p3 jump only_client
  }
}""",
    "ct state and loopback": """
table inet filter {
  chain input { type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ct state invalid drop
    ct state new tcp dport $p1 accept
    ct state established tcp dport $p2 accept
  }
}""",
    "a drop in any base chain wins": """
table inet first {
  chain input { type filter hook input priority -10; policy accept; tcp dport $p2 drop
  }
}
table inet second {
  chain input { type filter hook input priority 10; policy accept; accept
  }
}""",
    "return in a base chain applies its policy": """
table ip filter {
  chain input { type filter hook input priority 0; policy drop;
    tcp dport $p1 return
    tcp dport $p2 accept
  }
}""",
    "meta l4proto and negated port": """
table inet filter {
  chain input { type filter hook input priority 0; policy accept;
    meta l4proto tcp tcp dport != { $p1, $p3 } drop
  }
}""",
}

IPTABLES_RULESETS = {
    "legacy policy drop, one port accepted": """*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport $p1 -j ACCEPT
COMMIT
""",
    "legacy multiport, reject, source": """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m multiport --dports $p1,$p3 -j ACCEPT
-A INPUT ! -s $client/32 -p tcp -m tcp --dport $p2 -j ACCEPT
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
COMMIT
""",
    "legacy user chain, conntrack, state": """*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ADMIN - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -m state --state INVALID -j DROP
-A INPUT -p tcp -m tcp --dport $p1 -j ADMIN
-A INPUT -p tcp -m tcp --dport $p2 -m conntrack --ctstate NEW -j ACCEPT
-A ADMIN -s 198.18.0.99/32 -j RETURN
-A ADMIN -j ACCEPT
COMMIT
""",
}

BOTH = ("""
table inet filter {
  chain input { type filter hook input priority 0; policy accept; tcp dport $p1 accept
  }
}""", """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport $p1 -j DROP
-A INPUT -p tcp -m tcp --dport $p2 -j REJECT --reject-with tcp-reset
COMMIT
""")


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[NamespacePair, list[int]]]:
    with namespace_pair() as pair, server_listeners(pair, 3) as ports:
        yield pair, ports


def _fill(template: str, ports: list[int]) -> str:
    return Template(template).substitute(p1=ports[0], p2=ports[1], p3=ports[2], client=CLIENT_ADDRESS)


def _predicted(rulesets: tuple[FirewallRuleset, ...], ports: list[int]) -> dict[int, str]:
    firewall = FirewallEvidence(rulesets)
    source, destination = ipaddress.ip_address(CLIENT_ADDRESS), ipaddress.ip_address(SERVER_ADDRESS)
    outcomes = {}
    for port in ports:
        decision = path_decision(firewall, Packet("ipv4", "tcp", port, source, destination))
        assert decision.outcome is not Outcome.UNKNOWN, decision.describe()
        outcomes[port] = decision.outcome.value
    return outcomes


def _live_rulesets(pair: NamespacePair) -> tuple[FirewallRuleset, ...]:
    nft = parse_nft_json(pair.nft_json(), "nft")
    legacy = parse_iptables_save(pair.iptables_save(), "iptables-legacy-save")
    return nft, legacy


@pytest.mark.parametrize("name", sorted(NFT_RULESETS))
def test_nft_verdict_matches_a_real_connection(world: tuple[NamespacePair, list[int]], name: str) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_nft(_fill(NFT_RULESETS[name], ports))
    assert _predicted(_live_rulesets(pair), ports) == connect_outcomes(pair, ports)


@pytest.mark.parametrize("name", sorted(IPTABLES_RULESETS))
def test_iptables_legacy_verdict_matches_a_real_connection(world: tuple[NamespacePair, list[int]], name: str) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_iptables(_fill(IPTABLES_RULESETS[name], ports))
    assert _predicted(_live_rulesets(pair), ports) == connect_outcomes(pair, ports)


def test_nft_and_legacy_tables_together_a_drop_in_either_wins(world: tuple[NamespacePair, list[int]]) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_nft(_fill(BOTH[0], ports))
    pair.load_iptables(_fill(BOTH[1], ports))
    predicted = _predicted(_live_rulesets(pair), ports)
    assert predicted == connect_outcomes(pair, ports)
    assert predicted == {ports[0]: "drop", ports[1]: "reject", ports[2]: "accept"}

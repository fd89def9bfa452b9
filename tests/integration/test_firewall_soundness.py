"""Soundness of the firewall prediction: where a real connection from another host gets in, the
evaluator never says dropped, rejected or "only from S" (which would let `firewall-port-open`
pass); it says accepted from anywhere, or unknown (`error`) where it cannot model the construct.

Each ruleset is one an adversarial review found mispredicted (their saved forms are unit-tested
in tests/unit/evaluate/test_firewall_adversarial.py). Loaded with the real programs in the
server namespace of tests/support/netns.py; the client (198.18.0.1, only inside these
namespaces) connects across the veth pair.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from string import Template

import pytest

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate.firewall.sources import Reach, reach
from checker.model.firewall import FirewallEvidence
from support.netns import SERVER_ADDRESS, NamespacePair, connect_outcomes, namespace_pair, run, server_listeners

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(not (shutil.which("nft") and shutil.which("iptables-legacy-restore")),
                       reason="nftables and iptables are installed by `make test`"),
]

SOUND = (Reach.ANYWHERE, Reach.UNKNOWN)

NFT = {
    "sources that cover the whole address space": """
table ip filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ip saddr 0.0.0.0/0 tcp dport $p1 accept
    ip saddr 0.0.0.0/1 tcp dport $p2 accept
    ip saddr 128.0.0.0/1 tcp dport $p2 accept
    ip saddr != 0.0.0.0/0 tcp dport $p3 drop
    tcp dport $p3 accept
  }
}""",
    "notrack, then ct state untracked accept": """
table inet raw {
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    meta l4proto tcp notrack
  }
}
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state untracked accept
  }
}""",
    "an ingress chain of another device": """
table netdev edge {
  chain ingress {
    type filter hook ingress device "lo" priority 0; policy drop;
  }
}""",
}

SAME_NAMES = ("""
table ip filter {
  chain CHECK {
    return
  }
  chain INPUT {
    type filter hook input priority 0; policy accept;
    jump CHECK
  }
}""", """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:CHECK - [0:0]
-A CHECK -j DROP
COMMIT
""")

MULTIPORT = """*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m multiport --ports 22 -j ACCEPT
COMMIT
"""


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[NamespacePair, list[int]]]:
    with namespace_pair() as pair, server_listeners(pair, 3) as ports:
        yield pair, ports


def _live(pair: NamespacePair) -> FirewallEvidence:
    return FirewallEvidence((parse_nft_json(pair.nft_json(), "nft"),
                             parse_iptables_save(pair.iptables_save(), "iptables-legacy-save")))


def _assert_sound(pair: NamespacePair, ports: list[int], real: dict[int, str]) -> None:
    firewall = _live(pair)
    for port in ports:
        predicted = reach(firewall, "ipv4", "tcp", port)
        assert real[port] == "accept", f"the ruleset was meant to let port {port} in: {real}"
        assert predicted.reach in SOUND, predicted.describe()


@pytest.mark.parametrize("name", sorted(NFT))
def test_nft_ruleset_that_lets_everyone_in_is_never_predicted_closed(
        world: tuple[NamespacePair, list[int]], name: str) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_nft(Template(NFT[name]).substitute(p1=ports[0], p2=ports[1], p3=ports[2]))
    _assert_sound(pair, ports, connect_outcomes(pair, ports))


def test_a_jump_in_nft_never_lands_in_a_legacy_chain_of_the_same_name(
        world: tuple[NamespacePair, list[int]]) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_nft(SAME_NAMES[0])
    pair.load_iptables(SAME_NAMES[1])
    _assert_sound(pair, ports, connect_outcomes(pair, ports))


_FROM_PORT = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.settimeout(2.0)
s.bind(("0.0.0.0", int(sys.argv[2])))
try:
    s.connect((sys.argv[1], int(sys.argv[3])))
    print("accept")
except OSError:
    print("no")
"""


def test_multiport_ports_lets_a_client_with_that_source_port_in(world: tuple[NamespacePair, list[int]]) -> None:
    pair, ports = world
    pair.reset_firewall()
    pair.load_iptables(MULTIPORT)
    real = {}
    for port in ports:
        result = run(pair.in_client(sys.executable, "-c", _FROM_PORT, SERVER_ADDRESS, "22", str(port)))
        real[port] = result.stdout.strip()
    _assert_sound(pair, ports, real)
    assert set(connect_outcomes(pair, ports).values()) == {"drop"}  # from any other source port

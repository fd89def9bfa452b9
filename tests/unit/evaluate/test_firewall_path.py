"""The inbound-path evaluator on saved rulesets, one construct per ruleset.

The saved forms in tests/assets/firewall/ (`*.nft.json`, `*.iptables.save`) were produced by
the real programs from the rulesets beside them, loaded in a network namespace
(`python3 -m support.netns` regenerates them; tests/integration/test_firewall_assets.py
checks they are current). Here they are only parsed and evaluated: pure, no root.
"""

from __future__ import annotations

import ipaddress

import pytest

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate.firewall.path import Outcome, Packet, path_decision
from checker.evaluate.firewall.sources import Reach, reach
from checker.model.firewall import FirewallEvidence
from support import ASSETS

FIREWALL = ASSETS / "firewall"


def load(name: str) -> FirewallEvidence:
    text = (FIREWALL / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return FirewallEvidence((parse_nft_json(text, name),))
    return FirewallEvidence((parse_iptables_save(text, name, ipv6=".ip6tables" in name),))


# (asset, family, protocol, port, expected verdict, accepted sources or the quoted unknown rule)
CASES = [
    ("policy_drop_port.nft.json", "ipv4", "tcp", 22, Reach.ANYWHERE, None),
    ("policy_drop_port.nft.json", "ipv6", "tcp", 22, Reach.ANYWHERE, None),
    ("policy_drop_port.nft.json", "ipv4", "tcp", 80, Reach.DROPPED, None),
    ("policy_drop_port.nft.json", "ipv4", "udp", 22, Reach.DROPPED, None),
    ("anonymous_set_and_range.nft.json", "ipv4", "tcp", 443, Reach.ANYWHERE, None),
    ("anonymous_set_and_range.nft.json", "ipv4", "tcp", 8042, Reach.ANYWHERE, None),
    ("anonymous_set_and_range.nft.json", "ipv4", "tcp", 81, Reach.REJECTED, None),
    ("anonymous_set_and_range.nft.json", "ipv4", "tcp", 8081, Reach.DROPPED, None),
    ("named_port_set.nft.json", "ipv6", "tcp", 80, Reach.ANYWHERE, None),
    ("named_port_set.nft.json", "ipv6", "tcp", 8080, Reach.DROPPED, None),
    ("source_prefix_and_set.nft.json", "ipv4", "tcp", 5432, Reach.SOURCES, ("10.0.0.0/8 except 10.9.0.0/16",)),
    ("source_prefix_and_set.nft.json", "ipv6", "tcp", 5432, Reach.SOURCES, ("fd00::/8",)),
    ("source_prefix_and_set.nft.json", "ipv4", "tcp", 22, Reach.SOURCES, ("192.0.2.0/24", "198.51.100.7/32")),
    ("source_prefix_and_set.nft.json", "ipv4", "udp", 53, Reach.SOURCES,
     ("203.0.113.1/32", "203.0.113.2/31", "203.0.113.4/30", "203.0.113.8/31")),
    ("loopback_and_interfaces.nft.json", "ipv4", "tcp", 25, Reach.DROPPED, None),
    ("loopback_and_interfaces.nft.json", "ipv4", "tcp", 22, Reach.UNKNOWN, 'iifname eth0 tcp dport 22 accept'),
    ("loopback_and_interfaces.nft.json", "ipv4", "tcp", 23, Reach.REJECTED, None),
    ("ct_state.nft.json", "ipv4", "tcp", 22, Reach.ANYWHERE, None),
    ("ct_state.nft.json", "ipv4", "tcp", 80, Reach.DROPPED, None),
    ("jump_goto_return.nft.json", "ipv4", "tcp", 22, Reach.SOURCES, ("192.0.2.0/24",)),
    ("jump_goto_return.nft.json", "ipv4", "tcp", 23, Reach.REJECTED, None),
    ("jump_goto_return.nft.json", "ipv4", "tcp", 24, Reach.DROPPED, None),
    ("jump_goto_return.nft.json", "ipv4", "udp", 53, Reach.ANYWHERE, None),  # return in a base chain: policy
    ("unmodelled_limit_and_vmap.nft.json", "ipv4", "tcp", 22, Reach.UNKNOWN,
     'tcp dport 22 limit {"burst":5,"per":"second","rate":5} accept'),
    ("unmodelled_limit_and_vmap.nft.json", "ipv4", "tcp", 80, Reach.UNKNOWN,
     'vmap {"data":{"set":[[80,{"accept":null}],[81,{"drop":null}]]},"key":{"payload":{"field":"dport",'
     '"protocol":"tcp"}}}'),
    ("unmodelled_limit_and_vmap.nft.json", "ipv4", "tcp", 443, Reach.UNKNOWN, None),  # the vmap comes first
    ("two_tables_priority.nft.json", "ipv4", "tcp", 8080, Reach.DROPPED, None),
    ("two_tables_priority.nft.json", "ipv6", "tcp", 8080, Reach.ANYWHERE, None),  # the strict table is ip only
    ("two_tables_priority.nft.json", "ipv4", "udp", 161, Reach.DROPPED, None),  # prerouting filter chain
    ("ipv6_only.nft.json", "ipv4", "tcp", 22, Reach.ANYWHERE, None),
    ("ipv6_only.nft.json", "ipv6", "tcp", 22, Reach.DROPPED, None),
    ("basic.iptables.save", "ipv4", "tcp", 22, Reach.ANYWHERE, None),
    ("basic.iptables.save", "ipv4", "tcp", 8080, Reach.ANYWHERE, None),  # multiport range 8000:8080
    ("basic.iptables.save", "ipv4", "tcp", 5432, Reach.SOURCES, ("10.0.0.0/8",)),
    ("basic.iptables.save", "ipv4", "udp", 53, Reach.SOURCES, ("192.0.2.1/32",)),
    ("basic.iptables.save", "ipv4", "tcp", 2222, Reach.ANYWHERE, None),  # all but 192.0.2.0/24 via ADMIN
    ("basic.iptables.save", "ipv4", "tcp", 2323, Reach.REJECTED, None),
    ("basic.iptables.save", "ipv4", "tcp", 9000, Reach.UNKNOWN,
     "-A INPUT -p tcp -m tcp --dport 9000 -m limit --limit 5/sec -j ACCEPT"),
    ("basic.iptables.save", "ipv4", "tcp", 3306, Reach.DROPPED, None),
    ("ipv6.ip6tables.save", "ipv6", "tcp", 22, Reach.SOURCES, ("fd00::/8",)),
]


@pytest.mark.parametrize(("asset", "family", "protocol", "port", "verdict", "detail"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_verdict_of_each_construct(asset: str, family: str, protocol: str, port: int, verdict: Reach,
                                   detail: tuple[str, ...] | str | None) -> None:
    predicted = reach(load(asset), family, protocol, port)
    assert predicted.reach is verdict, predicted.describe()
    if verdict is Reach.SOURCES:
        assert predicted.accepted_sources == detail
    if verdict is Reach.UNKNOWN and detail is not None:
        assert detail in predicted.unknown_rule


def test_evidence_names_the_chain_and_rule_that_decided() -> None:
    predicted = reach(load("policy_drop_port.nft.json"), "ipv4", "tcp", 22)
    evidence = predicted.evidence()
    assert evidence["decided_by"]["chain"] == "inet filter input"
    assert evidence["decided_by"]["rule"] == "tcp dport 22 accept"
    assert evidence["decided_by"]["handle"] is not None
    dropped = reach(load("policy_drop_port.nft.json"), "ipv4", "tcp", 80).evidence()
    assert dropped["decided_by"] == {"chain": "inet filter input", "outcome": "drop", "rule": None, "handle": None}


def test_a_rule_naming_the_port_covers_it_a_policy_does_not() -> None:
    firewall = load("policy_drop_port.nft.json")
    assert reach(firewall, "ipv4", "tcp", 22).covered
    assert not reach(firewall, "ipv4", "tcp", 80).covered
    # accepted only from some sources: the rule naming the port matched on their path
    assert reach(load("source_prefix_and_set.nft.json"), "ipv4", "tcp", 5432).covered


def test_legacy_and_nft_rulesets_are_walked_together_and_a_drop_in_either_wins() -> None:
    both = FirewallEvidence(load("policy_drop_port.nft.json").rulesets + load("basic.iptables.save").rulesets)
    assert reach(both, "ipv4", "tcp", 22).reach is Reach.ANYWHERE
    assert reach(both, "ipv4", "tcp", 8080).reach is Reach.DROPPED  # iptables accepts, nft drops


def test_a_specific_source_address_is_evaluated_exactly() -> None:
    firewall = load("jump_goto_return.nft.json")
    inside = Packet("ipv4", "tcp", 22, ipaddress.ip_address("192.0.2.9"))
    outside = Packet("ipv4", "tcp", 22, ipaddress.ip_address("198.51.100.9"))
    assert path_decision(firewall, inside).outcome is Outcome.ACCEPT
    assert path_decision(firewall, outside).outcome is Outcome.DROP


def test_no_base_chain_means_accepted_by_default() -> None:
    decision = path_decision(load("no_input_chain.nft.json"), Packet("ipv4", "tcp", 22))
    assert decision.outcome is Outcome.ACCEPT and decision.decided_by is None

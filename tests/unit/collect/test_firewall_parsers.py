"""The pure firewall parsers: nft JSON and iptables-save text into chains and rules.

Inputs are the saved forms the real programs wrote (tests/assets/firewall/), plus broken
documents: a parser never turns unreadable input into an empty ruleset (fail closed).
"""

from __future__ import annotations

import json

import pytest

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import FirewallFormatError, parse_nft_json
from checker.model.firewall import FirewallRuleset, MatchKind, Verdict
from support import ASSETS

FIREWALL = ASSETS / "firewall"


def nft(name: str) -> FirewallRuleset:
    return parse_nft_json((FIREWALL / name).read_text(encoding="utf-8"), name)


def chain_rules(ruleset: FirewallRuleset, name: str) -> list[str]:
    return [rule.text for chain in ruleset.chains if chain.name == name for rule in chain.rules]


def test_base_chains_keep_hook_priority_and_policy() -> None:
    ruleset = nft("two_tables_priority.nft.json")
    chains = {chain.label: chain for chain in ruleset.chains}
    assert chains["ip strict input"].priority == -10 and chains["ip strict input"].hook == "input"
    assert chains["inet raw prerouting"].priority == -300 and chains["inet raw prerouting"].policy == "accept"
    assert ruleset.backend == "nftables" and ruleset.version


def test_rule_text_reads_like_nft_list_ruleset() -> None:
    assert chain_rules(nft("anonymous_set_and_range.nft.json"), "input") == [
        "tcp dport { 80, 443 } accept", "tcp dport 8000-8080 accept", "tcp dport < 100 reject with tcp reset"]
    assert chain_rules(nft("loopback_and_interfaces.nft.json"), "input")[:2] == [
        "iif lo accept", "iifname lo tcp dport 25 accept"]


def test_named_sets_are_resolved_into_the_match() -> None:
    rule = nft("source_prefix_and_set.nft.json").chains[-1].rules[2]
    saddr = next(m for m in rule.matches if m.kind is MatchKind.SADDR)
    assert saddr.values == ("192.0.2.0/24", "198.51.100.7") and saddr.qualifier == "ipv4"
    assert "@admins" in rule.text


def test_unmodelled_conditions_and_statements_are_kept_with_their_text() -> None:
    rules = nft("unmodelled_limit_and_vmap.nft.json").chains[0].rules
    limit, vmap, counted, mark_match, mark_set = rules
    assert [m.kind for m in limit.matches] == [MatchKind.DPORT, MatchKind.UNMODELLED]
    assert vmap.verdict is Verdict.UNMODELLED and vmap.text.startswith("vmap ")
    assert counted.verdict is Verdict.ACCEPT and [m.kind for m in counted.matches] == [MatchKind.DPORT]
    assert MatchKind.UNMODELLED in [m.kind for m in mark_match.matches]
    assert mark_set.verdict is Verdict.ACCEPT  # setting a mark decides nothing


def test_dnat_target_and_jump_targets() -> None:
    ruleset = nft("dnat_bypass.nft.json")
    dnat = ruleset.chains[0].rules[0]
    assert (dnat.verdict, dnat.target) == (Verdict.DNAT, "172.17.0.2:80")
    jumps = nft("jump_goto_return.nft.json")
    verdicts = [(r.verdict, r.target) for c in jumps.chains if c.name == "input" for r in c.rules]
    assert (Verdict.JUMP, "admin") in verdicts and (Verdict.GOTO, "refuse") in verdicts


@pytest.mark.parametrize(("document", "message"), [
    ("", "not JSON"),
    ("[]", "no top-level"),
    ('{"nftables": {}}', "no top-level"),
    ('{"nftables": [{"metainfo": {"json_schema_version": 2}}]}', "json_schema_version"),
    ('{"nftables": [{"rule": {"family": "ip", "table": "t", "chain": "c", "expr": []}}]}', "unknown chain"),
    ('{"nftables": [{"chain": {"family": "ip", "table": "t"}}]}', "without family/table/name"),
    ('{"nftables": [42]}', "unexpected entry"),
])
def test_unreadable_nft_json_is_an_error_never_an_empty_ruleset(document: str, message: str) -> None:
    with pytest.raises(FirewallFormatError, match=message):
        parse_nft_json(document, "saved.json")


def test_an_empty_ruleset_is_an_empty_ruleset() -> None:
    ruleset = parse_nft_json(json.dumps({"nftables": [{"metainfo": {"json_schema_version": 1}}]}), "x")
    assert ruleset.chains == ()


def test_iptables_save_builtin_chains_get_their_table_hooks() -> None:
    ruleset = parse_iptables_save((FIREWALL / "docker_bypass.iptables.save").read_text(), "save")
    chains = {chain.label: chain for chain in ruleset.chains}
    assert (chains["ip nat PREROUTING"].hook, chains["ip nat PREROUTING"].priority) == ("prerouting", -100)
    assert (chains["ip filter INPUT"].hook, chains["ip filter INPUT"].policy) == ("input", "drop")
    assert chains["ip filter DOCKER-USER"].hook is None
    jump = chains["ip nat PREROUTING"].rules[0]
    assert (jump.verdict, jump.target) == (Verdict.JUMP, "DOCKER")  # a user chain, upper case
    assert jump.matches[0].kind is MatchKind.DST_LOCAL
    dnat = chains["ip nat DOCKER"].rules[0]
    assert (dnat.verdict, dnat.target) == (Verdict.DNAT, "172.17.0.2:80")


def test_iptables_options_and_negation() -> None:
    ruleset = parse_iptables_save((FIREWALL / "basic.iptables.save").read_text(), "save")
    rules = {rule.text: rule for chain in ruleset.chains for rule in chain.rules}
    reject = rules["-A INPUT ! -s 192.0.2.1/32 -p udp -m udp --dport 53 -j REJECT --reject-with "
                   "icmp-port-unreachable"]
    assert [(m.kind, m.values, m.negated) for m in reject.matches] == [
        (MatchKind.SADDR, ("192.0.2.1/32",), True), (MatchKind.PROTOCOL, ("udp",), False),
        (MatchKind.DPORT, ("53",), False)]
    multiport = rules["-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT"]
    assert multiport.matches[1].values == ("80", "443", "8000-8080")
    limited = rules["-A INPUT -p tcp -m tcp --dport 9000 -m limit --limit 5/sec -j ACCEPT"]
    assert limited.matches[-1].kind is MatchKind.UNMODELLED and limited.matches[-1].values == ("-m limit --limit 5/sec",)
    log = rules['-A ADMIN -j LOG --log-prefix "admin "']
    assert log.verdict is Verdict.CONTINUE


@pytest.mark.parametrize(("text", "message"), [
    ("-A INPUT -j ACCEPT\n", "no \\*table line"),
    ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", "no COMMIT"),
    ("*filter\n:INPUT ACCEPT [0:0]\n-A OTHER -j ACCEPT\nCOMMIT\n", "undeclared chain"),
    ("*filter\n:INPUT ACCEPT [0:0]\nbogus\nCOMMIT\n", "unexpected line"),
    ('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "open\nCOMMIT\n', "cannot split"),
])
def test_unreadable_iptables_save_is_an_error(text: str, message: str) -> None:
    with pytest.raises(FirewallFormatError, match=message):
        parse_iptables_save(text, "save")

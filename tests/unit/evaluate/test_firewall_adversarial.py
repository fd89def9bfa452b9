"""Rulesets where the real kernel accepts new connections from anywhere: never a `pass`.

Each ruleset here was loaded in a network namespace and a real connection from another
namespace got in (tests/integration/test_firewall_soundness.py repeats that); the saved forms in
tests/assets/firewall/ are what `nft -j list ruleset` and `iptables-legacy-save` wrote. The
evaluator must call such a port accepted from anywhere, or unknown (`error`) where it cannot
model the construct: a drop it imagines, or a source list that is in truth everyone, would
make `firewall-port-open` pass for an open port. Pure: no root.
"""

from __future__ import annotations

import json

import pytest
from evaluate_support import listener, snapshot
from test_firewall_rules import baseline, internal, results, ruleset, with_firewall

from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate.firewall.sources import Reach, reach
from checker.model import CheckId, Status
from checker.model.firewall import FirewallEvidence


@pytest.mark.parametrize("port", [8080, 8081, 8082, 8083])
def test_sources_that_cover_the_whole_address_space_are_anywhere(port: int) -> None:
    # `ip saddr 0.0.0.0/0 accept`, the two halves 0/1 + 128/1, `ip saddr != 0.0.0.0/0 drop`
    # (never true), "everyone but 10/8": no address is left for "anywhere else"
    predicted = reach(ruleset("sources_cover_everything.nft.json"), "ipv4", "tcp", port)
    assert predicted.reach is Reach.ANYWHERE, predicted.describe()


def test_sources_that_cover_everything_still_name_a_real_source_list() -> None:
    predicted = reach(ruleset("sources_cover_everything.nft.json"), "ipv4", "tcp", 5432)
    assert predicted.reach is Reach.SOURCES and predicted.accepted_sources == ("10.0.0.0/8",)
    assert reach(ruleset("sources_cover_everything.nft.json"), "ipv4", "tcp", 9).reach is Reach.DROPPED


def test_port_open_fails_for_an_internal_port_accepted_from_0_0_0_0_slash_0() -> None:
    snap = with_firewall(snapshot(listeners=[listener(8080)]), ruleset("sources_cover_everything.nft.json"))
    found = results(baseline(internal(8080)), snap, CheckId.FIREWALL_PORT_OPEN)
    assert found["tcp/0.0.0.0:8080"].status is Status.FAIL


def test_an_ingress_chain_is_bound_to_devices_so_its_drop_is_unknown() -> None:
    # `type filter hook ingress device "lo"; policy drop`: packets arriving on any other
    # interface never meet it (nft 1.0.6 does not even print the device in its JSON)
    firewall = ruleset("ingress_device.nft.json")
    assert reach(firewall, "ipv4", "tcp", 22).reach is Reach.UNKNOWN
    snap = with_firewall(snapshot(listeners=[listener(22)]), firewall)
    assert results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:22"].status is Status.ERROR
    missing = results(baseline(), snap, CheckId.FIREWALL_MISSING)
    assert missing["firewall:ipv4"].status is not Status.PASS


def _dormant(flags: object) -> FirewallEvidence:
    document = {"nftables": [
        {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
        {"table": {"family": "inet", "name": "f", "handle": 1, "flags": flags}},
        {"chain": {"family": "inet", "table": "f", "name": "input", "handle": 1, "type": "filter",
                   "hook": "input", "prio": 0, "policy": "drop"}},
    ]}
    return FirewallEvidence((parse_nft_json(json.dumps(document), "dormant.json"),))


@pytest.mark.parametrize("flags", ["dormant", ["dormant"], ["dormant", "owner"]])
def test_a_dormant_table_filters_nothing(flags: object) -> None:
    firewall = _dormant(flags)
    assert reach(firewall, "ipv4", "tcp", 22).reach is Reach.ANYWHERE
    snap = with_firewall(snapshot(listeners=[listener(22)]), firewall)
    assert results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:22"].status is Status.FAIL
    assert results(baseline(), snap, CheckId.FIREWALL_MISSING)["firewall:ipv4"].status is Status.FAIL


def test_table_flags_that_are_not_understood_are_unknown() -> None:
    # nft 1.0.6 prints a single table flag as garbage (`"flags": "f"` for `flags dormant`):
    # the table may be dormant, so neither its drop nor its policy proves anything
    firewall = _dormant("f")
    assert reach(firewall, "ipv4", "tcp", 22).reach is Reach.UNKNOWN
    snap = with_firewall(snapshot(listeners=[listener(22)]), firewall)
    assert results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:22"].status is Status.ERROR
    assert results(baseline(), snap, CheckId.FIREWALL_MISSING)["firewall:ipv4"].status is Status.ERROR


@pytest.mark.parametrize("order", ["nft first", "legacy first"])
def test_a_jump_stays_in_its_own_ruleset(order: str) -> None:
    # nft `ip filter INPUT` jumps to nft `CHECK` (which returns); legacy `filter` has its own,
    # unreferenced `CHECK` that drops: same family, table and chain name, different rulesets
    names = ["jump_to_regular_chain.nft.json", "unreferenced_drop_chain.iptables.save"]
    firewall = ruleset(*(names if order == "nft first" else reversed(names)))
    assert reach(firewall, "ipv4", "tcp", 22).reach is Reach.ANYWHERE


def test_multiport_ports_also_matches_the_source_port() -> None:
    # `-m multiport --ports 22` accepts a connection FROM port 22 to any port: a client that
    # binds source port 22 gets in everywhere (the classic source-port bypass)
    firewall = ruleset("multiport_ports.iptables.save")
    assert reach(firewall, "ipv4", "tcp", 5432).reach is Reach.UNKNOWN
    assert reach(firewall, "ipv4", "tcp", 22).reach is Reach.ANYWHERE
    assert reach(firewall, "ipv4", "tcp", 8080).reach is Reach.ANYWHERE


def test_a_dnat_whose_ports_cannot_be_named_is_not_a_pass() -> None:
    # `ip daddr 198.18.0.2 meta l4proto tcp dnat to 198.18.0.130` publishes every TCP port;
    # `dnat to 198.18.0.130:80-81` a port range: neither is "no DNAT rule publishes a port"
    snap = with_firewall(snapshot(), ruleset("dnat_without_port.nft.json"))
    found = results(baseline(), snap, CheckId.FIREWALL_BYPASS)
    assert found, "no firewall-bypass result"
    assert all(r.status is not Status.PASS for r in found.values()), {k: r.message for k, r in found.items()}
    assert any("dnat to 198.18.0.130" in r.message for r in found.values())


def test_a_later_drop_proves_nothing_after_a_statement_that_may_change_the_packet() -> None:
    # `notrack` in raw prerouting makes the packet untracked; `ct state untracked accept` in
    # input then lets it in: the input policy drop the evaluator saw is not what happens
    firewall = ruleset("notrack_untracked.nft.json")
    predicted = reach(firewall, "ipv4", "tcp", 22)
    assert predicted.reach is Reach.UNKNOWN, predicted.describe()
    assert "notrack" in predicted.unknown_rule
    snap = with_firewall(snapshot(listeners=[listener(22)]), firewall)
    assert results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:22"].status is Status.ERROR

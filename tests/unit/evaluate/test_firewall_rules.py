"""The firewall rule family: firewall-missing, -port-uncovered, -port-open, -bypass, exposure-mismatch.

Snapshots carry the saved rulesets of tests/assets/firewall/ (real `nft -j` / iptables-save
output); baselines are built with the model. Pure: no root, no namespace.
"""

from __future__ import annotations

from dataclasses import replace

from evaluate_support import listener, loc, meta, network, runs, snapshot

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate import evaluate
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    DefaultPolicy,
    Exposure,
    FirewallPolicy,
    PortAllow,
    PortRange,
    PortsPolicy,
    Protocol,
    Result,
    Snapshot,
    Status,
)
from checker.model.firewall import FirewallEvidence
from support import ASSETS

FIREWALL = ASSETS / "firewall"


def ruleset(*names: str) -> FirewallEvidence:
    rulesets = []
    for name in names:
        text = (FIREWALL / name).read_text(encoding="utf-8")
        rulesets.append(parse_nft_json(text, name) if name.endswith(".json")
                        else parse_iptables_save(text, name, ipv6=".ip6tables" in name))
    return FirewallEvidence(tuple(rulesets))


def with_firewall(base: Snapshot, firewall: FirewallEvidence | None,
                  status: CollectorStatus = CollectorStatus.OK) -> Snapshot:
    run = CollectorRun(Collector.FIREWALL, status, None if status is CollectorStatus.OK else "nft: exit 1: denied")
    others = tuple(r for r in base.collectors if r.name is not Collector.FIREWALL)
    return replace(base, collectors=(*others, run), firewall=firewall)


def baseline(*allow: PortAllow, required: bool = True, covered: bool = True, section: bool = True,
             default: DefaultPolicy = DefaultPolicy.ALLOW) -> Baseline:
    policy = FirewallPolicy(meta(40, controls=("CIS firewall",)), required, covered) if section else None
    return Baseline(path="baseline.yaml", name="t", ports=PortsPolicy(default, tuple(allow), location=loc(5)),
                    firewall=policy)


def internal(port: int) -> PortAllow:
    return PortAllow(PortRange(port, port), Protocol.TCP, meta(12), exposure=Exposure.INTERNAL)


def results(base: Baseline, snap: Snapshot, check: CheckId) -> dict[str, Result]:
    return {r.resource: r for r in evaluate(base, [snap]).results if r.check is check}


def test_missing_fails_without_an_input_chain_and_passes_with_default_deny() -> None:
    none = results(baseline(), with_firewall(snapshot(), ruleset("no_input_chain.nft.json")), CheckId.FIREWALL_MISSING)
    assert {k: v.status for k, v in none.items()} == {"firewall:ipv4": Status.FAIL, "firewall:ipv6": Status.FAIL}
    assert none["firewall:ipv4"].controls == ("CIS firewall",)
    accepting = results(baseline(), with_firewall(snapshot(), ruleset("accept_policy_without_drop.nft.json")),
                        CheckId.FIREWALL_MISSING)
    assert all(r.status is Status.FAIL for r in accepting.values())
    deny = results(baseline(), with_firewall(snapshot(), ruleset("policy_drop_port.nft.json")),
                   CheckId.FIREWALL_MISSING)
    assert all(r.status is Status.PASS for r in deny.values())
    v6 = results(baseline(), with_firewall(snapshot(), ruleset("ipv6_only.nft.json")), CheckId.FIREWALL_MISSING)
    assert (v6["firewall:ipv4"].status, v6["firewall:ipv6"].status) == (Status.FAIL, Status.PASS)


def test_port_open_fails_for_internal_listener_accepted_from_anywhere_and_names_the_rule() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22), listener(80)]), ruleset("policy_drop_port.nft.json"))
    found = results(baseline(internal(22), internal(80)), snap, CheckId.FIREWALL_PORT_OPEN)
    assert found["tcp/0.0.0.0:22"].status is Status.FAIL
    assert "tcp dport 22 accept" in found["tcp/0.0.0.0:22"].message
    assert found["tcp/0.0.0.0:22"].location == loc(12)
    decided = found["tcp/0.0.0.0:22"].evidence["firewall"][0]["decided_by"]
    assert decided["chain"] == "inet filter input" and decided["rule"] == "tcp dport 22 accept"
    assert found["tcp/0.0.0.0:80"].status is Status.PASS


def test_port_open_passes_when_only_some_sources_are_accepted_and_names_them() -> None:
    snap = with_firewall(snapshot(listeners=[listener(5432)]), ruleset("source_prefix_and_set.nft.json"))
    found = results(baseline(internal(5432)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:5432"]
    assert found.status is Status.PASS
    assert "accepted only from 10.0.0.0/8 except 10.9.0.0/16" in found.message


def test_port_open_is_an_error_quoting_the_unmodelled_rule() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22)]), ruleset("unmodelled_limit_and_vmap.nft.json"))
    found = results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/0.0.0.0:22"]
    assert found.status is Status.ERROR
    assert "limit" in found.message and "tcp dport 22" in found.message


def test_port_open_under_default_deny_checks_listeners_no_entry_covers() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22), listener(25, "127.0.0.1"),
                                             listener(26, "::ffff:127.0.0.1")]),
                         ruleset("policy_drop_port.nft.json"))
    found = results(baseline(default=DefaultPolicy.DENY), snap, CheckId.FIREWALL_PORT_OPEN)
    # loopback listeners (an IPv4-mapped one too: checker.model.addresses) are not reachable from outside
    assert set(found) == {"tcp/0.0.0.0:22"}
    assert found["tcp/0.0.0.0:22"].status is Status.FAIL
    # without a firewall section, a plain default-deny baseline does not ask for the ruleset
    assert not results(baseline(default=DefaultPolicy.DENY, section=False), snap, CheckId.FIREWALL_PORT_OPEN)


def test_dual_stack_listener_is_checked_for_both_families() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22, "::", dual_stack=True)]), ruleset("ipv6_only.nft.json"))
    found = results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)["tcp/[::]:22"]
    assert found.status is Status.FAIL and "(ipv4)" in found.message


def test_uncovered_fails_for_a_port_only_a_policy_decides() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22), listener(80), listener(25, "127.0.0.1")]),
                         ruleset("policy_drop_port.nft.json"))
    found = results(baseline(), snap, CheckId.FIREWALL_PORT_UNCOVERED)
    assert {k: v.status for k, v in found.items()} == {"tcp/0.0.0.0:22": Status.PASS, "tcp/0.0.0.0:80": Status.FAIL}
    assert found["tcp/0.0.0.0:80"].location == loc(40)


def test_bypass_fails_when_forward_accepts_a_port_input_drops() -> None:
    found = results(baseline(), with_firewall(snapshot(), ruleset("dnat_bypass.nft.json")), CheckId.FIREWALL_BYPASS)
    assert found["tcp/*:8080"].status is Status.FAIL
    assert "dnat to 172.17.0.2:80" in found["tcp/*:8080"].message
    assert found["tcp/*:8443"].status is Status.PASS  # the forward chain drops that one


def test_docker_like_bypass_with_legacy_iptables() -> None:
    found = results(baseline(), with_firewall(snapshot(), ruleset("docker_bypass.iptables.save")),
                    CheckId.FIREWALL_BYPASS)
    assert found["tcp/*:8080"].status is Status.FAIL
    assert found["tcp/*:8080"].evidence["forward"]["outcome"] == "accept"


def test_no_dnat_is_one_pass() -> None:
    found = results(baseline(), with_firewall(snapshot(), ruleset("policy_drop_port.nft.json")),
                    CheckId.FIREWALL_BYPASS)
    assert [(k, v.status) for k, v in found.items()] == [("firewall:dnat", Status.PASS)]


def test_mismatch_compares_prediction_with_the_scan() -> None:
    listeners = [listener(22), listener(80)]
    agree = network((22, "open"), address="192.0.2.7")
    snap = with_firewall(snapshot(listeners=listeners, network_view=agree), ruleset("policy_drop_port.nft.json"))
    found = results(baseline(), snap, CheckId.EXPOSURE_MISMATCH)
    assert found["tcp/192.0.2.7:22"].status is Status.PASS
    assert found["tcp/192.0.2.7:80"].status is Status.PASS  # dropped, and not listed by nmap
    disagree = network((22, "filtered"), (80, "open"), address="192.0.2.7")
    snap = with_firewall(snapshot(listeners=listeners, network_view=disagree), ruleset("policy_drop_port.nft.json"))
    found = results(baseline(), snap, CheckId.EXPOSURE_MISMATCH)
    assert found["tcp/192.0.2.7:22"].status is Status.FAIL
    assert found["tcp/192.0.2.7:80"].status is Status.FAIL
    assert "drop" in found["tcp/192.0.2.7:80"].message and "open" in found["tcp/192.0.2.7:80"].message


def test_mismatch_skips_what_it_cannot_compare() -> None:
    view = network((5432, "open"), address="192.0.2.7", scanned=("tcp:1-1024", "tcp:5432"))
    snap = with_firewall(snapshot(listeners=[listener(5432), listener(8080)], network_view=view),
                         ruleset("source_prefix_and_set.nft.json"))
    found = results(baseline(), snap, CheckId.EXPOSURE_MISMATCH)
    assert found["tcp/192.0.2.7:5432"].status is Status.SKIP  # accepted only from some sources
    assert found["tcp/192.0.2.7:8080"].status is Status.SKIP  # not scanned


def test_failed_collector_makes_every_firewall_rule_an_error_never_a_pass() -> None:
    snap = with_firewall(snapshot(listeners=[listener(22)]), None, CollectorStatus.FAILED)
    report = evaluate(baseline(internal(22)), [snap])
    statuses = {(r.check, r.status) for r in report.results if r.check.value.startswith("firewall")}
    assert statuses == {(CheckId.FIREWALL_MISSING, Status.ERROR), (CheckId.FIREWALL_PORT_UNCOVERED, Status.ERROR),
                        (CheckId.FIREWALL_PORT_OPEN, Status.ERROR), (CheckId.FIREWALL_BYPASS, Status.ERROR)}
    errors = [r for r in report.results if r.check is CheckId.COLLECTOR_ERROR]
    assert errors and errors[0].status is Status.ERROR


def test_a_snapshot_without_the_collector_record_is_an_error_not_a_pass() -> None:
    """A saved snapshot from before the firewall collector (no record at all): its evidence is
    unknown, so rules that need it are `error` (issue 12: a missing record is never a skip)."""
    snap = snapshot(listeners=[listener(22)], collectors=tuple(r for r in runs() if r.name is not Collector.FIREWALL))
    found = results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)
    assert found["tcp/0.0.0.0:22"].status is Status.ERROR


def test_a_snapshot_where_the_collector_did_not_run_skips() -> None:
    snap = snapshot(listeners=[listener(22)], collectors=runs({Collector.FIREWALL: CollectorStatus.NOT_RUN}))
    found = results(baseline(internal(22)), snap, CheckId.FIREWALL_PORT_OPEN)
    assert found["tcp/0.0.0.0:22"].status is Status.SKIP

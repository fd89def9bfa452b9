"""`learn` drafts a `firewall:` section from the ruleset, and the audit of the same host passes.

Snapshots: the prepared clean and legacy hosts of tests/assets/policies/ (their firewalls are
real save text parsed by the collector's parser), and a host whose firewall lets an
`exposure: internal` port in from anywhere.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from checker.collect.firewall.nft_json import parse_nft_json
from checker.evaluate import evaluate
from checker.learn import draft_baseline
from checker.model import Collector, CollectorRun, CollectorStatus, NetworkView, Protocol, ScannedPort, Snapshot, Status
from checker.model.firewall import FirewallEvidence
from checker.policy import load_baseline
from checker.storage.snapshots import load_snapshot_list
from support import ASSETS


def snapshot(name: str) -> Snapshot:
    return load_snapshot_list(str(ASSETS / "policies" / f"{name}.json"))[0]


def round_trip(observed: Snapshot, tmp_path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    text = draft_baseline([observed])
    path = tmp_path / "learned.yaml"
    path.write_text(text, encoding="utf-8")
    report = evaluate(load_baseline(str(path)), [observed])
    bad = [(r.status.value, r.check.value, r.resource) for r in report.results if r.status in (Status.FAIL, Status.ERROR)]
    return text, bad


def test_clean_host_gets_the_strict_section_and_passes(tmp_path: Path) -> None:
    text, bad = round_trip(snapshot("clean-host"), tmp_path)
    assert yaml.safe_load(text)["firewall"] == {"required": True, "listeners": "covered"}
    assert "legacy iptables rules present, not visible to nft" in text
    assert bad == []


def test_legacy_host_gets_a_relaxed_section_with_risks_and_passes(tmp_path: Path) -> None:
    text, bad = round_trip(snapshot("legacy-host"), tmp_path)
    assert yaml.safe_load(text)["firewall"] == {"required": False, "listeners": "any"}
    assert "RISK: firewall-missing firewall:ipv4" in text
    assert "RISK: firewall-port-uncovered tcp/0.0.0.0:23" in text
    assert bad == []


def test_internal_exposure_the_ruleset_contradicts_is_not_drafted(tmp_path: Path) -> None:
    accept_all = ('{"nftables": [{"chain": {"family": "inet", "table": "f", "name": "input", "type": "filter", '
                  '"hook": "input", "prio": 0, "policy": "accept"}}]}')
    clean = snapshot("clean-host")
    observed = replace(
        clean, firewall=FirewallEvidence((parse_nft_json(accept_all, "saved"),)),
        collectors=tuple(CollectorRun(Collector.NMAP, CollectorStatus.OK) if run.name is Collector.NMAP else run
                         for run in clean.collectors),
        network=NetworkView("10.0.0.7", "up", ports=(ScannedPort(Protocol.TCP, 22, "open"),), scanned=("tcp:1-65535",),
                            scan_type="syn"))
    text, bad = round_trip(observed, tmp_path)
    entries = {(e["port"], e["protocol"]): e for e in yaml.safe_load(text)["ports"]["allow"]}
    assert "exposure" not in entries[(7001, "tcp")]  # nmap saw it closed, the ruleset accepts it
    assert "RISK: nmap did not see it open, but the firewall" in text
    assert bad == []

"""The triangulation scenario end to end: inside view x firewall ruleset x outside scan, via the CLI.

A TCP listener on 0.0.0.0 in the server namespace (198.18.0.2) and an `exposure: internal`
allow entry for it. Rulesets are loaded in the server namespace; nmap scans the one port
from the client namespace (198.18.0.1) and writes XML; `surfacecheck audit --local
--nmap-xml` runs inside the server namespace, so the inside view, the live ruleset and the
outside view describe the same host.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import REPO_ROOT
from support.netns import CLIENT_ADDRESS, SERVER_ADDRESS, NamespacePair, namespace_pair, run, server_listeners

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(not (shutil.which("nft") and shutil.which("iptables-legacy-restore") and shutil.which("nmap")),
                       reason="nftables, iptables and nmap are installed by `make test`"),
]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[NamespacePair, int]]:
    with namespace_pair() as pair, server_listeners(pair, 1) as ports:
        yield pair, ports[0]


def audit(pair: NamespacePair, port: int, tmp_path: Path, *, scan: bool = True) -> tuple[int, dict[tuple[str, str], Any]]:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "version: 1\nname: triangulation\n"
        f"ports:\n  allow:\n    - {{port: {port}, protocol: tcp, exposure: internal, reason: admin only}}\n"
        "firewall: {required: true, listeners: covered}\n", encoding="utf-8")
    args = [sys.executable, "-m", "checker", "-q", "audit", str(baseline), "--local", "--json", str(tmp_path / "r.json")]
    if scan:
        xml = tmp_path / "scan.xml"
        # bounded: one port, one retry, a host timeout; from the client namespace only
        run(pair.in_client("nmap", "-n", "-Pn", "-sS", "-p", str(port), "--max-retries", "1", "--host-timeout",
                           "30s", "-oX", str(xml), SERVER_ADDRESS), timeout=60)
        args += ["--nmap-xml", str(xml)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    completed = run(["ip", "netns", "exec", pair.server, "env", f"PYTHONPATH={env['PYTHONPATH']}", *args],
                    check=False, timeout=120)
    assert completed.returncode in (0, 1, 3), completed.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    results = {(r["check"], r["resource"]): r for host in data["hosts"] for r in host["results"]}
    return completed.returncode, results


def status(results: dict[tuple[str, str], Any], check: str, resource: str) -> str:
    return str(results[(check, resource)]["status"])


def test_nft_drop_rule_passes_with_proof_from_ruleset_and_scan(world: tuple[NamespacePair, int],
                                                               tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_nft(f"table inet filter {{\n chain input {{ type filter hook input priority 0; policy accept;\n"
                  f"  tcp dport {port} drop\n }}\n}}\n")
    code, results = audit(pair, port, tmp_path)
    listener = f"tcp/0.0.0.0:{port}"
    assert status(results, "firewall-port-open", listener) == "pass"
    assert results[("firewall-port-open", listener)]["evidence"]["firewall"][0]["decided_by"]["rule"] == \
        f"tcp dport {port} drop"
    assert status(results, "port-exposed", f"tcp/{SERVER_ADDRESS}:{port}") == "pass"
    assert status(results, "exposure-mismatch", f"tcp/{SERVER_ADDRESS}:{port}") == "pass"
    assert status(results, "firewall-port-uncovered", listener) == "pass"
    assert code == 0, [k for k, r in results.items() if r["status"] in ("fail", "error")]


def test_without_the_rule_both_views_fail(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    code, results = audit(pair, port, tmp_path)
    assert status(results, "firewall-port-open", f"tcp/0.0.0.0:{port}") == "fail"
    assert status(results, "port-exposed", f"tcp/{SERVER_ADDRESS}:{port}") == "fail"
    assert status(results, "firewall-missing", "firewall:ipv4") == "fail"
    assert status(results, "exposure-mismatch", f"tcp/{SERVER_ADDRESS}:{port}") == "pass"  # both say open
    assert code == 1


def test_one_accepted_source_is_named(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_nft(f"table ip filter {{\n chain input {{ type filter hook input priority 0; policy drop;\n"
                  f"  ip saddr {CLIENT_ADDRESS} tcp dport {port} accept\n }}\n}}\n")
    _, results = audit(pair, port, tmp_path)
    verdict = results[("firewall-port-open", f"tcp/0.0.0.0:{port}")]
    assert verdict["status"] == "pass"
    assert f"accepted only from {CLIENT_ADDRESS}/32" in verdict["message"]
    assert status(results, "port-exposed", f"tcp/{SERVER_ADDRESS}:{port}") == "fail"  # nmap stood there
    assert status(results, "exposure-mismatch", f"tcp/{SERVER_ADDRESS}:{port}") == "skip"


def test_dnat_bypass_is_flagged(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_nft("table ip nat {\n chain prerouting { type nat hook prerouting priority dstnat;\n"
                  f"  tcp dport {port} dnat to 172.17.0.2:80\n }}\n}}\n"
                  "table inet filter {\n chain input { type filter hook input priority 0; policy drop;\n }\n"
                  " chain forward { type filter hook forward priority 0; policy accept;\n }\n}\n")
    _, results = audit(pair, port, tmp_path, scan=False)
    assert status(results, "firewall-bypass", f"tcp/*:{port}") == "fail"


def test_an_unmodelled_expression_is_an_error_quoting_it(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_nft(f"table inet filter {{\n chain input {{ type filter hook input priority 0; policy drop;\n"
                  f"  tcp dport {port} limit rate 5/second accept\n }}\n}}\n")
    code, results = audit(pair, port, tmp_path, scan=False)
    verdict = results[("firewall-port-open", f"tcp/0.0.0.0:{port}")]
    assert verdict["status"] == "error"
    assert f"tcp dport {port} limit" in verdict["message"]
    assert code == 3


def test_legacy_iptables_drop_and_source(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_iptables(f"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                       f"-A INPUT -p tcp -m tcp --dport {port} -j DROP\nCOMMIT\n")
    _, results = audit(pair, port, tmp_path)
    assert status(results, "firewall-port-open", f"tcp/0.0.0.0:{port}") == "pass"
    assert status(results, "port-exposed", f"tcp/{SERVER_ADDRESS}:{port}") == "pass"
    pair.reset_firewall()
    pair.load_iptables(f"*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                       f"-A INPUT -s {CLIENT_ADDRESS}/32 -p tcp -m tcp --dport {port} -j ACCEPT\nCOMMIT\n")
    _, results = audit(pair, port, tmp_path, scan=False)
    assert f"accepted only from {CLIENT_ADDRESS}/32" in results[("firewall-port-open", f"tcp/0.0.0.0:{port}")]["message"]


def test_nft_and_legacy_rules_together_are_both_reported(world: tuple[NamespacePair, int], tmp_path: Path) -> None:
    pair, port = world
    pair.reset_firewall()
    pair.load_nft(f"table inet filter {{\n chain input {{ type filter hook input priority 0; policy accept;\n"
                  f"  tcp dport {port} accept\n }}\n}}\n")
    pair.load_iptables(f"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                       f"-A INPUT -p tcp -m tcp --dport {port} -j DROP\nCOMMIT\n")
    code, results = audit(pair, port, tmp_path)
    verdict = results[("firewall-port-open", f"tcp/0.0.0.0:{port}")]
    assert verdict["status"] == "pass"
    chains = verdict["evidence"]["firewall"][0]["chains"]
    assert any(c.startswith("inet filter input: accept") for c in chains)
    assert any(c.startswith("ip filter INPUT: drop") for c in chains)
    assert status(results, "port-exposed", f"tcp/{SERVER_ADDRESS}:{port}") == "pass"
    # the legacy table filters IPv4 only, and the nft chain drops nothing
    assert [k for k, r in results.items() if r["status"] in ("fail", "error")] == [
        ("firewall-missing", "firewall:ipv6")]
    assert code == 1

"""Differential: every scan technique the real nmap runs here, against what our reader and our
proof table (checker/evaluate/ports/proof.py) make of it.

On loopback the test opens a TCP listener, holds a TCP port bound but not listening (closed:
a SYN gets a RST), binds a UDP socket (no answer: `open|filtered`) and a UDP port bound only on
another loopback address (closed at the scanned one: ICMP port unreachable). For each of
-sS -sT -sA -sW -sM -sN -sF -sX -sU the reader must report nmap's state per port, and the
verdict must follow the technique: the listener is never "proven not open" (an ACK scan's
`unfiltered`, a Window or Maimon scan's `closed`, a NULL scan's `open|filtered` prove nothing),
and the real CLI turns that verdict into fail / pass / error with the matching exit code.

In a network namespace the test creates (`sc-outside-<random>`, loopback only, an nft rule
dropping TCP and UDP to a port range) the issue's "the verdict depends on how many ports were
scanned" defect: a dropped range that nmap folds into `<extraports>` must give the same
verdict as scanning one port of it.

Root is needed for the raw-socket techniques (CI runs as root); nmap and nft missing is a
failure, not a skip. Every scan is bounded in ports (the test's own) and time.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.collect.nmap.xml import parse_nmap_run
from checker.evaluate.ports.coverage import outside_findings
from checker.model import NetworkView, PortRange, Protocol
from support import REPO_ROOT, run_cli
from support.ports import UDP, bound_socket, held_port, port_of

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(os.geteuid() != 0, reason="raw-socket scan techniques need root")]

TARGET = "127.0.0.2"
BOUNDS = ("--max-retries", "1", "--max-rtt-timeout", "200ms", "--host-timeout", "60s")
DROPPED_WIDTH = 40
"""Ports in the namespace's dropped range (nmap folds them into one `<extraports>`)."""

# technique -> (scaninfo type, {port role: (state nmap reports on Linux loopback, verdict)})
TCP_TECHNIQUES = {
    "-sS": ("syn", {"listening": ("open", "open"), "closed": ("closed", "proven")}),
    "-sT": ("connect", {"listening": ("open", "open"), "closed": ("closed", "proven")}),
    "-sA": ("ack", {"listening": ("unfiltered", "unproven"), "closed": ("unfiltered", "unproven")}),
    "-sW": ("window", {"listening": ("closed", "unproven"), "closed": ("closed", "unproven")}),
    "-sM": ("maimon", {"listening": ("closed", "unproven"), "closed": ("closed", "unproven")}),
    "-sN": ("null", {"listening": ("open|filtered", "unproven"), "closed": ("closed", "proven")}),
    "-sF": ("fin", {"listening": ("open|filtered", "unproven"), "closed": ("closed", "proven")}),
    "-sX": ("xmas", {"listening": ("open|filtered", "unproven"), "closed": ("closed", "proven")}),
}
UDP_TECHNIQUE = ("udp", {"listening": ("open|filtered", "unproven"), "closed": ("closed", "proven")})
STATUS_OF_VERDICT = {"open": "fail", "proven": "pass", "unproven": "error"}
"""What `exposure: internal` must say for each verdict."""


def _nmap(*argv: str, netns: str | None = None, target: str = TARGET) -> bytes:
    prefix = ["ip", "netns", "exec", netns] if netns else []
    completed = subprocess.run([*prefix, "nmap", "-n", "-Pn", *argv, *BOUNDS, "-oX", "-", "--", target],
                               capture_output=True, timeout=180, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _view(xml: bytes) -> NetworkView:
    run = parse_nmap_run(xml, "nmap")
    assert run.complete and len(run.hosts) == 1
    return run.hosts[0].view


def _verdict(view: NetworkView, protocol: Protocol, port: int) -> tuple[str, str]:
    """(the state our reader reports for the port, what it proves)."""
    findings = outside_findings(view, protocol, PortRange(port, port))
    assert not findings.uncovered, findings
    decided = findings.open or findings.unproven or findings.proven
    state = ",".join(sorted({f.state for f in decided}))
    if findings.open:
        return state, "open"
    return state, "unproven" if findings.unproven else "proven"


def _exposure_audit(tmp_path: Path, xml: bytes, protocol: Protocol, ports: dict[str, int]) -> tuple[dict[str, str], int]:
    """The real CLI on the real XML: `exposure: internal` on each port -> status per role, exit code."""
    scan = tmp_path / "scan.xml"
    scan.write_bytes(xml)
    entries = "".join(f"    - {{port: {port}, protocol: {protocol.value}, exposure: internal}}\n"
                      for port in ports.values())
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(f"version: 1\nports:\n  allow:\n{entries}", encoding="utf-8")
    completed = run_cli("audit", str(baseline), "--nmap-xml", str(scan), "--json", "-")
    results = [r for host in json.loads(completed.stdout)["hosts"] for r in host["results"]
               if r["check"] == "port-exposed"]
    statuses = {}
    for role, port in ports.items():
        mine = [r for r in results if r["resource"].endswith(f":{port}")]
        assert len(mine) == 1, mine
        evidence = mine[0]["evidence"]
        assert evidence["address"] == TARGET and evidence["scan_type"] and evidence["state"], evidence
        statuses[role] = mine[0]["status"]
    return statuses, completed.returncode


def _expected_exit(statuses: dict[str, str]) -> int:
    return 1 if "fail" in statuses.values() else 3 if "error" in statuses.values() else 0


@pytest.fixture(scope="module")
def tcp_ports() -> Iterator[dict[str, int]]:
    listener = bound_socket(TARGET)
    listener.listen()
    closed = held_port()  # bound on every loopback address, never listening: a RST
    try:
        yield {"listening": port_of(listener), "closed": port_of(closed)}
    finally:
        listener.close()
        closed.close()


@pytest.fixture(scope="module")
def udp_ports() -> Iterator[dict[str, int]]:
    bound = bound_socket(TARGET, kind=UDP)  # receives the probe and stays silent: open|filtered
    elsewhere = bound_socket("127.0.0.3", kind=UDP)  # nothing bound at TARGET: port unreachable
    try:
        yield {"listening": port_of(bound), "closed": port_of(elsewhere)}
    finally:
        bound.close()
        elsewhere.close()


@pytest.mark.parametrize("technique", sorted(TCP_TECHNIQUES))
def test_each_tcp_technique_proves_only_what_it_can(technique: str, tcp_ports: dict[str, int],
                                                    tmp_path: Path) -> None:
    scan_type, expected = TCP_TECHNIQUES[technique]
    xml = _nmap(technique, "-p", ",".join(str(p) for p in tcp_ports.values()))
    view = _view(xml)
    assert [(t.protocol, t.scan_type) for t in view.tables] == [(Protocol.TCP, scan_type)]
    seen = {role: _verdict(view, Protocol.TCP, port) for role, port in tcp_ports.items()}
    assert seen == expected, technique
    assert seen["listening"][1] != "proven", "a listener must never be proven not open"
    statuses, code = _exposure_audit(tmp_path, xml, Protocol.TCP, tcp_ports)
    assert statuses == {role: STATUS_OF_VERDICT[verdict] for role, (_, verdict) in expected.items()}
    assert code == _expected_exit(statuses)


def test_the_udp_technique_proves_only_what_it_can(udp_ports: dict[str, int], tmp_path: Path) -> None:
    scan_type, expected = UDP_TECHNIQUE
    xml = _nmap("-sU", "-p", ",".join(str(p) for p in udp_ports.values()))
    view = _view(xml)
    assert [(t.protocol, t.scan_type) for t in view.tables] == [(Protocol.UDP, scan_type)]
    assert {role: _verdict(view, Protocol.UDP, port) for role, port in udp_ports.items()} == expected
    statuses, code = _exposure_audit(tmp_path, xml, Protocol.UDP, udp_ports)
    assert statuses == {role: STATUS_OF_VERDICT[verdict] for role, (_, verdict) in expected.items()}
    assert code == 3


# --------------------------------------------------------------------------- a dropped range, folded


@pytest.fixture(scope="module")
def dropping_namespace() -> Iterator[tuple[str, int, int]]:
    """A fresh namespace (loopback only) whose nft input chain drops TCP and UDP to LOW-HIGH.

    Nothing listens in it; the range starts at a port the kernel handed this test (binding 0
    on the host), so no port number is fixed."""
    with held_port() as anchor:
        low = min(port_of(anchor), 65535 - DROPPED_WIDTH)
    high = low + DROPPED_WIDTH - 1
    name = f"sc-outside-{secrets.token_hex(4)}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=30)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=30)
        ruleset = ("table inet sc_outside {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                   f"  tcp dport {low}-{high} drop\n  udp dport {low}-{high} drop\n }}\n}}\n")
        subprocess.run(["ip", "netns", "exec", name, "nft", "-f", "-"], input=ruleset, text=True, check=True,
                       timeout=30)
        yield name, low, high
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False, timeout=30)


@pytest.mark.parametrize(("technique", "protocol", "state", "verdict"), [
    ("-sS", Protocol.TCP, "filtered", "proven"),
    ("-sN", Protocol.TCP, "open|filtered", "unproven"),
    ("-sU", Protocol.UDP, "open|filtered", "unproven"),
])
def test_a_folded_dropped_range_gives_the_verdict_of_one_port(
        technique: str, protocol: Protocol, state: str, verdict: str,
        dropping_namespace: tuple[str, int, int]) -> None:
    name, low, high = dropping_namespace
    middle = (low + high) // 2
    whole = _view(_nmap(technique, "-p", f"{low}-{high}", netns=name, target="127.0.0.1"))
    (table,) = whole.tables
    assert not whole.ports, "nmap should fold the whole dropped range"
    assert [(g.state, g.count, g.ports) for g in table.folded] == [(state, DROPPED_WIDTH, f"{low}-{high}")]
    one = _view(_nmap(technique, "-p", str(middle), netns=name, target="127.0.0.1"))
    assert [(p.port, p.state) for p in one.ports] == [(middle, state)]
    assert _verdict(whole, protocol, middle) == _verdict(one, protocol, middle) == (state, verdict)


def test_the_cli_verdict_on_a_dropped_udp_port_does_not_depend_on_the_scanned_range(
        dropping_namespace: tuple[str, int, int], tmp_path: Path) -> None:
    """The issue's live case: `forbid udp/P` with `--udp-ports LOW-HIGH` passed (rc 0) while
    `--udp-ports P` gave `error` (rc 3). Both must be `error`: no answer is not closed."""
    name, low, high = dropping_namespace
    middle = (low + high) // 2
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(f"version: 1\nports:\n  forbid:\n    - {{port: {middle}, protocol: udp}}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("CI", None)
    outcomes = []
    for spec in (f"{low}-{high}", str(middle)):
        completed = subprocess.run(
            ["ip", "netns", "exec", name, sys.executable, "-m", "checker", "audit", str(baseline),
             "--target", "127.0.0.1", "--tcp-ports", "none", "--udp-ports", spec, "--host-timeout", "60",
             "--json", "-"], capture_output=True, text=True, env=env, timeout=180, check=False)
        forbidden = [r for host in json.loads(completed.stdout)["hosts"] for r in host["results"]
                     if r["check"] == "port-forbidden"]
        outcomes.append(([(r["status"], r["evidence"].get("state")) for r in forbidden], completed.returncode))
    assert outcomes[0] == outcomes[1] == ([("error", "open|filtered")], 3), outcomes

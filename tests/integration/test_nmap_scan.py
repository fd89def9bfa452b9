"""The real nmap through the real CLI against services started on loopback (127.0.0.2-5, ::1).

Every port is a held one (tests/support/ports.py): closed on every loopback address until a
service of the test joins it, so "open exactly here" is exact even on a busy machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support import run_cli
from support.outputs import by_host, nmap_run, open_ports, snapshots_of
from support.ports import UDP, services

pytestmark = pytest.mark.integration


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CI", None)
    return env


def test_collect_finds_exactly_the_open_ports_of_each_host() -> None:
    with services() as running:
        ports = [running.closed_port() for _ in range(8)]  # ports[5:] stay closed everywhere
        layout = {
            "127.0.0.2": {ports[0]},
            "127.0.0.3": {ports[1], ports[2]},
            "127.0.0.4": {ports[3]},
            "127.0.0.5": set(),
            "::1": {ports[4]},
        }
        for address, opened in layout.items():
            for port in opened:
                running.tcp(address, port)
        spec = ",".join(str(p) for p in ports)
        result = run_cli("collect", "--target", "127.0.0.2-5", "--target", "::1", "--tcp-ports", spec,
                         "--host-timeout", "30", "-o", "-", env=_env())
    assert result.returncode == 0, result.stderr
    hosts = by_host(snapshots_of(result.stdout))
    assert set(hosts) == set(layout)
    for address, opened in layout.items():
        snapshot = hosts[address]
        assert nmap_run(snapshot)["status"] == "ok", nmap_run(snapshot)
        assert open_ports(snapshot) == {("tcp", p) for p in opened}, address
        network = snapshot["network"]
        assert network["address"] == address and network["state"] == "up"
        assert len(network["scanned"]) == 1 and network["scanned"][0].startswith("tcp:")
        assert network["scan_type"] == ("syn" if os.geteuid() == 0 else "connect")
        # nmap by its absolute path, reading its data from the system's directory only
        assert os.path.isabs(network["arguments"][0]) and os.path.basename(network["arguments"][0]) == "nmap"
        assert "-oX" in network["arguments"]
        assert network["arguments"][network["arguments"].index("--datadir") + 1].endswith("/share/nmap")
        assert network["scanner_version"] and network["started_at"].endswith("Z")
        assert snapshot["host"]["collected_at"] == network["started_at"]
        others = [c for c in snapshot["collectors"] if c["name"] != "nmap"]
        assert others and all(c["status"] == "not-run" for c in others)
    assert "-6" in hosts["::1"]["network"]["arguments"]
    assert result.stderr == ""  # not a TTY, no --progress: no progress output


def test_udp_is_scanned_only_when_asked() -> None:
    with services() as running:
        tcp_port = running.tcp("127.0.0.2")
        udp_port = running.udp("127.0.0.2")
        closed_udp = running.closed_port(UDP)  # held, never read: nmap sees no ICMP, "open|filtered"
        result = run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", str(tcp_port),
                         "--udp-ports", f"{udp_port},{closed_udp}", "--host-timeout", "30", "-o", "-", env=_env())
        tcp_only = run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", str(tcp_port),
                           "--host-timeout", "30", "-o", "-", env=_env())
    assert result.returncode == 0, result.stderr
    (snapshot,) = snapshots_of(result.stdout)
    assert nmap_run(snapshot)["status"] == "ok"
    assert open_ports(snapshot) == {("tcp", tcp_port), ("udp", udp_port)}
    states = {(p["protocol"], p["port"]): p["state"] for p in snapshot["network"]["ports"]}
    assert states[("udp", closed_udp)] in ("closed", "open|filtered")
    assert "udp" in snapshot["network"]["scan_type"]
    assert "-sU" in snapshot["network"]["arguments"]
    (plain,) = snapshots_of(tcp_only.stdout)
    assert "-sU" not in plain["network"]["arguments"] and "udp" not in plain["network"]["scan_type"]


def test_progress_is_shown_when_asked() -> None:
    with services() as running:
        port = running.tcp("127.0.0.2")
        result = run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", str(port), "--progress",
                         "-o", "-", env=_env())
    assert result.returncode == 0
    assert "nmap: 127.0.0.2: 1 open port (" in result.stderr
    assert "1/1 hosts done, 1 open port," in result.stderr


@pytest.mark.slow
def test_one_host_timing_out_is_an_error_for_that_host_only() -> None:
    with services() as running:
        answering = running.tcp("127.0.0.2", banner=b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        silent = running.tcp("127.0.0.3", silent=True)
        result = run_cli("collect", "--target", "127.0.0.2", "--target", "127.0.0.3", "--service-detection",
                         "--tcp-ports", f"{answering},{silent}", "--host-timeout", "1", "-o", "-", env=_env())
    assert result.returncode == 0, result.stderr
    hosts = by_host(snapshots_of(result.stdout))
    assert nmap_run(hosts["127.0.0.2"])["status"] == "ok"
    assert open_ports(hosts["127.0.0.2"]) == {("tcp", answering)}
    (ssh,) = [p for p in hosts["127.0.0.2"]["network"]["ports"] if p["port"] == answering]
    assert ssh["service"] == "ssh" and ssh["product"] == "OpenSSH"
    timed_out = hosts["127.0.0.3"]
    assert nmap_run(timed_out)["status"] == "failed"
    assert "host-timeout" in nmap_run(timed_out)["reason"]
    assert timed_out["network"] is None


def test_a_target_naming_this_host_joins_the_local_view() -> None:
    with services() as running:
        port = running.closed_port()  # closed on 127.0.0.2, open on 127.0.0.1
        running.tcp("127.0.0.1", port)
        result = run_cli("collect", "--local", "--target", "127.0.0.1", "--target", "127.0.0.2",
                         "--tcp-ports", str(port), "-o", "-", env=_env())
    assert result.returncode == 0, result.stderr
    snapshots = snapshots_of(result.stdout)
    assert len(snapshots) == 2
    local, outside = snapshots
    assert "127.0.0.1" in local["host"]["addresses"]
    assert local["network"]["address"] == "127.0.0.1" and open_ports(local) == {("tcp", port)}
    assert any(listener["port"] == port for listener in local["listeners"])
    assert outside["host"]["hostname"] == "127.0.0.2" and open_ports(outside) == set()


def test_audit_fails_exactly_the_unexpected_open_ports_per_host(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    with services() as running:
        ports = [running.closed_port() for _ in range(5)]
        layout = {"127.0.0.2": {ports[0]}, "127.0.0.3": {ports[1], ports[2]}, "127.0.0.4": set(), "::1": {ports[3]}}
        baseline = tmp_path / "baseline.yaml"
        baseline.write_text(f"version: 1\nname: outside\nports:\n  default: deny\n  allow:\n"
                            f"    - {{port: {ports[2]}, protocol: tcp}}\n")
        for address, opened in layout.items():
            for port in opened:
                running.tcp(address, port)
        result = run_cli("-q", "audit", str(baseline), "--target", "127.0.0.2-4", "--target", "::1",
                         "--tcp-ports", ",".join(map(str, ports)), "--json", str(out), env=_env())
    assert result.returncode == 1, result.stderr
    results = json.loads(out.read_text())
    unexpected = {(h["name"], r["resource"]) for h in results["hosts"] for r in h["results"]
                  if r["check"] == "port-unexpected" and r["status"] == "fail"}
    assert unexpected == {
        ("127.0.0.2", f"tcp/127.0.0.2:{ports[0]}"),
        ("127.0.0.3", f"tcp/127.0.0.3:{ports[1]}"),
        ("::1", f"tcp/[::1]:{ports[3]}"),
    }
    assert {h["name"] for h in results["hosts"]} == set(layout)

"""`surfacecheck audit --snapshot ...`: offline evaluation of saved snapshots through the real CLI.

Fast (no collection): the snapshots are built here and written with `snapshot_to_json`.
Covers several hosts at once, waivers from YAML, `--json -` with the summary on stderr,
`--exit-zero`, `--quiet`, byte-identical reruns, `--evidence-dir`, and a corrupt snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.model import Collector, CollectorRun, CollectorStatus, HostInfo, Listener, Protocol, Snapshot
from checker.storage.snapshots import snapshot_to_json
from support import ASSETS, run_cli

pytestmark = pytest.mark.integration

BASELINE = ASSETS / "evaluate" / "offline-baseline.yaml"
# Every inside collector recorded: one without a record is unknown evidence (issue 12).
OK = tuple(CollectorRun(c, CollectorStatus.OK) for c in (Collector.SOCKETS, Collector.UNIT_FILES,
                                                        Collector.UNIT_RUNTIME, Collector.SOCKET_UNITS,
                                                        Collector.XINETD)) + (
    CollectorRun(Collector.FIREWALL, CollectorStatus.NOT_RUN, "not asked for"),)


def _listener(port: int, process: str = "sshd", user: str = "root") -> Listener:
    return Listener(Protocol.TCP, "ipv4", "0.0.0.0", port, pid=port, process=process, exe=f"/usr/sbin/{process}",
                    user=user)


def _write(path: Path, hostname: str, *listeners: Listener, syn_recv: int = 3) -> str:
    snapshot = Snapshot(HostInfo(hostname, "2026-11-21T09:40:54Z", "0.1.0", privileged=True), collectors=OK,
                        listeners=listeners, connection_states={"SYN-RECV": syn_recv})
    path.write_text(snapshot_to_json(snapshot), encoding="utf-8")
    return str(path)


@pytest.fixture
def snapshots(tmp_path: Path) -> list[str]:
    return [
        _write(tmp_path / "web-1.json", "web-1", _listener(22), _listener(9090, "python3", "dev")),
        _write(tmp_path / "web-2.json", "web-2", _listener(22, user="sshuser"), _listener(23, "inetd"),
               _listener(9191, "node", "app"), syn_recv=500),
    ]


def _outcomes(data: dict[str, object]) -> set[tuple[str, str, str, str]]:
    return {(h["name"], r["check"], r["resource"], r["status"])  # type: ignore[index]
            for h in data["hosts"] for r in h["results"]}  # type: ignore[attr-defined]


def test_several_snapshots_offline_with_waivers(snapshots: list[str]) -> None:
    completed = run_cli("audit", str(BASELINE), "--snapshot", snapshots[0], "--snapshot", snapshots[1],
                        "--json", "-")
    assert completed.returncode == 1, completed.stderr
    data = json.loads(completed.stdout)  # stdout holds only the JSON; the summary went to stderr
    assert completed.stderr.startswith("surfacecheck: 2 hosts, ")
    assert _outcomes(data) == {
        ("web-1", "port-unexpected", "tcp/0.0.0.0:22", "pass"),
        ("web-1", "port-unexpected", "tcp/0.0.0.0:9090", "waived"),
        ("web-1", "port-process", "tcp/0.0.0.0:22", "pass"),
        ("web-1", "port-forbidden", "tcp/*:23", "pass"),
        ("web-1", "port-forbidden", "udp/*:23", "pass"),
        ("web-1", "connections-state", "connections:SYN-RECV", "pass"),
        ("web-2", "port-unexpected", "tcp/0.0.0.0:22", "pass"),
        # 23 is forbidden: port-forbidden alone speaks of it (one finding per problem)
        ("web-2", "port-unexpected", "tcp/0.0.0.0:9191", "fail"),
        ("web-2", "port-process", "tcp/0.0.0.0:22", "fail"),
        ("web-2", "port-forbidden", "tcp/0.0.0.0:23", "fail"),
        ("web-2", "port-forbidden", "udp/*:23", "pass"),
        ("web-2", "connections-state", "connections:SYN-RECV", "fail"),
        ("web-2", "waiver-expired", f"waiver:{BASELINE}:19", "fail"),
    }
    results = [r for h in data["hosts"] for r in h["results"]]
    waived = next(r for r in results if r["status"] == "waived")
    assert waived["waiver"]["reason"] == "temporary debug server, ticket OPS-123"
    assert waived["waiver"]["expires"] == "2026-12-31"
    telnet = next(r for r in results if r["check"] == "port-forbidden" and r["status"] == "fail")
    assert telnet["severity"] == "critical" and telnet["controls"] == ["CIS 2.1.16"]
    assert telnet["location"]["line"] == 10
    expired_fail = next(r for r in results if r["resource"] == "tcp/0.0.0.0:9191")
    assert expired_fail["waiver"]["expired"] is True


def test_reruns_are_byte_identical_and_exit_zero_forces_zero(snapshots: list[str], tmp_path: Path) -> None:
    outputs = []
    for name in ("a.json", "b.json"):
        completed = run_cli("audit", str(BASELINE), "--snapshot", snapshots[1], "--json", str(tmp_path / name),
                            "--exit-zero")
        assert completed.returncode == 0
        assert "FAIL  critical port-forbidden (rule " in completed.stdout  # summary on stdout
        assert "    tcp/0.0.0.0:23: Forbidden tcp port 23" in completed.stdout
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_quiet_and_fail_on(snapshots: list[str], tmp_path: Path) -> None:
    # web-1 alone: the 9191 waiver is unused, a low fail
    # -q: the one summary line and nothing else
    completed = run_cli("-q", "audit", str(BASELINE), "--snapshot", snapshots[0], "--json", str(tmp_path / "o.json"))
    summary = "surfacecheck: 1 host, 7 results: 1 fail, 0 error, 1 waived, 0 skip, 5 pass\n"
    assert (completed.returncode, completed.stdout, completed.stderr) == (1, summary, "")
    completed = run_cli("-q", "audit", str(BASELINE), "--snapshot", snapshots[0], "--fail-on", "medium")
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, summary, "")
    completed = run_cli("audit", str(BASELINE), "--snapshot", snapshots[1], "--fail-on", "critical")
    assert completed.returncode == 1
    # five fails, grouped by cause: one group per rule
    assert completed.stdout.startswith("surfacecheck: 1 host, 7 results: 5 fail, 0 error")
    assert completed.stdout.count("\nFAIL  ") == 5


def test_evidence_dir(snapshots: list[str], tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    completed = run_cli("audit", str(BASELINE), "--snapshot", snapshots[0], "--evidence-dir", str(bundle),
                        "--fail-on", "medium")
    assert completed.returncode == 0, completed.stderr
    assert (bundle / "SHA256SUMS").is_file() and (bundle / "results.json").is_file()


def test_corrupt_snapshot_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    corrupt = ASSETS / "evaluate" / "corrupt-snapshot.json"
    completed = run_cli("audit", str(BASELINE), "--snapshot", str(corrupt), "--json", str(tmp_path / "o.json"))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert str(corrupt) in lines[0] and "Traceback" not in completed.stderr
    assert not (tmp_path / "o.json").exists()

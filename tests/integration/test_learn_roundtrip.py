"""learn -> validate -> audit on the real host, with real listeners and a real xinetd.

The test opens TCP and UDP listeners on 127.0.0.x and ::1 (ports 23000-23999 only) in a
child process, and starts the real xinetd with its own config: an INTERNAL echo service
bound to 127.0.0.1. `surfacecheck learn` must turn them into rules, the draft must pass
`validate`, and `audit` of the same host with the draft must exit 0.

Other programs on this machine (other test suites, the environment's own port 2024) open
and close listeners at any time. Learn sees them, which is fine; but a listener that
appears *between* learn and audit fails the audit, as it should. The live round trip is
therefore retried a few times (each attempt learns afresh); the offline round trip on one
saved snapshot is exact.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PORT_RANGE = range(23000, 24000)
XINETD = "/usr/sbin/xinetd"

LISTENER_SCRIPT = r"""
import socket, sys, time
specs = [s.split(",") for s in sys.argv[1:]]
held = []
for proto, family, address, port in specs:
    fam = socket.AF_INET6 if family == "6" else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(fam, kind)
    sock.bind((address, int(port)))
    if proto == "tcp":
        sock.listen(8)
    held.append(sock)
print("ready", flush=True)
time.sleep(600)
"""


def free_ports(count: int) -> list[int]:
    """Ports of 23000-23999 free for TCP and UDP on the loopback addresses used here."""
    found: list[int] = []
    for port in PORT_RANGE:
        ok = True
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "127.0.0.2"),
                                (socket.AF_INET, "127.0.0.3"), (socket.AF_INET6, "::1")):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(family, kind) as probe:
                    try:
                        probe.bind((address, port))
                    except OSError:
                        ok = False
        if ok:
            found.append(port)
            if len(found) == count:
                return found
    pytest.fail(f"fewer than {count} free ports in 23000-23999")


@dataclass
class Listeners:
    process: subprocess.Popen[str]
    specs: list[tuple[str, str, str, int]]


@contextlib.contextmanager
def listeners(*specs: tuple[str, str, str, int]) -> Iterator[Listeners]:
    """Listening sockets held by a child process (so they have their own pid and process)."""
    args = [",".join(str(part) for part in spec) for spec in specs]
    child = subprocess.Popen([sys.executable, "-c", LISTENER_SCRIPT, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", "the listener child did not start"
        yield Listeners(child, list(specs))
    finally:
        child.kill()
        child.wait(timeout=10)


XINETD_CONF = """\
defaults
{{
\tinstances = 10
\tper_source = 5
\tcps = 10 5
\tmax_load = 8
\tonly_from = 127.0.0.1
\tlog_type = FILE {log}
\tlog_on_failure = HOST
}}

service echo
{{
\tid = surfacecheck-learn-echo
\ttype = INTERNAL UNLISTED
\tsocket_type = stream
\tprotocol = tcp
\twait = no
\tport = {port}
\tbind = 127.0.0.1
\tdisable = no
}}
"""


@contextlib.contextmanager
def real_xinetd(directory: Path, port: int) -> Iterator[Path]:
    """The real xinetd in the foreground with an INTERNAL echo on 127.0.0.1:`port`."""
    if not os.path.exists(XINETD):
        pytest.fail("xinetd is not installed (DESIGN.md section 8: in CI a missing xinetd is a failure); "
                    "`make system-deps` installs it")
    conf = directory / "xinetd.conf"
    conf.write_text(XINETD_CONF.format(port=port, log=directory / "xinetd.log"), encoding="ascii")
    daemon = subprocess.Popen([XINETD, "-dontfork", "-f", str(conf), "-pidfile", str(directory / "xinetd.pid")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as client:
                    client.sendall(b"ping\n")
                    assert client.recv(16) == b"ping\n"
                break
            except OSError:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    stderr = daemon.stderr.read() if daemon.stderr else ""
                    pytest.fail(f"xinetd did not start its echo service on 127.0.0.1:{port}: {stderr[-2000:]}")
                time.sleep(0.1)
        yield conf
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=10)


def cli_ok(*args: str) -> subprocess.CompletedProcess[str]:
    completed = run_cli(*args)
    assert completed.returncode == 0, f"surfacecheck {' '.join(args)} exited {completed.returncode}:\n" \
                                      f"{completed.stdout}\n{completed.stderr}"
    return completed


def failing_results(results_path: Path) -> list[dict[str, Any]]:
    data = json.loads(results_path.read_text(encoding="utf-8"))
    return [r for host in data["hosts"] for r in host["results"] if r["status"] in ("fail", "error")]


def allow_entries(baseline: Path) -> dict[tuple[str, Any], dict[str, Any]]:
    data = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    return {(e.get("protocol", "tcp"), e["port"]): e for e in data["ports"]["allow"]}


@pytest.fixture
def host_under_test(tmp_path: Path) -> Iterator[tuple[Listeners, Path, list[int]]]:
    tcp_port, udp_port, v6_port, echo_port, spare = free_ports(5)
    with listeners(("tcp", "4", "127.0.0.2", tcp_port), ("tcp", "6", "::1", tcp_port),
                   ("udp", "4", "127.0.0.3", udp_port), ("tcp", "6", "::1", v6_port)) as held, \
            real_xinetd(tmp_path, echo_port) as conf:
        yield held, conf, [tcp_port, udp_port, v6_port, echo_port, spare]


def live_round_trip(tmp_path: Path, ours: list[int], *collection: str) -> Path:
    """learn -> validate -> audit with the same collection options until audit exits 0.

    Only foreign churn (a listener of another program appearing between learn and audit)
    may explain a failed attempt: a failure about one of `ours`, or about units, socket
    units or xinetd, fails the test at once.
    """
    baseline = tmp_path / "learned.yaml"
    results = tmp_path / "results.json"
    attempts: list[str] = []
    for _attempt in range(4):
        cli_ok("learn", *collection, "-o", str(baseline))
        cli_ok("validate", str(baseline))
        audit = run_cli("audit", str(baseline), *collection, "--json", str(results))
        if audit.returncode == 0:
            return baseline
        failures = failing_results(results) if results.exists() else []
        own = [r for r in failures if any(f":{port}" in r["resource"] for port in ours)
               or r["check"].startswith(("xinetd", "service", "socket"))]
        assert not own, f"the learned baseline fails on our own state: {own}\n{audit.stderr}"
        attempts.append(f"exit {audit.returncode}: {[r['resource'] for r in failures]}")
        time.sleep(1)
    pytest.fail("audit with the learned baseline never exited 0 (foreign listeners kept changing?): "
                + "; ".join(attempts))


def test_learn_validate_audit_round_trip_live(host_under_test: tuple[Listeners, Path, list[int]],
                                              tmp_path: Path) -> None:
    held, conf, (tcp_port, udp_port, v6_port, echo_port, _) = host_under_test
    baseline = live_round_trip(tmp_path, [tcp_port, udp_port, v6_port, echo_port],
                               "--local", "--xinetd-conf", str(conf))

    entries = allow_entries(baseline)
    python_name = entries[("tcp", tcp_port)]["process"]
    assert entries[("tcp", tcp_port)] == {"port": tcp_port, "protocol": "tcp", "process": python_name,
                                          "user": "root", "bind": ["loopback"]}
    assert entries[("udp", udp_port)]["bind"] == ["loopback"]
    assert entries[("tcp", v6_port)]["bind"] == ["loopback"]
    assert entries[("tcp", echo_port)]["process"] == "xinetd"
    text = baseline.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert f"pid {held.process.pid}" in text
    data = yaml.safe_load(text)
    assert data["xinetd"]["allow"] == ["echo"]
    assert data["xinetd"]["limits"] == {"instances": {"max": 10}, "cps": {"max_rate": 10},
                                        "per_source": {"max": 5}, "max_load": {"max": 8.0},
                                        "only_from": "required", "log_on_failure": {"includes": ["HOST"]}}
    assert "RISK: echo is a legacy service" in text


def test_round_trip_with_the_outside_view(host_under_test: tuple[Listeners, Path, list[int]],
                                          tmp_path: Path) -> None:
    if shutil.which("nmap") is None:
        pytest.fail("nmap is not installed (DESIGN.md section 8); `make system-deps` installs it")
    _, conf, (tcp_port, udp_port, v6_port, echo_port, _) = host_under_test
    ports = f"{tcp_port},{echo_port}"  # bounded scan of our own ports only
    baseline = live_round_trip(tmp_path, [tcp_port, udp_port, v6_port, echo_port], "--local", "--xinetd-conf",
                               str(conf), "--target", "127.0.0.2", "--tcp-ports", ports)
    # 127.0.0.2 is not "this host" for the join: it is a second, outside-only host whose
    # open port merges with our listener's entry. Bound to loopback, it is not "public";
    # the xinetd echo (127.0.0.1 only) is closed on 127.0.0.2: "internal".
    entries = allow_entries(baseline)
    text = baseline.read_text(encoding="utf-8")
    assert "open from outside (nmap): 127.0.0.2" in text
    assert entries[("tcp", tcp_port)]["bind"] == ["loopback"] and "exposure" not in entries[("tcp", tcp_port)]
    assert entries[("tcp", echo_port)]["exposure"] == "internal"


def test_learned_baseline_catches_a_new_listener(host_under_test: tuple[Listeners, Path, list[int]],
                                                 tmp_path: Path) -> None:
    _, conf, (*_, spare) = host_under_test
    baseline = tmp_path / "learned.yaml"
    cli_ok("learn", "--local", "--xinetd-conf", str(conf), "-o", str(baseline))
    results = tmp_path / "results.json"
    with listeners(("tcp", "4", "127.0.0.2", spare)):
        audit = run_cli("audit", str(baseline), "--local", "--xinetd-conf", str(conf), "--json", str(results))
    assert audit.returncode == 1, audit.stderr
    unexpected = [r for r in failing_results(results) if r["check"] == "port-unexpected"]
    assert any(r["resource"] == f"tcp/127.0.0.2:{spare}" for r in unexpected), unexpected


def test_round_trip_on_a_saved_snapshot_is_exact(host_under_test: tuple[Listeners, Path, list[int]],
                                                 tmp_path: Path) -> None:
    _, conf, _ = host_under_test
    snapshot = tmp_path / "snapshot.json"
    cli_ok("collect", "--local", "--xinetd-conf", str(conf), "-o", str(snapshot))
    baseline = tmp_path / "learned.yaml"
    cli_ok("learn", "--snapshot", str(snapshot), "-o", str(baseline))
    cli_ok("validate", str(baseline))
    cli_ok("audit", str(baseline), "--snapshot", str(snapshot))
    # Learning twice from the same snapshot gives the same bytes.
    again = tmp_path / "again.yaml"
    cli_ok("learn", "--snapshot", str(snapshot), "-o", str(again))
    assert again.read_bytes() == baseline.read_bytes()


def test_diff_of_two_live_snapshots_shows_the_new_listener(host_under_test: tuple[Listeners, Path, list[int]],
                                                           tmp_path: Path) -> None:
    _, conf, (*_, spare) = host_under_test
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    cli_ok("collect", "--local", "--xinetd-conf", str(conf), "-o", str(before))
    with listeners(("tcp", "4", "127.0.0.2", spare)):
        cli_ok("collect", "--local", "--xinetd-conf", str(conf), "-o", str(after))
    diff = run_cli("diff", str(before), str(after), "--json", str(tmp_path / "diff.json"))
    assert diff.returncode == 1, diff.stderr
    drifts = json.loads((tmp_path / "diff.json").read_text())["drifts"]
    assert any(d["kind"] == "listener-added" and d["resource"] == f"tcp/{spare}" for d in drifts), drifts
    assert run_cli("diff", str(before), str(before)).returncode == 0


"""learn -> validate -> audit on the real host, with real listeners and a real xinetd.

The test binds TCP and UDP sockets on 127.0.0.x and ::1 (port 0: the kernel picks) and hands
them to a child process that listens on them, and starts the real xinetd with its own config:
an INTERNAL echo service on 127.0.0.1, on a port held until xinetd listens on it
(tests/support/ports.py). `surfacecheck learn` must turn them into rules, the draft must pass
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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import run_cli
from support.ports import UDP, bound_socket, child_listeners, port_of, reserved_for_program, same_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

XINETD = "/usr/sbin/xinetd"

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
def real_xinetd(directory: Path, reservation: socket.socket) -> Iterator[Path]:
    """The real xinetd in the foreground with an INTERNAL echo on 127.0.0.1, on the port of
    RESERVATION (closed once xinetd answers on it)."""
    if not os.path.exists(XINETD):
        pytest.fail("xinetd is not installed (DESIGN.md section 8: in CI a missing xinetd is a failure); "
                    "`make system-deps` installs it")
    port = port_of(reservation)
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
                # A hang guard, not a speed assertion: xinetd binds within milliseconds.
                if daemon.poll() is not None or time.monotonic() > deadline:
                    stderr = daemon.stderr.read() if daemon.stderr else ""
                    pytest.fail(f"xinetd did not start its echo service on 127.0.0.1:{port}: {stderr[-2000:]}")
                time.sleep(0.1)
        reservation.close()
        yield conf
    finally:
        reservation.close()
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


@dataclass
class HostUnderTest:
    child: subprocess.Popen[str]
    """The process that owns the TCP and UDP listeners."""
    conf: Path
    """The running xinetd's configuration."""
    tcp_port: int
    """Listening on 127.0.0.2 and ::1."""
    udp_port: int
    v6_port: int
    echo_port: int
    """xinetd's INTERNAL echo on 127.0.0.1."""
    spare: socket.socket
    """Bound on 127.0.0.2, not listening: a test hands it to `child_listeners` as the new listener."""

    @property
    def ours(self) -> list[int]:
        return [self.tcp_port, self.udp_port, self.v6_port, self.echo_port]


@pytest.fixture
def host_under_test(tmp_path: Path) -> Iterator[HostUnderTest]:
    both = same_port("127.0.0.2", "::1")
    udp, v6 = bound_socket("127.0.0.3", kind=UDP), bound_socket("::1")
    ports = (port_of(both[0]), port_of(udp), port_of(v6))
    echo = reserved_for_program("127.0.0.1")
    echo_port = port_of(echo)
    with bound_socket("127.0.0.2") as spare, child_listeners(*both, udp, v6) as child, \
            real_xinetd(tmp_path, echo) as conf:
        yield HostUnderTest(child, conf, *ports, echo_port, spare)


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


def test_learn_validate_audit_round_trip_live(host_under_test: HostUnderTest, tmp_path: Path) -> None:
    host = host_under_test
    tcp_port, udp_port, v6_port, echo_port = host.ours
    baseline = live_round_trip(tmp_path, host.ours, "--local", "--xinetd-conf", str(host.conf))

    entries = allow_entries(baseline)
    python_name = entries[("tcp", tcp_port)]["process"]
    assert entries[("tcp", tcp_port)] == {"port": tcp_port, "protocol": "tcp", "process": python_name,
                                          "user": "root", "bind": ["loopback"]}
    # A UDP port from port 0 lies in ip_local_port_range, which learn reads: the socket is a
    # client's to it, covered by the one ephemeral range entry instead of a rule of its own.
    low, high = (int(p) for p in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    assert low <= udp_port <= high
    assert ("udp", udp_port) not in entries and entries[("udp", f"{low}-{high}")]
    assert entries[("tcp", v6_port)]["bind"] == ["loopback"]
    assert entries[("tcp", echo_port)]["process"] == "xinetd"
    text = baseline.read_text(encoding="utf-8")
    assert text.startswith(("# yaml-language-server: $schema=", "# Editor help: "))
    assert f"pid {host.child.pid}" in text
    data = yaml.safe_load(text)
    assert data["xinetd"]["allow"] == ["echo"]
    assert data["xinetd"]["limits"] == {"instances": {"max": 10}, "cps": {"max_rate": 10},
                                        "per_source": {"max": 5}, "max_load": {"max": 8.0},
                                        "only_from": "required", "log_on_failure": {"includes": ["HOST"]}}
    assert "RISK: echo is a legacy service" in text


def test_round_trip_with_the_outside_view(host_under_test: HostUnderTest, tmp_path: Path) -> None:
    if shutil.which("nmap") is None:
        pytest.fail("nmap is not installed (DESIGN.md section 8); `make system-deps` installs it")
    host = host_under_test
    tcp_port, echo_port = host.tcp_port, host.echo_port
    ports = f"{tcp_port},{echo_port}"  # bounded scan of our own ports only
    baseline = live_round_trip(tmp_path, host.ours, "--local", "--xinetd-conf",
                               str(host.conf), "--target", "127.0.0.2", "--tcp-ports", ports)
    # 127.0.0.2 is not "this host" for the join: it is a second, outside-only host whose
    # open port merges with our listener's entry. Bound to loopback, it is not "public";
    # the xinetd echo (127.0.0.1 only) is closed on 127.0.0.2: "internal".
    entries = allow_entries(baseline)
    text = baseline.read_text(encoding="utf-8")
    assert "open from outside (nmap): 127.0.0.2" in text
    assert entries[("tcp", tcp_port)]["bind"] == ["loopback"] and "exposure" not in entries[("tcp", tcp_port)]
    assert entries[("tcp", echo_port)]["exposure"] == "internal"


def test_learned_baseline_catches_a_new_listener(host_under_test: HostUnderTest, tmp_path: Path) -> None:
    conf, spare = host_under_test.conf, port_of(host_under_test.spare)
    baseline = tmp_path / "learned.yaml"
    cli_ok("learn", "--local", "--xinetd-conf", str(conf), "-o", str(baseline))
    results = tmp_path / "results.json"
    with child_listeners(host_under_test.spare):
        audit = run_cli("audit", str(baseline), "--local", "--xinetd-conf", str(conf), "--json", str(results))
    assert audit.returncode == 1, audit.stderr
    unexpected = [r for r in failing_results(results) if r["check"] == "port-unexpected"]
    assert any(r["resource"] == f"tcp/127.0.0.2:{spare}" for r in unexpected), unexpected


def test_round_trip_on_a_saved_snapshot_is_exact(host_under_test: HostUnderTest, tmp_path: Path) -> None:
    conf = host_under_test.conf
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


def test_diff_of_two_live_snapshots_shows_the_new_listener(host_under_test: HostUnderTest, tmp_path: Path) -> None:
    conf, spare = host_under_test.conf, port_of(host_under_test.spare)
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    cli_ok("collect", "--local", "--xinetd-conf", str(conf), "-o", str(before))
    with child_listeners(host_under_test.spare):
        cli_ok("collect", "--local", "--xinetd-conf", str(conf), "-o", str(after))
    diff = run_cli("diff", str(before), str(after), "--json", str(tmp_path / "diff.json"))
    assert diff.returncode == 1, diff.stderr
    drifts = json.loads((tmp_path / "diff.json").read_text())["drifts"]
    assert any(d["kind"] == "listener-added" and d["resource"] == f"tcp/{spare}" for d in drifts), drifts
    assert run_cli("diff", str(before), str(before)).returncode == 0


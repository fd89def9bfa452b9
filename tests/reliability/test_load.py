"""Load: 10,000 listeners and 20,000 established loopback connections, audited end to end.

The socket farm (benchmarks/socket_farm.py) opens 10,000 TCP listeners on 127.0.0.2-201
(on ports the kernel picks) and 10,000 client/server pairs between them: 20,000 ESTABLISHED
connection entries, i.e. 30,000 descriptors with the listeners, split over several
processes because RLIMIT_NOFILE's hard limit cannot be raised without CAP_SYS_RESOURCE.
Pairs are closed with SO_LINGER 0 (RST), so no TIME-WAIT is left behind.

The audit must complete, find a random sample of the farm's listeners with the right owner,
count the established connections, and keep its peak RSS bounded (the child's own
`ru_maxrss`, through GNU time). How fast it is belongs to benchmarks/ (bench_local.py), not
here: a hang guard kills it after HANG_GUARD_SECONDS, far beyond any normal run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import REPO_ROOT
from support.ports import load_socket_farm

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LISTENERS = 10_000
PAIRS = 10_000
MAX_RSS_MB = 400
"""Bound on the audit's peak RSS with 30,000 sockets and the JSON report (measured: ~200 MiB)."""
HANG_GUARD_SECONDS = 300


@pytest.fixture(scope="module")
def farm() -> Iterator[Any]:
    socket_farm = load_socket_farm()
    with socket_farm.SocketFarm(tcp=LISTENERS, pairs=PAIRS) as running:
        yield running


def _audit(tmp_path: Path, farm_ports: range, *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("version: 1\nname: load\nports:\n  default: allow\n  allow:\n"
                        f"    - {{port: {farm_ports.start}-{farm_ports.stop - 1}, protocol: tcp, process: socketfarm,"
                        " bind: [loopback]}\n"
                        "connections:\n  max_per_state: {ESTABLISHED: 100000}\n")
    argv = [sys.executable, "-m", "checker", "-q", "audit", str(baseline), "--local", *extra]
    out, err, rss = tmp_path / "stdout.txt", tmp_path / "stderr.txt", tmp_path / "maxrss.txt"
    # GNU time measures from a tiny process: a child forked from pytest itself would report at
    # least pytest's own RSS as its ru_maxrss. Fallback: this child's own wait4 rusage.
    command = ["/usr/bin/time", "-f", "%M", "-o", str(rss), *argv] if os.access("/usr/bin/time", os.X_OK) else argv
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=str(REPO_ROOT))
        killer = threading.Timer(HANG_GUARD_SECONDS, process.kill)
        killer.start()
        try:
            # wait4 on this very child: its own peak RSS, not the largest of every child so far.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    completed = subprocess.CompletedProcess(argv, process.returncode, out.read_text(), err.read_text())
    peak_kb = int(rss.read_text().split()[-1]) if rss.exists() else usage.ru_maxrss
    return completed, peak_kb / 1024


def test_audit_of_10k_listeners_and_20k_connections(farm: Any, tmp_path: Path) -> None:
    assert len(farm.tcp) == LISTENERS and farm.pairs == PAIRS
    report = tmp_path / "results.json"
    farm_ports = [port for _, port in farm.tcp]
    completed, peak_mb = _audit(tmp_path, range(min(farm_ports), max(farm_ports) + 1), "--json", str(report))
    assert completed.returncode in (0, 1), completed.stderr  # 1: foreign listeners may break `bind`
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"

    data = json.loads(report.read_text())
    (host,) = data["hosts"]
    snapshot = host["snapshot"]
    assert snapshot["connection_states"].get("ESTABLISHED", 0) >= 2 * PAIRS
    listeners = {(item["address"], item["port"]): item for item in snapshot["listeners"] if item["protocol"] == "tcp"}
    sample = random.Random(8).sample(farm.tcp, 200)
    for address, port in sample:
        found = listeners.get((address, port))
        assert found is not None, f"listener {address}:{port} missing"
        assert found["process"] == "socketfarm" and found["pid"] in farm.pids and found["user"] == "root", found
    # Accepted/connected ends are connections, never listeners.
    assert sum(1 for item in snapshot["listeners"] if item["pid"] in farm.pids) == LISTENERS
    results = {(r["check"], r["resource"]): r["status"] for r in host["results"]}
    for address, port in sample:
        assert results[("port-process", f"tcp/{address}:{port}")] == "pass"
        assert results[("port-bind", f"tcp/{address}:{port}")] == "pass"
    states = [r for r in host["results"] if r["check"] == "connections-state"]
    assert states and {r["status"] for r in states} == {"pass"}, states


def test_farm_cleans_up_after_itself() -> None:
    """Runs after the module's farm closed: none of its sockets are left (TIME-WAIT included)."""
    socket_farm = load_socket_farm()
    # 127.0.0.240-244: addresses the module's farm (127.0.0.2-201) does not use.
    with socket_farm.SocketFarm(tcp=50, pairs=50, first=240, addresses=5) as small:
        pids = list(small.pids)
        endpoints = {f"{address}:{port}" for address, port in small.tcp}
        assert small.pairs == 50
    time.sleep(0.2)  # let the kernel finish the farm's RST closes
    listing = subprocess.run(["ss", "-Htan"], capture_output=True, text=True, check=False).stdout
    leftovers = [line for line in listing.splitlines() if set(line.split()[3:5]) & endpoints]
    assert not leftovers, leftovers
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ")[1].startswith("Z")
    except OSError:
        return True

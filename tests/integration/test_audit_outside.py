"""`surfacecheck audit --local --target 127.0.0.1` with real nmap: exposure rules end to end.

Listeners on 127.0.0.1 in 21000-21999; the scan is bounded by the baseline's
`scan.tcp_ports` to four ports of that range, on loopback only.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture
def base_port() -> Iterator[int]:
    for _ in range(20):
        base = random.randrange(21000, 21996)
        sockets: list[socket.socket] = []
        try:
            for port in (base + 1, base + 2):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
                sock.listen(4)
        except OSError:
            for sock in sockets:
                sock.close()
            continue
        yield base
        for sock in sockets:
            sock.close()
        return
    pytest.fail("no free ports in 21000-21999")


def test_exposure_rules_against_a_real_scan(tmp_path: Path, base_port: int) -> None:
    assert shutil.which("nmap") or Path("/usr/bin/nmap").exists(), "nmap is a real component of the test suite"
    internal, public_open, public_closed = base_port + 1, base_port + 2, base_port + 3
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "version: 1\n"
        "name: exposure\n"
        f"scan: {{tcp_ports: '{base_port}-{base_port + 3}', timing: 4}}\n"
        "ports:\n"
        "  default: allow\n"
        "  allow:\n"
        f"    - {{port: {internal}, protocol: tcp, exposure: internal}}\n"
        f"    - {{port: {public_open}, protocol: tcp, exposure: public, required: true}}\n"
        f"    - {{port: {public_closed}, protocol: tcp, exposure: public, required: true}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    completed = run_cli("audit", str(baseline), "--local", "--target", "127.0.0.1", "--json", str(out))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["hosts"]) == 1
    found = {(r["check"], r["resource"], r["status"]) for r in data["hosts"][0]["results"]
             if r["check"] != "collector-error"}
    assert found == {
        ("port-exposed", f"tcp/127.0.0.1:{internal}", "fail"),
        ("port-required-missing", f"tcp/*:{public_open}", "pass"),
        ("port-unreachable", f"tcp/127.0.0.1:{public_open}", "pass"),
        ("port-required-missing", f"tcp/*:{public_closed}", "fail"),
        ("port-unreachable", f"tcp/127.0.0.1:{public_closed}", "fail"),
    }
    exposed = next(r for r in data["hosts"][0]["results"] if r["check"] == "port-exposed")
    assert exposed["evidence"]["source"] == "nmap" and exposed["evidence"]["state"] == "open"

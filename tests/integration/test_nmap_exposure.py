"""Exposure checks come alive when the inside and the outside view of one host are joined.

The host is this machine; 127.0.0.2 plays the address the outside world reaches it at.
A snapshot and a target join when the target is one of the snapshot's `host.addresses`,
so the test lists 127.0.0.2 there (the real interface list cannot carry it without
changing the shared machine's network configuration). A service bound to 127.0.0.1 only
is then inside-visible but not reachable at 127.0.0.2 (`exposure: internal` passes); bound
to 0.0.0.0 it is reachable there (`port-exposed` fails).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.outputs import snapshots_of
from support.ports import services

pytestmark = pytest.mark.integration

BASELINE = """\
version: 1
name: exposure
ports:
  default: allow
  allow:
    - {{port: {port}, protocol: tcp, exposure: internal, reason: database for local clients only}}
"""


def _inside_view(tmp_path: Path, port: int) -> Path:
    result = run_cli("collect", "--local", "-o", "-")
    assert result.returncode == 0, result.stderr
    (snapshot,) = snapshots_of(result.stdout)
    assert any(listener["port"] == port for listener in snapshot["listeners"]), "inside view misses the listener"
    snapshot["host"]["addresses"] = sorted({*snapshot["host"]["addresses"], "127.0.0.2"})
    path = tmp_path / "inside.json"
    path.write_text(json.dumps(snapshot))
    return path


def _audit(tmp_path: Path, port: int) -> tuple[int, dict[str, Any]]:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE.format(port=port))
    out = tmp_path / "results.json"
    result = run_cli("-q", "audit", str(baseline), "--snapshot", str(_inside_view(tmp_path, port)),
                     "--target", "127.0.0.2", "--tcp-ports", str(port), "--json", str(out))
    assert result.returncode in (0, 1, 3), result.stderr
    return result.returncode, json.loads(out.read_text())


def _exposed(results: dict[str, Any]) -> list[dict[str, Any]]:
    (host,) = results["hosts"]
    return [r for r in host["results"] if r["check"] == "port-exposed"]


def test_loopback_only_service_is_not_exposed(tmp_path: Path) -> None:
    with services() as running:
        port = running.closed_port()  # closed on 127.0.0.2 whatever else runs on this machine
        running.tcp("127.0.0.1", port)
        code, results = _audit(tmp_path, port)
    (host,) = results["hosts"]
    network = host["snapshot"]["network"]
    assert network["address"] == "127.0.0.2"
    assert all(p["state"] != "open" for p in network["ports"])
    assert host["snapshot"]["listeners"], "the joined snapshot keeps the inside view"
    (exposed,) = _exposed(results)
    assert exposed["status"] == "pass", exposed
    assert code in (0, 3)  # 3 only if an unrelated inside collector cannot run on this machine
    assert not [r for r in host["results"] if r["status"] == "fail"]


def test_wildcard_service_is_exposed(tmp_path: Path) -> None:
    with services() as running:
        port = running.tcp("0.0.0.0")
        code, results = _audit(tmp_path, port)
    exposed = _exposed(results)
    assert [r["status"] for r in exposed] == ["fail"], exposed
    assert exposed[0]["resource"] == f"tcp/127.0.0.2:{port}"
    assert code == 1

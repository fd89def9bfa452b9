"""Reading what the CLI wrote: `collect -o -` snapshots and `audit --json` results, as plain JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def snapshots_of(stdout: str) -> list[dict[str, Any]]:
    """`collect -o -` output: one snapshot object or a list of them."""
    data = json.loads(stdout)
    return data if isinstance(data, list) else [data]


def by_host(snapshots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["host"]["hostname"]: s for s in snapshots}


def nmap_run(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's record of the nmap collector (status, reason)."""
    return next(c for c in snapshot["collectors"] if c["name"] == "nmap")


def open_ports(snapshot: dict[str, Any]) -> set[tuple[str, int]]:
    network = snapshot["network"] or {"ports": []}
    return {(p["protocol"], p["port"]) for p in network["ports"] if p["state"] == "open"}


def results_of(report: Path) -> list[dict[str, Any]]:
    """Every result of every host of an `audit --json` report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    return [result for host in data["hosts"] for result in host["results"]]


def statuses_of(report: Path, host: str | None = None) -> dict[str, str]:
    """`{"CHECK RESOURCE": status}` of one host (of the only host when None)."""
    hosts = json.loads(report.read_text(encoding="utf-8"))["hosts"]
    (chosen,) = [h for h in hosts if host is None or h["name"] == host]
    return {f"{r['check']} {r['resource']}": r["status"] for r in chosen["results"]}

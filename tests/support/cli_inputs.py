"""Input files for tests that drive the real CLI: snapshot JSON, baselines, and the results a
`--json -` run printed. One copy, shared by the trust suites (tests/integration/test_trust_*.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

SNAPSHOT_TIME = "2026-11-21T09:40:54Z"
ALL_INSIDE = ("sockets", "unit-files", "unit-runtime", "socket-units", "xinetd")


def snapshot_file(path: Path, *, hostname: str = "web-1", listeners: list[dict[str, Any]] | None = None,
                  collectors: tuple[str, ...] = ALL_INSIDE, states: dict[str, int] | None = None,
                  xinetd: list[dict[str, Any]] | None = None, addresses: list[str] | None = None) -> str:
    """A snapshot file as `collect` writes it, every named collector `ok`; its path."""
    document = {
        "schema_version": 1,
        "host": {"hostname": hostname, "collected_at": SNAPSHOT_TIME, "finished_at": SNAPSHOT_TIME,
                 "tool_version": "0.1.0", "privileged": True, "euid": 0, "root": None, "kernel": "6",
                 "os_release": "Debian GNU/Linux 12 (bookworm)", "addresses": addresses or ["127.0.0.1"]},
        "collectors": [{"name": name, "status": "ok", "reason": None} for name in collectors],
        "listeners": listeners or [],
        "connection_states": states or {},
        "units": [], "socket_units": [], "xinetd_services": xinetd or [], "network": None,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def baseline_file(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def results_of(completed: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Every result of a `--json -` run, all hosts."""
    data = json.loads(completed.stdout)
    return [result for host in data["hosts"] for result in host["results"]]

"""`audit -` reads the baseline from standard input (issue 15): same loader, same limits, named `<stdin>`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import REPO_ROOT

SNAPSHOT_TIME = "2026-11-21T09:40:54Z"


def _audit_stdin(text: bytes, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", "audit", "-", *args], input=text.decode("utf-8", "replace"),
                          capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def _snapshot(path: Path) -> str:
    listener = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 23, "pid": 1, "process": "inetd",
                "exe": "/usr/sbin/inetd", "user": "root", "dual_stack": False}
    document = {"schema_version": 1, "host": {"hostname": "web-1", "collected_at": SNAPSHOT_TIME, "tool_version": "0",
                                              "privileged": True},
                "collectors": [{"name": name, "status": "ok", "reason": None}
                               for name in ("sockets", "unit-files", "unit-runtime", "socket-units", "xinetd")]
                + [{"name": "firewall", "status": "not-run", "reason": None}],
                "listeners": [listener], "connection_states": {}, "units": [], "socket_units": [],
                "xinetd_services": []}
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_a_baseline_from_stdin_is_evaluated_and_named_stdin(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path / "s.json")
    completed = _audit_stdin(b"version: 1\nports:\n  forbid: [{port: 23}]\n", "--snapshot", snapshot, "--json", "-",
                             cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    data = json.loads(completed.stdout)
    assert data["baseline"]["path"] == "<stdin>"
    forbidden = [r for h in data["hosts"] for r in h["results"] if r["check"] == "port-forbidden"]
    assert {(r["resource"], r["status"], r["location"]["file"], r["location"]["line"]) for r in forbidden} == {
        ("tcp/0.0.0.0:23", "fail", "<stdin>", 3), ("udp/*:23", "pass", "<stdin>", 3)}


def test_bad_input_on_stdin_is_one_located_line(tmp_path: Path) -> None:
    completed = _audit_stdin(b"version: 1\nportz: {}\n", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "surfacecheck: <stdin>:2:1: unknown key 'portz' (did you mean 'ports'?)"]


def test_stdin_has_no_directory_tree_for_extends(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("version: 1\nsecret: hunter2\n", encoding="utf-8")
    completed = _audit_stdin(b"version: 1\nextends: [./secret.yaml]\n", cwd=tmp_path)
    assert completed.returncode == 2 and "hunter2" not in completed.stderr + completed.stdout
    completed = _audit_stdin(b"version: 1\nextends: [builtin:no-cleartext]\n", "--snapshot",
                             _snapshot(tmp_path / "s.json"), "--json", "-", cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr


def test_an_oversized_stdin_baseline_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    completed = _audit_stdin(b"version: 1\n" + b"# padding\n" * 200_000, cwd=tmp_path)
    assert completed.returncode == 2
    assert "<stdin>: too large" in completed.stderr

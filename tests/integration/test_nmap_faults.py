"""nmap faults become `error` results and exit 3, never an empty "no open ports" view."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from nmap_support import by_host, fake_nmap, free_ports, nmap_run, services, snapshots_of

from support import TESTDATA, run_cli

pytestmark = pytest.mark.integration

BASELINE = """\
version: 1
name: nmap-faults
ports:
  default: allow
  allow:
    - {{port: {port}, protocol: tcp, exposure: internal}}
"""


def _baseline(tmp_path: Path, port: int) -> str:
    path = tmp_path / "baseline.yaml"
    path.write_text(BASELINE.format(port=port))
    return str(path)


def _audit(tmp_path: Path, env: dict[str, str], *targets: str, port: int,
           extra: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "results.json"
    argv: list[str] = ["audit", _baseline(tmp_path, port)]
    for target in targets:
        argv += ["--target", target]
    result = run_cli("-q", *argv, "--tcp-ports", str(port), *extra, "--json", str(out), env=env)
    assert result.returncode in (0, 1, 3), result.stderr
    return result.returncode, json.loads(out.read_text())


def _statuses(results: dict[str, Any], host: str) -> dict[str, str]:
    (report,) = [h for h in results["hosts"] if h["name"] == host]
    return {f"{r['check']} {r['resource']}": r["status"] for r in report["results"]}


def _collect(env: dict[str, str], *extra: str) -> dict[str, dict[str, Any]]:
    result = run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", "22001", *extra, "-o", "-", env=env)
    assert result.returncode == 0, result.stderr
    return by_host(snapshots_of(result.stdout))


def _assert_failed(snapshot: dict[str, Any], words: str) -> None:
    run = nmap_run(snapshot)
    assert run["status"] == "failed" and words in run["reason"], run
    assert snapshot["network"] is None


def test_nmap_missing_from_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))
    _assert_failed(_collect(env)["127.0.0.2"], "nmap: not found on PATH")
    code, results = _audit(tmp_path, env, "127.0.0.2", port=22001)
    assert code == 3
    statuses = _statuses(results, "127.0.0.2")
    assert statuses["collector-error collector:nmap"] == "error"
    assert statuses["port-exposed tcp/*:22001"] == "error"


@pytest.mark.slow
def test_nmap_killed_by_the_process_timeout(tmp_path: Path) -> None:
    """A hung nmap is killed at 2 x --host-timeout + 5 s (7 s here) and its host is an error."""
    env = fake_nmap(tmp_path, "exec sleep 60\n")
    started = time.monotonic()
    code, results = _audit(tmp_path, env, "127.0.0.2", port=22001, extra=("--host-timeout", "1"))
    assert time.monotonic() - started < 20
    assert code == 3
    (report,) = results["hosts"]
    assert report["snapshot"]["network"] is None
    (run,) = [c for c in report["snapshot"]["collectors"] if c["name"] == "nmap"]
    assert run["status"] == "failed" and "timed out after 7s" in run["reason"] and "killed" in run["reason"]
    assert _statuses(results, "127.0.0.2")["collector-error collector:nmap"] == "error"


@pytest.mark.parametrize("body, words", [
    (f'cat "{TESTDATA}/nmap-xml/_generated-locally/truncated-killed-7.93.xml"\n', "truncated"),
    ("printf '<?xml version=\"1.0\"?><nmaprun><host>'\nkill -9 $$\n", "killed by signal 9"),
    ("echo 'not xml at all'\n", "malformed XML"),
    ("echo '<html/>'\n", "not an nmap XML report"),
    ("echo 'QUITTING!' >&2\nexit 1\n", "nmap: exit 1: QUITTING!"),
    ("echo '<nmaprun scanner=\"nmap\"><runstats><finished time=\"1\" errormsg=\"boom\"/></runstats></nmaprun>'\n",
     "nmap: boom"),
    ("echo '<nmaprun scanner=\"nmap\"><runstats><finished time=\"1\"/></runstats></nmaprun>'\n",
     "nmap reported no host"),
])
def test_broken_nmap_output_is_a_named_failure(tmp_path: Path, body: str, words: str) -> None:
    env = fake_nmap(tmp_path, body)
    _assert_failed(_collect(env)["127.0.0.2"], words)


def test_truncated_xml_gives_exit_3_through_audit(tmp_path: Path) -> None:
    xml = TESTDATA / "nmap-xml/_generated-locally/truncated-killed-7.93.xml"
    env = fake_nmap(tmp_path, f'cat "{xml}"\n')
    code, results = _audit(tmp_path, env, "127.0.0.2", port=22001)
    assert code == 3
    statuses = _statuses(results, "127.0.0.2")
    assert statuses["port-exposed tcp/*:22001"] == "error"


def test_a_failing_process_affects_only_its_own_targets(tmp_path: Path) -> None:
    """A fake nmap that fails for the IPv6 run only (IPv4 and IPv6 targets are separate processes)."""
    (port,) = free_ports(1)
    real = "/usr/bin/nmap"
    env = fake_nmap(tmp_path, f'for a in "$@"; do last="$a"; done\n'
                              f'if [ "$last" = ::1 ]; then exit 2; fi\nexec {real} "$@"\n')
    with services() as running:
        running.tcp("127.0.0.2", port)
        result = run_cli("collect", "--target", "127.0.0.2", "--target", "::1",
                         "--tcp-ports", str(port), "-o", "-", env=env)
    assert result.returncode == 0, result.stderr
    hosts = by_host(snapshots_of(result.stdout))
    assert nmap_run(hosts["127.0.0.2"])["status"] == "ok"
    _assert_failed(hosts["::1"], "nmap: exit 2")


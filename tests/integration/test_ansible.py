"""The fleet recipe, examples/ansible/, run for real with ansible-core against localhost.

`connection: local` (examples/ansible/inventory.yml): every task really runs, `collect`
on "the fleet" (this machine), `fetch`, and the central `audit --snapshot ...` writing
every format. The only thing skipped is the whole test, when ansible-core is not
importable (it is in the `test` extra).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import REPO_ROOT
from support.ports import bound_socket, held_port, port_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ansible = pytest.importorskip(
    "ansible", reason="ansible-core is not installed: `pip install -e '.[test]'` installs it from PyPI")

ANSIBLE_DIR = REPO_ROOT / "examples" / "ansible"


def run_playbook(tmp_path: Path, inventory: Path = ANSIBLE_DIR / "inventory.yml",
                 **extra: Any) -> subprocess.CompletedProcess[str]:
    extra_vars = {
        "surfacecheck_command": [sys.executable, "-m", "checker"],
        "surfacecheck_output_dir": str(tmp_path / "out"),
        "surfacecheck_remote_dir": str(tmp_path / "remote"),
        "surfacecheck_become": False,  # the suite runs as root already; no sudo needed
        **extra,
    }
    (tmp_path / "remote").mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PYTHONPATH": str(REPO_ROOT),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_TIMEOUT": "5",
    }
    return subprocess.run(
        [sys.executable, "-m", "ansible", "playbook", "-i", str(inventory),
         str(ANSIBLE_DIR / "playbook.yml"), "-e", json.dumps(extra_vars)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)


@pytest.fixture
def forbidden_listener() -> Iterator[int]:
    """A TCP listener on 127.0.0.1 (port 0: the kernel picks) that the test baseline forbids."""
    with bound_socket("127.0.0.1") as sock:
        sock.listen(4)
        yield port_of(sock)


def write_baseline(tmp_path: Path, port: int) -> Path:
    baseline = tmp_path / "fleet.yaml"
    baseline.write_text(
        "version: 1\nname: fleet\nextends: [builtin:default]\n"
        f"ports:\n  forbid:\n    - {{port: {port}, protocol: tcp, reason: test listener, controls: [TEST-1]}}\n",
        encoding="utf-8")
    return baseline


def test_playbook_collects_fetches_and_audits_centrally(tmp_path: Path, forbidden_listener: int) -> None:
    baseline = write_baseline(tmp_path, forbidden_listener)
    completed = run_playbook(tmp_path, surfacecheck_baseline=str(baseline))
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    assert "failed=0" in completed.stdout

    out = tmp_path / "out"
    snapshot = out / "snapshots" / "localhost.json"
    assert snapshot.is_file()
    assert not any((tmp_path / "remote").iterdir()), "the host keeps no snapshot nor scratch directory"
    from checker.storage.snapshots import load_snapshot

    assert any(listener.port == forbidden_listener for listener in load_snapshot(str(snapshot)).listeners)

    reports = out / "reports"
    results = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    assert len(results["hosts"]) == 1
    assert results["hosts"][0]["name"] == "localhost"  # the inventory name, passed as --host-name
    fails = [(r["check"], r["resource"]) for h in results["hosts"] for r in h["results"] if r["status"] == "fail"]
    assert ("port-forbidden", f"tcp/127.0.0.1:{forbidden_listener}") in fails

    sarif = json.loads((reports / "results.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == "port-forbidden" for r in sarif["runs"][0]["results"])
    junit = (reports / "results.junit.xml").read_text(encoding="utf-8")
    assert "<testsuite" in junit and "port-forbidden" in junit
    assert "port-forbidden" in (reports / "report.md").read_text(encoding="utf-8")


def test_playbook_fails_on_findings_when_asked(tmp_path: Path, forbidden_listener: int) -> None:
    baseline = write_baseline(tmp_path, forbidden_listener)
    completed = run_playbook(tmp_path, surfacecheck_baseline=str(baseline), surfacecheck_fail_on_findings=True)
    assert completed.returncode != 0
    assert "surfacecheck audit exited 1" in completed.stdout


def test_playbook_fails_on_a_bad_baseline(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nports: {default: maybe}\n", encoding="utf-8")
    completed = run_playbook(tmp_path, surfacecheck_baseline=str(bad))
    assert completed.returncode != 0
    assert "Evaluate the baseline against all snapshots" in completed.stdout


def test_an_unreachable_host_is_left_out_and_the_rest_is_audited(tmp_path: Path, forbidden_listener: int) -> None:
    # A second "host" whose SSH port is closed (127.0.0.1, a held port: bound, never listening):
    # refused at once, so Ansible marks it unreachable and carries on with localhost.
    with held_port() as closed:
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(
            (ANSIBLE_DIR / "inventory.yml").read_text(encoding="utf-8")
            + f"    ghost:\n      ansible_host: 127.0.0.1\n      ansible_port: {port_of(closed)}\n"
              "      ansible_connection: ssh\n      ansible_user: nobody\n", encoding="utf-8")
        completed = run_playbook(tmp_path, inventory=inventory,
                                 surfacecheck_baseline=str(write_baseline(tmp_path, forbidden_listener)))
    assert completed.returncode != 0  # Ansible reports the unreachable host
    assert "UNREACHABLE" in completed.stdout
    results = json.loads((tmp_path / "out" / "reports" / "results.json").read_text(encoding="utf-8"))
    assert [host["name"] for host in results["hosts"]] == [json.loads(
        (tmp_path / "out" / "snapshots" / "localhost.json").read_text(encoding="utf-8"))["host"]["hostname"]]
    assert not (tmp_path / "out" / "snapshots" / "ghost.json").exists()

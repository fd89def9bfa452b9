"""Issue 12 (trust), completeness: the ways an audit said `pass` or exit 0 without whole evidence.

Each test ran the real CLI against 23b4c71 and failed there (see the commit message): unit
evidence read over an unreadable directory taken as complete, a SysV script enabled at boot
invisible on a systemd image, a snapshot lacking a collector's record evaluated as `skip`, an
audit of nothing exiting 0, and a closed stdout turning 3,000 fails into exit 0. They run the
real CLI on snapshots and --root images the test writes, so the evidence is exactly what the
test says and nothing on this machine can make them pass by accident.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.cli_inputs import baseline_file as _baseline
from support.cli_inputs import results_of as _results
from support.cli_inputs import snapshot_file as _snapshot
from support.unprivileged import Unprivileged

pytestmark = pytest.mark.integration


def _listener(port: int, *, address: str = "0.0.0.0", protocol: str = "tcp") -> dict[str, Any]:
    return {"protocol": protocol, "family": "ipv6" if ":" in address else "ipv4", "address": address,
            "port": port, "pid": 100, "process": "sshd", "exe": "/usr/sbin/sshd", "user": "root",
            "dual_stack": False}


# ---------------------------------------------------------------------- 5. incomplete unit lists


def _root_image(base: Path) -> Path:
    root = base / "image"
    lib = root / "usr/lib/systemd/system"
    lib.mkdir(parents=True)
    (lib / "telnet.socket").write_text("[Socket]\nListenStream=23\nAccept=yes\n[Install]\nWantedBy=sockets.target\n")
    (lib / "telnet@.service").write_text("[Service]\nExecStart=/usr/sbin/in.telnetd\nStandardInput=socket\n")
    wants = root / "etc/systemd/system/sockets.target.wants"
    wants.mkdir(parents=True)
    (wants / "telnet.socket").symlink_to("/usr/lib/systemd/system/telnet.socket")
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def test_an_unreadable_unit_directory_makes_unit_evidence_partial(nobody: Unprivileged) -> None:
    """As `nobody`, systemctl skips the unreadable wants directory and calls telnet.socket `disabled`."""
    work = nobody.world_dir("unit-partial")
    root = _root_image(work)
    (root / "etc/systemd/system/sockets.target.wants").chmod(0)
    baseline = _baseline(work / "b.yaml", "version: 1\nservices:\n"
                         "  - {unit: telnet.socket, enabled: false, absent_ok: true}\n")
    Path(baseline).chmod(0o644)
    completed = nobody.run("audit", baseline, "--root", str(root), "--json", "-")
    assert completed.returncode == 3, completed.stdout[-2000:] + completed.stderr
    statuses = {r["status"] for r in _results(completed) if "telnet.socket" in r["resource"]}
    assert statuses == {"error"}, statuses
    units = next(run for run in json.loads(completed.stdout)["hosts"][0]["snapshot"]["collectors"]
                 if run["name"] == "unit-files")
    assert units["status"] == "partial" and "sockets.target.wants" in units["reason"], units


# ---------------------------------------------------------------------- 6. SysV on systemd images


def test_a_sysv_script_with_s_links_is_an_enabled_service_on_a_systemd_image(tmp_path: Path) -> None:
    root = tmp_path / "image"
    (root / "usr/lib/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd/systemd").write_text("")  # systemd is installed in this image
    (root / "usr/lib/systemd/system/ssh.service").write_text("[Service]\nExecStart=/usr/sbin/sshd\n"
                                                            "[Install]\nWantedBy=multi-user.target\n")
    (root / "etc/init.d").mkdir(parents=True)
    (root / "etc/init.d/xinetd").write_text("#!/bin/sh\n### BEGIN INIT INFO\n# Provides: xinetd\n### END INIT INFO\n")
    (root / "etc/init.d/xinetd").chmod(0o755)
    for level in "2345":
        (root / f"etc/rc{level}.d").mkdir(parents=True)
        (root / f"etc/rc{level}.d/S01xinetd").symlink_to("../init.d/xinetd")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nservices:\n"
                         "  - {unit: xinetd.service, enabled: false, absent_ok: true}\n")
    completed = run_cli("audit", baseline, "--root", str(root), "--json", "-")
    statuses = {r["status"] for r in _results(completed) if r["check"] == "service-enabled"}
    assert statuses == {"fail"}, completed.stdout[-1500:]
    assert completed.returncode == 1


# ---------------------------------------------------------------------- 11. missing records, all skipped


def test_a_snapshot_without_a_needed_collector_record_is_an_error(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path / "s.json", collectors=("unit-files", "socket-units", "xinetd"))
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nports:\n  forbid: [{port: 23}]\n")
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1000:]
    forbidden = [r for r in _results(completed) if r["check"] == "port-forbidden"]
    assert forbidden and "pass" not in {r["status"] for r in forbidden}


def test_an_audit_that_evaluated_nothing_exits_3(tmp_path: Path) -> None:
    """Only an outside-view rule and no outside view: every result is `skip`, nothing was proven."""
    snapshot = _snapshot(tmp_path / "s.json")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nports:\n  allow:\n    - {port: 80, exposure: internal}\n")
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1000:]


# ---------------------------------------------------------------------- 12. exit 0 when stdout closes


def test_a_closed_stdout_never_turns_fails_into_exit_0(tmp_path: Path) -> None:
    listeners = [_listener(20000 + offset) for offset in range(30 * 100)]  # 3,000 fails
    snapshot = _snapshot(tmp_path / "big.json", listeners=listeners)
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nports:\n  default: deny\n")
    sarif = tmp_path / "r.sarif"
    process = subprocess.Popen([sys.executable, "-m", "checker", "audit", baseline, "--snapshot", snapshot,
                                "--json", "-", "--sarif", str(sarif)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # like `| true`: the reader is gone before the first byte
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert sarif.is_file() and json.loads(sarif.read_text())["runs"]
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr

"""Adversarial review of collector completeness (issue 12 items 5, 6, 11): `pass` or exit 0 without evidence.

Each test ran the real CLI against c57ec7c and failed there (see the commit message). The
evidence is what the test writes (a snapshot, or a `--root` image), so nothing on this machine
can make them pass by accident:

* snapshots that contradict themselves: a needed inside collector recorded `not-run` beside
  the others that ran (its rules were `skip`, the audit exited 0), a collector recorded twice (the first record won),
  a socket unit's enablement kept while the unit-files collector that reads it failed;
* `firewall: {listeners: covered}` with the sockets collector failed (no listener judged, and
  no rule was said to need the sockets);
* --root images: an /etc/init.d that `nobody` may list but not search (every script dropped
  silently), a `sockets.target.wants` that is a symlink (systemctl ignores it even as root,
  the service manager follows it), an image's `/etc/init.d -> /etc/rc.d/init.d` (read on this
  machine instead of the image), a `NAME.sh` script on a sysvinit image (dropped).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.unprivileged import Unprivileged

pytestmark = pytest.mark.integration

SNAPSHOT_TIME = "2026-11-21T09:40:54Z"


def _run(name: str, status: str = "ok", reason: str | None = None) -> dict[str, Any]:
    return {"name": name, "status": status, "reason": reason}


def _snapshot(path: Path, collectors: list[dict[str, Any]], **fields: Any) -> str:
    document = {
        "schema_version": 1,
        "host": {"hostname": "web-1", "collected_at": SNAPSHOT_TIME, "finished_at": SNAPSHOT_TIME,
                 "tool_version": "0.1.0", "privileged": True, "euid": 0, "root": None, "kernel": "6",
                 "os_release": "Debian GNU/Linux 12 (bookworm)", "addresses": ["127.0.0.1"]},
        "collectors": collectors,
        "listeners": [{"protocol": "tcp", "family": "ipv4", "address": "127.0.0.1", "port": 22, "pid": 100,
                       "process": "sshd", "exe": "/usr/sbin/sshd", "user": "root", "dual_stack": False}],
        "connection_states": {}, "units": [], "socket_units": [], "xinetd_services": [], "network": None,
        **fields,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _baseline(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return str(path)


def _results(completed: subprocess.CompletedProcess[str], check: str) -> set[str]:
    data = json.loads(completed.stdout)
    return {result["status"] for host in data["hosts"] for result in host["results"] if result["check"] == check}


SERVICES_AND_PORTS = ("version: 1\nservices:\n  - {unit: telnet.socket, enabled: false, absent_ok: true}\n"
                      "ports:\n  default: deny\n  allow:\n    - {port: 22, protocol: tcp}\n")
INSIDE = ("sockets", "unit-files", "unit-runtime", "socket-units", "xinetd")


# ---------------------------------------------------------------------- snapshots contradicting themselves


def test_a_needed_collector_recorded_not_run_beside_the_others_is_an_error(tmp_path: Path) -> None:
    """`unit-files: not-run` while sockets ran: the services rule was `skip` and the audit exited 0."""
    runs = [_run(name, "not-run" if name == "unit-files" else "ok") for name in INSIDE]
    snapshot = _snapshot(tmp_path / "s.json", runs)
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", SERVICES_AND_PORTS), "--snapshot", snapshot,
                        "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1500:]
    errors = [result for host in json.loads(completed.stdout)["hosts"] for result in host["results"]
              if result["status"] == "error"]
    assert [result["resource"] for result in errors] == ["collector:unit-files"], errors


@pytest.mark.parametrize("second", ["partial", "failed"])
def test_a_collector_recorded_twice_is_an_input_error(tmp_path: Path, second: str) -> None:
    """`unit-files` both `ok` and `partial`: the first record was used, a pass and exit 0."""
    runs = [_run(name) for name in INSIDE] + [_run("unit-files", second, "/etc/systemd/system: permission denied")]
    snapshot = _snapshot(tmp_path / "s.json", runs)
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", SERVICES_AND_PORTS), "--snapshot", snapshot)
    assert completed.returncode == 2, completed.stdout[-1500:]
    assert completed.stderr.count("\n") == 1 and "recorded more than once" in completed.stderr, completed.stderr


def test_socket_unit_enablement_is_unknown_when_the_unit_files_collector_failed(tmp_path: Path) -> None:
    """The enablement of a socket unit comes from the unit files: `disabled` with them failed proves nothing."""
    telnet = {"name": "telnet.socket", "path": "/usr/lib/systemd/system/telnet.socket", "enablement": "disabled",
              "active": None, "accept": True, "bind_ipv6_only": None, "dropins": [], "service": "telnet@.service",
              "listens": [{"kind": "stream", "value": "23", "address": None, "port": 23, "path": None,
                           "location": {"file": "/usr/lib/systemd/system/telnet.socket", "line": 2, "column": 0}}]}
    runs = [_run(name) for name in INSIDE if name != "unit-files"] + [
        _run("unit-files", "failed", "systemctl: exit 1: Access denied")]
    runs = [run if run["name"] != "unit-runtime" else _run("unit-runtime", "unavailable", "--root") for run in runs]
    snapshot = _snapshot(tmp_path / "s.json", runs, socket_units=[telnet])
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nsocket_units:\n  forbid: [telnet]\n")
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1500:]
    assert _results(completed, "socket-unit-forbidden") == {"error"}


def test_listeners_covered_needs_the_sockets_collector(tmp_path: Path) -> None:
    """`firewall: {listeners: covered}` judged no listener (sockets failed) and the audit exited 0."""
    runs = [_run(name) for name in INSIDE if name != "sockets"] + [
        _run("sockets", "failed", "netlink: operation not permitted"), _run("firewall")]
    firewall = {"notes": [], "rulesets": [{"backend": "nftables", "chains": [], "source": "nft -j list ruleset",
                                           "version": "1.0.6"}]}
    snapshot = _snapshot(tmp_path / "s.json", runs, listeners=[], firewall=firewall)
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nfirewall:\n  listeners: covered\n")
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1500:]
    assert _results(completed, "collector-error") >= {"error"}


# ---------------------------------------------------------------------- --root images


def _systemd_image(base: Path) -> Path:
    root = base / "image"
    (root / "usr/lib/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd/systemd").write_text("")  # systemd is installed in this image
    return root


def _sysv_service(root: Path, script: str = "xinetd", init_dir: str = "etc/init.d", rc_base: str = "etc") -> None:
    directory = root / init_dir
    directory.mkdir(parents=True, exist_ok=True)
    (directory / script).write_text("#!/bin/sh\n")
    (directory / script).chmod(0o755)
    for level in "2345":
        (root / f"{rc_base}/rc{level}.d").mkdir(parents=True, exist_ok=True)
        (root / f"{rc_base}/rc{level}.d/S01{script}").symlink_to(f"../init.d/{script}")


def _world_readable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


XINETD_RULE = "version: 1\nservices:\n  - {unit: xinetd.service, enabled: false, absent_ok: true}\n"
TELNET_RULE = "version: 1\nservices:\n  - {unit: telnet.socket, enabled: false, absent_ok: true}\n"


def test_an_init_d_that_can_be_listed_but_not_searched_makes_unit_evidence_partial(nobody: Unprivileged) -> None:
    """As `nobody`, /etc/init.d mode 0744: the names list but cannot be stat'ed, so xinetd was dropped."""
    work = nobody.world_dir("initd-no-search")
    root = _systemd_image(work)
    _sysv_service(root)
    _world_readable(root)
    (root / "etc/init.d/xinetd").chmod(0o755)
    (root / "etc/init.d").chmod(0o744)
    completed = nobody.run("audit", _baseline(work / "b.yaml", XINETD_RULE), "--root", str(root), "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1500:] + completed.stderr
    assert _results(completed, "service-enabled") == {"error"}


def test_a_symlinked_wants_directory_makes_unit_evidence_partial(tmp_path: Path) -> None:
    """systemctl (252, as root) ignores a symlinked `sockets.target.wants` and says `disabled`."""
    root = _systemd_image(tmp_path)
    (root / "usr/lib/systemd/system/telnet.socket").write_text(
        "[Socket]\nListenStream=23\nAccept=yes\n[Install]\nWantedBy=sockets.target\n")
    links = root / "etc/systemd/wants-links"
    links.mkdir(parents=True)
    (links / "telnet.socket").symlink_to("/usr/lib/systemd/system/telnet.socket")
    (root / "etc/systemd/system/sockets.target.wants").symlink_to("/etc/systemd/wants-links")
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", TELNET_RULE), "--root", str(root), "--json", "-")
    assert completed.returncode == 3, completed.stdout[-1500:]
    assert _results(completed, "service-enabled") == {"error"}


def test_an_absolute_init_d_symlink_is_resolved_inside_the_image(tmp_path: Path) -> None:
    """`/etc/init.d -> /etc/rc.d/init.d` (RHEL layout, absolute): it was read on this machine, not the image."""
    root = _systemd_image(tmp_path)
    _sysv_service(root, init_dir="etc/rc.d/init.d", rc_base="etc/rc.d")
    (root / "etc/init.d").symlink_to("/etc/rc.d/init.d")
    for level in "2345":
        (root / f"etc/rc{level}.d").symlink_to(f"/etc/rc.d/rc{level}.d")
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", XINETD_RULE), "--root", str(root), "--json", "-")
    assert completed.returncode == 1, completed.stdout[-1500:]
    assert _results(completed, "service-enabled") == {"fail"}


def test_a_dot_sh_script_started_at_boot_is_a_service_on_a_sysvinit_image(tmp_path: Path) -> None:
    """Without systemd, rc runs `S01xinetd.sh` too; the fallback dropped every `.sh` script."""
    root = tmp_path / "image"
    _sysv_service(root, script="xinetd.sh")
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", XINETD_RULE), "--root", str(root), "--json", "-")
    assert completed.returncode == 1, completed.stdout[-1500:]
    assert _results(completed, "service-enabled") == {"fail"}

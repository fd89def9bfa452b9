"""The unit-files collector against the real `systemctl --root=DIR list-unit-files`, as root and as
`nobody` (setpriv, tests/support/unprivileged.py), over a unit tree built here.

Where everything is readable, our unit list and enablement equal what real systemctl reports,
and the collection is OK. Where a directory or a unit file is unreadable, real systemctl still
exits 0 and silently reports less (a unit enabled through the unreadable `sockets.target.wants/`
becomes `disabled`, an unreadable unit file `bad`): our list still equals systemctl's, but the
collection is PARTIAL and names the path, so no rule can pass on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.unprivileged import Unprivileged

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("systemctl") is None, reason="systemctl is not installed"),
]

SOCKET = "[Socket]\nListenStream={port}\n\n[Install]\nWantedBy=sockets.target\n"
SERVICE = "[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n"


def _unit_tree(base: Path) -> Path:
    """enabled (admin and vendor units), disabled, masked, static and alias units, world-readable."""
    root = base / "image"
    vendor = root / "usr/lib/systemd/system"
    admin = root / "etc/systemd/system"
    for directory in (vendor, admin / "sockets.target.wants", admin / "multi-user.target.wants"):
        directory.mkdir(parents=True)
    (vendor / "telnet.socket").write_text(SOCKET.format(port=23))
    (admin / "sockets.target.wants/telnet.socket").symlink_to("/usr/lib/systemd/system/telnet.socket")
    (vendor / "rsync.socket").write_text(SOCKET.format(port=873))  # disabled
    (vendor / "cups-lpd.socket").write_text(SOCKET.format(port=515))
    (admin / "cups-lpd.socket").symlink_to("/dev/null")  # masked
    (vendor / "telnet@.service").write_text("[Service]\nExecStart=/usr/sbin/in.telnetd\n")  # static
    (admin / "web.service").write_text(SERVICE)
    (admin / "multi-user.target.wants/web.service").symlink_to("/etc/systemd/system/web.service")
    (admin / "www.service").symlink_to("web.service")  # alias
    for path in [base, *base.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def _systemctl(root: Path, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None) -> dict[str, str]:
    completed = subprocess.run([*prefix, "systemctl", f"--root={root}", "list-unit-files", "--output=json",
                                "--no-pager"], capture_output=True, text=True, timeout=60, check=False, env=env,
                               cwd="/")
    assert completed.returncode == 0, completed.stderr
    return {entry["unit_file"]: entry["state"] for entry in json.loads(completed.stdout)}


def _ours(completed: subprocess.CompletedProcess[str]) -> tuple[dict[str, Any], dict[str, str]]:
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    run = next(run for run in data["collectors"] if run["name"] == "unit-files")
    return run, {unit["name"]: unit["enablement"] for unit in data["units"]}


def test_as_root_our_units_equal_systemctl_and_the_collection_is_complete(nobody: Unprivileged) -> None:
    root = _unit_tree(nobody.world_dir("units-root"))
    expected = _systemctl(root)
    assert expected["telnet.socket"] == "enabled" and expected["cups-lpd.socket"] == "masked"
    run, units = _ours(run_cli("collect", "--root", str(root), "-o", "-"))
    assert run["status"] == "ok", run
    assert units == expected


def test_as_nobody_over_a_readable_tree_our_units_equal_systemctl(nobody: Unprivileged) -> None:
    root = _unit_tree(nobody.world_dir("units-readable"))
    expected = _systemctl(root, nobody.prefix, nobody.env)
    assert expected == _systemctl(root)  # nothing hidden: the same answer as root's
    run, units = _ours(nobody.run("collect", "--root", str(root), "-o", "-"))
    assert run["status"] == "ok", run
    assert units == expected


@pytest.mark.parametrize(("unreadable", "hidden"), [
    ("etc/systemd/system/sockets.target.wants", "telnet.socket"),  # systemctl: "disabled", exit 0
    ("etc/systemd/system", "telnet.socket"),  # systemctl: no warning at all
    ("etc/systemd/system/web.service", "web.service"),  # systemctl: "bad"
])
def test_as_nobody_an_unreadable_path_makes_the_collection_partial(nobody: Unprivileged, unreadable: str,
                                                                   hidden: str) -> None:
    root = _unit_tree(nobody.world_dir("units-unreadable"))
    as_root = _systemctl(root)
    (root / unreadable).chmod(0)
    as_nobody = _systemctl(root, nobody.prefix, nobody.env)
    assert as_nobody.get(hidden) != as_root[hidden], "systemctl was expected to see less as nobody"
    run, units = _ours(nobody.run("collect", "--root", str(root), "-o", "-"))
    assert units == as_nobody  # what systemctl could read, unit for unit
    assert run["status"] == "partial", run
    assert f"/{unreadable}" in run["reason"], run

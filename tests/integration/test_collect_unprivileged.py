"""`surfacecheck collect` run as an unprivileged user (`nobody`, through setpriv or runuser).

* Sockets of other users have no owner: the snapshot says `privileged: false` and leaves
  pid/process/user null for them, never inventing one.
* An xinetd include directory only root can read makes the xinetd collector FAILED with the
  reason, while the other collectors still run.

The repository and the test interpreter may live where `nobody` cannot read (/root/.pyenv).
The run therefore uses an interpreter `nobody` can execute and a world-readable copy of
psutil (the only third-party package `collect` imports), with PYTHONPATH to the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import psutil
import pytest

from checker.resources import load_schema

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Unprivileged:
    prefix: tuple[str, ...]
    python: str
    env: dict[str, str]

    def collect(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.prefix, self.python, "-m", "checker", "collect", "-o", "-", *args],
                              capture_output=True, text=True, env=self.env, timeout=120, check=False,
                              cwd="/")


def drop_privileges_prefix() -> tuple[str, ...] | None:
    if shutil.which("setpriv"):
        return ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    if shutil.which("runuser"):
        return ("runuser", "-u", "nobody", "--")
    return None


@pytest.fixture(scope="module")
def unprivileged() -> Iterator[Unprivileged]:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to nobody")
    prefix = drop_privileges_prefix()
    if prefix is None:
        pytest.skip("neither setpriv nor runuser is installed")
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        # Something running as root renamed a file over /dev/null; nobody cannot open it, so
        # every subprocess of the unprivileged run would fail for a reason unrelated to us.
        pytest.skip("/dev/null is not a character device on this machine (replaced by a file)")
    shared = tempfile.mkdtemp(prefix="surfacecheck-nobody-", dir="/tmp")
    try:
        os.chmod(shared, 0o755)
        shutil.copytree(Path(psutil.__file__).parent, Path(shared) / "psutil")
        for path in Path(shared).rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": f"{shared}:{REPO}", "HOME": "/tmp",
               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
        check = "import sys, psutil, checker; assert sys.version_info >= (3, 11)"
        for python in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
            probe = subprocess.run([*prefix, python, "-c", check], env=env, capture_output=True, timeout=60,
                                   check=False, cwd="/")
            if probe.returncode == 0:
                yield Unprivileged(prefix, python, env)
                return
        pytest.skip("no Python >= 3.11 that nobody can run with psutil and the repository importable")
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@pytest.fixture
def root_owned_listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.4", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_unprivileged_snapshot_leaves_other_users_sockets_ownerless(
        unprivileged: Unprivileged, root_owned_listener: int) -> None:
    result = unprivileged.collect()
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, load_schema("snapshot"), cls=jsonschema.Draft202012Validator)
    assert data["host"]["privileged"] is False and data["host"]["euid"] != 0
    sockets = next(run for run in data["collectors"] if run["name"] == "sockets")
    assert sockets["status"] == "ok"
    mine = [item for item in data["listeners"] if item["port"] == root_owned_listener]
    assert len(mine) == 1
    assert mine[0]["address"] == "127.0.0.4"
    assert (mine[0]["pid"], mine[0]["process"], mine[0]["exe"], mine[0]["user"]) == (None, None, None, None)


def test_unreadable_xinetd_dir_is_a_collector_failure(unprivileged: Unprivileged) -> None:
    base = Path(tempfile.mkdtemp(prefix="surfacecheck-xinetd-", dir="/tmp"))
    try:
        base.chmod(0o755)
        private = base / "xinetd.d"
        private.mkdir(mode=0o700)
        (private / "echo").write_text("service echo\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\twait = no\n}\n")
        conf = base / "xinetd.conf"
        conf.write_text(f"defaults\n{{\n}}\nincludedir {private}\n")
        conf.chmod(0o644)
        result = unprivileged.collect("--xinetd-conf", str(conf))
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        runs = {run["name"]: run for run in data["collectors"]}
        assert runs["xinetd"]["status"] == "failed"
        assert str(private) in runs["xinetd"]["reason"] and "Permission denied" in runs["xinetd"]["reason"]
        assert runs["sockets"]["status"] == "ok"
        assert runs["unit-files"]["status"] == "ok", runs["unit-files"]
    finally:
        shutil.rmtree(base, ignore_errors=True)

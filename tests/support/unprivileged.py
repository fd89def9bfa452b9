"""Running the real CLI as `nobody` (through setpriv or runuser), for tests of unprivileged runs.

The repository and the test interpreter may live where `nobody` cannot read (/root/.pyenv).
`make_unprivileged` therefore finds an interpreter `nobody` can execute and makes a
world-readable copy of the third-party packages a full `audit` imports (found by running one),
with PYTHONPATH to the repository. tests/conftest.py builds it once per session (`nobody`).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from support import REPO_ROOT
from support.fakes import SAFE_PATH_DIRS


@dataclass(frozen=True)
class Unprivileged:
    """How to run the CLI as `nobody`: a privilege-dropping prefix, a Python nobody can run, env."""

    prefix: tuple[str, ...]
    python: str
    env: dict[str, str]
    shared: Path
    """A world-readable scratch directory (tmp_path is under root's 0700 pytest dir)."""

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.prefix, self.python, "-m", "checker", *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, check=False, cwd="/")

    def world_dir(self, name: str, mode: int = 0o755) -> Path:
        """A fresh directory under `shared` with MODE (0o755: readable by nobody)."""
        path = Path(tempfile.mkdtemp(prefix=f"{name[:40]}-", dir=self.shared))
        path.chmod(mode)
        return path


def drop_privileges_prefix() -> tuple[str, ...] | None:
    """The argv prefix that runs a program as nobody:nogroup, or None when neither tool exists."""
    if shutil.which("setpriv"):
        return ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    if shutil.which("runuser"):
        return ("runuser", "-u", "nobody", "--")
    return None


def _audit_import_roots() -> set[str]:
    """Top-level third-party packages a full `audit` imports (found by running one)."""
    code = ("import sys, json, io, contextlib\nfrom checker._cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    main(['-q', 'audit', '--local', '--json', '-', '--junit', '/dev/null', '--sarif', '/dev/null',"
            " '--markdown', '/dev/null'])\n"
            "import jsonschema, yaml, defusedxml, junit_xml, psutil\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                           cwd=str(REPO_ROOT))
    names: set[str] = set(json.loads(probe.stderr.strip().splitlines()[-1]))
    return names


def make_unprivileged() -> tuple[Unprivileged | None, str]:
    """A ready `Unprivileged`, or None and the reason it cannot be made on this machine."""
    if os.geteuid() != 0:
        return None, "needs root to switch to nobody"
    prefix = drop_privileges_prefix()
    if prefix is None:
        return None, "neither setpriv nor runuser is installed"
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        # Something running as root renamed a file over /dev/null; nobody cannot open it, so
        # every subprocess of the unprivileged run would fail for a reason unrelated to us.
        return None, "/dev/null is not a character device on this machine (replaced by a file)"
    shared = Path(tempfile.mkdtemp(prefix="surfacecheck-nobody-", dir="/tmp"))
    os.chmod(shared, 0o755)
    libs = shared / "lib"
    libs.mkdir()
    site_dirs = [Path(p) for p in site.getsitepackages()]
    for name in _audit_import_roots():
        for site_dir in site_dirs:
            for candidate in (site_dir / name, site_dir / f"{name}.py"):
                if candidate.exists() and not (libs / candidate.name).exists():
                    if candidate.is_dir():
                        shutil.copytree(candidate, libs / candidate.name)
                    else:
                        shutil.copy2(candidate, libs / candidate.name)
    for path in [libs, *libs.rglob("*")]:
        path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    env = {"PATH": os.pathsep.join(SAFE_PATH_DIRS), "PYTHONPATH": f"{libs}:{REPO_ROOT}", "HOME": "/tmp",
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    check = "import sys, psutil, yaml, jsonschema, checker.commands.audit; assert sys.version_info >= (3, 11)"
    for python in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        probe = subprocess.run([*prefix, python, "-c", check], env=env, capture_output=True, timeout=60,
                               check=False, cwd="/")
        if probe.returncode == 0:
            return Unprivileged(prefix, python, env, shared), ""
    shutil.rmtree(shared, ignore_errors=True)
    return None, "no Python >= 3.11 that nobody can run with the audit's packages and the repository"

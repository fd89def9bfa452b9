"""Helpers of the reliability suite: fake programs on PATH, the fault contract, runs as `nobody`.

`from reliability._support import ...` (tests/ is on sys.path). Nothing here mocks surfacecheck
itself: every test runs the real CLI in a subprocess; only the *other* programs (nmap,
systemctl) are replaced, by executables on PATH that record how they were called.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support import REPO_ROOT

FAULT_EXIT_CODES = (2, 3)
SAFE_PATH_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


def load_socket_farm() -> Any:
    """benchmarks/socket_farm.py (standard library only), imported by path."""
    path = REPO_ROOT / "benchmarks" / "socket_farm.py"
    spec = importlib.util.spec_from_file_location("socket_farm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("socket_farm", module)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- fake programs

RECORDER = '''\
#!{python}
"""A fake {name}: records its argv (one JSON list per line), then behaves as told."""
import json, os, sys, time
with open({log!r}, "a", encoding="utf-8") as handle:
    handle.write(json.dumps(sys.argv[1:]) + "\\n")
{body}
'''

EMPTY_NMAP_XML = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE nmaprun>
    <nmaprun scanner="nmap" args="nmap" start="1763700000" version="7.93" xmloutputversion="1.05">
    <runstats><finished time="1763700001" timestr="x" elapsed="1.00" exit="success"/>
    <hosts up="0" down="0" total="0"/></runstats>
    </nmaprun>
""")


@dataclass
class FakeBin:
    """A directory of fake programs; `env` puts it first on PATH (or alone, `only=True`)."""

    directory: Path
    log: Path

    def add(self, name: str, body: str = "sys.exit(0)") -> Path:
        path = self.directory / name
        path.write_text(RECORDER.format(python=sys.executable, name=name, log=str(self.log), body=body),
                        encoding="utf-8")
        path.chmod(0o755)
        return path

    def add_real(self, name: str) -> None:
        """Make a real program reachable even when PATH is only this directory."""
        real = shutil.which(name, path=os.pathsep.join(SAFE_PATH_DIRS))
        if real:
            (self.directory / name).symlink_to(real)

    def env(self, *, only: bool = False, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        path = str(self.directory) if only else os.pathsep.join([str(self.directory), *SAFE_PATH_DIRS])
        return {**os.environ, "PATH": path, **(extra or {})}

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]


def fake_nmap_body(xml: str = EMPTY_NMAP_XML) -> str:
    return f"sys.stdout.write({xml!r})\nsys.exit(0)"


FAKE_SYSTEMCTL_EMPTY = 'sys.stdout.write("[]\\n")\nsys.exit(0)'


# --------------------------------------------------------------------------- the CLI


def run_audit(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120,
              prelude: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m checker ARGS`, or, with `prelude`, the same CLI entry point after `prelude` ran.

    The prelude exists for one thing only: lowering a hard-coded timeout (see
    test_faults.py::test_systemctl_hanging), because the CLI offers no override.
    """
    if prelude:
        code = f"import sys\n{prelude}\nfrom checker._cli import main\nsys.exit(main(sys.argv[1:]))"
        argv = [sys.executable, "-c", code, *args]
    else:
        argv = [sys.executable, "-m", "checker", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=dict(env) if env is not None else None,
                          timeout=timeout, check=False, cwd=str(REPO_ROOT))


def results_of(report: Path) -> list[dict[str, Any]]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return [result for host in data["hosts"] for result in host["results"]]


PREVIOUS_REPORT = '{"previous": "report", "note": "must survive a failed run intact"}\n'


def assert_fault_contract(completed: subprocess.CompletedProcess[str], report: Path, *,
                          dependent_checks: Iterable[str], fault_words: Iterable[str],
                          previous: str = PREVIOUS_REPORT) -> list[dict[str, Any]]:
    """The reliability contract of issue 8 for one fault; returns the results (empty for exit 2).

    * exit code 2 (input error) or 3 (evidence incomplete), never 0 or 1;
    * no result of a check that depends on the missing evidence is `pass`;
    * the report (or, for exit 2, the error line) names the fault;
    * the previous report is intact: untouched on exit 2, atomically replaced by a complete
      report on exit 3 (never truncated, never a mix).
    """
    output = completed.stdout + completed.stderr
    assert completed.returncode in FAULT_EXIT_CODES, f"exit {completed.returncode}\n{output}"
    assert "Traceback" not in completed.stderr, completed.stderr
    words = [w.lower() for w in fault_words]
    if completed.returncode == 2:
        assert report.read_text(encoding="utf-8") == previous, "exit 2 must leave the previous report untouched"
        assert any(w in completed.stderr.lower() for w in words), f"fault not named: {completed.stderr}"
        return []
    text = report.read_text(encoding="utf-8")
    assert text != previous, "exit 3 must still write the (complete) report"
    results = results_of(report)  # parses: complete JSON, not a truncated one
    dependent = set(dependent_checks)
    passing = [r for r in results if r["check"] in dependent and r["status"] == "pass"]
    assert not passing, f"rules depending on missing evidence passed: {passing}"
    assert any(r["status"] == "error" for r in results), "a fault must produce at least one error result"
    errors_text = json.dumps([r for r in results if r["status"] == "error"]).lower()
    assert any(w in errors_text for w in words), f"report does not name the fault ({words}): {errors_text[:2000]}"
    assert not [f for f in os.listdir(report.parent) if f.startswith(f".{report.name}.")], "temp file left behind"
    return results


# --------------------------------------------------------------------------- running as nobody


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


def drop_privileges_prefix() -> tuple[str, ...] | None:
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


def make_unprivileged() -> Unprivileged | None:
    """Prepare a world-readable copy of the third-party packages the CLI imports; None if impossible."""
    if os.geteuid() != 0:
        return None
    prefix = drop_privileges_prefix()
    if prefix is None:
        return None
    import site

    shared = Path(tempfile.mkdtemp(prefix="surfacecheck-reliability-", dir="/tmp"))
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
            return Unprivileged(prefix, python, env, shared)
    shutil.rmtree(shared, ignore_errors=True)
    return None

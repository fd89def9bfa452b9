"""checker/_subprocess.py: programs come from the fixed search path and see a minimal environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from checker import _subprocess
from checker._subprocess import CommandFailed, resolve_program, run_command


def _env_dumper(directory: Path) -> Path:
    program = directory / "envdump"
    program.write_text(f"#!{sys.executable}\nimport json, os, sys\nprint(json.dumps([sys.argv[0], dict(os.environ)]))\n",
                       encoding="utf-8")
    program.chmod(0o755)
    return program


def test_the_environment_never_reaches_the_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = _env_dumper(tmp_path)
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", (str(tmp_path), "/usr/bin", "/bin"))
    for name, value in (("NMAPDIR", "/tmp/evil"), ("LD_PRELOAD", "/tmp/evil.so"), ("NMAP_PRIVILEGED", "1"),
                        ("HOME", "/tmp/evil"), ("PATH", "/tmp/evil")):
        monkeypatch.setenv(name, value)
    result = run_command(["envdump"], timeout=30)
    argv0, environment = json.loads(result.stdout)
    assert argv0 == str(program) and result.argv[0] == str(program)
    # python itself may add LC_CTYPE when coercing the C locale; nothing comes from the caller
    assert {k: v for k, v in environment.items() if k != "LC_CTYPE"} == {
        "PATH": f"{tmp_path}:/usr/bin:/bin", "LC_ALL": "C"}


def test_the_callers_path_is_not_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _env_dumper(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandFailed, match="envdump: not found on PATH"):
        resolve_program("envdump")
    with pytest.raises(CommandFailed):
        resolve_program("../envdump")

"""Fake `nmap` and `systemctl` programs first on the tool search path: they record how they were called.

surfacecheck never looks programs up in the caller's `$PATH` (checker/_subprocess.py): it searches
`checker._subprocess.TOOL_SEARCH_PATH`. `FakeBin.env()` therefore carries the search path in
`TOOL_PATH_KEY`, which `support.run_cli` turns into a prelude that sets that attribute inside the
CLI process; in-process tests set it with `monkeypatch` and `FakeBin.search_path()`.

The one recorder of the suite. Each fake is a small Python program (run by this
interpreter) that appends `{"program": NAME, "argv": [...]}` to a JSON-lines log, then does
what its body says: print XML, sleep past a timeout, fail, kill itself. Only the *other*
programs are faked; surfacecheck always runs for real.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SAFE_PATH_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")

TOOL_PATH_KEY = "SURFACECHECK_TEST_TOOL_PATH"
"""Read by `support.run_cli` only (never by surfacecheck): the tool search path to set in the CLI."""

RECORDER = '''\
#!{python}
"""A fake {name}: records its argv, then behaves as told."""
import json, os, sys, time
with open({log!r}, "a", encoding="utf-8") as handle:
    handle.write(json.dumps({{"program": {name!r}, "argv": sys.argv[1:]}}) + "\\n")
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

FAKE_SYSTEMCTL_EMPTY = 'sys.stdout.write("[]\\n")\nsys.exit(0)'
"""`systemctl ... --output=json` listing nothing: every unit is absent."""


def prints(text: str, exit_code: int = 0) -> str:
    """A fake body that prints TEXT on stdout and exits with EXIT_CODE."""
    return f"sys.stdout.write({text!r})\nsys.exit({exit_code})"


def fake_nmap_body(xml: str = EMPTY_NMAP_XML) -> str:
    return prints(xml)


@dataclass(frozen=True)
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

    def search_path(self, *, only: bool = False) -> tuple[str, ...]:
        """This directory first (or alone), then the system directories."""
        return (str(self.directory),) if only else (str(self.directory), *SAFE_PATH_DIRS)

    def env(self, *, only: bool = False, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        path = os.pathsep.join(self.search_path(only=only))
        return {**os.environ, "PATH": path, TOOL_PATH_KEY: path, **(extra or {})}

    def calls(self, program: str | None = None) -> list[list[str]]:
        """The argv of every run of PROGRAM (of every fake when None), in order."""
        if not self.log.exists():
            return []
        records = [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]
        return [r["argv"] for r in records if program is None or r["program"] == program]


def fake_bin(tmp_path: Path) -> FakeBin:
    directory = tmp_path / "fakebin"
    directory.mkdir()
    return FakeBin(directory, tmp_path / "calls.jsonl")

"""`surfacecheck --version` is answered before argparse or any subcommand is imported (issue 14:
building the parser doubled the start-up of a regular install); heavy libraries are imported
only by the code that uses them (jsonschema only to validate)."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO_ROOT

PROBE = """
import json, sys
from checker._cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(*argv: str) -> tuple[str, dict[str, object]]:
    completed = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                               cwd=str(REPO_ROOT), timeout=60, check=True)
    *printed, last = completed.stdout.splitlines()
    return "\n".join(printed), json.loads(last)


def test_version_alone_imports_neither_argparse_nor_a_command() -> None:
    printed, probe = _run("--version")
    assert printed == "surfacecheck 0.1.0" and probe["code"] == 0
    modules = probe["modules"]
    assert isinstance(modules, list)
    assert "argparse" not in modules
    assert not [name for name in modules if name.startswith(("checker.commands", "checker.formatters", "yaml"))]


def test_version_with_other_arguments_still_goes_through_argparse() -> None:
    completed = subprocess.run([sys.executable, "-m", "checker", "-q", "--version"], capture_output=True,
                               text=True, cwd=str(REPO_ROOT), timeout=60, check=False)
    assert completed.returncode == 0 and completed.stdout == "surfacecheck 0.1.0\n"


def test_loading_modules_does_not_import_jsonschema() -> None:
    code = ("import sys; import checker.storage.snapshots, checker.storage.results, checker.policy.schema, "
            "checker.policy.load, checker.commands.audit; print('jsonschema' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               cwd=str(REPO_ROOT), timeout=60, check=True)
    assert completed.stdout.strip() == "False"

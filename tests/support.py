"""Shared test helpers (`from support import ...`): repo paths, ../shared/testdata, the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
TESTDATA = SHARED / "testdata"
ASSETS = Path(__file__).resolve().parent / "assets"


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m checker ARGS` as a user would, capturing text output."""
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout, check=False)


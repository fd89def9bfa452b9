"""The one support package of the test suite (`from support import ...`; tests/ is on sys.path).

This module holds what almost every test needs: the repository paths, ../shared/testdata and
the real CLI in a subprocess. The rest is split by subject so each module stays small:

* `support.ports`: loopback ports allocated by binding port 0, held until a listener takes them
  over; loopback services; listeners owned by a child process.
* `support.fakes`: fake `nmap`/`systemctl` programs on PATH that record their argv.
* `support.outputs`: reading `collect`/`audit` output (snapshots, results).
* `support.faults`: the fault contract of the reliability suite.
* `support.unprivileged`: running the CLI as `nobody`.
* `support.reports`: the fixed Report of the formatter tests and the real consumers of each format.

Nothing here mocks surfacecheck itself: tests run the real CLI; only *other* programs are faked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
TESTDATA = SHARED / "testdata"
ASSETS = REPO_ROOT / "tests" / "assets"


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
            timeout: float = 120, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run `python -m checker ARGS` as a user would, capturing text output.

    `prelude` is Python run before the CLI's own entry point. It exists for two things only:
    lowering a hard-coded timeout the CLI offers no override for (see
    tests/reliability/test_faults.py::test_systemctl_hanging_past_the_timeout), and putting fake
    programs on the tool search path: an `env` holding `support.fakes.TOOL_PATH_KEY` (from
    `FakeBin.env()`) sets `checker._subprocess.TOOL_SEARCH_PATH`, which no environment variable can.
    """
    from support.fakes import TOOL_PATH_KEY

    if env is not None and TOOL_PATH_KEY in env:
        env = dict(env)
        search_path = tuple(env.pop(TOOL_PATH_KEY).split(os.pathsep))
        prelude = f"import checker._subprocess\nchecker._subprocess.TOOL_SEARCH_PATH = {search_path!r}\n{prelude}"
    if prelude:
        code = f"import sys\n{prelude}\nfrom checker._cli import main\nsys.exit(main(sys.argv[1:]))"
        argv = [sys.executable, "-c", code, *args]
    else:
        argv = [sys.executable, "-m", "checker", *args]
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False)

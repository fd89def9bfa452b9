"""Our xinetd parser against the real xinetd 2.3.15.3 run here, on the edge cases in
tests/assets/collectors/xinetd/edge-cases (every rule of GRAMMAR.md we could provoke in one
file: operators, case, arity, errors that disable, `disable = no` after an error, defaults in
an included file, conflicts, RPC, TCPMUX, SENSOR, redirect, CR-free lines...).

The dump comes from ../shared/testdata/xinetd/run-real-xinetd.sh (xinetd -d in a private
network namespace: needs root, `unshare` and `script`), so it reflects this host's accounts
and /etc/services; the parse uses the same host lookups.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.collect.xinetd import RootedXinetdFiles, host_lookups, parse_xinetd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "collect" / "xinetd"))
from test_xinetd_differential import assert_matches_dump  # noqa: E402

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUN_REAL = REPO / ".." / "shared" / "testdata" / "xinetd" / "run-real-xinetd.sh"
EDGE = REPO / "tests" / "assets" / "collectors" / "xinetd" / "edge-cases"


def test_edge_cases_match_the_real_xinetd() -> None:
    if not os.access(shutil.which("xinetd") or "/usr/sbin/xinetd", os.X_OK):
        pytest.fail("xinetd is not installed; `make test` installs it")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("script"):
        pytest.skip("run-real-xinetd.sh needs root, unshare and script")
    conf = EDGE / "xinetd.conf"
    dump = subprocess.run(["bash", str(RUN_REAL), str(conf), str(EDGE / "xinetd.d")], capture_output=True,
                          text=True, timeout=60, check=False).stdout
    assert "Service defaults" in dump, dump
    files = RootedXinetdFiles(None, {"/etc/xinetd.d": str(EDGE / "xinetd.d")})
    config = parse_xinetd(conf.read_text(), str(conf), files=files, host=host_lookups(RootedXinetdFiles(None)),
                          debug_mode=True)
    assert_matches_dump(config, dump)
    enabled = {service.id for service in config.enabled_services}
    assert {"error-then-enable", "dgram-nowait", "bound-localhost", "in-included-file", "ident"} <= enabled
    assert not {"unbound-same-port", "traffic", "no-space", "never-read"} & enabled

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

from checker.collect.xinetd import RootedXinetdFiles, host_lookups, parse_xinetd, read_xinetd
from support.ports import held_port, port_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "collect" / "xinetd"))
from test_xinetd_differential import assert_matches_dump  # noqa: E402

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUN_REAL = REPO / ".." / "shared" / "testdata" / "xinetd" / "run-real-xinetd.sh"
EDGE = REPO / "tests" / "assets" / "collectors" / "xinetd" / "edge-cases"


def _require_real_xinetd() -> None:
    if not os.access(shutil.which("xinetd") or "/usr/sbin/xinetd", os.X_OK):
        pytest.fail("xinetd is not installed; `make test` installs it")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("script"):
        pytest.skip("run-real-xinetd.sh needs root, unshare and script")


def real_dump(conf: Path, includedir: Path | None = None) -> str:
    argv = ["bash", str(RUN_REAL), str(conf), *([str(includedir)] if includedir else [])]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout


def test_edge_cases_match_the_real_xinetd() -> None:
    _require_real_xinetd()
    conf = EDGE / "xinetd.conf"
    dump = real_dump(conf, EDGE / "xinetd.d")
    assert "Service defaults" in dump, dump
    files = RootedXinetdFiles(None, {"/etc/xinetd.d": str(EDGE / "xinetd.d")})
    config = parse_xinetd(conf.read_text(), str(conf), files=files, host=host_lookups(RootedXinetdFiles(None)),
                          debug_mode=True)
    assert_matches_dump(config, dump)
    enabled = {service.id for service in config.enabled_services}
    assert {"error-then-enable", "dgram-nowait", "bound-localhost", "in-included-file", "ident"} <= enabled
    assert not {"unbound-same-port", "traffic", "no-space", "never-read"} & enabled


ECHO = ("service {name}\n{{\n\ttype = INTERNAL UNLISTED\n\tid = {name}\n\tsocket_type = stream\n\tprotocol = tcp\n"
        "\tport = {port}\n\tuser = root\n\twait = no\n\tdisable = no\n}}\n")
"""An enabled INTERNAL service on a port of nobody (xinetd binds it inside its own namespace)."""


def _issue_12_case(case: str, port: int) -> str:
    echo = ECHO.format(name="echo", port=port)
    return {
        # 2.3.15.3 has no `servers`/`services` built-ins: "No such internal service: servers/stream".
        "servers-and-services": ECHO.format(name="servers", port=port + 1) + ECHO.format(name="services", port=port + 2)
        + echo,
        # Only \n ends a line: every value keeps its CR, every service is refused.
        "crlf": ("defaults\n{\n}\n" + echo).replace("\n", "\r\n"),
        # The block never ends: the service lines are its (bad) attributes.
        "unterminated-defaults-first": "defaults\n{\n\tinstances = 5\n" + echo,
        # ... while services read before it keep running.
        "unterminated-defaults-last": echo + "defaults\n{\n\tinstances = 5\n",
    }[case]


@pytest.mark.parametrize("case", ["servers-and-services", "crlf", "unterminated-defaults-first",
                                  "unterminated-defaults-last"])
def test_issue_12_cases_match_the_real_xinetd(case: str, tmp_path: Path) -> None:
    """Read the way the collector reads (bytes as written: CRLF kept), compared with the real dump."""
    _require_real_xinetd()
    with held_port() as reservation:
        port = port_of(reservation)
    conf = tmp_path / "xinetd.conf"
    conf.write_bytes(_issue_12_case(case, port).encode())
    dump = real_dump(conf)
    assert "Service defaults" in dump, dump
    config = read_xinetd(str(conf))
    assert config is not None
    assert_matches_dump(config, dump)
    refused = {s.name: s.disabled_reason for s in config.services if not s.enabled}
    if case == "servers-and-services":
        for name in ("servers", "services"):
            message = f"No such internal service: {name}/stream - DISABLING"
            assert message in dump and message in (refused[name] or "")
    expected = ["echo"] if case in ("servers-and-services", "unterminated-defaults-last") else []
    assert [s.name for s in config.enabled_services] == expected

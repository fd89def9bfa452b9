"""Benchmark 2: the same 50-rule baseline as surfacecheck YAML and as a pytest-testinfra file.

DESIGN.md section 9: surfacecheck at least 10x faster than testinfra asserting the same
rules. The rules are what an approval of a host says: 40 ports, each required, bound only
to its address and owned by its process; 10 services that must be stopped and disabled.

testinfra has no "process owning a socket" API, so the test file does what its users do:
`ss -p` through `host.check_output`. `host.socket(...).is_listening` runs `ss` itself, on
every call; that is testinfra's design, not a handicap we add. Both tools run on this host
(testinfra's `local://` backend), against the same socket farm, interleaved, in the private
namespace run.py gives each benchmark. `ss -p` (both tools) reads every process's
descriptors, so the note gives the descriptors visible here and on the whole host.
"""

from __future__ import annotations

import os
import sys
import textwrap

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv
from isolation import open_descriptors
from socket_farm import SocketFarm

PORT_RULES = 40
SERVICES = (
    # Units present on Debian hosts (some as SysV scripts here) and classic "must be off" ones.
    "telnet.socket", "avahi-daemon.service", "cups.service", "rpcbind.service", "nfs-server.service",
    "vsftpd.service", "xinetd.service", "apache2.service", "postgresql.service", "debug-shell.service",
)
TARGET_SPEEDUP = 10.0
ADDRESS_OCTET = 60
HOST_FDS_ENV = "SURFACECHECK_BENCH_HOST_FDS"
"""Set by run.py: the host's `processes descriptors`, counted outside the namespace."""


def _baseline(ports: list[tuple[str, int]]) -> str:
    lines = ["version: 1", "name: bench-testinfra-50", "ports:", "  default: allow", "  allow:"]
    lines += [f"    - {{port: {port}, protocol: tcp, bind: [{address}], process: socketfarm, required: true}}"
              for address, port in ports]
    lines.append("services:")
    lines += [f"  - {{unit: {unit}, running: false, enabled: false, absent_ok: true}}" for unit in SERVICES]
    return "\n".join(lines) + "\n"


def _testinfra_file(ports: list[tuple[str, int]]) -> str:
    return textwrap.dedent(f"""\
        import pytest

        PORTS = {ports!r}
        SERVICES = {list(SERVICES)!r}


        @pytest.mark.parametrize(("address", "port"), PORTS)
        def test_port(host, address, port):
            # required + bind: listening on its address, and not on every interface
            assert host.socket(f"tcp://{{address}}:{{port}}").is_listening
            assert not host.socket(f"tcp://0.0.0.0:{{port}}").is_listening
            assert not host.socket(f"tcp://:::{{port}}").is_listening
            # process: testinfra has no socket-owner API; ss -p is the usual way
            owners = host.check_output(f"ss -Htlnp 'sport = :{{port}}'")
            assert '(("socketfarm",' in owners


        @pytest.mark.parametrize("name", SERVICES)
        def test_service(host, name):
            service = host.service(name.removesuffix(".service"))
            assert not service.is_running
            assert not service.is_enabled
    """)


def run(workdir: str, runs: int) -> BenchResult:
    here = os.path.join(workdir, "testinfra")
    os.makedirs(here, exist_ok=True)
    with SocketFarm(tcp=PORT_RULES, first=ADDRESS_OCTET, addresses=1) as farm:
        ports = farm.tcp
        baseline = os.path.join(here, "baseline.yaml")
        with open(baseline, "w", encoding="utf-8") as handle:
            handle.write(_baseline(ports))
        test_file = os.path.join(here, "test_baseline.py")
        with open(test_file, "w", encoding="utf-8") as handle:
            handle.write(_testinfra_file(ports))
        # Its own ini: the repository's pytest options must not apply to this file.
        ini = os.path.join(here, "pytest.ini")
        with open(ini, "w", encoding="utf-8") as handle:
            handle.write("[pytest]\n")
        audit = [*surfacecheck_argv(), "-q", "audit", baseline, "--local",
                 "--json", os.path.join(here, "results.json")]
        # Plugins that merely happen to be installed here (pytest-benchmark) stay out of testinfra's way.
        pytest_argv = [sys.executable, "-m", "pytest", "-q", "-c", ini, "-p", "no:cacheprovider", "-p", "no:benchmark",
                       "--hosts=local://", test_file]
        ours = Series("surfacecheck audit (50 rules)", shorten(audit))
        reference = Series("pytest-testinfra (50 rules)", shorten(pytest_argv))
        # Exit codes: a service rule may be `error` here (no systemd runtime in a container) -> 3;
        # testinfra may fail a service assertion for the same reason -> 1. Time is what counts.
        interleave(runs, [
            (ours, lambda: measure(audit, accept=(0, 1, 3))),
            (reference, lambda: measure(pytest_argv, cwd=here, accept=(0, 1))),
        ])
        processes, descriptors = open_descriptors()
    host = os.environ.get(HOST_FDS_ENV, "").split()
    fds = f"{descriptors:,} descriptors in {processes} processes visible to `ss -p` here"
    fds += f"; the host: {int(host[1]):,} descriptors in {int(host[0]):,} processes" if len(host) == 2 else ""
    speedup = reference.median / ours.median
    return BenchResult(
        title="2. Against pytest-testinfra",
        setup=f"{len(ports)} port rules (required, bind, process) + {len(SERVICES)} service rules "
              f"(running, enabled), both as a surfacecheck baseline and as a testinfra file (90 test "
              f"items' worth of assertions: 4 per port, 2 per service).",
        series=[ours, reference],
        verdicts=[Verdict(f"testinfra / surfacecheck (speedup; {fds})", speedup, f">= {TARGET_SPEEDUP:g}x",
                          speedup >= TARGET_SPEEDUP)],
    )

"""Benchmark 3: the outside view, `surfacecheck audit --target` vs plain nmap with the same arguments.

DESIGN.md section 9: overhead over plain nmap (same ports, same targets, XML output) under
10%, and several targets scanned concurrently: 16 hosts take at most 2x the slowest single
host.

Set-up: 16 loopback "hosts" 127.0.0.2-17, each with 8 services on 24300-24307 that answer
with an SSH banner (so `-sV` identifies them). Every scan is bounded to ports 24000-29999 of
those addresses. The plain-nmap argv is the one surfacecheck itself ran, read from its report's
`network.arguments` (what a user would copy), with every target in one nmap process. Its
XML goes to a file.
"""

from __future__ import annotations

import json
import os
import statistics

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv
from socket_farm import SocketFarm

HOSTS = 16
SERVICES_PER_HOST = 8
TCP_BASE = 24300
PORTS = "24000-29999"
BANNER = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
OVERHEAD_TARGET = 0.10
CONCURRENCY_TARGET = 2.0

BASELINE = f"""\
version: 1
name: bench-outside
ports:
  default: allow
  allow:
    - {{port: {TCP_BASE}-{TCP_BASE + SERVICES_PER_HOST - 1}, protocol: tcp, exposure: public, required: true}}
scan:
  tcp_ports: "{PORTS}"
  udp_ports: none
  service_detection: true
  timing: 4
  host_timeout: 120
"""


def _plain_nmap_argv(report: str, addresses: list[str]) -> list[str]:
    """The options surfacecheck gave nmap (from its report's `network.arguments`), all targets after `--`."""
    with open(report, encoding="utf-8") as handle:
        data = json.load(handle)
    arguments = next(h["snapshot"]["network"]["arguments"] for h in data["hosts"] if h["snapshot"]["network"])
    options = list(arguments[: arguments.index("--") + 1])
    return [*options, *addresses]


def run(workdir: str, runs: int) -> BenchResult:
    here = os.path.join(workdir, "outside")
    os.makedirs(here, exist_ok=True)
    baseline = os.path.join(here, "baseline.yaml")
    with open(baseline, "w", encoding="utf-8") as handle:
        handle.write(BASELINE)
    addresses = [f"127.0.0.{2 + i}" for i in range(HOSTS)]

    def audit_argv(hosts: list[str], name: str) -> list[str]:
        targets = [arg for host in hosts for arg in ("--target", host)]
        return [*surfacecheck_argv(), "-q", "audit", baseline, *targets, "--json", os.path.join(here, f"{name}.json")]

    series: dict[str, Series] = {}
    with SocketFarm(tcp=HOSTS * SERVICES_PER_HOST, first=2, addresses=HOSTS, tcp_base=TCP_BASE, accept=True,
                    banner=BANNER) as farm:
        steps = []
        for count in (4, HOSTS):
            ours_argv = audit_argv(addresses[:count], f"audit-{count}")
            measure(ours_argv, accept=(0, 1, 3))  # also the source of the plain-nmap options
            nmap_argv = _plain_nmap_argv(os.path.join(here, f"audit-{count}.json"), addresses[:count])
            ours = series[f"audit-{count}"] = Series(f"surfacecheck audit, {count} targets", shorten(ours_argv))
            plain = series[f"nmap-{count}"] = Series(f"plain nmap, {count} targets",
                                                     shorten(nmap_argv) + " > scan.xml")
            xml = os.path.join(here, f"nmap-{count}.xml")
            steps.append((ours, lambda a=ours_argv: measure(a, accept=(0, 1, 3))))
            steps.append((plain, lambda a=nmap_argv, x=xml: measure(a, stdout_path=x)))
        # Information: how plain nmap itself scales from 1 to 16 loopback hosts on this machine.
        plain_single_argv = [*nmap_argv[: nmap_argv.index("--") + 1], addresses[0]]
        plain_single = series["nmap-1"] = Series(f"plain nmap, 1 target ({addresses[0]}, information)",
                                                 shorten(plain_single_argv) + " > scan.xml")
        steps.append((plain_single, lambda a=plain_single_argv: measure(a, stdout_path=os.path.join(here, "n1.xml"))))
        singles = []
        # Every host is set up identically; every other one is measured alone (keeps make bench short).
        for address in addresses[::2]:
            argv = audit_argv([address], f"single-{address}")
            single = Series(f"surfacecheck audit, 1 target ({address})", shorten(argv))
            singles.append(single)
            steps.append((single, lambda a=argv: measure(a, accept=(0, 1, 3))))
        interleave(runs, steps)
        layout = f"{len(farm.tcp)} services on {HOSTS} addresses"

    slowest = max(singles, key=lambda s: s.median)
    verdicts = []
    for count in (4, HOSTS):
        ours, plain = series[f"audit-{count}"], series[f"nmap-{count}"]
        overhead = ours.median / plain.median - 1
        verdicts.append(Verdict(f"overhead over plain nmap, {count} targets "
                                f"(+{(ours.median - plain.median) * 1000:.0f} ms)",
                                overhead * 100, f"<= {OVERHEAD_TARGET:.0%}", overhead <= OVERHEAD_TARGET, unit="%"))
    ratio = series[f"audit-{HOSTS}"].median / slowest.median
    verdicts.append(Verdict(f"{HOSTS} targets / slowest single target", ratio, f"<= {CONCURRENCY_TARGET:g}x",
                            ratio <= CONCURRENCY_TARGET))
    nmap_scaling = series[f"nmap-{HOSTS}"].median / series["nmap-1"].median
    verdicts.append(Verdict(f"plain nmap: {HOSTS} targets / 1 target (information: nmap's own scaling here)",
                            nmap_scaling, "-", True))
    single_medians = [s.median for s in singles]
    summary = Series(f"surfacecheck audit, 1 target (slowest of {len(singles)}: {slowest.label.split('(')[1][:-1]})",
                     slowest.command, slowest.samples)
    notes = [f"Single-target medians over {len(singles)} of the {HOSTS} hosts: min {min(single_medians):.3f} s, "
             f"median {statistics.median(single_medians):.3f} s, max {max(single_medians):.3f} s."]
    return BenchResult(
        title="3. Outside view (nmap)",
        setup=f"{layout} (127.0.0.2-{1 + HOSTS}, ports {TCP_BASE}-{TCP_BASE + SERVICES_PER_HOST - 1} answering "
              f"an SSH banner); scan: TCP {PORTS}, -sV, -T4 (surfacecheck's defaults otherwise).",
        series=[series["audit-4"], series["nmap-4"], series[f"audit-{HOSTS}"], series[f"nmap-{HOSTS}"], summary,
                series["nmap-1"]],
        verdicts=verdicts,
        notes=notes,
    )

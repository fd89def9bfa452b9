"""Benchmark 1: `surfacecheck audit --local` on 10,000 TCP + 1,000 UDP listeners, vs `ss -tulnp` and the floor.

Issue 14's goals, measured on one socket farm, interleaved, all four report formats written:

* typical policy (`default: allow` + forbidden ports): at most 2.5x `ss -tulnp`;
* 11,000 results (`default: deny`, half of the listeners allowed: ~5,500 fails): at most 7x;
* 5,000 rules vs 50 rules (same listeners, same shape of rules): at most 2x the time.

Every ratio against `ss` is also given against the floor (benchmarks/floor.py): a minimal
Python program doing the same collection, evaluation and four reports, so the reader can
tell what any Python program pays from what surfacecheck adds. Both `ss` and surfacecheck
see exactly the same kernel state (run.py puts this benchmark in a private network and pid
namespace, so the farm is all there is); `ss` writes its listing to a file as surfacecheck
writes its reports. The farm's ports are the kernel's choice; baselines are written from
the ports it got.
"""

from __future__ import annotations

import os
import sys

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv
from socket_farm import SocketFarm

TCP_LISTENERS = 10_000
UDP_SOCKETS = 1_000
TYPICAL_TARGET = 2.5
MANY_RESULTS_TARGET = 7.0
RULES_TARGET = 2.0
FEW_RULES, MANY_RULES = 50, 5_000
FLOOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor.py")
FORBIDDEN = (21, 23, 69, 111, 135, 137, 139, 445, 512, 513, 514, 873, 2049, 3389, 5900, 6000)
"""The classic "must not listen" ports of a typical baseline (telnet, rsh, SMB, NFS, X11...)."""


def typical_baseline() -> str:
    lines = ["version: 1", "name: bench-typical", "ports:", "  default: allow", "  forbid:"]
    lines += [f"    - {{port: {port}, reason: legacy cleartext or file-sharing service}}" for port in FORBIDDEN]
    return "\n".join(lines) + "\n"


def half_allowed(tcp: list[int], udp: list[int]) -> list[tuple[str, int, int]]:
    """(protocol, low, high) ranges allowing the lower half of each protocol's listeners."""
    ranges = []
    for protocol, ports in (("tcp", sorted(tcp)), ("udp", sorted(udp))):
        if ports:
            ranges.append((protocol, ports[0], ports[len(ports) // 2 - 1]))
    return ranges


def deny_baseline(ranges: list[tuple[str, int, int]]) -> str:
    lines = ["version: 1", "name: bench-11k-results", "ports:", "  default: deny", "  allow:"]
    lines += [f"    - {{port: {low}-{high}, protocol: {protocol}}}" for protocol, low, high in ranges]
    lines += ["  forbid:", "    - {port: 23, reason: telnet is cleartext}"]
    return "\n".join(lines) + "\n"


def rules_baseline(count: int, tcp: list[int]) -> str:
    """`count` rules of a fleet baseline: a tenth approve single farm ports (process, bind),
    the rest forbid unused ports; `default: allow`, so the results grow with the rules only."""
    approved = sorted(set(tcp))[: count // 10]
    lines = ["version: 1", f"name: bench-{count}-rules", "ports:", "  default: allow", "  allow:"]
    lines += [f"    - {{port: {port}, protocol: tcp, process: socketfarm, bind: [loopback]}}" for port in approved]
    lines.append("  forbid:")
    forbidden = [port for port in range(1, 30_000) if port != 2024][: count - len(approved)]
    lines += [f"    - {{port: {port}}}" for port in forbidden]
    return "\n".join(lines) + "\n"


def _write(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _audit(baseline: str, out: str) -> list[str]:
    os.makedirs(out, exist_ok=True)
    return [*surfacecheck_argv(), "-q", "audit", baseline, "--local",
            "--json", f"{out}/results.json", "--junit", f"{out}/results.xml",
            "--sarif", f"{out}/results.sarif", "--markdown", f"{out}/results.md"]


def _floor(out: str, *policy: str) -> list[str]:
    os.makedirs(out, exist_ok=True)
    return [sys.executable, FLOOR, "--out", out, *policy]


def _sizes(out: str) -> str:
    return ", ".join(f"{name.split('.')[-1]} {os.path.getsize(os.path.join(out, name)) / 1e6:.1f} MB"
                     for name in sorted(os.listdir(out)) if name.startswith("results."))


def run(workdir: str, runs: int) -> BenchResult:
    here = os.path.join(workdir, "local")
    os.makedirs(here, exist_ok=True)
    ss = ["ss", "-tulnp"]
    systemctl = ["systemctl", "list-unit-files", "--output=json", "--no-pager"]
    with SocketFarm(tcp=TCP_LISTENERS, udp=UDP_SOCKETS) as farm:
        tcp_ports = [port for _, port in farm.tcp]
        udp_ports = [port for _, port in farm.udp]
        allowed = half_allowed(tcp_ports, udp_ports)
        typical = _audit(_write(f"{here}/typical.yaml", typical_baseline()), f"{here}/typical")
        many = _audit(_write(f"{here}/deny.yaml", deny_baseline(allowed)), f"{here}/deny")
        few_rules = _audit(_write(f"{here}/rules-{FEW_RULES}.yaml", rules_baseline(FEW_RULES, tcp_ports)),
                           f"{here}/rules-{FEW_RULES}")
        many_rules = _audit(_write(f"{here}/rules-{MANY_RULES}.yaml", rules_baseline(MANY_RULES, tcp_ports)),
                            f"{here}/rules-{MANY_RULES}")
        floor_typical = _floor(f"{here}/floor-typical", *[f"--forbid={port}" for port in FORBIDDEN])
        floor_many = _floor(f"{here}/floor-deny", *[f"--allow={p}:{low}-{high}" for p, low, high in allowed])
        series = {
            "ss": Series("ss -tulnp > file", shorten(ss) + " > ss.txt"),
            "systemctl": Series("systemctl list-unit-files (information: run by every audit)", shorten(systemctl)),
            "typical": Series("surfacecheck audit --local, typical policy (4 formats)", shorten(typical)),
            "floor-typical": Series("floor, typical policy (4 formats)", shorten(floor_typical)),
            "many": Series("surfacecheck audit --local, 11k results (4 formats)", shorten(many)),
            "floor-many": Series("floor, 11k results (4 formats)", shorten(floor_many)),
            "few-rules": Series(f"surfacecheck audit --local, {FEW_RULES} rules (4 formats)", shorten(few_rules)),
            "many-rules": Series(f"surfacecheck audit --local, {MANY_RULES:,} rules (4 formats)",
                                 shorten(many_rules)),
        }
        # Exit 1 is expected where rules fail on purpose (the deny case); 0/1 accepted everywhere.
        interleave(runs, [
            (series["ss"], lambda: measure(ss, stdout_path=f"{here}/ss.txt")),
            (series["systemctl"], lambda: measure(systemctl, accept=(0, 1))),
            (series["typical"], lambda: measure(typical, accept=(0, 1, 3))),
            (series["floor-typical"], lambda: measure(floor_typical, accept=(0, 1))),
            (series["many"], lambda: measure(many, accept=(0, 1, 3))),
            (series["floor-many"], lambda: measure(floor_many, accept=(0, 1))),
            (series["few-rules"], lambda: measure(few_rules, accept=(0, 1, 3))),
            (series["many-rules"], lambda: measure(many_rules, accept=(0, 1, 3))),
        ])
        opened = f"{len(farm.tcp)} TCP listeners + {len(farm.udp)} UDP sockets in {len(farm.pids)} process(es)"
    with open(f"{here}/ss.txt", encoding="utf-8", errors="replace") as handle:
        ss_lines = sum(1 for _ in handle) - 1

    def ratio(a: str, b: str) -> float:
        return series[a].median / series[b].median

    verdicts = [
        Verdict("typical policy / ss", ratio("typical", "ss"), f"<= {TYPICAL_TARGET:g}x",
                ratio("typical", "ss") <= TYPICAL_TARGET),
        Verdict("typical policy / floor (information)", ratio("typical", "floor-typical"), "-", True),
        Verdict("systemctl list-unit-files alone / ss (information)", ratio("systemctl", "ss"), "-", True),
        Verdict("floor, typical policy / ss (information)", ratio("floor-typical", "ss"), "-", True),
        Verdict("11k results / ss", ratio("many", "ss"), f"<= {MANY_RESULTS_TARGET:g}x",
                ratio("many", "ss") <= MANY_RESULTS_TARGET),
        Verdict("11k results / floor (information)", ratio("many", "floor-many"), "-", True),
        Verdict("floor, 11k results / ss (information)", ratio("floor-many", "ss"), "-", True),
        Verdict(f"{MANY_RULES:,} rules / {FEW_RULES} rules", ratio("many-rules", "few-rules"),
                f"<= {RULES_TARGET:g}x", ratio("many-rules", "few-rules") <= RULES_TARGET),
    ]
    reports = "; ".join(f"{name}: {_sizes(f'{here}/{name}')}" for name in
                        ("typical", "deny", f"rules-{FEW_RULES}", f"rules-{MANY_RULES}"))
    return BenchResult(
        title="1. Local audit at scale",
        setup=f"{opened} on 127.0.0.2-201, ports chosen by the kernel; `ss` listed {ss_lines} sockets. "
              f"Typical policy: `default: allow` + {len(FORBIDDEN)} forbidden ports. 11k results: `default: deny`, "
              f"the lower half of the TCP and UDP ports allowed. Rules: a tenth single-port approvals "
              f"(process, bind), the rest forbidden ports. Reports: {reports}.",
        series=list(series.values()),
        verdicts=verdicts,
    )

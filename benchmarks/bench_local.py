"""Benchmark 1: `surfacecheck audit --local` on 10,000 TCP + 1,000 UDP listeners vs `ss -tulnp`.

DESIGN.md section 9: within 3x the wall time of `ss -tulnp` listing the same sockets, all
four report formats written. Both commands see exactly the same kernel state: the socket
farm is opened once and both run interleaved against it; `ss` writes its listing to a file
as surfacecheck writes its reports.
"""

from __future__ import annotations

import os
import textwrap

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv
from socket_farm import SocketFarm

TCP_LISTENERS = 10_000
UDP_SOCKETS = 1_000
TARGET_RATIO = 3.0

BASELINE = textwrap.dedent("""\
    version: 1
    name: bench-local-10k
    description: every socket-farm listener is approved on loopback; anything else is unexpected
    ports:
      default: deny
      allow:
        - {port: 24000-29999, protocol: tcp, process: socketfarm, bind: [loopback]}
        - {port: 24000-29999, protocol: udp, process: socketfarm, bind: [loopback]}
      forbid:
        - {port: 23, reason: telnet is cleartext}
""")


def run(workdir: str, runs: int) -> BenchResult:
    baseline = os.path.join(workdir, "local.yaml")
    with open(baseline, "w", encoding="utf-8") as handle:
        handle.write(BASELINE)
    out = os.path.join(workdir, "local-out")
    os.makedirs(out, exist_ok=True)
    audit = [*surfacecheck_argv(), "-q", "audit", baseline, "--local",
             "--json", f"{out}/results.json", "--junit", f"{out}/results.xml",
             "--sarif", f"{out}/results.sarif", "--markdown", f"{out}/results.md"]
    ss = ["ss", "-tulnp"]
    ours = Series("surfacecheck audit --local (4 formats)", shorten(audit))
    reference = Series("ss -tulnp > file", shorten(ss) + " > ss.txt")
    with SocketFarm(tcp=TCP_LISTENERS, udp=UDP_SOCKETS) as farm:
        # Exit 1 is expected when other programs on this machine listen too (default: deny).
        interleave(runs, [
            (ours, lambda: measure(audit, accept=(0, 1, 3))),
            (reference, lambda: measure(ss, stdout_path=f"{out}/ss.txt")),
        ])
        opened = f"{len(farm.tcp)} TCP listeners + {len(farm.udp)} UDP sockets in {len(farm.pids)} process(es)"
    with open(f"{out}/ss.txt", encoding="utf-8", errors="replace") as handle:
        ss_lines = sum(1 for _ in handle) - 1
    sizes = ", ".join(f"{name} {os.path.getsize(os.path.join(out, name)) / 1e6:.1f} MB"
                      for name in sorted(os.listdir(out)) if name.startswith("results."))
    ratio = ours.median / reference.median
    return BenchResult(
        title="1. Local audit at scale",
        setup=f"{opened} on 127.0.0.2-201, ports 24000-24049/27000-27004; `ss` listed {ss_lines} sockets. "
              f"Reports: {sizes}.",
        series=[ours, reference],
        verdicts=[Verdict("audit / ss (medians)", ratio, f"<= {TARGET_RATIO:g}x", ratio <= TARGET_RATIO)],
    )

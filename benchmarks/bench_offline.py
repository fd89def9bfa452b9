"""Benchmark 4: offline evaluation of 100 and 1,000 saved snapshots against a 200-rule baseline.

DESIGN.md section 9 and issue 14: linear (10x the input takes at most 11x the time) and peak
memory under 300 MB *with the `--json` results document written* (what a fleet audit
keeps). The snapshots are synthetic but shaped like real hosts (30 listeners, 40 units, 3
socket units, 4 xinetd services each, an nmap view on every tenth), built with the model and
written with `checker.storage.snapshots.snapshot_to_json`, so they are exactly what
`surfacecheck collect -o` writes. `audit --snapshot ...` without report files (loading +
evaluation only) is measured once per size for information.
"""

from __future__ import annotations

import os
import random

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv

SIZES = (100, 1000)
LINEARITY_TARGET = 11.0
MEMORY_TARGET_MB = 300.0


def build_baseline() -> str:
    """200 rules: 110 port allows, 20 forbids, 40 services, 15 socket units, 15 xinetd entries."""
    lines = ["version: 1", "name: bench-offline-200", "defaults: {severity: medium}", "ports:",
             "  default: deny", "  allow:"]
    for i in range(110):
        port = 1000 + i * 7
        if i % 3 == 0:
            lines.append(f"    - {{port: {port}, protocol: tcp, process: 'svc{i % 23}*', "
                         "bind: [loopback, 10.0.0.0/8]}")
        elif i % 3 == 1:
            lines.append(f"    - {{port: {port}, protocol: udp, user: root, exposure: internal}}")
        else:
            lines.append(f"    - {{port: {port}-{port + 3}, protocol: tcp, process: 'svc*', required: true, "
                         f"exposure: public}}")
    lines.append("  forbid:")
    lines += [f"    - {{port: {20 + i}, reason: legacy service {i}}}" for i in range(20)]
    lines.append("services:")
    lines += [f"  - {{unit: unit{i}.service, running: {str(i % 2 == 0).lower()}, "
              f"enabled: {str(i % 2 == 0).lower()}, absent_ok: true}}" for i in range(40)]
    lines += ["socket_units:", "  default: deny", "  allow:"]
    lines += [f"    - {{unit: sock{i}.socket, listen: ['{4000 + i}']}}" for i in range(10)]
    lines.append("  forbid: [" + ", ".join(f"bad{i}.socket" for i in range(5)) + "]")
    lines += ["xinetd:", "  default: deny", "  allow: [" + ", ".join(f"xsvc{i}" for i in range(8)) + "]",
              "  forbid: [telnet, login, shell, exec, tftp, rsync, finger]",
              "  limits:", "    instances: {max: 50}", "    cps: {max_rate: 25}", "    per_source: {max: 10}",
              "    only_from: required"]
    return "\n".join(lines) + "\n"


def build_snapshot(index: int, rng: random.Random):  # type: ignore[no-untyped-def]
    from checker.model import (
        Collector,
        CollectorRun,
        CollectorStatus,
        HostInfo,
        Listener,
        Location,
        NetworkView,
        Protocol,
        ScannedPort,
        Snapshot,
        SocketListen,
        SocketUnit,
        Unit,
        XinetdService,
        XinetdValue,
    )

    listeners = []
    for j in range(30):
        protocol = Protocol.TCP if j % 4 else Protocol.UDP
        port = 1000 + rng.randrange(0, 800) if j % 5 else 40000 + j
        address = rng.choice(["0.0.0.0", "127.0.0.1", "10.1.2.3", "::", "::1"])
        listeners.append(Listener(protocol, "ipv6" if ":" in address else "ipv4", address, port,
                                  pid=1000 + j, process=f"svc{j % 23}d", exe=f"/usr/sbin/svc{j % 23}d",
                                  user=rng.choice(["root", "www-data", "nobody"]), dual_stack=address == "::"))
    units = tuple(Unit(f"unit{k}.service", enablement=rng.choice(["enabled", "disabled", "static"]),
                       active=rng.choice(["active", "inactive"]), sub="running", path=f"/lib/systemd/system/unit{k}")
                  for k in range(40))
    socket_units = tuple(
        SocketUnit(f"sock{k}.socket", path=f"/lib/systemd/system/sock{k}.socket", enablement="enabled",
                   active="active", listens=(SocketListen("stream", str(4000 + k), None, 4000 + k),),
                   service=f"sock{k}.service")
        for k in range(3))
    here = Location("/etc/xinetd.d/svc", 3)
    xinetd = tuple(
        XinetdService(f"xsvc{k}", f"xsvc{k}", enabled=k != 3, location=here, attributes={
            "port": XinetdValue((str(7000 + k),), here), "protocol": XinetdValue(("tcp",), here),
            "instances": XinetdValue(("60" if k == 1 else "20",), here), "cps": XinetdValue(("10", "30"), here),
            "per_source": XinetdValue(("5",), here), "only_from": XinetdValue(("10.0.0.0/8",), here),
        })
        for k in range(4))
    network = None
    runs = [CollectorRun(c, CollectorStatus.OK) for c in Collector if c is not Collector.NMAP]
    if index % 10 == 0:
        address = f"10.0.{index // 250}.{index % 250 + 1}"
        network = NetworkView(address, "up", ports=tuple(ScannedPort(Protocol.TCP, 1000 + 7 * k, "open")
                                                          for k in range(0, 30, 3)),
                              scanned=("tcp:1-65535",), arguments=("nmap", "-oX", "-", "-p", "1-65535"),
                              scan_type="syn", source="scan")
        runs.append(CollectorRun(Collector.NMAP, CollectorStatus.OK))
    host = HostInfo(hostname=f"host-{index:05d}.example.internal", collected_at="2026-11-21T09:00:00Z",
                    tool_version="0.1.0", addresses=(f"10.0.{index // 250}.{index % 250 + 1}",),
                    os_release="Debian GNU/Linux 12 (bookworm)", kernel="6.1.0-18-amd64", euid=0, privileged=True,
                    finished_at="2026-11-21T09:00:02Z")
    return Snapshot(host=host, collectors=tuple(runs), listeners=tuple(listeners),
                    connection_states={"ESTABLISHED": rng.randrange(0, 500), "SYN-RECV": rng.randrange(0, 300)},
                    units=units, socket_units=socket_units, xinetd_services=xinetd, network=network)


def write_snapshots(directory: str, count: int) -> list[str]:
    from checker.storage.snapshots import snapshot_to_json

    os.makedirs(directory, exist_ok=True)
    rng = random.Random(8)
    paths = []
    for index in range(count):
        path = os.path.join(directory, f"host-{index:05d}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(snapshot_to_json(build_snapshot(index, rng)))
        paths.append(path)
    return paths


def _shown(argv: list[str], count: int) -> str:
    """The argv with its `--snapshot FILE` pairs folded into one readable placeholder."""
    first = argv.index("--snapshot")
    rest = argv[first + 2 * count:]
    return shorten([*argv[:first], "--snapshot", f"SNAPSHOT ({count} times)", *rest])


def run(workdir: str, runs: int) -> BenchResult:
    here = os.path.join(workdir, "offline")
    os.makedirs(here, exist_ok=True)
    baseline = os.path.join(here, "baseline.yaml")
    with open(baseline, "w", encoding="utf-8") as handle:
        handle.write(build_baseline())
    paths = write_snapshots(os.path.join(here, "snapshots"), max(SIZES))
    size_mb = sum(os.path.getsize(p) for p in paths) / 1e6
    def argv_for(count: int, with_json: bool) -> list[str]:
        inputs = [arg for path in paths[:count] for arg in ("--snapshot", path)]
        argv = [*surfacecheck_argv(), "-q", "audit", baseline, *inputs]
        return argv + ["--json", os.path.join(here, f"results-{count}.json")] if with_json else argv

    series: dict[tuple[int, bool], Series] = {}
    steps = []
    for count in SIZES:
        argv = argv_for(count, True)
        s = series[(count, True)] = Series(f"audit {count} snapshots --json", _shown(argv, count))
        steps.append((s, lambda a=argv: measure(a, accept=(0, 1, 3), timeout=600)))
    interleave(runs, steps, warmup=0)  # each run is long; the first one is not an outlier here
    # Without any report (information): loading and evaluation alone, one run each.
    for count in SIZES:
        argv = argv_for(count, False)
        s = series[(count, False)] = Series(f"audit {count} snapshots, no report (1 run, information)",
                                            _shown(argv, count))
        s.samples.append(measure(argv, accept=(0, 1, 3), timeout=600))
    small, large = series[(SIZES[0], True)], series[(SIZES[1], True)]
    growth = large.median / small.median
    bare_growth = series[(SIZES[1], False)].median / series[(SIZES[0], False)].median
    verdicts = [
        Verdict(f"time({SIZES[1]}) / time({SIZES[0]}) with --json", growth, f"<= {LINEARITY_TARGET:g}x",
                growth <= LINEARITY_TARGET),
        Verdict(f"peak RSS, {SIZES[1]} snapshots with --json", large.peak_rss, f"<= {MEMORY_TARGET_MB:g} MB",
                large.peak_rss * 1.048576 <= MEMORY_TARGET_MB, unit="MiB"),
        Verdict(f"time({SIZES[1]}) / time({SIZES[0]}), no report (information)", bare_growth, "-", True),
        Verdict(f"peak RSS, {SIZES[1]} snapshots, no report (information)", series[(SIZES[1], False)].peak_rss,
                "-", True, unit="MiB"),
    ]
    return BenchResult(
        title="4. Offline scaling",
        setup=f"200-rule baseline; {max(SIZES)} synthetic snapshots ({size_mb:.0f} MB of JSON), each 30 "
              f"listeners, 40 units, 3 socket units, 4 xinetd services, an nmap view on every tenth. "
              f"Targets are judged with the full `--json` results document written.",
        series=[series[(c, j)] for j in (True, False) for c in SIZES],
        verdicts=verdicts,
    )

"""The outside view: run nmap against validated targets and turn its XML into per-host results.

I/O only: the argv comes from `nmap_args.build_nmap_argv`, with nmap's absolute path (from
`checker._subprocess.resolve_program`, recorded as `NetworkView.arguments[0]`; nmap's version is
the XML's `NetworkView.scanner_version`) and `--datadir` (`nmap_data_dir`); the process runs
through `checker._subprocess.run_command` (argument list, hard timeout, minimal environment),
and the XML is read by `nmap_xml.parse_nmap_run`. This module never builds an nmap option itself, never runs a
shell, and never turns a failure into an empty view: a missing nmap, an nmap killed or
timed out, truncated or malformed XML, nmap's own error, a host nmap gave up on
(`--host-timeout`) or a named target nmap did not report are each a `HostScan` whose
`run` is `CollectorRun(Collector.NMAP, FAILED, reason)`.

Failure scope: a process failure affects the targets of that process only; a host
timeout affects that host only (nmap reports it `timedout="true"` and goes on).

Concurrency: nmap's own host parallelism, one process per group. Measured on this
project's test machine (nmap 7.93, 2 CPUs, loopback, root): 32 targets 127.0.0.2-33 x
ports 22000-22999, 8 of them with 3 open banner ports; wall time, median of 5-9 runs
(-sV: 2-3 runs); method in docs/outside-view.md.

    machine idle (load < 1)        one process   process per target   2 x 16    4 x 8
    -sS                            0.343 s       0.752 s              -         0.240 s
    -sT                            0.605 s       0.750 s              -         0.339 s
    -sT -sV                        0.921 s       5.572 s              -         1.002 s

    machine busy (load 5-7, CI)    one process   process per target   2 x 16    4 x 8
    -sS                            0.661 s       2.543 s              0.759 s   0.884 s
    -sT                            0.814 s       1.946 s              0.624 s   0.707 s
    -sT -sV                        1.198 s       17.466 s             1.601 s   2.801 s

A process per target is always the slowest, up to 15x with -sV: each process pays nmap's
start-up and its own service-probe waits, where one process overlaps them across hosts.
Splitting the targets over a few processes helps only an idle machine on a CPU-bound
loopback TCP scan (nmap is single-threaded), and loses whenever the CPUs are shared or
service detection runs. Over a real network a scan is latency-bound, and nmap's timing
and congestion control work per process: one process sees all its probes. So: one nmap
process per group,
nmap's parallelism inside it; the groups (IPv4 vs IPv6, single hosts vs networks, TCP vs
UDP) run side by side, at most `--jobs` at once. The in-process cost on top of nmap is
about 2 ms for those 32 hosts (parse 1.5 ms, joining 0.3 ms); `surfacecheck` itself adds
a fixed ~0.1 s of Python start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

from checker._subprocess import CommandFailed, resolve_program, run_command, run_command_streaming
from checker.collect import utc_now
from checker.collect.nmap.args import NmapInvocation, build_nmap_argv, parse_port_spec, validate_scan_settings
from checker.collect.nmap.merge import HostScan, merge_host_scans
from checker.collect.nmap.progress import STATS_EVERY, ScanProgress
from checker.collect.nmap.targets import Target, TargetKind
from checker.collect.nmap.xml import NmapRun, parse_nmap_run
from checker.errors import InputError
from checker.model import Collector, CollectorRun, CollectorStatus, NetworkView, Protocol, ScanSettings
from checker.model.network import same_host_name

NMAP_DATA_DIRS = ("/usr/share/nmap", "/usr/local/share/nmap")
"""System data directories, in the order tried after the binary's own prefix."""

NMAP_HOSTGROUP = 64
"""Hosts assumed scanned side by side when sizing the hard process timeout (conservative)."""


def _ok() -> CollectorRun:
    return CollectorRun(Collector.NMAP, CollectorStatus.OK)


def _failed(reason: str) -> CollectorRun:
    return CollectorRun(Collector.NMAP, CollectorStatus.FAILED, reason)


def plan_groups(targets: Sequence[Target]) -> list[tuple[Target, ...]]:
    """One group per (family, single hosts or networks), targets in the order given.

    nmap needs -6 for IPv6 and takes -Pn for the whole run, so those cannot share a
    process; everything else does, to use nmap's own host parallelism (see the module
    docstring for the measurements).
    """
    buckets: dict[tuple[str, bool], list[Target]] = {}
    for target in targets:
        buckets.setdefault((target.family, target.explicit), []).append(target)
    return [tuple(buckets[key]) for key in sorted(buckets)]


def plan_invocations(
    targets: Sequence[Target], settings: ScanSettings, *, privileged: bool, nmap: str = "nmap",
    datadir: str | None = None,
) -> list[NmapInvocation]:
    """Every nmap run needed: one per group and protocol (TCP, and UDP when asked)."""
    settings = validate_scan_settings(settings)
    protocols = [p for p, spec in ((Protocol.TCP, settings.tcp_ports), (Protocol.UDP, settings.udp_ports))
                 if not parse_port_spec(spec, field="", allow_none=True).none]
    return [build_nmap_argv(settings, group, protocol=protocol, privileged=privileged, nmap=nmap, datadir=datadir)
            for group in plan_groups(targets) for protocol in protocols]


def nmap_data_dir(program: str) -> str | None:
    """nmap's data directory: `PREFIX/share/nmap` of the binary's `PREFIX/bin/nmap`, else the
    first system one that holds `nmap-services`; None when there is none (nmap then uses the
    directory compiled into it; `$NMAPDIR` never reaches it, see checker/_subprocess.py)."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(program)))
    for candidate in (os.path.join(prefix, "share", "nmap"), *NMAP_DATA_DIRS):
        if os.path.isfile(os.path.join(candidate, "nmap-services")):
            return candidate
    return None


def process_timeout(invocation: NmapInvocation, settings: ScanSettings) -> float:
    """The hard limit on one nmap process: its hosts' --host-timeout, in rounds, plus slack.

    nmap checks --host-timeout between probes, so with -sV a host may run several seconds
    over it (6.4 s for --host-timeout 2s, measured); the slack covers that.
    """
    hosts = sum(t.size for t in invocation.targets)
    rounds = -(-hosts // NMAP_HOSTGROUP)
    slack = 15 if settings.service_detection else 5
    return float(rounds * 2 * settings.host_timeout + slack)


def _target_failed(target: Target, reason: str, started_at: str) -> HostScan:
    """A target that yielded no view. An address target keeps its address, so the failure
    still joins the inside view of that host (its exposure rules become `error`, not `skip`)."""
    address = target.spec if target.kind is TargetKind.ADDRESS else None
    return HostScan(target.spec, address, None, _failed(reason), started_at)


def _name_for(view: NetworkView, targets: Sequence[Target]) -> str:
    # Only a name nmap reports as the one it was given (`type="user"`), never a PTR name.
    for target in targets:
        if target.kind is TargetKind.HOSTNAME and any(same_host_name(target.spec, name) for name in view.named):
            return target.spec
    return view.address


def results_of_run(run: NmapRun, invocation: NmapInvocation, started_at: str) -> list[HostScan]:
    """Per-host outcomes of one finished nmap process (pure: used by tests on canned XML)."""
    if run.error is not None:
        return [_target_failed(t, f"nmap: {run.error}", started_at) for t in invocation.targets]
    if not run.complete:
        return [_target_failed(t, "nmap: output ends before <runstats> (nmap interrupted?)", started_at)
                for t in invocation.targets]
    scans: list[HostScan] = []
    seen: set[str] = set()
    for host in run.hosts:
        view = replace(host.view, arguments=invocation.argv, source="scan",
                       scan_type=invocation.scan_type, started_at=host.view.started_at or started_at)
        name = _name_for(view, invocation.targets)
        seen.update({view.address, name})
        if host.timed_out:
            timeout = invocation.argv[invocation.argv.index("--host-timeout") + 1]
            scans.append(HostScan(name, view.address, None,
                                  _failed(f"nmap: gave up on {view.address} after --host-timeout {timeout}: "
                                          "ports unknown"), started_at, view.finished_at))
        else:
            scans.append(HostScan(name, view.address, view, _ok(), started_at, view.finished_at))
    for target in invocation.targets:
        if not target.explicit:
            if not any(scan.address is not None and scan.address in target for scan in scans):
                # Fail closed: a range typed wrong or a firewall dropping discovery must not
                # read as "nothing open". Naming hosts singly scans them without discovery.
                scans.append(_target_failed(target, f"nmap: no host in {target.spec} answered host discovery",
                                            started_at))
            continue
        if target.spec not in seen:
            why = run.skipped_targets.get(target.spec)
            reason = f"nmap skipped it: {why}" if why else "nmap reported no host (could not resolve it?)"
            scans.append(_target_failed(target, f"nmap: {target.spec}: {reason}", started_at))
    return scans


def _run_one(invocation: NmapInvocation, settings: ScanSettings, started_at: str,
             on_line: Callable[[str], None] | None = None) -> list[HostScan]:
    timeout = process_timeout(invocation, settings)
    try:
        # nmap(1) has no EXIT STATUS section: 0 means the scan ran (per-host problems are in
        # the XML); 1 and 255 come with "QUITTING!"-style errors. Only 0 is accepted.
        if on_line is None:
            result = run_command(invocation.argv, timeout=timeout, accept=(0,))
        else:
            # Live progress: nmap adds <taskprogress> to its XML every STATS_EVERY and writes
            # each <host> as it finishes; the argv recorded in the view stays the exact one run.
            argv = (invocation.argv[0], "--stats-every", STATS_EVERY, *invocation.argv[1:])
            invocation = replace(invocation, argv=argv)
            result = run_command_streaming(argv, timeout=timeout, accept=(0,), on_line=on_line)
    except CommandFailed as exc:
        reason = str(exc)
        if "timed out" in reason:
            reason = f"{reason} (hard limit for this nmap process; killed)"
        return [_target_failed(t, reason, started_at) for t in invocation.targets]
    try:
        run = parse_nmap_run(result.stdout.encode("utf-8"), "nmap output")
    except InputError as exc:
        return [_target_failed(t, f"nmap: unusable XML: {exc}", started_at) for t in invocation.targets]
    return results_of_run(run, invocation, started_at)


def scan_targets(
    targets: Sequence[Target],
    settings: ScanSettings,
    *,
    jobs: int = 4,
    nmap: str = "nmap",
    privileged: bool | None = None,
    progress: ScanProgress | None = None,
) -> list[HostScan]:
    """Every target scanned; one `HostScan` per host or failed target.

    The nmap runs (see `plan_invocations`) go side by side, at most `jobs` at once; inside
    each, nmap scans its hosts in parallel itself.

    `progress` hears each process's output lines as they come (from its thread) and each
    process's hosts when it ends (from this thread).
    """
    if not targets:
        return []
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    if privileged is None:
        privileged = os.geteuid() == 0
    started_at = utc_now()
    try:  # the absolute path runs, and is recorded as `NetworkView.arguments[0]`
        program = resolve_program(nmap)
    except CommandFailed as exc:
        planned = plan_invocations(targets, settings, privileged=privileged, nmap=nmap)
        return merge_host_scans([_target_failed(t, str(exc), started_at) for inv in planned for t in inv.targets])
    invocations = plan_invocations(targets, settings, privileged=privileged, nmap=program,
                                   datadir=nmap_data_dir(program))
    outcomes: list[list[HostScan]] = [[] for _ in invocations]
    if progress is not None:
        # a host scanned for TCP and UDP is in two processes: done once both reported it
        progress.protocols = len({inv.protocol for inv in invocations})
    with ThreadPoolExecutor(max_workers=min(jobs, len(invocations)), thread_name_prefix="nmap") as pool:
        futures = {pool.submit(_run_one, inv, settings, started_at,
                               progress.reader(i).feed if progress is not None else None): i
                   for i, inv in enumerate(invocations)}
        for future in as_completed(futures):
            index = futures[future]
            outcomes[index] = future.result()
            if progress is not None:
                progress.process_done(index, outcomes[index])
    return merge_host_scans([scan for outcome in outcomes for scan in outcome])

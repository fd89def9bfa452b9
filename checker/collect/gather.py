"""Turn the collection options of audit/collect/learn into a list of snapshots, one per host.

Sources: `--snapshot FILE` (saved snapshots), `--local` (the inside view of this host,
implied when no --target/--snapshot/--nmap-xml/--netns/--netns-pid is given), one host per
network namespace (`--netns NAME`, `--netns-pid PID`: `checker.collect.namespace_host`, named
by `--host-name` when there is exactly one), and the outside view:
`--target` (scanned with nmap), `--nmap-xml FILE` (a scan someone already ran) and, when
neither is given, the baseline's `targets:` (so `--target` overrides them; `collect`
passes no baseline and scans only what `--target` names).

Every target and every scan setting is validated before anything is collected or run: a
bad one is an input error (exit 2) and nothing runs.

Joining the outside views to the snapshots of their hosts is `checker.collect.nmap.merge`'s
job (the rules are there). The scan modules (`checker.collect.nmap.scan`, `.args`, `.xml`,
`.progress`) are imported only when an outside view is asked for.

This module does not parse nmap XML nor build nmap arguments (see checker.collect.nmap).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from checker.collect import utc_now
from checker.collect.netns import NamespaceSpec, parse_namespace_specs
from checker.collect.nmap.merge import HostScan, join_outside_views
from checker.collect.nmap.targets import Target, parse_targets
from checker.errors import InputError, UsageError
from checker.model import Baseline, Collector, CollectorRun, CollectorStatus, ScanSettings, Snapshot

MAX_JOBS = 64


def wants_local(args: argparse.Namespace) -> bool:
    """`--local`, or nothing else asked for (DESIGN.md section 3)."""
    asked_other = any(getattr(args, option, None) for option in ("target", "snapshot", "nmap_xml", "netns",
                                                                  "netns_pid"))
    return bool(getattr(args, "local", False)) or not asked_other


_SCAN_FLAGS = ("tcp_ports", "udp_ports", "service_detection", "timing", "host_timeout")


def outside_targets(args: argparse.Namespace, baseline: Baseline | None) -> tuple[Target, ...]:
    """The validated targets to scan: `--target`, else the baseline's `targets:` unless --nmap-xml is given."""
    given = list(getattr(args, "target", None) or [])
    if not given and baseline is not None and not getattr(args, "nmap_xml", None):
        given = list(baseline.targets)
    return parse_targets(given, allow_large_scan=bool(getattr(args, "allow_large_scan", False)))


def scan_settings(args: argparse.Namespace, baseline: Baseline | None) -> ScanSettings:
    """The baseline's `scan:` overridden by the CLI flags, validated (`UsageError` when unusable)."""
    from checker.collect.nmap.args import effective_scan_settings

    return effective_scan_settings(baseline.scan if baseline is not None else None, args)


def namespace_specs(args: argparse.Namespace) -> tuple[NamespaceSpec, ...]:
    """The validated `--netns`/`--netns-pid` namespaces; `UsageError` for a bad one or a
    `--host-name` that would name several hosts."""
    specs = parse_namespace_specs(getattr(args, "netns", None) or [], getattr(args, "netns_pid", None) or [])
    host_name = getattr(args, "host_name", None)
    if host_name is not None:
        if len(specs) != 1:
            raise UsageError("--host-name names the host of exactly one --netns or --netns-pid "
                             f"({len(specs)} given); several namespaces are named after themselves")
        if not host_name.strip() or any(ord(char) < 32 for char in host_name):
            raise UsageError(f"--host-name: {host_name!r} is not a usable host name")
    return specs


def _jobs(args: argparse.Namespace) -> int:
    jobs = getattr(args, "jobs", None)
    jobs = 4 if jobs is None else jobs
    if type(jobs) is not int or not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: expected 1-{MAX_JOBS}, got {jobs!r}")
    return jobs


def gather_snapshots(args: argparse.Namespace, baseline: Baseline | None) -> list[Snapshot]:
    """Every host's snapshot, in a stable order. Raises `InputError` for unusable inputs."""
    targets = outside_targets(args, baseline)
    scan_flags_given = any(getattr(args, flag, None) is not None for flag in _SCAN_FLAGS)
    settings = scan_settings(args, baseline) if targets or scan_flags_given else None
    jobs = _jobs(args)
    namespaces = namespace_specs(args)

    imported = [scan for path in getattr(args, "nmap_xml", None) or [] for scan in import_nmap_xml(path)]
    snapshots: list[Snapshot] = []
    if getattr(args, "snapshot", None):
        from checker.storage.snapshots import load_snapshot_list

        # a file written by `collect` for several hosts holds a list: one snapshot per host
        snapshots = [snapshot for path in args.snapshot for snapshot in load_snapshot_list(path)]
    saved = len(snapshots)
    if wants_local(args):
        from checker.collect.local import collect_local

        snapshots.append(collect_local(root=getattr(args, "root", None),
                                       xinetd_conf=getattr(args, "xinetd_conf", None)))
    if namespaces:
        from checker.collect.namespace_host import collect_namespace_host

        snapshots.extend(collect_namespace_host(spec, root=getattr(args, "root", None),
                                                xinetd_conf=getattr(args, "xinetd_conf", None),
                                                host_name=getattr(args, "host_name", None))
                         for spec in namespaces)
    scans: list[HostScan] = []
    if targets and settings is not None:
        scans = _scan(targets, settings, jobs, bool(getattr(args, "progress", False)))
    return join_outside_views(snapshots, imported + scans, saved=saved)


def _scan(targets: Sequence[Target], settings: ScanSettings, jobs: int, force_progress: bool) -> list[HostScan]:
    from checker.collect.nmap.progress import ScanProgress, progress_wanted
    from checker.collect.nmap.scan import scan_targets

    progress = ScanProgress(sum(t.size for t in targets)) if progress_wanted(force_progress) else None
    if progress is not None:
        progress.start()
    scans = scan_targets(targets, settings, jobs=jobs, on_done=progress.hosts_done if progress else None)
    if progress is not None:
        progress.finish()
    return list(scans)


def import_nmap_xml(path: str) -> list[HostScan]:
    """`--nmap-xml FILE`: its hosts as outside views (timed-out hosts as failures). `InputError` if unusable."""
    from checker.collect.nmap import xml as nmap_xml
    from checker.collect.nmap.xml import parse_nmap_run

    try:
        with open(path, "rb") as handle:
            # One byte over the limit is enough to refuse it: never read a /dev/zero whole.
            data = handle.read(nmap_xml.MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    run = parse_nmap_run(data, path)
    if run.error is not None:
        raise InputError(f"{path}: nmap reported an error: {run.error}")
    if not run.complete:
        raise InputError(f"{path}: no <runstats><finished>: the scan did not finish")
    imported_at = utc_now()
    scans: list[HostScan] = []
    for host in run.hosts:
        view = host.view
        # A scan file without times (old nmap versions) is dated when it is imported: a 1970
        # date would keep every waiver for the host unexpired forever.
        started = view.started_at or run.started_at or imported_at
        # Named as the scan was asked for: a PTR name never names (nor joins) a host.
        name = host.named[0] if host.named else view.address
        if host.timed_out:
            status = CollectorRun(Collector.NMAP, CollectorStatus.FAILED,
                                  f"{path}: nmap gave up on {view.address} (host timeout): ports unknown")
            scans.append(HostScan(name, view.address, None, status, started, view.finished_at))
        else:
            scans.append(HostScan(name, view.address, view, CollectorRun(Collector.NMAP, CollectorStatus.OK),
                                  started, view.finished_at))
    return scans

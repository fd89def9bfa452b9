"""Turn the collection options of audit/collect/learn into a list of snapshots, one per host.

Sources: `--snapshot FILE` (saved snapshots), `--local` (the inside view of this host,
implied when no --target/--snapshot/--nmap-xml is given), and the outside view:
`--target` (scanned with nmap), `--nmap-xml FILE` (a scan someone already ran) and, when
neither is given, the baseline's `targets:` (so `--target` overrides them; `collect`
passes no baseline and scans only what `--target` names).

Every target and every scan setting is validated before anything is collected or run: a
bad one is an input error (exit 2) and nothing runs.

Joining: an outside view belongs to an inside view (the `--local` one or a `--snapshot`)
when its address is one of that snapshot's `host.addresses` (loopback addresses only for a
snapshot of this machine: collected now, or saved with this hostname), or when the
snapshot's `host.hostname` equals the name the target was given by (`--target`, or
`<hostname type="user">` of an imported scan; never a reverse-DNS name, which the
address's owner chooses). A `--root` snapshot (a mounted image) joins nothing. Nothing else joins:
127.0.0.2 is not "this host" just because 127.0.0.0/8 is local (tests use 127.0.0.2-5 as
separate hosts); 127.0.0.1 and ::1 join the local view only because the inside view lists
them among its addresses. A host seen only from outside gets its own snapshot: hostname =
the name the user gave (or the address), `collected_at` = scan start, only the `nmap`
collector run (the others NOT_RUN). The joined snapshot's `network` is the scan, and its
`nmap` collector run says whether the scan worked; a failed scan leaves `network` None.

This module does not parse nmap XML nor build nmap arguments (see checker.collect).
"""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from checker.collect import utc_now
from checker.collect.nmap.targets import Target, parse_targets
from checker.errors import InputError, UsageError
from checker.model import Baseline, Collector, CollectorRun, CollectorStatus, HostInfo, ScanSettings, Snapshot

if TYPE_CHECKING:  # the nmap modules are imported only when an outside view is asked for
    from checker.collect.nmap.scan import HostScan

MAX_JOBS = 64


def wants_local(args: argparse.Namespace) -> bool:
    """`--local`, or nothing else asked for (DESIGN.md section 3)."""
    asked_other = bool(getattr(args, "target", None) or getattr(args, "snapshot", None)
                       or getattr(args, "nmap_xml", None))
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
    from checker.collect.nmap.scan import HostScan
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


def _same_host(snapshot: Snapshot, scan: HostScan, *, foreign: bool = False) -> bool:
    """`foreign`: the snapshot was read from a file made on another machine. Its loopback
    addresses (every host lists 127.0.0.1 and ::1) name *that* machine, while a scan of a
    loopback address reached the machine that ran nmap: never the same host."""
    if snapshot.host.root is not None:
        # --root read a mounted image: what answers on the network is the machine that
        # mounted it (whose hostname the snapshot carries), not the image.
        return False
    if scan.address is not None and not (foreign and _is_loopback(scan.address)) \
            and _in_addresses(scan.address, snapshot.host.addresses):
        return True
    # By name only as the user named the target (HostScan.name), never by the view's other
    # hostnames: a PTR record is chosen by whoever controls the address's reverse zone, so
    # 10.0.0.66 answering "web-1" would otherwise become web-1's outside view.
    return snapshot.host.hostname.lower().rstrip(".") == scan.name.lower().rstrip(".")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _in_addresses(address: str, addresses: Sequence[str]) -> bool:
    try:
        wanted = ipaddress.ip_address(address)
    except ValueError:
        return address in addresses
    for candidate in addresses:
        try:
            # HostInfo.addresses may carry a prefix (127.0.0.1/8) or a zone (fe80::1%eth0).
            if ipaddress.ip_address(candidate.split("/")[0].split("%")[0]) == wanted:
                return True
        except ValueError:
            continue
    return False


def _attach(snapshot: Snapshot, scan: HostScan, merge: bool) -> Snapshot:
    from checker.collect.nmap.scan import merge_views

    view = scan.view
    run = scan.run
    previous_run = snapshot.collector(Collector.NMAP)
    if merge:  # a second outside view of the same host in this run: keep both
        if snapshot.network is not None and view is not None:
            view = merge_views(snapshot.network, view)
        elif view is None:
            view = snapshot.network
        if previous_run.status is not CollectorStatus.OK:
            run = previous_run if run.status is CollectorStatus.OK else CollectorRun(
                Collector.NMAP, CollectorStatus.FAILED, f"{previous_run.reason}; {run.reason}")
    collectors = tuple(c for c in snapshot.collectors if c.name != Collector.NMAP) + (run,)
    return replace(snapshot, network=view, collectors=collectors)


def _outside_only(scan: HostScan) -> Snapshot:
    from checker import __version__

    host = HostInfo(
        hostname=scan.name,
        collected_at=(scan.view.started_at if scan.view and scan.view.started_at else scan.started_at),
        tool_version=__version__,
        addresses=(scan.address,) if scan.address else (),
        finished_at=scan.finished_at,
    )
    others = tuple(CollectorRun(c, CollectorStatus.NOT_RUN, "outside view only: no inside view of this host")
                   for c in Collector if c is not Collector.NMAP)
    return Snapshot(host=host, collectors=(scan.run, *others), network=scan.view)


def _sort_key(snapshot: Snapshot) -> tuple[int, int, str]:
    try:
        address = ipaddress.ip_address(snapshot.host.hostname)
    except ValueError:
        return (2, 0, snapshot.host.hostname)
    return (1 if address.version == 6 else 0, int(address), snapshot.host.hostname)


def join_outside_views(snapshots: Sequence[Snapshot], scans: Sequence[HostScan], *,
                       saved: int = 0) -> list[Snapshot]:
    """Attach each outside view to the snapshot of the same host; other views become their own host.

    The first `saved` snapshots were read from files (`--snapshot`): a loopback scan joins
    one of them only when it was made on this machine (same hostname), see `_same_host`.
    Order: the given snapshots first (as given), then outside-only hosts by address.
    """
    import socket

    here = socket.gethostname().lower() if saved else ""
    foreign = [index < saved and snapshot.host.hostname.lower() != here for index, snapshot in enumerate(snapshots)]
    joined = list(snapshots)
    touched: set[int] = set()
    outside: list[Snapshot] = []
    for scan in scans:
        for index, snapshot in enumerate(joined):
            if _same_host(snapshot, scan, foreign=foreign[index]):
                joined[index] = _attach(snapshot, scan, merge=index in touched)
                touched.add(index)
                break
        else:
            for index, snapshot in enumerate(outside):
                if _same_host(snapshot, scan):
                    outside[index] = _attach(snapshot, scan, merge=True)
                    break
            else:
                outside.append(_outside_only(scan))
    return joined + sorted(outside, key=_sort_key)

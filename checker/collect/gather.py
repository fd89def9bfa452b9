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
import os
from collections.abc import Sequence
from dataclasses import replace

from checker.collect import utc_now
from checker.collect.netns import NamespaceSpec, parse_namespace_specs
from checker.collect.nmap.merge import HostScan, join_outside_views
from checker.collect.nmap.targets import Target, parse_targets
from checker.errors import InputError, UsageError
from checker.model import Baseline, Collector, CollectorRun, CollectorStatus, ScanSettings, Snapshot
from checker.model.firewall import FirewallEvidence

MAX_JOBS = 64


def wants_local(args: argparse.Namespace) -> bool:
    """`--local`, or nothing else asked for (../shared/DESIGN.md section 3)."""
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
    """The validated `--netns`/`--netns-pid` namespaces; `UsageError` for a bad one."""
    return parse_namespace_specs(getattr(args, "netns", None) or [], getattr(args, "netns_pid", None) or [])


def _jobs(args: argparse.Namespace) -> int:
    jobs = getattr(args, "jobs", None)
    jobs = 4 if jobs is None else jobs
    if type(jobs) is not int or not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: expected 1-{MAX_JOBS}, got {jobs!r}")
    return jobs


def gather_snapshots(args: argparse.Namespace, baseline: Baseline | None) -> list[Snapshot]:
    """Every host's snapshot, in a stable order. Raises `InputError` for unusable inputs."""
    return [snapshot for _, snapshot in gather_labelled_snapshots(args, baseline)]


def inside_host_name(args: argparse.Namespace, namespaces: Sequence[NamespaceSpec]) -> str | None:
    """`--host-name NAME`, checked. It names the one host collected from the inside: the local
    host, or the single `--netns`/`--netns-pid` host. Several namespaces are named after
    themselves, and with both the local host and a namespace the name would be ambiguous:
    usage errors, as is a name without any inside collection."""
    name: str | None = getattr(args, "host_name", None)
    if name is None:
        return None
    if not name or len(name) > 253 or not name.isprintable() or any(ch.isspace() for ch in name):
        raise UsageError(f"--host-name: {name!r} is not a usable name (1-253 printable characters, no spaces)")
    local = wants_local(args)
    if len(namespaces) > 1 or (namespaces and local):
        hosts = f"{len(namespaces)} --netns/--netns-pid hosts" + (" and the local host" if local else "")
        raise UsageError(f"--host-name names one host collected from the inside ({hosts} given); several "
                         "namespaces are named after themselves")
    if not namespaces and not local:
        raise UsageError("--host-name names the local host or the one --netns/--netns-pid host: it needs "
                         "--local (or no --target/--snapshot), or exactly one --netns/--netns-pid")
    return name


def image_root(args: argparse.Namespace) -> str | None:
    """`--root DIR`, checked to be a directory (symlinks followed). The collectors read a missing
    file under DIR as "not configured", so a mistyped or non-directory root used to be audited as
    an empty image: the xinetd rules passed and the audit exited 0."""
    root: str | None = getattr(args, "root", None)
    if root is not None and not os.path.isdir(root):
        reason = "no such directory" if not os.path.lexists(root) else "not a directory"
        raise InputError(f"--root {root}: {reason} (a mounted image's root directory)")
    return root


def gather_labelled_snapshots(args: argparse.Namespace, baseline: Baseline | None) -> list[tuple[str, Snapshot]]:
    """`gather_snapshots`, each snapshot with where it came from (`web-1.json`, `--local`,
    `nmap scan of 127.0.0.2`): input errors about a host (two with one name) name their sources."""
    root = image_root(args)
    targets = outside_targets(args, baseline)
    scan_flags_given = any(getattr(args, flag, None) is not None for flag in _SCAN_FLAGS)
    settings = scan_settings(args, baseline) if targets or scan_flags_given else None
    jobs = _jobs(args)
    namespaces = namespace_specs(args)
    host_name = inside_host_name(args, namespaces)

    imported = [scan for path in getattr(args, "nmap_xml", None) or [] for scan in import_nmap_xml(path)]
    snapshots: list[Snapshot] = []
    labels: list[str] = []
    if getattr(args, "snapshot", None):
        from checker.storage.snapshots import load_snapshot_list

        # a file written by `collect` for several hosts holds a list: one snapshot per host
        for path in args.snapshot:
            listed = load_snapshot_list(path)
            snapshots += listed
            labels += [path if len(listed) == 1 else f"{path} (item {i + 1})" for i in range(len(listed))]
    saved = len(snapshots)
    nft_json = list(getattr(args, "nft_json", None) or [])
    imported_firewall = import_nft_json(nft_json) if nft_json else None
    if wants_local(args):
        from checker.collect.local import collect_local

        local = collect_local(root=root, xinetd_conf=getattr(args, "xinetd_conf", None),
                              imported_firewall=imported_firewall)
        if host_name is not None:
            local = replace(local, host=replace(local.host, hostname=host_name))
        snapshots.append(local)
        labels.append(f"--host-name {host_name}" if host_name else "--local")
    elif imported_firewall is not None:
        raise UsageError("--nft-json replaces the live ruleset of this host's inside view: add --local")
    if namespaces:
        from checker.collect.namespace_host import collect_namespace_host

        for spec in namespaces:
            snapshots.append(collect_namespace_host(spec, root=getattr(args, "root", None),
                                                    xinetd_conf=getattr(args, "xinetd_conf", None),
                                                    host_name=host_name))
            labels.append(f"{spec.option} (--host-name {host_name})" if host_name else spec.option)
    scans: list[HostScan] = []
    if targets and settings is not None:
        scans = _scan(targets, settings, jobs, bool(getattr(args, "progress", False)))
    joined = join_outside_views(snapshots, imported + scans, saved=saved)
    # the joined list keeps the given snapshots first, in order; outside-only hosts follow
    labels += [f"the outside view of {s.network.address}" if s.network else "an outside view"
               for s in joined[len(labels):]]
    return list(zip(labels, joined, strict=True))


def _scan(targets: Sequence[Target], settings: ScanSettings, jobs: int, force_progress: bool) -> list[HostScan]:
    from checker.collect.nmap.progress import ScanProgress, progress_wanted
    from checker.collect.nmap.scan import scan_targets

    progress = ScanProgress(sum(t.size for t in targets)) if progress_wanted(force_progress) else None
    if progress is not None:
        progress.start()
    scans = scan_targets(targets, settings, jobs=jobs, progress=progress)
    if progress is not None:
        progress.finish()
    return list(scans)


def import_nft_json(paths: Sequence[str]) -> FirewallEvidence:
    """`--nft-json FILE ...`: saved `nft -j list ruleset` outputs as this host's firewall. `InputError` if unusable."""
    from checker.collect.firewall.nft_json import FirewallFormatError, parse_nft_document
    from checker.storage.json_reader import read_json_file

    rulesets = []
    for path in paths:
        try:
            rulesets.append(parse_nft_document(read_json_file(path), path))
        except FirewallFormatError as exc:
            raise InputError(str(exc)) from None
    return FirewallEvidence(tuple(rulesets))


def import_nmap_xml(path: str) -> list[HostScan]:
    """`--nmap-xml FILE`: its hosts as outside views (timed-out hosts as failures). `InputError` if unusable."""
    from checker.collect.nmap import xml as nmap_xml
    from checker.collect.nmap.xml import parse_nmap_run
    from checker.storage.inputs import read_input_file

    # A regular file only, opened without blocking, at most MAX_DOCUMENT_BYTES read: a FIFO or
    # /dev/zero is refused, never waited on nor read whole.
    data = read_input_file(path, nmap_xml.MAX_DOCUMENT_BYTES, "an nmap XML file")
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
        name = view.named[0] if view.named else view.address
        if host.timed_out:
            status = CollectorRun(Collector.NMAP, CollectorStatus.FAILED,
                                  f"{path}: nmap gave up on {view.address} (host timeout): ports unknown")
            scans.append(HostScan(name, view.address, None, status, started, view.finished_at))
        else:
            scans.append(HostScan(name, view.address, view, CollectorRun(Collector.NMAP, CollectorStatus.OK),
                                  started, view.finished_at))
    return scans

"""Merging and joining outside views: nmap's per-host outcomes into the snapshots of their hosts.

What it is for: `HostScan` (one host's outside-view outcome, from a scan or an imported XML),
`merge_host_scans` (one outcome per host from several nmap runs: TCP and UDP, or two targets
naming one address) and `join_outside_views` (each outcome into the snapshot of its host).
Pure: no nmap, no files, no clock (`join_outside_views` asks only this machine's hostname).

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

What it must not do: run nmap, parse XML or build arguments (`scan`, `xml`, `args` do).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass, replace

from checker import __version__
from checker.model import Collector, CollectorRun, CollectorStatus, HostInfo, NetworkView, Snapshot
from checker.model.addresses import is_loopback
from checker.model.network import same_host_name


@dataclass(frozen=True)
class HostScan:
    """The outside view's outcome for one host, or for one target that yielded no host."""

    name: str
    """The hostname the user gave, else the address; for a failed network target, its spec."""
    address: str | None
    """The scanned address (None when nmap reported no host for the target)."""
    view: NetworkView | None
    """What nmap saw; None when the scan failed before seeing the host."""
    run: CollectorRun
    """`nmap` ok, or failed with the reason."""
    started_at: str
    finished_at: str | None = None


def merge_host_scans(scans: Sequence[HostScan]) -> list[HostScan]:
    """Join outcomes for the same host (TCP and UDP runs, or two targets naming one address).

    Ports are united; a failure of any part makes the host failed (its evidence is partial).
    """
    merged: dict[str, HostScan] = {}
    for scan in scans:
        key = scan.address or scan.name
        previous = merged.get(key)
        if previous is None:
            merged[key] = scan
            continue
        merged[key] = _merge_pair(previous, scan)
    return list(merged.values())


def merge_views(first: NetworkView, second: NetworkView) -> NetworkView:
    """One view of a host from two nmap runs (TCP and UDP, IPv4 and IPv6, two imported files).

    Every port table and every row of both is kept: an address or a technique never hides
    another (no first-wins), so `exposure: internal` sees a port open on any address.
    """
    first, second = first.explicit(), second.explicit()
    arguments = first.arguments if first.arguments == second.arguments else (
        *first.arguments, ";", *second.arguments)
    types = [t for t in (first.scan_type, second.scan_type) if t]
    ports = dict.fromkeys(first.ports + second.ports)
    return replace(
        first,
        state="up" if "up" in (first.state, second.state) else first.state,
        hostnames=tuple(dict.fromkeys(first.hostnames + second.hostnames)),
        named=tuple(dict.fromkeys(first.named + second.named)),
        ports=tuple(sorted(ports, key=lambda p: (p.protocol.value, p.port, p.address or "", p.scan_type or ""))),
        tables=tuple(dict.fromkeys(first.tables + second.tables)),
        scanned=tuple(dict.fromkeys(first.scanned + second.scanned)),
        arguments=arguments,
        scan_type="+".join(dict.fromkeys("+".join(types).split("+"))) if types else None,
        started_at=min(filter(None, (first.started_at, second.started_at)), default=None),
        finished_at=max(filter(None, (first.finished_at, second.finished_at)), default=None),
    )


def _merge_pair(a: HostScan, b: HostScan) -> HostScan:
    if a.view is not None and b.view is not None:
        view: NetworkView | None = merge_views(a.view, b.view)
    else:
        view = a.view or b.view
    if a.run.status is CollectorStatus.OK and b.run.status is CollectorStatus.OK:
        run = a.run
    else:
        reasons = [r.reason for r in (a.run, b.run) if r.status is not CollectorStatus.OK and r.reason]
        run = CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "; ".join(dict.fromkeys(reasons)) or "nmap failed")
    name = a.name if a.name != a.address else b.name
    finished = max(filter(None, (a.finished_at, b.finished_at)), default=None)
    return HostScan(name, a.address or b.address, view, run, min(a.started_at, b.started_at), finished)


def _same_host(snapshot: Snapshot, scan: HostScan, *, foreign: bool = False) -> bool:
    """`foreign`: the snapshot was read from a file made on another machine. Its loopback
    addresses (every host lists 127.0.0.1 and ::1) name *that* machine, while a scan of a
    loopback address reached the machine that ran nmap: never the same host."""
    if snapshot.host.root is not None:
        # --root read a mounted image: what answers on the network is the machine that
        # mounted it (whose hostname the snapshot carries), not the image.
        return False
    if scan.address is not None and not (foreign and is_loopback(scan.address)) \
            and _in_addresses(scan.address, snapshot.host.addresses):
        return True
    # By name only as the user named the target (HostScan.name), never by the view's other
    # hostnames: a PTR record is chosen by whoever controls the address's reverse zone, so
    # 10.0.0.66 answering "web-1" would otherwise become web-1's outside view.
    return same_host_name(snapshot.host.hostname, scan.name)


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

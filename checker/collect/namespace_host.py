"""One host per network namespace: the inside view of `--netns NAME` or `--netns-pid PID`.

What it is for: `collect_namespace_host()` opens the namespace (`checker.collect.netns`), runs
every collector of `checker.collect.registry` with it in the `CollectionContext` and assembles
the snapshot as `checker.collect.local` does. What each collector sees:

* `sockets`: the namespace's sockets and TCP states, dumped by sock_diag from inside it; the
  owners only among processes whose /proc/PID/ns/net is that namespace.
* files (unit files, socket units, xinetd): for `--netns-pid PID`, the process's own root,
  /proc/PID/root (the container's filesystem, through its mount namespace); for `--netns NAME`,
  this machine's files, which is what `ip netns exec NAME` programs read. `--root DIR` replaces
  both. With a files root, `unit-runtime` is unavailable (the container's service manager, if
  any, is not the one systemctl reaches).
* host metadata: named by `--host-name` or NAME / `pid:PID`; `addresses` are the namespace's
  own non-loopback addresses (read inside it), so `--target` on one of them joins the outside
  view to this host, while a scan of 127.0.0.1 (which reaches the machine running surfacecheck,
  not the namespace's loopback) does not.

Fail closed: a namespace that cannot be opened or entered, or a process root that cannot be
read, makes every collector of the host FAILED with the reason (no collector runs: a missing
/proc/PID/root would read as "xinetd not configured"). A namespace deleted, or a PID that
exited, during collection makes every run FAILED afterwards, whatever the collectors saw.

What it must not do: evaluate, or raise for a failure of the namespace (only usage errors
raise, in `checker.collect.netns.parse_namespace_specs`).
"""

from __future__ import annotations

import os
import platform
from dataclasses import replace

from checker import __version__
from checker.collect import utc_now
from checker.collect.interface import CollectionContext, InsideEvidence
from checker.collect.local import collect_inside_evidence, host_addresses, os_release, snapshot_from_evidence
from checker.collect.netns import NamespaceError, NamespaceSpec, NetworkNamespace, open_namespace
from checker.collect.registry import INSIDE_COLLECTORS
from checker.model import CollectorRun, CollectorStatus, HostInfo, Snapshot
from checker.model.addresses import is_loopback


def collect_namespace_host(spec: NamespaceSpec, *, root: str | None = None, xinetd_conf: str | None = None,
                           host_name: str | None = None) -> Snapshot:
    """The snapshot of one namespace host. Never raises for a failure of the namespace."""
    started = utc_now()
    files_root = root if root is not None else spec.process_root
    host = HostInfo(hostname=host_name or spec.label, collected_at=started, tool_version=__version__,
                    euid=os.geteuid(), privileged=os.geteuid() == 0, root=root)
    try:
        namespace = open_namespace(spec)
    except NamespaceError as exc:
        return _failed_host(host, str(exc))
    with namespace:
        if root is None and files_root is not None:
            problem = _unreadable_process_root(spec, files_root)
            if problem is not None:
                return _failed_host(host, problem)
        context = CollectionContext(root=files_root, xinetd_conf=xinetd_conf, network_namespace=namespace)
        evidence, runs = collect_inside_evidence(context)
        addresses = _namespace_addresses(namespace)
        release = os_release(files_root)
        changed = namespace.changed()
    if changed is not None:
        runs = tuple(CollectorRun(run.name, CollectorStatus.FAILED, f"{spec.option}: {changed}") for run in runs)
    host = replace(host, addresses=addresses, os_release=release, kernel=platform.release(), finished_at=utc_now())
    return snapshot_from_evidence(host, evidence, runs)


def _namespace_addresses(namespace: NetworkNamespace) -> tuple[str, ...]:
    """The namespace's own addresses as seen from outside it: loopback ones left out."""
    try:
        addresses = namespace.run(host_addresses)
    except NamespaceError:
        return ()
    return tuple(address for address in addresses if not is_loopback(address))


def _unreadable_process_root(spec: NamespaceSpec, path: str) -> str | None:
    """Why /proc/PID/root cannot be used (ptrace access is needed), or None."""
    try:
        fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        return (f"{spec.option}: cannot read the process's filesystem {path}: {exc.strerror} "
                f"(needs ptrace access to {spec.pid}: run as root, or give --root)")
    os.close(fd)
    return None


def _failed_host(host: HostInfo, reason: str) -> Snapshot:
    """A host none of whose evidence could be collected: every inside collector FAILED with `reason`."""
    runs = [CollectorRun(collector.name, CollectorStatus.FAILED, reason) for collector in INSIDE_COLLECTORS]
    return snapshot_from_evidence(replace(host, finished_at=utc_now()), InsideEvidence(), runs)

"""Listening sockets and TCP connection-state counts of the live host.

What it is for: the `sockets` collector (`SocketsCollector`, at the end). The kernel's socket diagnostics
(`checker.collect.sock_diag`, what `ss` uses) give every inet socket once, with its state,
bound address, inode, socket uid and its own IPV6_V6ONLY flag; one pass over /proc/*/fd
(`checker.collect.socket_owners`) names every process holding each listening socket; psutil
gives the facts of the owning process (name, executable, user). The pure helpers
(`listeners_from_sockets`, `count_connection_states`, `is_dual_stack`) take plain records and
are unit-tested without a kernel.

Row identity follows `ss -tulnp`: one listener per kernel socket. A socket shared by several
processes (a forking server and its workers) is one row listing all of them in `pids`; the
owner (`pid`, `process`, `exe`, `user`) is the lowest pid, the parent that created it.

Dual stack is the socket's own flag: an IPv6 `::` listener is dual-stack iff its
IPV6_V6ONLY is 0, whatever the sysctl net.ipv6.bindv6only says (that is only the default).

What it must not do: invent an owner. Without root, the kernel hides which process holds
another user's socket: such a listener keeps `pid`, `process`, `exe` and `user` as None (the
kernel's `socket_uid` is still recorded) and the snapshot says `privileged=False` (see
`checker.collect.local`). A socket a root master shares with our own worker shows only the
worker: without root, an owner whose uid is not the socket's is dropped too. Netlink failures
propagate (fail closed; see `sock_diag`).
"""

from __future__ import annotations

import errno
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from checker.collect import PROC_FILE_BYTES
from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.collect.sock_diag import (
    TCP_CLOSE,
    TCP_LISTEN,
    TCP_STATE_NAMES,
    DiagSocket,
    SockDiagError,
    inet_sockets,
)
from checker.collect.socket_owners import socket_holders
from checker.model import Collector, Listener, Protocol
from checker.storage.inputs import read_bounded

if TYPE_CHECKING:
    from checker.collect.netns import NetworkNamespace

_T = TypeVar("_T")

ROOT_SOCKETS_REASON = "--root: live sockets of the image are not observable"


@dataclass(frozen=True)
class ProcessInfo:
    name: str | None
    exe: str | None
    user: str | None
    uid: int | None = None
    """Effective uid; compared with the socket's uid when not every holder is visible."""
    unit: str | None = None
    """Its systemd service (`unit_from_cgroup`), for remediation that names it."""


def unit_from_cgroup(text: str) -> str | None:
    """The systemd service a process runs in, from the text of /proc/PID/cgroup.

    systemd(1) puts each service in `/system.slice/NAME.service` (instances and nested slices:
    `/system.slice/system-getty.slice/getty@tty1.service`); the unified hierarchy is the `0::`
    line, cgroup v1 the `name=systemd` one. Scopes (login sessions, containers) are not
    services one can disable: None, as for a process outside systemd.
    """
    paths: dict[str, str] = {}
    for line in text.splitlines():
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        paths[controllers] = path
    for hierarchy in ("", "name=systemd"):
        for part in reversed(paths.get(hierarchy, "").split("/")):
            if part.endswith(".service"):
                return part
    return None


def is_dual_stack(sock: DiagSocket) -> bool:
    """An IPv6 wildcard socket that accepts IPv4 too: its IPV6_V6ONLY flag is 0.

    The kernel reports the flag for every IPv6 socket in LISTEN or CLOSE state; a listener
    without it is an error (fail closed), never a guess from the sysctl.
    """
    if sock.family != socket.AF_INET6 or sock.address != "::":
        return False
    if sock.v6only is None:
        raise SockDiagError(errno.EPROTO, f"sock_diag: no IPV6_V6ONLY flag for [::]:{sock.port}")
    return not sock.v6only


def is_listener(sock: DiagSocket) -> bool:
    """TCP in LISTEN state, or UDP not connected (CLOSE: what `ss -l` shows as UNCONN)."""
    if sock.protocol == socket.IPPROTO_TCP:
        return sock.state == TCP_LISTEN
    if sock.protocol == socket.IPPROTO_UDP:
        return sock.state == TCP_CLOSE
    return False


def count_connection_states(sockets: Iterable[DiagSocket]) -> dict[str, int]:
    """TCP sockets per state, `ss` spelling (ESTABLISHED, SYN-RECV, TIME-WAIT, ...), sorted by name.

    Each kernel socket counts once, however many processes hold it.
    """
    counts: Counter[str] = Counter()
    for sock in sockets:
        if sock.protocol != socket.IPPROTO_TCP:
            continue
        state = TCP_STATE_NAMES.get(sock.state)
        if state is not None:
            counts[state] += 1
    return dict(sorted(counts.items()))


def listeners_from_sockets(
    sockets: Iterable[DiagSocket],
    *,
    holders: Mapping[int, tuple[int, ...]],
    process_info: Callable[[int], ProcessInfo | None],
    every_holder_visible: bool = True,
) -> list[Listener]:
    """Listeners, one per socket, sorted by (protocol, family, address, port, pid).

    `holders[inode]` are the sorted pids holding a socket (absent when unknown);
    `process_info(pid)` gives the name/exe/user of a pid (None if it vanished).
    `every_holder_visible` False (an unprivileged run): other users' descriptors are hidden, so
    the lowest *visible* pid may be a worker of a root master. Its owner is then kept only when
    its uid is the socket's uid (the creator's), else the owner is unknown (never a guess).
    """
    info_cache: dict[int, ProcessInfo | None] = {}
    listeners: list[Listener] = []
    for sock in sockets:
        if not is_listener(sock):
            continue
        pids = holders.get(sock.inode, ())
        owner = pids[0] if pids else None
        info = None
        if owner is not None:
            if owner not in info_cache:
                info_cache[owner] = process_info(owner)
            info = info_cache[owner]
            if not every_holder_visible and (info is None or info.uid is None or info.uid != sock.uid):
                owner, info, pids = None, None, ()
        listeners.append(Listener(
            protocol=Protocol.TCP if sock.protocol == socket.IPPROTO_TCP else Protocol.UDP,
            family="ipv6" if sock.family == socket.AF_INET6 else "ipv4",
            address=sock.address,
            port=sock.port,
            pid=owner,
            process=info.name if info else None,
            exe=info.exe if info else None,
            user=info.user if info else None,
            dual_stack=is_dual_stack(sock),
            pids=pids,
            socket_uid=sock.uid,
            unit=info.unit if info else None,
        ))
    listeners.sort(key=listener_sort_key)
    return listeners


def listener_sort_key(listener: Listener) -> tuple[str, str, str, int, int]:
    """The documented listener order: protocol, family, address, port, pid (unknown pid first)."""
    return (listener.protocol.value, listener.family, listener.address, listener.port,
            -1 if listener.pid is None else listener.pid)


# --------------------------------------------------------------------------- I/O


def process_info(pid: int) -> ProcessInfo | None:
    """Name, executable and owner of `pid`; a field the kernel refuses stays None."""
    import psutil

    try:
        process = psutil.Process(pid)
        with process.oneshot():
            name = _safe(process.name)
            exe = _safe(process.exe) or None
            user = _safe(process.username)
            uids = _safe(process.uids)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    try:
        unit = unit_from_cgroup(read_bounded(f"/proc/{pid}/cgroup", PROC_FILE_BYTES).decode("utf-8", "replace"))
    except OSError:
        unit = None
    return ProcessInfo(name=name, exe=exe, user=user, uid=uids.effective if uids is not None else None, unit=unit)


def _safe(getter: Callable[[], _T]) -> _T | None:
    import psutil

    try:
        return getter()
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
        return None


def collect_sockets(namespace: NetworkNamespace | None = None) -> tuple[list[Listener], dict[str, int]]:
    """Listeners and TCP state counts of the live host, or of another network `namespace`
    (dumped from inside it; owners only among its own processes). Raises OSError
    (SockDiagError, NamespaceError) on failure."""
    tcp, udp = inet_sockets() if namespace is None else namespace.run(inet_sockets)
    listening = [sock for sock in (*tcp, *udp) if is_listener(sock)]
    member = None if namespace is None else namespace.contains_process
    holders = socket_holders({sock.inode for sock in listening}, member=member)
    # Without root, /proc/PID/fd of other users' processes cannot be read (see socket_owners).
    listeners = listeners_from_sockets(listening, holders=holders, process_info=process_info,
                                       every_holder_visible=os.geteuid() == 0)
    return listeners, count_connection_states(tcp)


class SocketsCollector(EvidenceCollector):
    """`sockets`: the listeners and TCP state counts of the live host or of the audited network
    namespace (unavailable with --root alone: an image has no live sockets)."""

    name = Collector.SOCKETS

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        namespace = context.network_namespace
        if namespace is None and context.root is not None:
            return self.unavailable(ROOT_SOCKETS_REASON)
        listeners, states = collect_sockets(namespace)
        evidence = InsideEvidence(listeners=tuple(listeners), connection_states=states)
        return self.ok(evidence, None if namespace is None else f"network namespace {namespace.description}")

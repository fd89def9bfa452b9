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
`checker.collect.local`). Netlink failures propagate (fail closed; see `sock_diag`).
"""

from __future__ import annotations

import errno
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from checker.collect.netns import NetworkNamespace

ROOT_SOCKETS_REASON = "--root: live sockets of the image are not observable"


@dataclass(frozen=True)
class ProcessInfo:
    name: str | None
    exe: str | None
    user: str | None


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
) -> list[Listener]:
    """Listeners, one per socket, sorted by (protocol, family, address, port, pid).

    `holders[inode]` are the sorted pids holding a socket (absent when unknown);
    `process_info(pid)` gives the name/exe/user of a pid (None if it vanished).
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
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    return ProcessInfo(name=name, exe=exe, user=user)


def _safe(getter: Callable[[], str]) -> str | None:
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
    listeners = listeners_from_sockets(listening, holders=holders, process_info=process_info)
    return listeners, count_connection_states(tcp)


class SocketsCollector(EvidenceCollector):
    """`sockets`: the listeners and TCP state counts of the live host or of the audited network
    namespace (unavailable with --root alone: an image has no live sockets)."""

    name = Collector.SOCKETS
    provides = ("listeners", "connection_states")

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        namespace = context.network_namespace
        if namespace is None and context.root is not None:
            return self.unavailable(ROOT_SOCKETS_REASON)
        listeners, states = collect_sockets(namespace)
        evidence = InsideEvidence(listeners=tuple(listeners), connection_states=states)
        return self.ok(evidence, None if namespace is None else f"network namespace {namespace.description}")

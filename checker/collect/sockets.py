"""Listening sockets and TCP connection-state counts of the live host, via psutil.

What it is for: the `sockets` collector (`SocketsCollector`, at the end). One
`psutil.net_connections("inet")` call (it is the expensive part on a host with 10,000 sockets)
feeds both the listener list and the state counts. The pure helpers
(`listeners_from_connections`, `count_connection_states`, `is_dual_stack`) take plain records
and are unit-tested without a kernel.

What it must not do: invent an owner. Without root, the kernel hides which process holds
another user's socket; such a listener keeps `pid`, `process`, `exe` and `user` as None and
the snapshot records `privileged=False` (see `checker.collect.local`).

Row identity follows `ss -tulnp`: one listener per kernel socket. psutil reports a socket
once per process holding it (a forking server and its workers share one listening socket),
so entries with a pid are grouped by the socket inode read from `/proc/PID/fd/FD`, and the
lowest pid (the parent) is recorded as the owner.

Dual stack: the kernel tells the per-socket IPV6_V6ONLY flag only through sock_diag netlink,
which psutil does not read. An IPv6 wildcard (`::`) listener is therefore marked dual-stack
when /proc/sys/net/ipv6/bindv6only is 0 (the default every socket inherits); a program that
sets IPV6_V6ONLY=1 itself is reported dual-stack although it is not (an over-report, the
safe direction for an attack-surface audit).
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.model import Collector, Listener, Protocol

BINDV6ONLY_PATH = "/proc/sys/net/ipv6/bindv6only"
ROOT_SOCKETS_REASON = "--root: live sockets of the image are not observable"

# psutil's CONN_* status strings -> the names `ss` uses for TCP states (ss(8), STATE-FILTER).
PSUTIL_TO_SS_STATE = {
    "ESTABLISHED": "ESTABLISHED",
    "SYN_SENT": "SYN-SENT",
    "SYN_RECV": "SYN-RECV",
    "FIN_WAIT1": "FIN-WAIT-1",
    "FIN_WAIT2": "FIN-WAIT-2",
    "TIME_WAIT": "TIME-WAIT",
    "CLOSE": "CLOSED",
    "CLOSE_WAIT": "CLOSE-WAIT",
    "LAST_ACK": "LAST-ACK",
    "LISTEN": "LISTEN",
    "CLOSING": "CLOSING",
    "NEW_SYN_RECV": "SYN-RECV",
}


@dataclass(frozen=True)
class RawSocket:
    """The fields of one psutil connection entry that matter here (easy to build in tests)."""

    family: int
    """socket.AF_INET or socket.AF_INET6."""
    type: int
    """socket.SOCK_STREAM or socket.SOCK_DGRAM."""
    address: str
    port: int
    connected: bool
    """True when the socket has a remote address (a connected UDP socket is not a listener)."""
    status: str
    """psutil status string: LISTEN, ESTABLISHED, NONE, ..."""
    pid: int | None
    fd: int
    """-1 when unknown."""


@dataclass(frozen=True)
class ProcessInfo:
    name: str | None
    exe: str | None
    user: str | None


def is_dual_stack(family: int, address: str, bindv6only: int) -> bool:
    """An IPv6 wildcard socket also accepts IPv4 unless IPV6_V6ONLY is set (default from sysctl)."""
    return family == socket.AF_INET6 and address == "::" and bindv6only == 0


def is_listener(raw: RawSocket) -> bool:
    """TCP in LISTEN state, or UDP with no remote address (what `ss -l` shows as UNCONN)."""
    if raw.type == socket.SOCK_STREAM:
        return raw.status == "LISTEN"
    if raw.type == socket.SOCK_DGRAM:
        return not raw.connected
    return False


def count_connection_states(raws: Iterable[RawSocket]) -> dict[str, int]:
    """TCP sockets per state, `ss` spelling (ESTABLISHED, SYN-RECV, TIME-WAIT, ...), sorted by name.

    A socket held by several processes appears once per process in psutil's list; the count
    uses (address, port, status, remote) identity only through what psutil gives, so a shared
    established socket counts once per holder. That matters little: shared sockets are
    listeners, and LISTEN is the only state where sharing is common.
    """
    counts: Counter[str] = Counter()
    for raw in raws:
        if raw.type != socket.SOCK_STREAM:
            continue
        state = PSUTIL_TO_SS_STATE.get(raw.status)
        if state is not None:
            counts[state] += 1
    return dict(sorted(counts.items()))


def listeners_from_connections(
    raws: Iterable[RawSocket],
    *,
    bindv6only: int,
    process_info: Callable[[int], ProcessInfo | None],
    socket_inode: Callable[[int, int], int | None],
) -> list[Listener]:
    """Listeners, one per socket, sorted by (protocol, address, port, pid).

    `process_info(pid)` gives the name/exe/user of a pid (None if it vanished);
    `socket_inode(pid, fd)` identifies the kernel socket behind a descriptor (None if unknown).
    """
    # key -> (pid, raw); a socket seen through several processes keeps its lowest pid.
    by_socket: dict[tuple[object, ...], tuple[int | None, RawSocket]] = {}
    anonymous: list[RawSocket] = []
    for raw in raws:
        if not is_listener(raw):
            continue
        if raw.pid is None:
            anonymous.append(raw)
            continue
        inode = socket_inode(raw.pid, raw.fd) if raw.fd >= 0 else None
        key: tuple[object, ...] = (
            ("inode", inode) if inode is not None else ("pid", raw.pid, raw.type, raw.family, raw.address, raw.port)
        )
        previous = by_socket.get(key)
        if previous is None or (previous[0] is not None and raw.pid < previous[0]):
            by_socket[key] = (raw.pid, raw)
    listeners: list[Listener] = []
    info_cache: dict[int, ProcessInfo | None] = {}
    for pid, raw in by_socket.values():
        info = None
        if pid is not None:
            if pid not in info_cache:
                info_cache[pid] = process_info(pid)
            info = info_cache[pid]
        listeners.append(_listener(raw, pid, info, bindv6only))
    listeners.extend(_listener(raw, None, None, bindv6only) for raw in anonymous)
    listeners.sort(key=listener_sort_key)
    return listeners


def listener_sort_key(listener: Listener) -> tuple[str, str, str, int, int]:
    """The documented listener order: protocol, family, address, port, pid (unknown pid first)."""
    return (listener.protocol.value, listener.family, listener.address, listener.port,
            -1 if listener.pid is None else listener.pid)


def _listener(raw: RawSocket, pid: int | None, info: ProcessInfo | None, bindv6only: int) -> Listener:
    return Listener(
        protocol=Protocol.TCP if raw.type == socket.SOCK_STREAM else Protocol.UDP,
        family="ipv6" if raw.family == socket.AF_INET6 else "ipv4",
        address=raw.address,
        port=raw.port,
        pid=pid,
        process=info.name if info else None,
        exe=info.exe if info else None,
        user=info.user if info else None,
        dual_stack=is_dual_stack(raw.family, raw.address, bindv6only),
    )


# --------------------------------------------------------------------------- I/O


def read_bindv6only(path: str = BINDV6ONLY_PATH) -> int:
    """The sysctl net.ipv6.bindv6only; 0 (the kernel default) when IPv6 is absent."""
    try:
        with open(path, encoding="ascii") as handle:
            return int(handle.read().strip() or "0")
    except (OSError, ValueError):
        return 0


def raw_sockets() -> list[RawSocket]:
    """One psutil call: every inet socket of the host (IPv4 and IPv6, TCP and UDP)."""
    import psutil

    raws: list[RawSocket] = []
    for conn in psutil.net_connections(kind="inet"):
        laddr = conn.laddr
        if not laddr:
            continue
        raws.append(RawSocket(
            family=int(conn.family),
            type=int(conn.type),
            address=str(laddr.ip),
            port=int(laddr.port),
            connected=bool(conn.raddr),
            status=str(conn.status),
            pid=conn.pid,
            fd=conn.fd,
        ))
    return raws


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


def socket_inode(pid: int, fd: int) -> int | None:
    """The inode of the socket behind /proc/PID/fd/FD (`socket:[12345]`), None if unreadable."""
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    if target.startswith("socket:[") and target.endswith("]"):
        try:
            return int(target[8:-1])
        except ValueError:
            return None
    return None


def collect_sockets() -> tuple[list[Listener], dict[str, int]]:
    """Listeners and TCP state counts of the live host. Raises OSError/psutil.Error on failure."""
    raws = raw_sockets()
    listeners = listeners_from_connections(
        raws, bindv6only=read_bindv6only(), process_info=process_info, socket_inode=socket_inode
    )
    return listeners, count_connection_states(raws)


class SocketsCollector(EvidenceCollector):
    """`sockets`: the live host's listeners and TCP state counts (unavailable with --root)."""

    name = Collector.SOCKETS
    provides = ("listeners", "connection_states")

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        if context.root is not None:
            return self.unavailable(ROOT_SOCKETS_REASON)
        listeners, states = collect_sockets()
        return self.ok(InsideEvidence(listeners=tuple(listeners), connection_states=states))

"""Pure helpers of the sockets collector: listener selection, one row per socket, states."""

from __future__ import annotations

import socket

from checker.collect.sockets import (
    ProcessInfo,
    RawSocket,
    count_connection_states,
    is_dual_stack,
    listeners_from_connections,
)
from checker.model import Protocol

TCP, UDP = socket.SOCK_STREAM, socket.SOCK_DGRAM
V4, V6 = socket.AF_INET, socket.AF_INET6


def raw(type_: int, address: str, port: int, status: str = "LISTEN", pid: int | None = 10, fd: int = 3,
        family: int = V4, connected: bool = False) -> RawSocket:
    return RawSocket(family, type_, address, port, connected, status, pid, fd)


def info(pid: int) -> ProcessInfo:
    return ProcessInfo(name=f"proc{pid}", exe=f"/usr/bin/proc{pid}", user="root")


def listeners(raws: list[RawSocket], inodes: dict[tuple[int, int], int] | None = None, bindv6only: int = 0):  # type: ignore[no-untyped-def]
    table = inodes or {}
    return listeners_from_connections(raws, bindv6only=bindv6only, process_info=info,
                                      socket_inode=lambda pid, fd: table.get((pid, fd)))


def test_only_tcp_listen_and_unconnected_udp_are_listeners() -> None:
    found = listeners([
        raw(TCP, "0.0.0.0", 22),
        raw(TCP, "10.0.0.1", 22, status="ESTABLISHED"),
        raw(UDP, "0.0.0.0", 53, status="NONE"),
        raw(UDP, "10.0.0.1", 40000, status="NONE", connected=True),
    ])
    assert [(item.protocol, item.port) for item in found] == [(Protocol.TCP, 22), (Protocol.UDP, 53)]
    assert found[0].process == "proc10" and found[0].user == "root"


def test_a_socket_shared_by_forks_is_one_row_owned_by_the_lowest_pid() -> None:
    found = listeners([raw(TCP, "0.0.0.0", 80, pid=30, fd=6), raw(TCP, "0.0.0.0", 80, pid=20, fd=6)],
                      inodes={(30, 6): 999, (20, 6): 999})
    assert [(item.port, item.pid) for item in found] == [(80, 20)]


def test_reuseport_sockets_stay_separate_rows() -> None:
    found = listeners([raw(TCP, "0.0.0.0", 80, pid=30, fd=6), raw(TCP, "0.0.0.0", 80, pid=20, fd=6)],
                      inodes={(30, 6): 1, (20, 6): 2})
    assert [item.pid for item in found] == [20, 30]


def test_unknown_owner_is_never_invented() -> None:
    found = listeners([raw(TCP, "0.0.0.0", 2024, pid=None, fd=-1)])
    assert (found[0].pid, found[0].process, found[0].exe, found[0].user) == (None, None, None, None)


def test_dual_stack_follows_bindv6only() -> None:
    assert is_dual_stack(V6, "::", 0)
    assert not is_dual_stack(V6, "::", 1)
    assert not is_dual_stack(V6, "::1", 0)
    assert not is_dual_stack(V4, "0.0.0.0", 0)
    found = listeners([raw(TCP, "::", 22, family=V6)], bindv6only=0)
    assert found[0].dual_stack and found[0].family == "ipv6"


def test_listeners_are_sorted() -> None:
    found = listeners([raw(UDP, "0.0.0.0", 5, status="NONE", pid=2), raw(TCP, "127.0.0.1", 9, pid=1),
                       raw(TCP, "127.0.0.1", 8, pid=3), raw(TCP, "0.0.0.0", 9, pid=None, fd=-1)])
    assert [(item.protocol.value, item.address, item.port) for item in found] == [
        ("tcp", "0.0.0.0", 9), ("tcp", "127.0.0.1", 8), ("tcp", "127.0.0.1", 9), ("udp", "0.0.0.0", 5)]


def test_states_use_ss_spelling() -> None:
    counts = count_connection_states([
        raw(TCP, "1.2.3.4", 1, status="SYN_RECV"), raw(TCP, "1.2.3.4", 2, status="SYN_RECV"),
        raw(TCP, "1.2.3.4", 3, status="TIME_WAIT"), raw(TCP, "1.2.3.4", 4, status="ESTABLISHED"),
        raw(TCP, "1.2.3.4", 5, status="FIN_WAIT1"), raw(UDP, "1.2.3.4", 6, status="NONE"),
    ])
    assert counts == {"ESTABLISHED": 1, "FIN-WAIT-1": 1, "SYN-RECV": 2, "TIME-WAIT": 1}

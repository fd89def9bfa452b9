"""Pure helpers of the sockets collector: listener selection, one row per socket with every
holder, the owner is the lowest pid, dual stack from the socket's own flag, state counts."""

from __future__ import annotations

import socket

import pytest

from checker.collect.sock_diag import DiagSocket, SockDiagError
from checker.collect.sockets import (
    ProcessInfo,
    count_connection_states,
    is_dual_stack,
    listeners_from_sockets,
    unit_from_cgroup,
)
from checker.model import Protocol

TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
V4, V6 = socket.AF_INET, socket.AF_INET6
LISTEN, CLOSE, ESTABLISHED = 10, 7, 1


def diag(protocol: int, address: str, port: int, state: int = LISTEN, inode: int = 100, uid: int = 0,
         family: int = V4, v6only: bool | None = None) -> DiagSocket:
    return DiagSocket(family, protocol, state, address, port, inode, uid, v6only)


def info(pid: int) -> ProcessInfo:
    return ProcessInfo(name=f"proc{pid}", exe=f"/usr/bin/proc{pid}", user="root" if pid < 100 else "www-data")


def listeners(sockets: list[DiagSocket], holders: dict[int, tuple[int, ...]] | None = None):  # type: ignore[no-untyped-def]
    return listeners_from_sockets(sockets, holders=holders or {}, process_info=info)


def test_only_tcp_listen_and_unconnected_udp_are_listeners() -> None:
    found = listeners([
        diag(TCP, "0.0.0.0", 22, inode=1),
        diag(TCP, "10.0.0.1", 22, state=ESTABLISHED, inode=2),
        diag(UDP, "0.0.0.0", 53, state=CLOSE, inode=3),
        diag(UDP, "10.0.0.1", 40000, state=ESTABLISHED, inode=4),
    ], holders={1: (10,), 3: (10,)})
    assert [(item.protocol, item.port) for item in found] == [(Protocol.TCP, 22), (Protocol.UDP, 53)]
    assert found[0].process == "proc10" and found[0].user == "root"


def test_a_shared_socket_is_one_row_owned_by_the_lowest_pid_with_every_holder() -> None:
    # A root master (pid 20) and its www-data workers share one listening socket.
    found = listeners([diag(TCP, "0.0.0.0", 80, inode=999)], holders={999: (20, 300, 301)})
    assert [(item.port, item.pid, item.user, item.pids) for item in found] == [(80, 20, "root", (20, 300, 301))]


def test_reuseport_sockets_stay_separate_rows() -> None:
    found = listeners([diag(TCP, "0.0.0.0", 80, inode=1), diag(TCP, "0.0.0.0", 80, inode=2)],
                      holders={1: (30,), 2: (20,)})
    assert [item.pid for item in found] == [20, 30]


def test_unknown_owner_is_never_invented_but_the_socket_uid_is_kept() -> None:
    found = listeners([diag(TCP, "0.0.0.0", 2024, uid=1000)])
    assert (found[0].pid, found[0].process, found[0].exe, found[0].user, found[0].pids) == (None,) * 4 + ((),)
    assert found[0].socket_uid == 1000


def test_dual_stack_is_the_sockets_own_v6only_flag() -> None:
    assert is_dual_stack(diag(TCP, "::", 1, family=V6, v6only=False))
    assert not is_dual_stack(diag(TCP, "::", 1, family=V6, v6only=True))
    assert not is_dual_stack(diag(TCP, "::1", 1, family=V6, v6only=False))
    assert not is_dual_stack(diag(TCP, "0.0.0.0", 1))
    found = listeners([diag(TCP, "::", 22, family=V6, v6only=False)])
    assert found[0].dual_stack and found[0].family == "ipv6"


def test_a_wildcard_listener_without_the_v6only_flag_fails_closed() -> None:
    with pytest.raises(SockDiagError, match="IPV6_V6ONLY"):
        listeners([diag(TCP, "::", 22, family=V6, v6only=None)])


def test_listeners_are_sorted() -> None:
    found = listeners([diag(UDP, "0.0.0.0", 5, state=CLOSE, inode=1), diag(TCP, "127.0.0.1", 9, inode=2),
                       diag(TCP, "127.0.0.1", 8, inode=3), diag(TCP, "0.0.0.0", 9, inode=4)],
                      holders={1: (2,), 2: (1,), 3: (3,)})
    assert [(item.protocol.value, item.address, item.port) for item in found] == [
        ("tcp", "0.0.0.0", 9), ("tcp", "127.0.0.1", 8), ("tcp", "127.0.0.1", 9), ("udp", "0.0.0.0", 5)]


def test_states_use_ss_spelling_and_count_request_sockets_as_syn_recv() -> None:
    counts = count_connection_states([
        diag(TCP, "1.2.3.4", 1, state=3), diag(TCP, "1.2.3.4", 2, state=12),
        diag(TCP, "1.2.3.4", 3, state=6), diag(TCP, "1.2.3.4", 4, state=ESTABLISHED),
        diag(TCP, "1.2.3.4", 5, state=4), diag(UDP, "1.2.3.4", 6, state=CLOSE),
        diag(TCP, "1.2.3.4", 7, state=7), diag(TCP, "1.2.3.4", 8, state=8), diag(TCP, "1.2.3.4", 9, state=99),
    ])
    assert counts == {"CLOSE-WAIT": 1, "CLOSED": 1, "ESTABLISHED": 1, "FIN-WAIT-1": 1, "SYN-RECV": 2,
                      "TIME-WAIT": 1}


def test_unprivileged_a_visible_worker_of_another_users_socket_is_not_the_owner() -> None:
    # Root (uid 0) created the socket; only the nobody worker (pid 300, uid 65534) is visible.
    def worker(pid: int) -> ProcessInfo:
        return ProcessInfo(name="worker", exe="/usr/bin/worker", user="nobody", uid=65534)

    hidden = listeners_from_sockets([diag(TCP, "0.0.0.0", 80, inode=9, uid=0)], holders={9: (300,)},
                                    process_info=worker, every_holder_visible=False)
    assert [(x.pid, x.process, x.user, x.pids, x.socket_uid) for x in hidden] == [(None, None, None, (), 0)]
    own = listeners_from_sockets([diag(TCP, "0.0.0.0", 80, inode=9, uid=65534)], holders={9: (300,)},
                                 process_info=worker, every_holder_visible=False)
    assert [(x.pid, x.user) for x in own] == [(300, "nobody")]


@pytest.mark.parametrize(("text", "unit"), [
    ("0::/system.slice/nginx.service\n", "nginx.service"),
    ("0::/system.slice/system-getty.slice/getty@tty1.service\n", "getty@tty1.service"),
    ("12:pids:/\n1:name=systemd:/system.slice/ssh.service\n0::/\n", "ssh.service"),
    ("0::/user.slice/user-0.slice/session-3.scope\n", None),
    ("0::/system.slice/docker-0123abcd.scope\n", None),
    ("0::/\n", None),
    ("", None),
])
def test_unit_from_cgroup(text: str, unit: str | None) -> None:
    """The owning process's service, for remediation that names it (issue 15)."""
    assert unit_from_cgroup(text) == unit

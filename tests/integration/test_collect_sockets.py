"""The sockets collector on the real kernel: sockets this test opens on loopback are found
with the right pid, process and user, and the whole listener set equals `ss -tulnp`'s.

The machine is shared: other listeners come and go (port 2024 belongs to the environment and
is never touched). The `ss` comparison therefore brackets our collection between two `ss`
runs and only asks that every stable row is ours and every row of ours was seen by ss.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator

import psutil
import pytest

from checker.collect.sockets import collect_sockets
from checker.model import Listener

pytestmark = pytest.mark.integration

Key = tuple[str, str, int, int | None]


@pytest.fixture
def loopback_sockets() -> Iterator[list[tuple[str, str, int]]]:
    """TCP and UDP sockets on 127.0.0.2, 127.0.0.3 and ::1, kernel-chosen ports."""
    opened: list[socket.socket] = []
    specs = [(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.2"), (socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.3"),
             (socket.AF_INET6, socket.SOCK_STREAM, "::1"), (socket.AF_INET6, socket.SOCK_DGRAM, "::1")]
    found = []
    try:
        for family, kind, address in specs:
            sock = socket.socket(family, kind)
            opened.append(sock)
            sock.bind((address, 0))
            if kind == socket.SOCK_STREAM:
                sock.listen()
            found.append(("tcp" if kind == socket.SOCK_STREAM else "udp", address, sock.getsockname()[1]))
        yield found
    finally:
        for sock in opened:
            sock.close()


def test_our_sockets_are_found_with_owner(loopback_sockets: list[tuple[str, str, int]]) -> None:
    listeners, states = collect_sockets()
    me = psutil.Process()
    for protocol, address, port in loopback_sockets:
        matches = [item for item in listeners
                   if (item.protocol.value, item.address, item.port) == (protocol, address, port)]
        assert len(matches) == 1, (protocol, address, port)
        listener = matches[0]
        assert listener.pid == os.getpid()
        assert listener.process == me.name()
        assert listener.exe == me.exe()
        assert listener.user == pwd.getpwuid(os.geteuid()).pw_name
        assert listener.family == ("ipv6" if ":" in address else "ipv4")
        assert not listener.dual_stack
    assert states.get("LISTEN", 0) >= 2
    assert all(re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)*", state) for state in states)


def test_a_connection_shows_in_state_counts(loopback_sockets: list[tuple[str, str, int]]) -> None:
    port = next(port for protocol, address, port in loopback_sockets if (protocol, address) == ("tcp", "127.0.0.2"))
    client = socket.create_connection(("127.0.0.2", port))
    try:
        _, states = collect_sockets()
        assert states.get("ESTABLISHED", 0) >= 2  # both ends of our own connection
    finally:
        client.close()


def parse_ss(text: str) -> Counter[Key]:
    """`ss -H -tulnp` rows -> (protocol, address, port, lowest pid) with multiplicity."""
    rows: Counter[Key] = Counter()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        protocol, local = fields[0], fields[4]
        host, _, port = local.rpartition(":")
        host = host.strip("[]").split("%", 1)[0]
        if host == "*":  # ss writes a dual-stack IPv6 wildcard as `*`
            host = "::"
        pids = [int(pid) for pid in re.findall(r"pid=(\d+)", line)]
        rows[(protocol, host, int(port), min(pids) if pids else None)] += 1
    return rows


def ours(listeners: list[Listener]) -> Counter[Key]:
    return Counter((item.protocol.value, item.address, item.port, item.pid) for item in listeners)


def run_ss() -> Counter[Key]:
    # ss(8) exits 0 on success; anything else fails the test.
    result = subprocess.run(["ss", "-H", "-tulnp"], capture_output=True, text=True, timeout=30, check=True)
    return parse_ss(result.stdout)


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_listener_set_equals_ss_row_for_row(loopback_sockets: list[tuple[str, str, int]]) -> None:
    for _attempt in range(5):
        before = run_ss()
        listeners, _ = collect_sockets()
        after = run_ss()
        if before == after:
            break
    collected = ours(listeners)
    stable = before & after
    seen = before | after
    missing = stable - collected
    extra = collected - seen
    assert not missing and not extra, f"missing from ours: {dict(missing)}; not in ss: {dict(extra)}"
    for protocol, address, port in loopback_sockets:
        assert (protocol, address, port, os.getpid()) in stable

"""Loopback ports for tests: allocated by binding port 0, held until the listener takes them over.

Why: probing a port ("is it free?") and binding it later races every other program on a busy
machine, and a fixed port may already be taken. Here every port is a socket the test holds:

* `held_port()` binds a dual-stack `::` socket to port 0 with SO_REUSEPORT and never listens.
  The port is then *closed* on every loopback address (a SYN gets a RST), and no other
  program can bind it; only sockets of this suite that also set SO_REUSEPORT can join it.
* `Services.tcp/udp` bind port 0 themselves and report the port, or join a held port.
* `child_listeners` hands bound sockets to a child process, which calls listen(): the
  listener is owned by a real process of its own, as a service would be.
* `reserved_for_program` holds a port with SO_REUSEADDR for a program (xinetd) that binds it
  itself with SO_REUSEADDR; the test closes the reservation once the program listens.

Network safety: only 127.0.0.0/8 and ::1 are bound; port 2024 is never used (it lies below the
kernel's ephemeral range that port 0 draws from, and `_checked` refuses it anyway).
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

from support import REPO_ROOT

FORBIDDEN_PORTS = frozenset({2024})
TCP, UDP = socket.SOCK_STREAM, socket.SOCK_DGRAM


def _checked(address: str, port: int) -> None:
    assert address.startswith("127.") or address in ("::1", "::", "0.0.0.0"), f"not loopback: {address}"
    assert port not in FORBIDDEN_PORTS, f"port {port} is never used by the tests"


def bound_socket(address: str, port: int = 0, kind: int = TCP, *, join: bool = False) -> socket.socket:
    """A socket bound to ADDRESS:PORT (PORT 0: the kernel picks), not listening.

    `join=True` sets SO_REUSEPORT so the socket can take over a port a `held_port()` holds.
    """
    _checked(address, port)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, kind)
    try:
        if join:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6 and address == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((address, port))
        _checked(address, sock.getsockname()[1])
    except BaseException:
        sock.close()
        raise
    return sock


def held_port(kind: int = TCP) -> socket.socket:
    """A port of nobody else, closed on every loopback address while this socket stays open."""
    return bound_socket("::", 0, kind, join=True)


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def same_port(*addresses: str, kind: int = TCP, attempts: int = 20) -> list[socket.socket]:
    """One bound socket per address, all on one port (the first address's port-0 choice).

    When another program holds that number on a later address, all are closed and a new
    port is drawn: nothing is probed and released, every socket stays bound.
    """
    for _ in range(attempts):
        first = bound_socket(addresses[0], 0, kind)
        sockets = [first]
        try:
            for address in addresses[1:]:
                sockets.append(bound_socket(address, port_of(first), kind))
        except OSError:
            for sock in sockets:
                sock.close()
            continue
        return sockets
    raise RuntimeError(f"no common port for {addresses} in {attempts} attempts")


def reserved_for_program(address: str, kind: int = TCP) -> socket.socket:
    """A port held with SO_REUSEADDR for a program that binds it itself with SO_REUSEADDR
    (xinetd does, for every service). Close it once the program listens."""
    _checked(address, 0)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, 0))
    _checked(address, port_of(sock))
    return sock


class Services:
    """TCP/UDP services of a test, served by threads of this process; all closed on exit."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def closed_port(self, kind: int = TCP) -> int:
        """A port closed on every loopback address until a service of this test joins it."""
        holder = held_port(kind)
        self.sockets.append(holder)
        return port_of(holder)

    def tcp(self, address: str, port: int = 0, banner: bytes | None = None, *, silent: bool = False) -> int:
        """Listen on ADDRESS:PORT (0: a new port; else a `closed_port()` of this test); return the port."""
        server = bound_socket(address, port, TCP, join=port != 0)
        server.listen(64)
        server.settimeout(0.2)
        self.sockets.append(server)
        self._thread(self._serve_tcp, server, banner, silent)
        return port_of(server)

    def udp(self, address: str, port: int = 0, reply: bytes = b"pong\n") -> int:
        """Answer datagrams on ADDRESS:PORT (0: a new port; else a `closed_port(UDP)`); return the port."""
        server = bound_socket(address, port, UDP, join=port != 0)
        server.settimeout(0.2)
        self.sockets.append(server)
        self._thread(self._serve_udp, server, reply)
        return port_of(server)

    def _thread(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _serve_tcp(self, server: socket.socket, banner: bytes | None, silent: bool) -> None:
        held = []
        while not self.stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            if silent:  # accept and never answer: nmap -sV waits on it until --host-timeout
                held.append(conn)
                continue
            with contextlib.suppress(OSError):
                if banner:
                    conn.sendall(banner)
            conn.close()
        for conn in held:
            conn.close()

    def _serve_udp(self, server: socket.socket, reply: bytes) -> None:
        while not self.stop.is_set():
            try:
                _, peer = server.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            with contextlib.suppress(OSError):
                server.sendto(reply, peer)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=2)
        for server in self.sockets:
            server.close()


@contextlib.contextmanager
def services() -> Iterator[Services]:
    running = Services()
    try:
        yield running
    finally:
        running.close()


_CHILD_SCRIPT = r"""
import socket, sys, time
held = []
for fd in sys.argv[1:]:
    sock = socket.socket(fileno=int(fd))
    if sock.type == socket.SOCK_STREAM:
        sock.listen(8)
    held.append(sock)
print("ready", flush=True)
time.sleep(600)
"""


@contextlib.contextmanager
def child_listeners(*sockets: socket.socket) -> Iterator[subprocess.Popen[str]]:
    """A child python process takes over SOCKETS (bound by the test) and listens on them.

    The test's own copies are closed once the child is ready, so the listeners belong to the
    child alone (its pid and process name are what the sockets collector sees).
    """
    fds = [sock.fileno() for sock in sockets]
    child = subprocess.Popen([sys.executable, "-c", _CHILD_SCRIPT, *map(str, fds)], pass_fds=fds,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready = child.stdout.readline().strip() == "ready"
        for sock in sockets:
            sock.close()
        assert ready, "the listener child did not start"
        yield child
    finally:
        child.kill()
        child.wait(timeout=10)


def load_socket_farm() -> Any:
    """benchmarks/socket_farm.py (standard library only), imported by path."""
    path = REPO_ROOT / "benchmarks" / "socket_farm.py"
    spec = importlib.util.spec_from_file_location("socket_farm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("socket_farm", module)
    spec.loader.exec_module(module)
    return module

"""Helpers of the nmap integration tests: loopback services, fake nmap programs, snapshot reading.

Network safety: every service binds 127.0.0.0/8 or ::1 on a port of 22000-22999 that was
free when the test started, and every scan is bounded with --tcp-ports/--udp-ports to the
ports the test opened (plus ports it verified closed). Port 2024 is never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PORT_RANGE = range(22000, 23000)
FORBIDDEN_PORTS = {2024}


def _bindable(port: int, kind: int) -> bool:
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        with socket.socket(family, kind) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                return False
    return True


def free_ports(count: int, *, start: int = 22000, kind: int = socket.SOCK_STREAM) -> list[int]:
    """`count` ports of 22000-22999 nobody listens on, on any address, right now."""
    found = []
    for port in range(start, PORT_RANGE.stop):
        if port in FORBIDDEN_PORTS:
            continue
        if _bindable(port, kind) and _bindable(port, socket.SOCK_DGRAM if kind == socket.SOCK_STREAM
                                              else socket.SOCK_STREAM):
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError("not enough free ports in 22000-22999")


class Services:
    """TCP/UDP services started by a test; closed on exit."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def tcp(self, address: str, port: int, banner: bytes | None = None, *, silent: bool = False) -> None:
        assert port in PORT_RANGE and (address.startswith("127.") or address in ("::1", "0.0.0.0"))
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        server = socket.socket(family, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((address, port))
        server.listen(64)
        server.settimeout(0.2)
        self.sockets.append(server)
        self._thread(self._serve_tcp, server, banner, silent)

    def udp(self, address: str, port: int, reply: bytes = b"pong\n") -> None:
        assert port in PORT_RANGE and address.startswith("127.")
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind((address, port))
        server.settimeout(0.2)
        self.sockets.append(server)
        self._thread(self._serve_udp, server, reply)

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


def fake_nmap(directory: Path, body: str) -> dict[str, str]:
    """Write an executable `nmap` (a sh script) into DIRECTORY/bin; return an env with it first on PATH."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    program = bin_dir / "nmap"
    program.write_text("#!/bin/sh\n" + body)
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CI", None)
    return env


def recording_nmap(directory: Path, xml: Path) -> tuple[dict[str, str], Path]:
    """A fake nmap that appends its argv (one per line, then `--END--`) to a file and prints XML."""
    record = directory / "nmap-argv.txt"
    env = fake_nmap(directory, f'for a in "$@"; do printf "%s\\n" "$a" >> "{record}"; done\n'
                               f'echo --END-- >> "{record}"\ncat "{xml}"\n')
    return env, record


def snapshots_of(stdout: str) -> list[dict[str, Any]]:
    """`collect -o -` output: one snapshot object or a list of them."""
    data = json.loads(stdout)
    return data if isinstance(data, list) else [data]


def by_host(snapshots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["host"]["hostname"]: s for s in snapshots}


def nmap_run(snapshot: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in snapshot["collectors"] if c["name"] == "nmap")


def open_ports(snapshot: dict[str, Any]) -> set[tuple[str, int]]:
    network = snapshot["network"] or {"ports": []}
    return {(p["protocol"], p["port"]) for p in network["ports"] if p["state"] == "open"}

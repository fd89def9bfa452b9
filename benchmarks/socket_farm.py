#!/usr/bin/env python3
"""A helper process holding many loopback sockets, for the benchmarks and the load tests.

What it is for: give `surfacecheck audit --local` (and `ss`, nmap, testinfra) a host with
thousands of real listeners and established connections, reproducibly, and take them all
away again. It is a separate process so that its sockets are "another program's" sockets,
exactly as on a real host, and so that killing it cleans up everything at once.

    python benchmarks/socket_farm.py --tcp 10000 --udp 1000 [--pairs 10000] [--accept]

Layout (the addresses deterministic; the ports the kernel's choice unless a base is given):
* TCP listener i binds 127.0.0.(first + i % addresses) : port 0 (any free port), or
  tcp_base + i // addresses with `--tcp-base` (a bounded range an nmap scan can cover);
* UDP socket j binds 127.0.0.(first + j % addresses) : port 0, or udp_base + j // addresses;
* an established pair k is a client connected to TCP listener k % tcp, plus the accepted
  server end: 2 connection entries (one per direction) in the kernel's table.
A slot whose address:port is taken by someone else is skipped and the next one is used.

Network safety: binds only 127.0.0.0/8 addresses, on ports the kernel picks (never one in
use) or in 24000-29999 (never 2024, which belongs to the environment); connects only to its
own listeners. The benchmarks run it in a private network namespace (benchmarks/isolation.py).

Protocol with the parent: once everything is open it prints one JSON line on stdout
(`{"pid", "tcp": [[addr, port], ...], "udp": [...], "pairs": n}`), then waits until its
stdin is closed or it gets SIGTERM/SIGINT, and exits. With `--accept`, connections that
arrive later (nmap connect scans, testinfra) are accepted and closed at once, so the accept
queues never fill up and ports never look filtered.

The process renames itself (`comm`) to `socketfarm` so rules can name its process.
Standard library only: the tests run it without the package being importable.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import json
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

PORT_FLOOR = 24000
PORT_CEILING = 29999
FORBIDDEN_PORTS = frozenset({2024})
PROCESS_NAME = b"socketfarm"


def _set_process_name() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, ctypes.c_char_p(PROCESS_NAME), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed)))  # needs root above hard
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _slots(count: int, base: int, first: int, addresses: int, start: int):  # type: ignore[no-untyped-def]
    index = start
    while True:
        if base == 0:  # the kernel picks a free port; bounded, in case it has none left
            if index - start > 2 * count + 1000:
                raise SystemExit(f"socketfarm: the kernel found no free port after {count} requested sockets")
            address = f"127.0.0.{first + index % addresses}"
            index += 1
            yield address, 0
            continue
        port = base + index // addresses
        if port > PORT_CEILING:
            raise SystemExit(f"socketfarm: ran out of ports after {count} requested sockets")
        address = f"127.0.0.{first + index % addresses}"
        index += 1
        if port in FORBIDDEN_PORTS:
            continue
        yield address, port


def open_sockets(kind: int, count: int, base: int, first: int, addresses: int,
                 backlog: int, start: int = 0) -> list[tuple[socket.socket, str, int]]:
    opened: list[tuple[socket.socket, str, int]] = []
    for address, port in _slots(count, base, first, addresses, start):
        if len(opened) == count:
            break
        sock = socket.socket(socket.AF_INET, kind)
        if kind == socket.SOCK_STREAM:
            # TIME-WAIT leftovers of earlier scans must not block a fresh listener.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
            if kind == socket.SOCK_STREAM:
                sock.listen(backlog)
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                continue  # a foreign listener: tolerate it, use the next slot
            raise
        opened.append((sock, address, sock.getsockname()[1]))
    return opened


def open_pairs(listeners: list[tuple[socket.socket, str, int]], pairs: int) -> list[socket.socket]:
    """Connect `pairs` clients to our own listeners and accept them: 2 * pairs fds."""
    ends: list[socket.socket] = []
    batch = max(1, min(len(listeners), 1000))
    done = 0
    while done < pairs:
        round_size = min(batch, pairs - done)
        waiting = []
        for k in range(done, done + round_size):
            server, address, port = listeners[k % len(listeners)]
            client = socket.create_connection((address, port), timeout=10)
            ends.append(client)
            waiting.append(server)
        for server in waiting:
            conn, _ = server.accept()
            ends.append(conn)
        done += round_size
    return ends


def _accept_loop(listeners: list[tuple[socket.socket, str, int]], stop: threading.Event, banner: bytes) -> None:
    selector = selectors.DefaultSelector()
    for sock, _, _ in listeners:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    while not stop.is_set():
        for key, _ in selector.select(timeout=0.2):
            server = key.fileobj
            assert isinstance(server, socket.socket)
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            if banner:
                with contextlib.suppress(OSError):
                    conn.sendall(banner)
            conn.close()


def _close_all(sockets: list[socket.socket]) -> None:
    linger = (1).to_bytes(4, "little") + (0).to_bytes(4, "little")
    for sock in sockets:
        try:
            if sock.type == socket.SOCK_STREAM:
                # RST instead of FIN: no TIME-WAIT entries left behind for the next run.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        sock.close()


class SocketFarm:
    """Run this file as child processes; a context manager that always cleans them up.

        with SocketFarm(tcp=10000, udp=1000, pairs=10000, shards=4) as farm:
            farm.pids, farm.tcp, farm.udp, farm.pairs

    One process may hold only RLIMIT_NOFILE descriptors, and without CAP_SYS_RESOURCE the
    hard limit cannot be raised (20,000 in the CI container), so large farms are split into
    `shards` processes over disjoint slots of the same layout; each shard connects its
    pairs to its own listeners.
    """

    def __init__(self, *, tcp: int = 0, udp: int = 0, pairs: int = 0, shards: int = 0, first: int = 2,
                 addresses: int = 200, tcp_base: int = 0, udp_base: int = 0, accept: bool = False,
                 banner: str = "", timeout: float = 120) -> None:
        if shards <= 0:
            limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            shards = max(1, -(-(tcp + udp + 2 * pairs + 512) // max(limit - 512, 1)))
        self.argvs = []
        for k in range(shards):
            def share(total: int, k: int = k) -> int:
                return total // shards + (1 if k < total % shards else 0)
            argv = [sys.executable, os.path.abspath(__file__), "--tcp", str(share(tcp)), "--udp", str(share(udp)),
                    "--pairs", str(share(pairs)), "--first", str(first), "--addresses", str(addresses),
                    "--tcp-base", str(tcp_base), "--udp-base", str(udp_base),
                    # Twice the share of slots per shard: room to skip foreign listeners.
                    "--tcp-slot", str(2 * k * (tcp // shards + 1)), "--udp-slot", str(2 * k * (udp // shards + 1))]
            if accept:
                argv.append("--accept")
            if banner:
                argv += ["--banner", banner]
            self.argvs.append(argv)
        self.timeout = timeout
        self.processes: list[subprocess.Popen[str]] = []
        self.pids: list[int] = []
        self.tcp: list[tuple[str, int]] = []
        self.udp: list[tuple[str, int]] = []
        self.pairs = 0

    def __enter__(self) -> SocketFarm:
        try:
            # One shard after the other: concurrent shards would race for skipped slots.
            for argv in self.argvs:
                process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                self.processes.append(process)
                info = self._ready(process)
                self.pids.append(info["pid"])
                self.tcp += [(a, p) for a, p in info["tcp"]]
                self.udp += [(a, p) for a, p in info["udp"]]
                self.pairs += info["pairs"]
        except BaseException:
            self.close()
            raise
        return self

    def _ready(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        lines: list[str] = []
        stdout = process.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not lines or not lines[0]:
            raise RuntimeError(f"socketfarm did not start (exit {process.poll()})")
        info: dict[str, Any] = json.loads(lines[0])
        return info

    def close(self) -> None:
        processes, self.processes = self.processes, []
        for process in processes:
            try:
                if process.stdin:
                    process.stdin.close()
            except OSError:
                pass
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tcp", type=int, default=0, help="TCP listeners")
    parser.add_argument("--udp", type=int, default=0, help="UDP sockets")
    parser.add_argument("--pairs", type=int, default=0, help="established client/server pairs")
    parser.add_argument("--first", type=int, default=2, help="first address, 127.0.0.FIRST")
    parser.add_argument("--addresses", type=int, default=200, help="number of 127.0.0.x addresses")
    parser.add_argument("--tcp-base", type=int, default=0, help="first TCP port (default 0: the kernel picks)")
    parser.add_argument("--udp-base", type=int, default=0, help="first UDP port (default 0: the kernel picks)")
    parser.add_argument("--backlog", type=int, default=128)
    parser.add_argument("--tcp-slot", type=int, default=0, help="first TCP layout slot (shards use disjoint slots)")
    parser.add_argument("--udp-slot", type=int, default=0, help="first UDP layout slot")
    parser.add_argument("--accept", action="store_true", help="accept and close late connections")
    parser.add_argument("--banner", default="", help="with --accept: send this line first (a service nmap -sV knows)")
    args = parser.parse_args(argv)
    if not (args.first >= 1 and args.first + args.addresses - 1 <= 254):
        parser.error("addresses must stay within 127.0.0.1-254")
    for base in (args.tcp_base, args.udp_base):
        if base != 0 and not PORT_FLOOR <= base <= PORT_CEILING:
            parser.error(f"port bases must be 0 (the kernel picks) or within {PORT_FLOOR}-{PORT_CEILING}")
    if args.pairs and not args.tcp:
        parser.error("--pairs needs --tcp listeners to connect to")

    _set_process_name()
    _raise_fd_limit(args.tcp + args.udp + 2 * args.pairs + 256)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    tcp = open_sockets(socket.SOCK_STREAM, args.tcp, args.tcp_base, args.first, args.addresses, args.backlog,
                       args.tcp_slot)
    udp = open_sockets(socket.SOCK_DGRAM, args.udp, args.udp_base, args.first, args.addresses, 0, args.udp_slot)
    ends = open_pairs(tcp, args.pairs) if args.pairs else []
    everything = [s for s, _, _ in tcp] + [s for s, _, _ in udp] + ends
    try:
        if args.accept:
            banner = args.banner.encode() + b"\r\n" if args.banner else b""
            threading.Thread(target=_accept_loop, args=(tcp, stop, banner), daemon=True).start()
        sys.stdout.write(json.dumps({
            "pid": os.getpid(),
            "tcp": [[a, p] for _, a, p in tcp],
            "udp": [[a, p] for _, a, p in udp],
            "pairs": len(ends) // 2,
        }) + "\n")
        sys.stdout.flush()
        # Wait for the parent: EOF on stdin (it closed the pipe or died) or a signal.
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        stop.set()
        _close_all(ends)
        _close_all(everything[: len(tcp) + len(udp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

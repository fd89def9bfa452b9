"""Which processes hold which sockets: one pass over /proc/*/fd (what `ss -p` does).

What it is for: the sockets collector names every process holding a listening socket. The
kernel's socket diagnostics give the socket inode; a process holds that socket when one of
its descriptors reads `socket:[INODE]` (readlink of /proc/PID/fd/FD). A forking server (a
root nginx master and its www-data workers) shares one listening socket among many
processes: all of them are returned, sorted by pid, and the caller takes the lowest pid as the
owner (the parent that created the socket, as a proxy: the kernel does not record a creator).

What it must not do: guess. A process whose fd directory cannot be read (another user's
process in an unprivileged run, or one that exited during the scan) is simply not listed;
the snapshot records the run as unprivileged (`HostInfo.privileged`). Threads that unshared
their descriptor table (`/proc/PID/task/TID/fd`) are not read, as in `ss`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection

SOCKET_PREFIX = "socket:["


def socket_inode(link_target: str) -> int | None:
    """`socket:[12345]` -> 12345; anything else (files, pipes, `anon_inode:...`) -> None."""
    if link_target.startswith(SOCKET_PREFIX) and link_target.endswith("]"):
        digits = link_target[len(SOCKET_PREFIX):-1]
        if digits.isdigit():
            return int(digits)
    return None


def socket_holders(inodes: Collection[int], proc: str = "/proc",
                   member: Callable[[int], bool] | None = None) -> dict[int, tuple[int, ...]]:
    """inode -> sorted pids of the processes holding it, for the wanted `inodes` only.

    A pid appears once per socket even when it holds the socket in several descriptors.
    `member(pid)`, when given, keeps only the processes it accepts (asked only of processes
    that hold a wanted socket): `--netns` names owners only among the namespace's processes.
    """
    wanted = set(inodes)
    holders: dict[int, set[int]] = {}
    if not wanted:
        return {}
    try:
        entries = os.listdir(proc)
    except OSError:
        return {}
    for entry in entries:
        if not entry.isdigit():
            continue
        pid = int(entry)
        held = [inode for inode in _process_socket_inodes(f"{proc}/{entry}/fd") if inode in wanted]
        if held and (member is None or member(pid)):
            for inode in held:
                holders.setdefault(inode, set()).add(pid)
    return {inode: tuple(sorted(pids)) for inode, pids in holders.items()}


def _process_socket_inodes(fd_dir: str) -> list[int]:
    """The socket inodes behind one process's descriptors; [] when unreadable or gone."""
    try:
        directory = os.open(fd_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return []
    found: list[int] = []
    try:
        for name in os.listdir(directory):
            try:
                inode = socket_inode(os.readlink(name, dir_fd=directory))
            except OSError:
                continue  # the descriptor was closed meanwhile
            if inode is not None:
                found.append(inode)
    except OSError:
        return []
    finally:
        os.close(directory)
    return found

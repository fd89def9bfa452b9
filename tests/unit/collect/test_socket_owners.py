"""The /proc/*/fd owner map on a fake /proc built from symlinks: every holder, sorted, once."""

from __future__ import annotations

import os
from pathlib import Path

from checker.collect.socket_owners import socket_holders, socket_inode


def fake_proc(root: Path, table: dict[str, dict[str, str]]) -> str:
    for pid, fds in table.items():
        fd_dir = root / pid / "fd"
        fd_dir.mkdir(parents=True)
        for fd, target in fds.items():
            os.symlink(target, fd_dir / fd)
    (root / "self").mkdir()
    (root / "sys").mkdir()
    return str(root)


def test_socket_inode_reads_only_socket_links() -> None:
    assert socket_inode("socket:[12345]") == 12345
    assert socket_inode("pipe:[12345]") is None
    assert socket_inode("socket:[]") is None
    assert socket_inode("/dev/null") is None


def test_every_holder_is_listed_sorted_once(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {
        "301": {"3": "socket:[900]", "4": "/dev/null"},
        "20": {"6": "socket:[900]", "7": "socket:[900]", "8": "socket:[901]"},
        "300": {"6": "socket:[900]"},
        "5": {"0": "socket:[777]"},
    })
    assert socket_holders({900, 901, 902}, proc=proc) == {900: (20, 300, 301), 901: (20,)}


def test_unreadable_or_vanished_processes_are_skipped(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {"10": {"3": "socket:[1]"}})
    (tmp_path / "11").mkdir()  # no fd directory: the process exited (or is not readable)
    assert socket_holders({1}, proc=proc) == {1: (10,)}
    assert socket_holders(set(), proc=proc) == {}
    assert socket_holders({1}, proc=str(tmp_path / "missing")) == {}


def test_only_member_processes_are_holders(tmp_path: Path) -> None:
    """`--netns`: a process of another namespace holding the socket is not an owner."""
    proc = fake_proc(tmp_path, {"10": {"3": "socket:[1]"}, "11": {"3": "socket:[1]"}, "12": {"4": "pipe:[2]"}})
    asked: list[int] = []

    def member(pid: int) -> bool:
        asked.append(pid)
        return pid == 11

    assert socket_holders({1}, proc=proc, member=member) == {1: (11,)}
    assert sorted(asked) == [10, 11]  # asked only of processes holding a wanted socket

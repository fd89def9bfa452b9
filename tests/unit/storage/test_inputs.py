"""The one bounded, non-blocking reader of input files (checker/storage/inputs.py)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.storage.inputs import UnusableFile, read_bounded, read_input_file, size_text


def test_a_regular_file_is_read_up_to_its_bound(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bounded(str(path), 10) == b"x" * 10
    with pytest.raises(UnusableFile, match="larger than 9 bytes"):
        read_bounded(str(path), 9)


def test_proc_files_that_report_size_zero_are_read() -> None:
    assert read_bounded("/proc/self/stat", 64 * 1024).startswith(str(os.getpid()).encode())


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "socket"])
def test_anything_but_a_regular_file_is_refused_without_blocking(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "input"
    expected = {"fifo": "FIFO", "directory": "directory", "device": "character device", "socket": "socket"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    target = "/dev/zero" if kind == "device" else str(path)
    with pytest.raises(UnusableFile, match=f"is a {expected}.*, not a baseline file"):
        read_bounded(target, 1024, "a baseline file")
    with pytest.raises(InputError) as info:
        read_input_file(target, 1024, "a snapshot file")
    assert str(info.value).startswith(f"{target}: is a {expected}")


def test_user_inputs_get_one_line_without_a_position(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_input_file(str(tmp_path / "none"), 10, "an nmap XML file")
    assert str(info.value) == f"{tmp_path / 'none'}: no such file"


def test_sizes_are_written_as_people_read_them() -> None:
    assert [size_text(n) for n in (1024 * 1024, 256 * 1024 * 1024, 64 * 1024, 10)] == [
        "1 MiB", "256 MiB", "64 KiB", "10 bytes"]

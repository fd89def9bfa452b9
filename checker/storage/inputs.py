"""The one way surfacecheck reads a file: without blocking, regular files only, with a bound.

Every input (a baseline and its `extends` parents, `--snapshot`, `--nmap-xml`, the files of
`report` and `diff`, the xinetd configuration and its includes, unit files, /etc tables) is
read here. A FIFO given as a baseline used to block `open()` forever, and `/dev/zero` given as
an xinetd include was read until memory ran out; so:

* the path is `stat`ed first and anything but a regular file (FIFO, character or block device,
  socket, directory) is refused before it is opened at all (opening a device can have effects);
* it is then opened with `O_NONBLOCK` (a FIFO swapped in after the `stat` cannot block the
  open), `O_NOCTTY` and `O_CLOEXEC`, and `fstat`ed again: what was opened is what is checked;
* at most `limit` bytes are read; one more byte than that refuses the file. The size in the
  `stat` is not trusted (files in /proc say 0), the bytes read are counted.

Two layers: `read_bounded` raises `OSError` (an `UnusableFile` for "not a regular file" and
"too large", so callers that treat read errors as collector failures need nothing new);
`read_input_file` turns every failure into one `InputError` line, `PATH: message`, for the
files a user names on the command line. What the bytes mean is the caller's business.
"""

from __future__ import annotations

import errno
import os
import stat

from checker.errors import InputError

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CHUNK = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnusableFile(OSError):
    """The path exists but is not a regular file, or holds more than the bound allows.
    `strerror` is the reason, worded for the user."""


def size_text(limit: int) -> str:
    """`1 MiB`, `256 MiB`, `4096 bytes`: how a bound is written in messages and docs."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def _refuse_irregular(mode: int, path: str, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
    raise UnusableFile(code, f"is {kind}, not {what}", path)


def read_bounded(path: str, limit: int, what: str = "a regular file") -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them.

    Raises `UnusableFile` for anything but a regular file or a file over `limit` bytes, and
    the usual `OSError`s (`FileNotFoundError`, `PermissionError`...) otherwise. `what` names the
    file's role, with its article, in the messages (`an nmap XML file`: `is a FIFO (named pipe),
    not an nmap XML file`).
    """
    _refuse_irregular(os.stat(path).st_mode, path, what)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        _refuse_irregular(os.fstat(fd).st_mode, path, what)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise UnusableFile(errno.EFBIG, f"larger than {size_text(limit)}, the most {what} may hold", path)
    return b"".join(chunks)


def read_input_file(path: str, limit: int, what: str) -> bytes:
    """`read_bounded` for a file the user named: every failure is one `InputError`, `PATH: reason`."""
    try:
        return read_bounded(path, limit, what)
    except UnusableFile as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except OSError as exc:
        raise InputError(f"{path}: {unreadable_reason(exc)}") from None


def unreadable_reason(exc: OSError) -> str:
    """`no such file`, `permission denied`, or `cannot read: <strerror>`: the words of every
    reader for a file that could not be opened."""
    if isinstance(exc, UnusableFile):
        return str(exc.strerror)
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"

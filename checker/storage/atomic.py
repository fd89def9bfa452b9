"""Writing reports: atomically, or to stdout for `-`.

A report is written to a temporary file in the target's own directory, flushed and
fsynced, then renamed over the target. A crash or a full disk therefore never leaves a
truncated report and never destroys the previous one.

Several reports of one run are written together (`write_outputs_atomic`): each one, given
as pieces, goes into its temporary file as it is rendered (a fleet's JSON never exists
whole in memory), and only when every one has been written are they all renamed. A
formatter failing half-way leaves every earlier report untouched.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checker.errors import OutputError

WRITE_BATCH = 256
"""Pieces joined per `write()` call: a results document comes as one piece per record."""


def write_text_atomic(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; `-` writes to stdout."""
    write_outputs_atomic({path: (text,)})


@dataclass(frozen=True)
class _Staged:
    """One output written but not yet in place."""

    path: str
    tmp_path: str | None = None
    """The written temporary file, renamed over `path` by `commit` (None: no file to rename)."""
    text: str | None = None
    """What goes to stdout or through a device at commit time."""

    def commit(self) -> None:
        if self.tmp_path is not None:
            try:
                os.replace(self.tmp_path, self.path)
            except OSError as exc:
                self.discard()
                raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from exc
        elif self.path == "-":
            sys.stdout.write(self.text or "")
            sys.stdout.flush()
        else:
            _write_through(self.path, self.text or "")

    def discard(self) -> None:
        if self.tmp_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp_path)


def write_outputs_atomic(outputs: Mapping[str, Iterable[str]]) -> None:
    """Write each `{path: pieces}` (UTF-8) atomically: every file is written in full first,
    then all are renamed into place (stdout, `-`, is written then too). Any failure, of a
    piece or of the disk, leaves every target as it was."""
    staged: list[_Staged] = []
    try:
        for path, pieces in outputs.items():
            staged.append(_stage(path, pieces))
        for index, output in enumerate(staged):
            try:
                output.commit()
            finally:
                staged[index] = _Staged(output.path)  # committed or cleaned up: nothing to discard
    finally:
        for output in staged:
            output.discard()


def _stage(path: str, pieces: Iterable[str]) -> _Staged:
    if path == "-" or (os.path.exists(path) and not os.path.isfile(path)):
        # stdout; or /dev/null, a FIFO, /dev/stdout: renaming over it would replace the device
        # itself (as root, /dev/null would become a regular file). Written through at commit.
        return _Staged(path, text="".join(pieces))
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)  # `--junit reports/junit.xml` in a fresh CI checkout
        fd, tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            batch: list[str] = []
            for piece in pieces:
                batch.append(piece)
                if len(batch) >= WRITE_BATCH:
                    handle.write("".join(batch))
                    batch.clear()
            handle.write("".join(batch))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o644)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise
    return _Staged(path, tmp_path)


def _write_through(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc

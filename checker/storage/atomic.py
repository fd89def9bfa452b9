"""Writing reports: atomically, or to stdout for `-`.

A report is written to a temporary file in the target's own directory, flushed and
fsynced, then renamed over the target. A crash or a full disk therefore never leaves a
truncated report and never destroys the previous one.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from checker.errors import OutputError


def write_text_atomic(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; `-` writes to stdout."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if os.path.exists(path) and not os.path.isfile(path):
        # /dev/null, a FIFO, /dev/stdout: renaming over it would replace the device itself
        # (as root, /dev/null would become a regular file). Write through it instead.
        _write_through(path, text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)  # `--junit reports/junit.xml` in a fresh CI checkout
        fd, tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise


def _write_through(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc

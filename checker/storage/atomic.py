"""Writing reports: the reports of one run replaced as a set, or written to stdout for `-`.

`check_output_paths` runs before anything is collected: an output path that exists must be a
regular file (a FIFO at a predictable path would make a root `collect` hang, and renaming
over a device would replace the device), and its directory must exist and be writable or be
creatable. The one exception is `/dev/null`, the discard device, written through.

`write_report_set` writes every report of a run to a temporary file in its target's own
directory (flushed and fsynced), and only when all of them are written renames them over
their targets, one after the other. A report may be given as one string or as pieces (a
formatter's `chunks()`): pieces go into the temporary file as they are rendered, so a fleet's
JSON never exists whole in memory. When any write fails (full disk, file size limit, a
formatter failing half-way) the temporaries are removed and every previous report is left
untouched: a set is never half new, half old. A crash between the renames can still leave part
of a set renamed (POSIX has no multi-file rename); the window is the renames only, never the
writing. Reports for `-` go to stdout after the files are in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping

from checker.errors import OutputError, UsageError

DISCARD = "/dev/null"


def _is_discard(path: str) -> bool:
    with contextlib.suppress(OSError):
        return os.path.realpath(path) == DISCARD and stat.S_ISCHR(os.stat(path).st_mode)
    return False


def _non_regular_problem(path: str) -> str | None:
    """Why an existing `path` cannot receive a report, or None (absent, regular, `-`, /dev/null)."""
    if path == "-" or _is_discard(path):
        return None
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # a new name (its directory is checked apart)
        return None
    except OSError as exc:
        return f"cannot use: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
    return f"exists and is {kind}; a report is written only to a regular file (or - for stdout)"


def check_output_path(path: str, flag: str) -> None:
    """`UsageError` unless `path` (given with `flag`) can receive a report: `-`, `/dev/null`, a
    regular file or a new name, in a directory that exists and is writable or can be created."""
    problem = _non_regular_problem(path)
    if problem is not None:
        raise UsageError(f"{flag} {path}: {problem}")
    if path != "-" and not _is_discard(path):
        check_writable_directory(os.path.dirname(os.path.abspath(path)), f"{flag} {path}")


def check_writable_directory(directory: str, label: str) -> None:
    """`UsageError` unless `directory` is a writable directory, or its nearest existing ancestor
    is (the missing ones are created when writing: `--junit reports/junit.xml` in a fresh checkout)."""
    probe = directory
    while not os.path.lexists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise UsageError(f"{label}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{label}: directory {probe} is not writable")


def check_output_paths(outputs: Iterable[tuple[str, str]]) -> None:
    """`check_output_path` for every (flag, path) pair, and no two of them naming one file
    (`--json r --markdown ./r`, or through a symlink): the set is keyed by path, so one report
    silently replaced the other."""
    seen: dict[str, tuple[str, str]] = {}
    for flag, path in outputs:
        check_output_path(path, flag)
        if path == "-" or _is_discard(path):
            continue
        same = seen.setdefault(os.path.realpath(path), (flag, path))
        if same != (flag, path):
            raise UsageError(f"{same[0]} {same[1]} and {flag} {path} name the same file; give each report its own")


ReportText = str | Iterable[str]
"""A report's text: whole, or as pieces written one after the other (`Formatter.chunks`)."""

WRITE_BATCH = 256
"""Pieces joined per `write()` call: a results document comes as one piece per record."""


def write_report_set(reports: Mapping[str, ReportText]) -> None:
    """Write `{path: text or pieces}` as one set: all temporaries first, then all renames (module
    docstring). At most one path may be `-` (stdout). Raises `OutputError` (or what a piece's
    formatter raised), previous files intact and no temporary left."""
    for path in reports:
        problem = _non_regular_problem(path)
        if problem is not None:  # it changed since `check_output_paths`, or that was skipped
            raise OutputError(f"{path}: {problem}")
    staged: list[tuple[str, str]] = []
    written_through: dict[str, str] = {}  # `-` and /dev/null: written after the renames
    try:
        for path, report in reports.items():
            if path == "-" or _is_discard(path):
                written_through[path] = report if isinstance(report, str) else "".join(report)
            else:
                staged.append((_write_temporary(path, (report,) if isinstance(report, str) else report), path))
        for temporary, path in staged:
            try:
                os.replace(temporary, path)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    for path, text in written_through.items():
        if path != "-":
            _write_discard(path, text)
    if "-" in written_through:
        sys.stdout.write(written_through["-"])
        sys.stdout.flush()


def write_text_atomic(path: str, text: str) -> None:
    """Write one report (`-` = stdout): a set of one."""
    write_report_set({path: text})


def _write_temporary(path: str, pieces: Iterable[str]) -> str:
    """`pieces` in a fsynced temporary file next to `path`; its name. `OutputError` (or the
    pieces' own exception), nothing left, on failure."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)  # `--junit reports/junit.xml` in a fresh CI checkout
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
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
        os.chmod(temporary, 0o644)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        raise
    return temporary


def _write_discard(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc

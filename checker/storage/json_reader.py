"""The one reader of JSON input files (snapshots, saved results, the two files `diff` compares):
read through the one bounded, non-blocking reader (checker/storage/inputs.py: regular files
only, at most `MAX_JSON_BYTES`), decoded strictly, and every failure one `InputError` line (`PATH: message`,
with line and column for a syntax error). What the data means is the caller's business.
"""

from __future__ import annotations

import json
from typing import Any

from checker.errors import InputError
from checker.storage.inputs import UnusableFile, read_bounded

MAX_JSON_BYTES = 512 * 1024 * 1024
"""Refuse larger files instead of exhausting memory (a 1,000-host results file or a snapshot
of 10,000 listeners is a few MB; anything near this is neither)."""


def read_json_file(path: str, *, kind: str | None = None) -> Any:
    """The decoded JSON document in `path`.

    `kind` names what the file should be (`snapshot`) for the two mistakes a user makes most
    with `--snapshot`: then a missing file is `PATH: no such file` and a directory (or FIFO,
    device, socket) `PATH: is a directory, not a snapshot file`. Without it (`report`, `diff`)
    every unusable file is `PATH: cannot read: <reason>`, as those commands have always said.
    """
    what = f"a {kind} file" if kind else "a regular file"
    try:
        raw = read_bounded(path, MAX_JSON_BYTES, what)
    except UnusableFile as exc:
        raise InputError(f"{path}: {exc.strerror}" if kind else f"{path}: cannot read: {exc.strerror}") from None
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file" if kind else f"{path}: cannot read: {exc.strerror}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8: byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply") from None

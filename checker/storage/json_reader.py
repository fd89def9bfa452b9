"""Reading a JSON input file (saved results, a file `diff` has to classify): bounded in size,
decoded strictly, and every failure one `InputError` line (`PATH: message`, with line and
column for a syntax error). What the data means is the caller's business.
"""

from __future__ import annotations

import json
from typing import Any

from checker.errors import InputError

MAX_JSON_BYTES = 512 * 1024 * 1024
"""Refuse larger files instead of exhausting memory (a 1,000-host results file is far smaller)."""


def read_json_file(path: str) -> Any:
    """The decoded JSON document in `path`."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise InputError(f"{path}: larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8: byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply") from None

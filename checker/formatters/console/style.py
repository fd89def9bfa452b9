"""Colour for the console summary: ANSI SGR codes, or nothing at all.

Whether to colour is decided by the caller (`audit`: a TTY, no `NO_COLOR`, no `--no-color`,
see `wants_color`); this module only wraps text. Hostile text is cleaned (`printable_line`)
before it is wrapped, so the only escape sequences in the output are the ones added here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

_CODES = {"fail": "31;1", "error": "33;1", "pass": "32", "skip": "2", "waived": "36", "heading": "1", "hint": "36"}


def wants_color(stream: TextIO, *, no_color_flag: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when `NO_COLOR` is set (any value, https://no-color.org)
    or `--no-color` was given."""
    env = os.environ if environ is None else environ
    if no_color_flag or env.get("NO_COLOR", "") != "" or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Style:
    color: bool = False

    def paint(self, kind: str, text: str) -> str:
        """`text` in the colour of `kind` (a status value, `heading` or `hint`)."""
        code = _CODES.get(kind)
        if not self.color or code is None or not text:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

"""xinetd's line grammar: which lines count, how a line splits into tokens, and the
`name OP values` form of an attribute line.

What it is for: the lexical layer of the parser (checker/collect/xinetd/parser.py), as
parse.c does it. Pure functions on text; no attribute knowledge and no I/O.
"""

from __future__ import annotations

import re

_TOKEN_SPLIT = re.compile(r"[ \t]+")


class Lines:
    """xinetd's next_line(): skips blank lines and lines whose first non-blank char is `#`."""

    def __init__(self, text: str, path: str) -> None:
        # Only \n ends a line: a CR of a CRLF file stays in the last token, as in xinetd
        # (`stream\r` is then a bad socket type), while `{\r` and `}\r` still count as braces.
        self.lines = text.split("\n")
        self.path = path
        self.number = 0
        self.last_line = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        """The number xinetd gives the end of the file ("incomplete entry [line=N]"): its last line."""

    def next(self) -> tuple[int, str] | None:
        while self.number < len(self.lines):
            line = self.lines[self.number]
            self.number += 1
            stripped = line.strip(" \t\r\n\v\f")
            if not stripped or stripped.startswith("#"):
                continue
            return self.number, line
        return None

    def skip_entry(self) -> None:
        """parse.c skip_entry(): up to and including the next line holding only `}`."""
        while (line := self.next()) is not None:
            if line[1].strip() == "}":
                return


def split_tokens(line: str) -> list[str]:
    """The blank-separated words of a line (spaces and tabs only, as xinetd splits)."""
    return [token for token in _TOKEN_SPLIT.split(line.strip(" \t")) if token]


def parse_attribute_line(line: str) -> tuple[str, str, list[str]] | str:
    """`name OP values` -> (name, op, values), or the error message xinetd gives."""
    text = line.lstrip(" \t")
    match = re.match(r"[^ \t=]*", text)
    name = match.group(0) if match else ""
    rest = text[len(name):]
    if not name:
        return "Empty attribute name"
    # parse.c get_attr_op(): anything but `=`, `+=`, `-=` after the name (nothing, a value, `+`,
    # `:=`) is "Bad operator for attribute: NAME", as the real 2.3.15.3 prints it.
    bad_operator = f"Bad operator for attribute: {name.rstrip('+-')}"
    if not rest or rest[0] not in " \t":
        if rest.startswith("="):
            return f"Attribute {name.rstrip('+-')} needs a space before operator"
        return bad_operator
    rest = rest.lstrip(" \t")
    if rest.startswith("="):
        op, rest = "=", rest[1:]
    elif rest[:2] in ("+=", "-="):
        op, rest = rest[:2], rest[2:]
    else:
        return bad_operator
    return name, op, split_tokens(rest)


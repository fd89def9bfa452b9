"""Writing the draft baseline: YAML scalars, flow collections and comment lines, by hand.

The YAML is written by hand rather than by `yaml.safe_dump`, because the point of the draft
is its comments. Every string from a snapshot is hostile until quoted: `yaml_scalar` makes it
read back as the same string, `comment_text` keeps it on one comment line. Must not decide
what goes into the draft (the section modules do) or read anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from checker.model.text import printable_line

_GLOB_CHARS = re.compile(r"([*?\[])")
_PLAIN_SCALAR = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./@+-]*$")
"""Strings safe as YAML plain scalars (`@` and digits may not start one; words below excepted)."""
_YAML_WORDS = frozenset({
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan",
})


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as the same string, whatever it holds."""
    if _PLAIN_SCALAR.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return '"' + "".join(_escape_char(ch) for ch in value) + '"'


def _escape_char(ch: str) -> str:
    """One character inside a YAML double-quoted scalar (YAML 1.1/1.2 escapes, as PyYAML reads them)."""
    if ch in '"\\':
        return "\\" + ch
    if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF:
        return ch
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be written in UTF-8 at all
        return "\\uFFFD"
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def comment_text(text: str, limit: int = 160) -> str:
    """One safe comment line: no control characters (a newline would end the comment)."""
    return printable_line(text, limit, cut_mark="...")


def glob_literal(name: str) -> str:
    """`name` as an fnmatch pattern that matches only itself (`process` and `user` are globs)."""
    return _GLOB_CHARS.sub(r"[\1]", name)


def flow_mapping(items: Iterable[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in items) + "}"


def flow_sequence(values: Iterable[str]) -> str:
    return "[" + ", ".join(values) + "]"


class DraftWriter:
    """The draft's lines, in order; comments are cleaned and cut by `comment_text`."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def comment(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + "# " + comment_text(text))

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"

"""Text shown to people: the one cleaner of hostile text for a single line, and the one way an
address is written in front of `:port`.

Host names, process names, banners and messages come from the host, DNS or a user and may
hold control characters that move a terminal's cursor or forge lines in a log or a comment.
Every one-line rendering (the console summary, scan progress, drift text, `learn`'s YAML
comments, the evidence bundle's comments) goes through `printable_line`.

Pure functions on strings: no I/O, no imports beyond the standard library.
"""

from __future__ import annotations


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def printable_line(text: str, limit: int | None = None, *, escape: bool = False, cut_mark: str = "…") -> str:
    """`text` as one printable line of at most `limit` characters.

    Every non-printable character (newline, escape, bidi control, lone surrogate...) becomes
    `?`, or with `escape=True` its code (`\\x1b`, `\\u202e`) so a reader can tell what it was.
    Longer text is cut so that, with `cut_mark` appended, it is exactly `limit` characters.
    """
    cleaned = "".join(ch if ch.isprintable() else _escaped(ch) if escape else "?" for ch in text)
    if limit is None or len(cleaned) <= limit:
        return cleaned
    return cleaned[: limit - len(cut_mark)] + cut_mark


def address_before_port(address: str) -> str:
    """`[::1]` for an IPv6 address (anything holding a colon), the address itself otherwise:
    the form that can be followed by `:port` (`tcp/[::]:53`, `udp/0.0.0.0:53`)."""
    return f"[{address}]" if ":" in address else address

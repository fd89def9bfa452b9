"""The one Markdown escaper: any text as inline GFM that renders as exactly that text.

Used for every cell of the Markdown report (checker/formatters/markdown.py) and of `diff
--markdown` (checker/drift/__init__.py). Hand-written: no maintained library escapes GFM
table cells. Control characters are removed; `& < >` and `|` become entities (so no raw HTML
and no extra column: cmark-gfm splits rows on a literal `|` before it decodes entities);
backslash and the inline-markup characters are backslash-escaped (so no code span, emphasis,
link, math or heading closer swallows anything); newlines become `<br>`.

Pure functions on strings; must not import the model or any formatter.
"""

from __future__ import annotations

import re

_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "~": "\\~",
    "!": "\\!",
    "$": "\\$",
    "#": "\\#",
    "\t": " ",
    "\n": "<br>",
}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NEWLINES = re.compile(r"\r\n?")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""C0/C1 controls (except tab and newline), lone surrogates and non-characters."""


def truncated(text: str, limit: int | None) -> str:
    """`text` cut to `limit` characters with a note saying how much is missing (None: uncut)."""
    if limit is not None and len(text) > limit:
        return f"{text[:limit]}… (truncated: {len(text) - limit} more characters, see the JSON results)"
    return text


def cell_characters(text: str) -> str:
    """The characters a cell keeps of `text`: CR and CRLF as LF, control characters removed.
    Cell limits count these characters (`escape_cell_characters` cuts them)."""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text))


def escape_cell_characters(characters: str, limit: int | None = None) -> str:
    """`cell_characters()` output, cut to `limit` with a note, escaped as inline GFM."""
    return truncated(characters, limit).translate(_ESCAPE_TABLE)


def markdown_cell(text: str | None, limit: int | None = None) -> str:
    """`text` as inline GFM that renders as exactly that text, on one line, in one table cell
    (None: an empty cell); longer than `limit` characters, cut with a note."""
    if text is None:
        return ""
    return escape_cell_characters(cell_characters(text), limit)

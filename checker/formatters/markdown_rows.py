"""Table rows of the Markdown report, each result's cells prepared once for every cell limit.

Fitting the report under 1 MiB (checker/formatters/markdown.py) may try several cell limits.
A `RowCells` keeps what does not depend on the limit (each cell's characters after clean-up,
the evidence values as text) and the longest cell, so a row is cleaned once, and a row whose
cells are all within a limit is the same line as the uncut one and is not rendered again.
`LazyRows` renders a table's lines at one limit only when the fitting reads them, and
remembers the longest cell it has seen: a limit at least that long would give the very lines
a failed attempt already measured, so the fitting skips it.

Must not: change what a cell shows. Every cell is `markdown_cell()` of the same text as
always (checker/formatters/markdown_text.py); this module only avoids doing it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

from checker.formatters._common import evidence_value_text, path_uri
from checker.formatters.markdown_text import (
    cell_characters,
    escape_cell_characters,
    markdown_cell,
    truncated,
)
from checker.model import Location, Result


class TextCell:
    """A cell showing one text."""

    __slots__ = ("characters", "longest")

    def __init__(self, text: str) -> None:
        self.characters = cell_characters(text)
        self.longest = len(self.characters)

    def at(self, limit: int | None) -> str:
        return escape_cell_characters(self.characters, limit)


class EvidenceCell:
    """`key: value; key: value`, each value cut separately: a huge banner must not hide the
    process name. The limit counts a value's text before clean-up, as it always has."""

    __slots__ = ("values", "longest")

    def __init__(self, evidence: Mapping[str, Any]) -> None:
        self.values = [(key, evidence_value_text(evidence[key])) for key in sorted(evidence)]
        self.longest = max((len(text) for _, text in self.values), default=0)

    def at(self, limit: int | None) -> str:
        if limit is not None and self.longest > limit:
            return markdown_cell("; ".join(f"{key}: {truncated(text, limit)}" for key, text in self.values))
        return markdown_cell("; ".join(f"{key}: {text}" for key, text in self.values))


class LinkCell:
    """`[web.yaml:12:5](web.yaml#L12)`: the rule's file and line, empty without a location."""

    __slots__ = ("characters", "target", "longest")

    def __init__(self, location: Location | None) -> None:
        self.characters = cell_characters(str(location)) if location is not None else None
        self.target: str | None = ""
        if location is not None and location.file.startswith("builtin:"):
            # a bundled policy has no path in the reader's repository: plain text, `surfacecheck
            # validate builtin:NAME` or the package's policies/ folder shows the line
            self.target = None
        elif location is not None:
            self.target = path_uri(location.file)
            if location.line > 0:
                self.target += f"#L{location.line}"
        self.longest = len(self.characters or "")

    def at(self, limit: int | None) -> str:
        if self.characters is None:
            return ""
        if self.target is None:
            return escape_cell_characters(self.characters, limit)
        return f"[{escape_cell_characters(self.characters, limit)}]({self.target})"


Cell = TextCell | EvidenceCell | LinkCell


class RowCells:
    """One table row's cells; its line at any limit, the uncut line computed once."""

    __slots__ = ("cells", "longest", "_uncut")

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.cells = cells
        self.longest = max((cell.longest for cell in cells), default=0)
        self._uncut: str | None = None

    def line(self, limit: int | None) -> str:
        if limit is None or self.longest <= limit:
            if self._uncut is None:
                self._uncut = self._render(None)
            return self._uncut
        return self._render(limit)

    def _render(self, limit: int | None) -> str:
        return "| " + " | ".join([cell.at(limit) for cell in self.cells]) + " |"


class RowSource:
    """The results of one table and their `RowCells`, built on first use and shared by every limit."""

    def __init__(self, results: Sequence[Result], cells: Callable[[Result], RowCells]) -> None:
        self.results = results
        self._cells = cells
        self._built: list[RowCells] = []

    def __len__(self) -> int:
        return len(self.results)

    def row(self, index: int) -> RowCells:
        while len(self._built) <= index:  # IndexError past the end comes from results, as it should
            self._built.append(self._cells(self.results[len(self._built)]))
        return self._built[index]


class LazyRows(Sequence[str]):
    """A table's lines at one cell limit, rendered on first access and kept. Fitting the report
    under 1 MiB reads rows only while they fit, so 10,000 passes cost the few hundred shown."""

    def __init__(self, source: RowSource, limit: int | None) -> None:
        self._source = source
        self.limit = limit
        """The longest cell text, in characters (None: uncut)."""
        self._done: list[str] = []
        self.longest_seen = 0
        """The longest cell among the rows read so far."""

    def __len__(self) -> int:
        return len(self._source)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        while len(self._done) <= index:
            row = self._source.row(len(self._done))
            self.longest_seen = max(self.longest_seen, row.longest)
            self._done.append(row.line(self.limit))
        return self._done[index]

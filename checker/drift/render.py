"""Rendering drift: the terminal text, a Markdown section, and deterministic JSON.

Pure: a list of `Drift` in, a string out; `checker.commands.diff` writes the files. Must not
compare anything or read the clock (the output of one comparison is always the same bytes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from checker.drift.changes import ADDED_KINDS, REMOVED_KINDS, Drift, DriftKind
from checker.formatters.markdown_text import markdown_cell
from checker.model.serialize import to_data
from checker.model.text import printable_line


def render_text(drifts: Sequence[Drift], old_name: str, new_name: str) -> str:
    """The terminal view: one line per drift, grouped by host, ndiff-like `+`/`-`/`~` marks."""
    if not drifts:
        return f"no drift between {old_name} and {new_name}\n"
    lines = [f"--- {old_name}", f"+++ {new_name}"]
    host = None
    for drift in drifts:
        if drift.host != host:
            host = drift.host
            lines.append(f"{host}:")
        mark = "+" if drift.kind in ADDED_KINDS or drift.kind == DriftKind.CHECK_STARTED_FAILING else \
            "-" if drift.kind in REMOVED_KINDS or drift.kind == DriftKind.CHECK_STOPPED_FAILING else "~"
        lines.append(f"  {mark} {printable_line(drift.message)}")
    lines.append(f"{len(drifts)} difference{'s' if len(drifts) != 1 else ''}")
    return "\n".join(lines) + "\n"


def render_markdown(drifts: Sequence[Drift], old_name: str, new_name: str) -> str:
    """A Markdown section: a summary line and one table row per drift."""
    lines = [f"## surfacecheck diff: {markdown_cell(old_name)} → {markdown_cell(new_name)}", ""]
    if not drifts:
        lines.append("No drift.")
        return "\n".join(lines) + "\n"
    counts: dict[str, int] = {}
    for drift in drifts:
        counts[drift.kind.value] = counts.get(drift.kind.value, 0) + 1
    lines.append(f"{len(drifts)} difference{'s' if len(drifts) != 1 else ''}: "
                 + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) + ".")
    lines += ["", "| host | change | resource | attribute | old | new | where |", "|---|---|---|---|---|---|---|"]
    lines += [
        "| " + " | ".join(markdown_cell(cell) for cell in (
            d.host, d.kind.value, d.resource, d.attribute, d.old, d.new, str(d.location) if d.location else None))
        + " |"
        for d in drifts
    ]
    return "\n".join(lines) + "\n"


def render_json(drifts: Sequence[Drift], old_name: str, new_name: str, kind: str) -> str:
    """Deterministic JSON: the inputs, what they were, and every drift with its message."""
    document = {
        "old": old_name,
        "new": new_name,
        "inputs": kind,
        "identical": not drifts,
        "drifts": [{**to_data(d), "message": d.message} for d in drifts],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

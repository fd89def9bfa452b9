"""Drift between two snapshots, or between two results files: the engine of `surfacecheck diff`.

Pure functions: `diff_snapshots(old, new)` and `diff_reports(old, new)` return a sorted list
of `Drift`, and `render_text`/`render_markdown`/`render_json` turn that list into strings.
Nothing here reads files; `checker.commands.diff` loads the inputs and writes the outputs.

Modules: `changes` (the `Drift` record and its kinds), `compare` (snapshots and results
compared), `firewall` (rulesets compared), `render` (text, Markdown and JSON). This package
does not import `checker.learn`:
what both stages need to agree on lives in `checker.model.ports`.

What counts as drift (and what deliberately does not):

* listeners, grouped by (protocol, port): added, removed, and a changed process, executable,
  user or bind (the set of addresses). A pid change alone is a restart, not drift.
* UDP client sockets in the ephemeral range (`checker.model.ports.is_ephemeral_client_port`,
  the predicate `learn` uses too) are
  compared per process, not per port, since their ports change at every restart.
* units: appeared, disappeared, and changes of enablement or of state (active/sub).
* socket units: appeared, disappeared, and changes of enablement, state, Listen* values,
  Accept, BindIPv6Only and the triggered service.
* xinetd services (by id): appeared, disappeared, enabled/disabled, and every changed
  effective attribute with the file:line that sets it now (or set it before, if removed).
* the outside view: port states that changed.
* the firewall ruleset, per rule (`checker.drift.firewall`): chains added or removed, base
  chains whose hook, priority or policy changed, rules (by text) added or removed per chain.
* collectors whose status changed, because missing evidence explains a mass of "removed".
* results: checks that began or stopped failing, and status changes to or from `error`;
  a changed baseline is reported too, since it explains result changes.

Connection-state counts and times are volatile and never drift.
"""

from __future__ import annotations

from checker.drift.changes import Drift, DriftKind
from checker.drift.compare import diff_reports, diff_snapshot, diff_snapshots
from checker.drift.render import render_json, render_markdown, render_text
from checker.formatters.markdown_text import markdown_cell

__all__ = [
    "Drift",
    "DriftKind",
    "diff_reports",
    "diff_snapshot",
    "diff_snapshots",
    "markdown_cell",
    "render_json",
    "render_markdown",
    "render_text",
]

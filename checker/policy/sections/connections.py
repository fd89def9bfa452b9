"""The `connections` section: the most connections allowed in each TCP state (`max_per_state`).

The section's own `severity`, `reason` and `controls` apply to every state's limit; each limit
is located at its state's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, ConnectionLimit, RuleMeta
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import parse_rule_meta
from checker.policy.yaml_positions import Document, Path

DeclaredConnections = Mapping[str, ConnectionLimit]
"""By state, sorted by state within one file."""


class ConnectionsSection(BaselineSection[DeclaredConnections]):
    keys = ("connections",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredConnections:
        connections = doc.data.get("connections", {})
        limits: dict[str, ConnectionLimit] = {}
        for state, maximum in sorted(connections.get("max_per_state", {}).items()):
            path: Path = ("connections", "max_per_state", state)
            meta = parse_rule_meta(doc, path, connections)
            limits[state] = ConnectionLimit(state, maximum, RuleMeta(
                doc.location(path, key=True), meta.severity, meta.reason, meta.controls))
        return limits

    def merge(self, earlier: DeclaredConnections, later: DeclaredConnections) -> DeclaredConnections:
        return {**earlier, **later}

    def apply(self, merged: DeclaredConnections, baseline: Baseline) -> Baseline:
        return replace(baseline, connections=tuple(merged.values()))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        if not baseline.connections:
            return {}
        return {"connections": {"max_per_state": {c.state: c.max for c in baseline.connections}}}

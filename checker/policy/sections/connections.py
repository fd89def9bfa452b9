"""The `connections` section: the most connections allowed in each TCP state (`max_per_state`).

The section's own `severity`, `reason` and `controls` apply to every state's limit; each limit
is located at its state's key. Keys are TCP states as `ss` prints them, or an alias of one
(checker/model/connection_states.py); they are stored under the `ss` name, so `SYN_RECV` and
`SYN-RECV` are one rule (both in one file: an input error), and a child file's `SYN_RECV`
replaces its parent's `SYN-RECV`. The schema already refused every other key; a key that is
not a state is still refused here, so the rule can never silently count nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, ConnectionLimit, RuleMeta
from checker.model.connection_states import TcpState, parse_tcp_state, suggest_tcp_state
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import parse_rule_meta
from checker.policy.yaml_positions import Document, Path

DeclaredConnections = Mapping[TcpState, ConnectionLimit]
"""By state, sorted by state within one file."""


class ConnectionsSection(BaselineSection[DeclaredConnections]):
    keys = ("connections",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredConnections:
        connections = doc.data.get("connections", {})
        limits: dict[TcpState, ConnectionLimit] = {}
        written: dict[TcpState, str] = {}
        for key, maximum in connections.get("max_per_state", {}).items():
            path: Path = ("connections", "max_per_state", key)
            state = parse_tcp_state(key)
            if state is None:
                close = suggest_tcp_state(key)
                hint = f" (did you mean {close.value!r}?)" if close else ""
                problems.append(doc.problem(path, f"connections.max_per_state: {key!r} is not a TCP connection "
                                                  f"state{hint}", key=True))
                continue
            if state in written:
                problems.append(doc.problem(path, f"connections.max_per_state: {key!r} is {state.value}, already "
                                                  f"limited as {written[state]!r}", key=True))
                continue
            written[state] = key
            meta = parse_rule_meta(doc, path, connections)
            limits[state] = ConnectionLimit(state, maximum, RuleMeta(
                doc.location(path, key=True), meta.severity, meta.reason, meta.controls))
        return dict(sorted(limits.items()))

    def merge(self, earlier: DeclaredConnections, later: DeclaredConnections) -> DeclaredConnections:
        return {**earlier, **later}

    def apply(self, merged: DeclaredConnections, baseline: Baseline) -> Baseline:
        return replace(baseline, connections=tuple(merged.values()))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        if not baseline.connections:
            return {}
        return {"connections": {"max_per_state": {str(c.state): c.max for c in baseline.connections}}}

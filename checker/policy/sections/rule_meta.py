"""`severity`, `reason` and `controls` of a baseline rule: read into `RuleMeta` and written back.

Every section's entries carry these three keys, so they are read and dumped here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.model import RuleMeta, Severity
from checker.policy.yaml_positions import Document, Path


def parse_rule_meta(doc: Document, path: Path, entry: Mapping[str, Any]) -> RuleMeta:
    """The meta of the entry at `path` (located there); `entry` is empty for a bare-name entry."""
    severity = entry.get("severity")
    return RuleMeta(
        location=doc.location(path),
        severity=Severity(severity) if severity else None,
        reason=entry.get("reason"),
        controls=tuple(entry.get("controls", ())),
    )


def dump_rule_meta(meta: RuleMeta) -> dict[str, Any]:
    """The keys of `meta` that are set, as baseline YAML data."""
    data: dict[str, Any] = {}
    if meta.reason:
        data["reason"] = meta.reason
    if meta.severity:
        data["severity"] = meta.severity.value
    if meta.controls:
        data["controls"] = list(meta.controls)
    return data


"""The baseline's own description: `name`, `description`, `defaults`, `targets` and `controls`.

`targets` are checked with the scan-target validator of `audit` (checker/collect/nmap/targets.py).
Each is a setting the last file that sets it wins (`controls` merge key by key). A baseline
that names itself nowhere is named after its top-level file (set by the loader, kept here).
`version` and `extends` are the loader's (`checker/policy/extends.py`), not a section's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, Severity
from checker.policy.sections.interface import BaselineSection, later_if_set
from checker.policy.yaml_positions import Document


@dataclass(frozen=True)
class DeclaredMetadata:
    """The header of one file (or a merge of files); None = not set."""

    name: str | None
    description: str | None
    default_severity: Severity | None
    """`defaults.severity`."""
    targets: tuple[str, ...] | None
    controls: Mapping[str, str]


def _target_problems(doc: Document) -> list[Problem]:
    """`targets:` checked by the validator `audit` uses before anything reaches nmap, each
    refusal at its entry: `validate` must not pass what `audit` then refuses. The size limit
    (`--allow-large-scan`) is a command-line choice, so it is not applied here."""
    from checker.collect.nmap.targets import parse_target
    from checker.errors import TargetError

    problems = []
    for index, target in enumerate(doc.data.get("targets", [])):
        try:
            parse_target(target, allow_large_scan=True)
        except TargetError as exc:
            problems.append(doc.problem(("targets", index), f"targets[{index}]: {exc}"))
    return problems


class MetadataSection(BaselineSection[DeclaredMetadata]):
    keys = ("name", "description", "defaults", "targets", "controls")

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredMetadata:
        data = doc.data
        problems.extend(_target_problems(doc))
        defaults = data.get("defaults", {})
        return DeclaredMetadata(
            name=data.get("name"),
            description=data.get("description"),
            default_severity=Severity(defaults["severity"]) if "severity" in defaults else None,
            targets=tuple(data["targets"]) if "targets" in data else None,
            controls=dict(data.get("controls", {})),
        )

    def merge(self, earlier: DeclaredMetadata, later: DeclaredMetadata) -> DeclaredMetadata:
        return DeclaredMetadata(
            name=later_if_set(earlier.name, later.name),
            description=later_if_set(earlier.description, later.description),
            default_severity=later_if_set(earlier.default_severity, later.default_severity),
            targets=later_if_set(earlier.targets, later.targets),
            controls={**earlier.controls, **later.controls},
        )

    def apply(self, merged: DeclaredMetadata, baseline: Baseline) -> Baseline:
        return replace(baseline, name=merged.name or baseline.name, description=merged.description,
                       default_severity=merged.default_severity, targets=merged.targets or (),
                       controls=dict(merged.controls))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": baseline.name}
        if baseline.description:
            doc["description"] = baseline.description
        if baseline.default_severity:
            doc["defaults"] = {"severity": baseline.default_severity.value}
        if baseline.targets:
            doc["targets"] = list(baseline.targets)
        if baseline.controls:
            doc["controls"] = dict(baseline.controls)
        return doc

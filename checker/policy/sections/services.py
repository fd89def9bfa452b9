"""The `services` section: the desired state of systemd (or SysV) units.

A unit name without a type suffix means `NAME.service` (systemctl's own rule), so `ssh` and
`ssh.service` are one entry for duplicates and for `extends` overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, ServiceRule
from checker.model.units import unit_name
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import dump_rule_meta, parse_rule_meta
from checker.policy.yaml_positions import Document, Path

DeclaredServices = Mapping[str, ServiceRule]
"""By unit name, in the order written."""


class ServicesSection(BaselineSection[DeclaredServices]):
    keys = ("services",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredServices:
        services: dict[str, ServiceRule] = {}
        seen: dict[str, int] = {}
        for index, entry in enumerate(doc.data.get("services", [])):
            path: Path = ("services", index)
            unit = unit_name(entry["unit"], ".service")
            if unit in seen:
                first = doc.location(("services", seen[unit])).line
                problems.append(doc.problem(path, f"duplicate services entry for {unit} (first at line {first})"))
            seen[unit] = index
            if "running" not in entry and "enabled" not in entry:
                problems.append(doc.problem(path, f"services entry for {unit} sets neither `running` nor `enabled`"))
            services[unit] = ServiceRule(unit=unit, meta=parse_rule_meta(doc, path, entry),
                                         running=entry.get("running"), enabled=entry.get("enabled"),
                                         absent_ok=bool(entry.get("absent_ok")))
        return services

    def merge(self, earlier: DeclaredServices, later: DeclaredServices) -> DeclaredServices:
        return {**earlier, **later}

    def apply(self, merged: DeclaredServices, baseline: Baseline) -> Baseline:
        return replace(baseline, services=tuple(merged.values()))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        return {"services": [{"unit": s.unit, **({"running": s.running} if s.running is not None else {}),
                              **({"enabled": s.enabled} if s.enabled is not None else {}),
                              **({"absent_ok": True} if s.absent_ok else {}), **dump_rule_meta(s.meta)}
                             for s in baseline.services]}

"""The `socket_units` section: which systemd socket units may exist, with their expected `Listen*` values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, RuleMeta, SocketUnitAllow, SocketUnitsPolicy, UnitForbid
from checker.model.units import unit_name
from checker.policy.sections.allow_forbid import AllowForbid, dump_forbidden_names, parse_named_allow_forbid
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import dump_rule_meta
from checker.policy.yaml_positions import Document

DeclaredSocketUnits = AllowForbid[str, SocketUnitAllow, UnitForbid]


def _socket_allow(name: str, meta: RuleMeta, entry: Mapping[str, Any]) -> SocketUnitAllow:
    listen = tuple(str(v) for v in entry["listen"]) if "listen" in entry else None
    return SocketUnitAllow(name, meta, listen)


def _socket_unit_name(name: str) -> str:
    """A name without a unit-type suffix means `NAME.socket` (as the evaluator reads it), so `telnet` and
    `telnet.socket` are one unit for duplicates, conflicts and `extends` overrides."""
    return unit_name(name, ".socket")


class SocketUnitsSection(BaselineSection[DeclaredSocketUnits]):
    keys = ("socket_units",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredSocketUnits:
        return parse_named_allow_forbid(doc, "socket_units", "unit", "socket unit", _socket_unit_name,
                                        _socket_allow, problems)

    def merge(self, earlier: DeclaredSocketUnits, later: DeclaredSocketUnits) -> DeclaredSocketUnits:
        return earlier.merged_with(later)

    def apply(self, merged: DeclaredSocketUnits, baseline: Baseline) -> Baseline:
        return replace(baseline, socket_units=SocketUnitsPolicy(
            merged.resolved_default, tuple(merged.allow.values()), tuple(merged.forbid.values()), merged.location))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        policy = baseline.socket_units
        return {"socket_units": {
            "default": policy.default.value,
            "allow": [{"unit": s.unit, **({"listen": list(s.listen)} if s.listen is not None else {}),
                       **dump_rule_meta(s.meta)} for s in policy.allow],
            "forbid": dump_forbidden_names("unit", policy.forbid),
        }}

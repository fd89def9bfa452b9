"""The `xinetd` section: which xinetd services may be enabled, and the `limits` every one must meet.

`limits` merge key by key across `extends` (see `_merge_limits`), unlike the allow/forbid
lists, which merge by service name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, RuleMeta, UnitForbid, XinetdAllow, XinetdLimits, XinetdPolicy
from checker.policy.sections.allow_forbid import AllowForbid, dump_forbidden_names, parse_named_allow_forbid
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import dump_rule_meta, parse_rule_meta
from checker.policy.yaml_positions import Document, Path

_LIMIT_FIELDS = {
    "instances": "instances_max",
    "cps": "cps_max_rate",
    "per_source": "per_source_max",
    "max_load": "max_load_max",
    "only_from": "only_from_required",
    "no_access": "no_access_required",
    "log_on_failure": "log_on_failure_includes",
}
"""`xinetd.limits` key -> `XinetdLimits` field."""


@dataclass(frozen=True)
class DeclaredXinetd:
    """What one file (or a merge of files) says under `xinetd:`."""

    services: AllowForbid[str, XinetdAllow, UnitForbid]
    limits: XinetdLimits | None
    """None = no `limits:` in this file."""


def _xinetd_allow(name: str, meta: RuleMeta, entry: Mapping[str, Any]) -> XinetdAllow:
    return XinetdAllow(name, meta)


def _parse_limits(doc: Document, limits: Mapping[str, Any]) -> XinetdLimits:
    base: Path = ("xinetd", "limits")
    locations = {key: doc.location(base + (key,), key=True) for key in limits
                 if key not in ("severity", "reason", "controls")}
    return XinetdLimits(
        instances_max=limits["instances"]["max"] if "instances" in limits else None,
        cps_max_rate=limits["cps"]["max_rate"] if "cps" in limits else None,
        per_source_max=limits["per_source"]["max"] if "per_source" in limits else None,
        max_load_max=float(limits["max_load"]["max"]) if "max_load" in limits else None,
        only_from_required=limits.get("only_from") == "required",
        no_access_required=limits.get("no_access") == "required",
        log_on_failure_includes=tuple(limits["log_on_failure"]["includes"]) if "log_on_failure" in limits else (),
        locations=locations,
        meta=parse_rule_meta(doc, base, limits),
    )


def _merge_limits(earlier: XinetdLimits | None, later: XinetdLimits | None) -> XinetdLimits | None:
    """`xinetd.limits` merged key by key: a child setting `max_load` keeps its parents' `instances`.

    Each limit is a scalar setting, so the last file that sets it wins (a child replacing the
    whole mapping would silently drop limits a parent policy such as builtin:xinetd-hardening
    requires). Each limit keeps the location of the file that set it; `severity`, `reason` and
    `controls` on `limits:` are the last file's, else the earlier one's.
    """
    if earlier is None or later is None:
        return later or earlier
    values = {field_name: getattr(later if key in later.locations else earlier, field_name)
              for key, field_name in _LIMIT_FIELDS.items()}
    meta = later.meta
    if meta is not None and earlier.meta is not None:
        meta = replace(meta, severity=meta.severity or earlier.meta.severity,
                       reason=meta.reason or earlier.meta.reason, controls=meta.controls or earlier.meta.controls)
    return XinetdLimits(**values, locations={**earlier.locations, **later.locations}, meta=meta or earlier.meta)


def _dump_limits(limits: XinetdLimits) -> dict[str, Any]:
    return {
        **({"instances": {"max": limits.instances_max}} if limits.instances_max is not None else {}),
        **({"cps": {"max_rate": limits.cps_max_rate}} if limits.cps_max_rate is not None else {}),
        **({"per_source": {"max": limits.per_source_max}} if limits.per_source_max is not None else {}),
        **({"max_load": {"max": limits.max_load_max}} if limits.max_load_max is not None else {}),
        **({"only_from": "required"} if limits.only_from_required else {}),
        **({"no_access": "required"} if limits.no_access_required else {}),
        **({"log_on_failure": {"includes": list(limits.log_on_failure_includes)}}
           if limits.log_on_failure_includes else {}),
        **(dump_rule_meta(limits.meta) if limits.meta else {}),
    }


class XinetdSection(BaselineSection[DeclaredXinetd]):
    keys = ("xinetd",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredXinetd:
        services = parse_named_allow_forbid(doc, "xinetd", "service", "xinetd service", str, _xinetd_allow, problems)
        xinetd = doc.data.get("xinetd", {})
        return DeclaredXinetd(services, _parse_limits(doc, xinetd["limits"]) if "limits" in xinetd else None)

    def merge(self, earlier: DeclaredXinetd, later: DeclaredXinetd) -> DeclaredXinetd:
        return DeclaredXinetd(earlier.services.merged_with(later.services), _merge_limits(earlier.limits, later.limits))

    def apply(self, merged: DeclaredXinetd, baseline: Baseline) -> Baseline:
        services = merged.services
        return replace(baseline, xinetd=XinetdPolicy(services.resolved_default, tuple(services.allow.values()),
                                                     tuple(services.forbid.values()), merged.limits,
                                                     services.location))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        policy = baseline.xinetd
        xinetd: dict[str, Any] = {
            "default": policy.default.value,
            "allow": [{"service": x.name, **dump_rule_meta(x.meta)} for x in policy.allow],
            "forbid": dump_forbidden_names("service", policy.forbid),
        }
        if policy.limits:
            xinetd["limits"] = _dump_limits(policy.limits)
        return {"xinetd": xinetd}

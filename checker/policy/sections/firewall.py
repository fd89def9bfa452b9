"""The `firewall` section: what the host's own nftables/iptables input path must do.

`required: true` asks for inbound filtering (firewall-missing); `listeners: covered` asks for
an explicit rule for every non-loopback listener's port (firewall-port-uncovered, the CIS
control). Keys merge one by one across `extends`: a child that sets only `listeners` keeps
its parent's `required`. The section's `severity`, `reason` and `controls` apply to every
firewall check; results point at the `firewall:` key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, FirewallPolicy, RuleMeta
from checker.policy.sections.interface import BaselineSection, later_if_set
from checker.policy.sections.rule_meta import dump_rule_meta, parse_rule_meta
from checker.policy.yaml_positions import Document


@dataclass(frozen=True)
class DeclaredFirewall:
    """What one file (or a merge of files) says under `firewall:`; None = not said."""

    meta: RuleMeta | None = None
    required: bool | None = None
    listeners: str | None = None


class FirewallSection(BaselineSection[DeclaredFirewall]):
    keys = ("firewall",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredFirewall:
        if "firewall" not in doc.data:
            return DeclaredFirewall()
        section = doc.data.get("firewall") or {}
        return DeclaredFirewall(parse_rule_meta(doc, ("firewall",), section), section.get("required"),
                                section.get("listeners"))

    def merge(self, earlier: DeclaredFirewall, later: DeclaredFirewall) -> DeclaredFirewall:
        if later.meta is None:
            return earlier
        meta = later.meta
        if earlier.meta is not None:
            meta = RuleMeta(later.meta.location, later_if_set(earlier.meta.severity, later.meta.severity),
                            later_if_set(earlier.meta.reason, later.meta.reason),
                            later.meta.controls or earlier.meta.controls)
        return DeclaredFirewall(meta, later_if_set(earlier.required, later.required),
                                later_if_set(earlier.listeners, later.listeners))

    def apply(self, merged: DeclaredFirewall, baseline: Baseline) -> Baseline:
        if merged.meta is None:
            return baseline
        return replace(baseline, firewall=FirewallPolicy(merged.meta, bool(merged.required),
                                                         merged.listeners == "covered"))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        policy = baseline.firewall
        if policy is None:
            return {}
        return {"firewall": {"required": policy.required, "listeners": "covered" if policy.listeners_covered
                             else "any", **dump_rule_meta(policy.meta)}}

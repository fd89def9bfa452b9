"""The `waivers` section: accepted failures with a reason and an expiry date; files' lists concatenate."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, CheckId, Waiver
from checker.policy.schema import did_you_mean
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.ports import parse_port_range
from checker.policy.yaml_positions import Document, Path

DeclaredWaivers = tuple[Waiver, ...]

_PORT_CHECKS = frozenset({"port-unexpected", "port-forbidden", "port-required-missing", "port-bind", "port-process",
                          "port-exposed", "port-unreachable"})
"""The checks whose results carry a port, so `match.port` can match them."""


class WaiversSection(BaselineSection[DeclaredWaivers]):
    keys = ("waivers",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredWaivers:
        check_ids = [c.value for c in CheckId]
        waivers: list[Waiver] = []
        for index, entry in enumerate(doc.data.get("waivers", [])):
            path: Path = ("waivers", index)
            if entry["check"] not in check_ids:
                problems.append(doc.problem(path + ("check",), f"unknown check id {entry['check']!r}"
                                                               f"{did_you_mean(entry['check'], check_ids)}"))
                continue
            try:
                expires = dt.date.fromisoformat(str(entry["expires"]))
            except ValueError:
                problems.append(doc.problem(path + ("expires",), f"expires {entry['expires']!r} is not a real date"))
                continue
            match = dict(entry.get("match", {}))
            if "port" in match:
                port_range = parse_port_range(match["port"], doc, path + ("match", "port"), problems)
                if port_range is None:
                    continue
                match["port"] = str(port_range)
                if entry["check"] not in _PORT_CHECKS:
                    problems.append(doc.problem(path + ("match", "port"),
                                                f"match.port never matches a {entry['check']} result"))
            waivers.append(Waiver(
                check=CheckId(entry["check"]), match=match, reason=entry["reason"], expires=expires,
                location=doc.location(path), hosts=tuple(entry.get("hosts", ())),
            ))
        return tuple(waivers)

    def merge(self, earlier: DeclaredWaivers, later: DeclaredWaivers) -> DeclaredWaivers:
        return earlier + later

    def apply(self, merged: DeclaredWaivers, baseline: Baseline) -> Baseline:
        return replace(baseline, waivers=merged)

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        return {"waivers": [{"check": w.check.value, **({"match": dict(w.match)} if w.match else {}),
                             **({"hosts": list(w.hosts)} if w.hosts else {}), "reason": w.reason,
                             "expires": w.expires.isoformat()} for w in baseline.waivers]}

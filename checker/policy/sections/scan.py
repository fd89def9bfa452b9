"""The `scan` section: the outside view's nmap settings, merged key by key across `extends`.

Port specs are checked with the grammar nmap's argv is built from (`checker.model.port_spec`)
and worded for a baseline author; the other keys are fully checked by the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import Problem
from checker.model import Baseline, ScanSettings
from checker.model.port_spec import PortSpecError, PortSpecFault, parse_port_spec
from checker.policy.sections.interface import BaselineSection
from checker.policy.yaml_positions import Document

DeclaredScan = Mapping[str, Any]
"""The `ScanSettings` fields this file sets (port specs as text: YAML may give `443`)."""


def port_spec_problem(spec: str, *, allow_none: bool) -> str | None:
    """Why a `scan` port spec is unusable, or None."""
    try:
        parse_port_spec(spec, allow_none=allow_none)
    except PortSpecError as exc:
        if exc.fault is PortSpecFault.TOP_OUT_OF_RANGE:
            return "top:N needs 1 <= N <= 65535"
        if exc.fault is PortSpecFault.ITEM_OUT_OF_RANGE:
            return f"{exc.item!r} is not a port range within 1-65535"
        words = "`all`, `top:N`" + (", `none`" if allow_none else "")
        return f"{spec!r} is not {words} or a list like 1-1024,8080"
    return None


class ScanSection(BaselineSection[DeclaredScan]):
    keys = ("scan",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredScan:
        scan = dict(doc.data.get("scan", {}))
        for key in ("tcp_ports", "udp_ports"):
            if key in scan:
                scan[key] = str(scan[key])
                message = port_spec_problem(scan[key], allow_none=key == "udp_ports")
                if message:
                    problems.append(doc.problem(("scan", key), f"scan.{key}: {message}"))
        return scan

    def merge(self, earlier: DeclaredScan, later: DeclaredScan) -> DeclaredScan:
        return {**earlier, **later}

    def apply(self, merged: DeclaredScan, baseline: Baseline) -> Baseline:
        return replace(baseline, scan=ScanSettings(**merged))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        scan = baseline.scan
        return {"scan": {"tcp_ports": scan.tcp_ports, "udp_ports": scan.udp_ports,
                         "service_detection": scan.service_detection, "timing": scan.timing,
                         "host_timeout": scan.host_timeout}}

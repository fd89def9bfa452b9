"""The `ports` section: which listeners may exist (`allow`) and which ports must stay shut (`forbid`).

A forbid entry without `protocol` forbids tcp and udp; while merging it is kept as one entry
per protocol, so that a child file can re-allow one protocol, and is written back as one
entry when both protocols still come from the same rule. `parse_port_range` is also what
`waivers.py` reads `match.port` with.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checker.errors import BaselineError, Problem
from checker.model import Baseline, Exposure, PortAllow, PortForbid, PortRange, PortsPolicy, Protocol
from checker.policy.schema import did_you_mean
from checker.policy.sections.allow_forbid import AllowForbid, parse_default
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.rule_meta import dump_rule_meta, parse_rule_meta
from checker.policy.yaml_positions import Document, Path

BIND_WORDS = ("loopback", "any")

PortKey = tuple[int, int, str]
"""(low, high, protocol): what a later file's entry overrides."""
DeclaredPorts = AllowForbid[PortKey, PortAllow, PortForbid]
"""Forbid entries are one per protocol here (see the module docstring)."""


def parse_port_range(value: Any, doc: Document, path: Path, problems: list[Problem]) -> PortRange | None:
    """`22` or `"8000-8100"` (the schema checked the shape) -> PortRange; None and a problem if unusable."""
    if isinstance(value, int):
        return PortRange(value, value)
    low_text, _, high_text = str(value).partition("-")
    low, high = int(low_text), int(high_text or low_text)
    for port in (low, high):
        if not 1 <= port <= 65535:
            problems.append(doc.problem(path, f"port {port} is out of range 1-65535"))
            return None
    if low > high:
        problems.append(doc.problem(path, f"port range {value!r}: low end {low} is above high end {high}"))
        return None
    return PortRange(low, high)


def _check_bind(value: str, doc: Document, path: Path, problems: list[Problem]) -> None:
    if value in BIND_WORDS:
        return
    try:
        if "/" in value:
            ipaddress.ip_network(value, strict=False)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        hint = did_you_mean(value, BIND_WORDS)
        problems.append(doc.problem(path, f"bind {value!r} is not an IP address, a CIDR, `loopback` or `any`{hint}"))


def _port_key(ports: PortRange, protocol: Protocol) -> PortKey:
    return (ports.low, ports.high, protocol.value)


def _covers(forbid: PortForbid, allow: PortAllow) -> bool:
    """True when the forbid makes the allow entry useless: same protocol, whole range inside."""
    return (forbid.protocol in (None, allow.protocol)
            and forbid.ports.low <= allow.ports.low and allow.ports.high <= forbid.ports.high)


def _allow_forbid_conflicts(allow: Sequence[PortAllow], forbid: Sequence[PortForbid]) -> list[Problem]:
    # A single-port forbid covers only an allow entry of that very port, so only forbid ranges
    # are checked against every entry: 500 allows x 4,500 forbids were 2.25 million checks.
    single: dict[int, list[int]] = {}
    ranges: list[int] = []
    for index, rule in enumerate(forbid):
        if rule.ports.low == rule.ports.high:
            single.setdefault(rule.ports.low, []).append(index)
        else:
            ranges.append(index)
    problems = []
    for entry in allow:
        candidates = ranges
        if entry.ports.low == entry.ports.high and entry.ports.low in single:
            candidates = sorted(ranges + single[entry.ports.low])  # in baseline order, as before
        for rule in (forbid[index] for index in candidates):
            if _covers(rule, entry):
                loc = entry.meta.location
                problems.append(Problem(loc.file, loc.line, loc.column,
                                        f"{entry.protocol}/{entry.ports} is both allowed and forbidden "
                                        f"(forbid at {rule.meta.location.file}:{rule.meta.location.line})"))
    return problems


def _collapse_forbid(forbid: Mapping[PortKey, PortForbid]) -> list[PortForbid]:
    """Per-protocol forbid entries back to one entry where both protocols come from one rule."""
    result: list[PortForbid] = []
    seen: set[tuple[int, int, int, str]] = set()
    for (low, high, protocol), rule in forbid.items():
        other = forbid.get((low, high, "udp" if protocol == "tcp" else "tcp"))
        if other is not None and other.meta == rule.meta:
            marker = (low, high, rule.meta.location.line, rule.meta.location.file)
            if marker in seen:
                continue
            seen.add(marker)
            result.append(PortForbid(rule.ports, None, rule.meta))
        else:
            result.append(rule)
    return result


def _dump_ports(ports: PortRange) -> int | str:
    return str(ports) if ports.low != ports.high else ports.low


class PortsSection(BaselineSection[DeclaredPorts]):
    keys = ("ports",)

    def parse(self, doc: Document, problems: list[Problem]) -> DeclaredPorts:
        ports = doc.data.get("ports", {})
        allow = self._parse_allow(doc, ports.get("allow", []), problems)
        forbid = self._parse_forbid(doc, ports.get("forbid", []), problems)
        problems.extend(_allow_forbid_conflicts(allow, forbid))
        per_protocol: dict[PortKey, PortForbid] = {}
        for rule in forbid:
            for protocol in ([rule.protocol] if rule.protocol else list(Protocol)):
                per_protocol[_port_key(rule.ports, protocol)] = (
                    PortForbid(rule.ports, protocol, rule.meta) if rule.protocol is None else rule)
        default, location = parse_default(doc, "ports")
        return AllowForbid(default, location, {_port_key(a.ports, a.protocol): a for a in allow}, per_protocol)

    @staticmethod
    def _parse_allow(doc: Document, entries: list[dict[str, Any]], problems: list[Problem]) -> list[PortAllow]:
        allow: list[PortAllow] = []
        seen: dict[tuple[PortRange, Protocol], int] = {}
        for index, entry in enumerate(entries):
            path: Path = ("ports", "allow", index)
            port_range = parse_port_range(entry["port"], doc, path + ("port",), problems)
            for bind_index, bind in enumerate(entry.get("bind", [])):
                _check_bind(bind, doc, path + ("bind", bind_index), problems)
            if port_range is None:
                continue
            protocol = Protocol(entry.get("protocol", "tcp"))
            if (port_range, protocol) in seen:
                first = doc.location(("ports", "allow", seen[(port_range, protocol)])).line
                problems.append(doc.problem(path, f"duplicate allow entry for {protocol}/{port_range} "
                                                  f"(first at line {first})"))
            seen[(port_range, protocol)] = index
            if entry.get("exposure") == "public" and entry.get("bind") == ["loopback"]:
                problems.append(doc.problem(path + ("exposure",), "exposure: public contradicts bind: [loopback]"))
            allow.append(PortAllow(
                ports=port_range, protocol=protocol, meta=parse_rule_meta(doc, path, entry),
                process=entry.get("process"), user=entry.get("user"), bind=tuple(entry.get("bind", ())),
                exposure=Exposure(entry["exposure"]) if "exposure" in entry else None,
                required=bool(entry.get("required", False)),
            ))
        return allow

    @staticmethod
    def _parse_forbid(doc: Document, entries: list[dict[str, Any]], problems: list[Problem]) -> list[PortForbid]:
        forbid: list[PortForbid] = []
        seen: dict[tuple[PortRange, Protocol | None], int] = {}
        for index, entry in enumerate(entries):
            path: Path = ("ports", "forbid", index)
            port_range = parse_port_range(entry["port"], doc, path + ("port",), problems)
            if port_range is None:
                continue
            protocol = Protocol(entry["protocol"]) if "protocol" in entry else None
            if (port_range, protocol) in seen:
                first = doc.location(("ports", "forbid", seen[(port_range, protocol)])).line
                problems.append(doc.problem(path, f"duplicate forbid entry for port {port_range} "
                                                  f"(first at line {first})"))
            seen[(port_range, protocol)] = index
            forbid.append(PortForbid(port_range, protocol, parse_rule_meta(doc, path, entry)))
        return forbid

    def merge(self, earlier: DeclaredPorts, later: DeclaredPorts) -> DeclaredPorts:
        return earlier.merged_with(later)

    def apply(self, merged: DeclaredPorts, baseline: Baseline) -> Baseline:
        forbid = _collapse_forbid(merged.forbid)
        problems = _allow_forbid_conflicts(list(merged.allow.values()), forbid)
        if problems:
            raise BaselineError(problems)
        return replace(baseline, ports=PortsPolicy(merged.resolved_default, tuple(merged.allow.values()),
                                                   tuple(forbid), merged.location))

    def dump(self, baseline: Baseline) -> dict[str, Any]:
        allow = [{"port": _dump_ports(a.ports), "protocol": a.protocol.value,
                  **({"process": a.process} if a.process else {}), **({"user": a.user} if a.user else {}),
                  **({"bind": list(a.bind)} if a.bind else {}),
                  **({"exposure": a.exposure.value} if a.exposure else {}),
                  **({"required": True} if a.required else {}), **dump_rule_meta(a.meta)}
                 for a in baseline.ports.allow]
        forbid = [{"port": _dump_ports(f.ports), **({"protocol": f.protocol.value} if f.protocol else {}),
                   **dump_rule_meta(f.meta)} for f in baseline.ports.forbid]
        return {"ports": {"default": baseline.ports.default.value, "allow": allow, "forbid": forbid}}

"""Waivers: turn matching `fail` results into `waived`, and report expired and unused waivers.

Runs after every rule family, over all hosts at once (a waiver is "unused" only when it
matched nothing on any host). Produces waiver-expired and waiver-unused, resource
`waiver:<file>:<line>` (the waiver's baseline location). Must not do I/O or read the clock:
"today" is each host's `EvaluationContext.today` (the snapshot's collection date).

Matching (pinned by tests/unit/evaluate/test_waivers.py). A waiver matches a result when:

* its `check` is the result's check id, and the result is a `fail` (`error`, `skip` and
  `pass` are never waived);
* its `hosts` is empty, or one entry (an fnmatch glob, compared without case or trailing dot)
  matches the host: the result host, the snapshot's hostname, a scanned address or a name the
  user gave the scan; never a reverse-DNS (PTR) name nmap reported (`host_aliases`);
* every key of `match` matches the result's *match fields* (`match_fields`): `resource` (the
  result resource) and, from the evidence, `port`, `protocol`, `address`, `process`,
  `user`, `unit`, `service` (an xinetd service's name or id), `attribute`, `state`. A port
  result without `port`/`protocol` in its evidence (a rule-level result such as
  `port-required-missing` on `tcp/*:443`) takes them from its resource, so the waiver
  `match: {port: 443, protocol: tcp}` of ../shared/DESIGN.md covers it; a rule range (`tcp/*:8000-8100`)
  is matched by a waiver port range that contains all of it. `port`
  takes a number or a range `"8000-8100"`; every other value matches when equal to the
  text, or as a case-sensitive fnmatch glob (`protocol` is compared lower-case). A key the
  result does not have never matches.

Outcome:

* the first unexpired matching waiver (baseline order) makes the result `waived`, with
  its reason, expiry and baseline location in `Result.waiver`;
* a waiver is expired when `expires` < today (it still covers its expiry day). An expired
  waiver does not apply: the result stays `fail`, with `waiver.expired = true`, and the
  host gets one `waiver-expired` result (severity from `defaults`, then the check default)
  listing the resources it no longer covers;
* a waiver that matched no fail on any host in its scope gives one `waiver-unused` result,
  always severity low, on the first (sorted) host in its scope. A waiver whose `hosts`
  matches none of the audited hosts is out of scope for this run and reported nowhere: a
  fleet baseline audited host by host must not fail every other host.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checker.evaluate.interface import EvaluationContext
from checker.model import (
    Baseline,
    CheckId,
    PortRange,
    Result,
    Severity,
    Snapshot,
    Status,
    Waiver,
    WaiverApplied,
)
from checker.model.network import host_name_key

WAIVER_CHECKS = frozenset({CheckId.WAIVER_EXPIRED, CheckId.WAIVER_UNUSED})

MATCH_KEYS = ("port", "protocol", "address", "process", "user", "unit", "service", "attribute", "state")
"""Evidence keys a waiver's `match` may use, besides `resource`."""


@dataclass(frozen=True)
class HostEvaluation:
    """One host's results before waivers, with what waivers need to know about the host."""

    ctx: EvaluationContext
    snapshot: Snapshot
    results: tuple[Result, ...]


def host_aliases(ctx: EvaluationContext, snapshot: Snapshot) -> tuple[str, ...]:
    """Names a waiver's `hosts` may use for this host (compared as `host_name_key`): the result
    host, the snapshot's hostname and the outside view's identities (scanned addresses, names
    the user gave the scan). Never a reverse-DNS name: whoever controls the address's reverse
    zone could name it after a waived host (`NetworkView.identities`)."""
    names = [ctx.host, snapshot.host.hostname]
    if snapshot.network is not None:
        names.extend(snapshot.network.identities())
    return tuple(dict.fromkeys(host_name_key(name) for name in names if name))


def in_scope(waiver: Waiver, aliases: Sequence[str]) -> bool:
    if not waiver.hosts:
        return True
    return any(fnmatch.fnmatchcase(alias, host_name_key(pattern)) for pattern in waiver.hosts for alias in aliases)


_PORT_RESOURCE = re.compile(r"(tcp|udp)/.*:([0-9]+)(?:-([0-9]+))?")
"""`tcp/*:443`, `udp/[::]:53`, `tcp/192.0.2.7:8000-8100`: the resources of port results."""


def match_fields(result: Result) -> dict[str, Any]:
    """What a waiver's `match` keys are compared with (see the module docstring)."""
    fields: dict[str, Any] = {"resource": result.resource}
    for key in MATCH_KEYS:
        value = result.evidence.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            fields[key] = value
    port_resource = _PORT_RESOURCE.fullmatch(result.resource)
    if port_resource is not None:
        fields.setdefault("protocol", port_resource.group(1))
        low = int(port_resource.group(2))
        fields.setdefault("port", PortRange(low, int(port_resource.group(3) or low)))
    service_id = result.evidence.get("id")
    if "service" in fields and isinstance(service_id, str) and service_id != fields["service"]:
        fields["service"] = (fields["service"], service_id)
    return fields


def _value_matches(key: str, expected: Any, actual: Any) -> bool:
    if key == "port":
        if isinstance(actual, bool) or not isinstance(actual, (int, PortRange)):
            return False
        wanted = _port_range(expected)
        if wanted is None:
            return False
        if isinstance(actual, PortRange):
            return wanted.low <= actual.low and actual.high <= wanted.high
        return actual in wanted
    if key == "protocol":
        return str(actual).lower() == str(expected).lower()
    if isinstance(actual, tuple):  # several names for one thing (an xinetd name and id)
        return any(_value_matches(key, expected, one) for one in actual)
    return str(actual) == str(expected) or fnmatch.fnmatchcase(str(actual), str(expected))


def _port_range(expected: Any) -> PortRange | None:
    """A waiver's `port` (443, "443", "8000-8100") as a range; None when unreadable."""
    if isinstance(expected, bool):
        return None
    if isinstance(expected, int):
        return PortRange(expected, expected)
    low, _, high = str(expected).partition("-")
    try:
        return PortRange(int(low), int(high or low))
    except ValueError:
        return None


def waiver_matches(waiver: Waiver, result: Result) -> bool:
    """Check id and `match` keys (host scope and status are checked by the caller)."""
    if waiver.check != result.check:
        return False
    fields = match_fields(result)
    return all(key in fields and _value_matches(key, expected, fields[key])
               for key, expected in waiver.match.items())


def _applied(waiver: Waiver, *, expired: bool) -> WaiverApplied:
    return WaiverApplied(reason=waiver.reason, expires=waiver.expires, location=waiver.location, expired=expired)


def _waiver_resource(waiver: Waiver) -> str:
    return f"waiver:{waiver.location.file}:{waiver.location.line}"


def _waiver_evidence(waiver: Waiver) -> dict[str, Any]:
    return {"check": waiver.check.value, "match": dict(waiver.match), "hosts": list(waiver.hosts),
            "reason": waiver.reason, "expires": waiver.expires.isoformat()}


def apply_waivers(baseline: Baseline, hosts: Sequence[HostEvaluation]) -> list[tuple[Result, ...]]:
    """Each host's results with waivers applied, plus waiver-expired / waiver-unused results."""
    waivers = baseline.waivers
    used: set[int] = set()
    out: list[tuple[Result, ...]] = []
    scoped_hosts: dict[int, list[HostEvaluation]] = {i: [] for i in range(len(waivers))}
    for host in hosts:
        aliases = host_aliases(host.ctx, host.snapshot)
        scope = [i for i, waiver in enumerate(waivers) if in_scope(waiver, aliases)]
        for i in scope:
            scoped_hosts[i].append(host)
        expired_covers: dict[int, list[str]] = {}
        results: list[Result] = []
        for result in host.results:
            if result.status is not Status.FAIL:
                results.append(result)
                continue
            matching = [i for i in scope if waiver_matches(waivers[i], result)]
            used.update(matching)
            valid = [i for i in matching if waivers[i].expires >= host.ctx.today]
            if valid:
                results.append(replace(result, status=Status.WAIVED,
                                       waiver=_applied(waivers[valid[0]], expired=False)))
            elif matching:
                for i in matching:
                    expired_covers.setdefault(i, []).append(result.resource)
                results.append(replace(result, waiver=_applied(waivers[matching[0]], expired=True)))
            else:
                results.append(result)
        for i, resources in sorted(expired_covers.items()):
            waiver = waivers[i]
            results.append(host.ctx.result(
                CheckId.WAIVER_EXPIRED, _waiver_resource(waiver), Status.FAIL,
                f"The waiver for {waiver.check.value} expired on {waiver.expires.isoformat()} "
                f"(audit date {host.ctx.today.isoformat()}); {len(resources)} failure(s) it covered count again.",
                location=waiver.location,
                evidence={**_waiver_evidence(waiver), "today": host.ctx.today.isoformat(),
                          "covers": sorted(resources)},
                remediation="Fix the findings, or renew the waiver with a new reviewed `expires` date.",
            ))
        out.append(tuple(results))
    index_of = {id(host): n for n, host in enumerate(hosts)}
    for i, waiver in enumerate(waivers):
        if i in used or not scoped_hosts[i]:
            continue
        host = min(scoped_hosts[i], key=lambda h: h.ctx.host)
        n = index_of[id(host)]
        expired = waiver.expires < host.ctx.today
        out[n] = (*out[n], host.ctx.result(
            CheckId.WAIVER_UNUSED, _waiver_resource(waiver), Status.FAIL,
            f"The waiver for {waiver.check.value} matching {_describe_match(waiver.match)} matched no failure"
            + (" on any audited host" if len(hosts) > 1 else "") + (" (and it has expired)." if expired else "."),
            location=waiver.location, severity=Severity.LOW,
            evidence={**_waiver_evidence(waiver), "expired": expired},
            remediation="Remove the waiver from the baseline, or correct its `check`/`match`/`hosts`.",
        ))
    return out


def _describe_match(match: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(match.items())) or "everything"

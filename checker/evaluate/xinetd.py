"""The `xinetd:` rule family: which xinetd services may be enabled, and their limits.

Produces xinetd-service-unexpected, xinetd-service-forbidden, xinetd-limit, xinetd-access and
xinetd-logging. Only *enabled* services are looked at. Resources: `xinetd:<id>` (the
service id, which defaults to its name) and `xinetd:<id>/<attribute>` for limits. Must not
do I/O or parse xinetd files: the snapshot holds the effective, defaults-merged values.

Decisions (pinned by tests/unit/evaluate/test_xinetd.py):

* allow/forbid entries match a service by name or id.
* `forbid`: a fail per enabled matching service, else one pass `xinetd:<entry name>`.
* Limits are checked on the effective attribute values (strings as written):
  `instances` unset or `UNLIMITED` fails a max, a number above it fails; `cps` fails when
  unset or its first value (connections per second) is above `max_rate`; `per_source` unset
  or `UNLIMITED` fails, a number above the max fails; `max_load` unset or 0 fails (xinetd
  then never refuses), above the max fails. An unreadable number fails (xinetd would reject
  or misread it): `instances`, `per_source` and both `cps` values must be non-negative
  integers as xinetd parses them, `max_load` a non-negative decimal; `nan`, `1e3` for a
  count, `-1` or `0x10` are not limits. `only_from` / `no_access` required: fail when absent or empty;
  `only_from` also fails when its entries admit every client of a family (`0.0.0.0`, `0`,
  `X/0`, `::/0`, ...: checker/evaluate/xinetd_access.py), since access is then not restricted.
  `log_on_failure.includes`: every listed flag must be present (case-insensitive).
* Evidence of each attribute names the xinetd `file:line` that set it (`XinetdValue.location`),
  or `null` when it is unset; the result location is the baseline line of that limit. Every
  evidence names the collector; a forbid pass lists each entry of that name with the reason
  xinetd would not run it (`disable = yes`, "No such internal service", ...).
* The xinetd collector FAILED/UNAVAILABLE: every rule is `error`; NOT_RUN: `skip`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from checker.evaluate.interface import EvaluationContext, RuleFamily, evidence_state
from checker.evaluate.xinetd_access import admits_every_client
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    DefaultPolicy,
    Location,
    Result,
    RuleMeta,
    Snapshot,
    Status,
    XinetdLimits,
    XinetdService,
)


def service_matches(service: XinetdService, name: str) -> bool:
    return name in (service.name, service.id)


def service_evidence(service: XinetdService) -> dict[str, Any]:
    """The service entry and what proved it: the collector and the `service` line's file and line."""
    return {
        "collector": Collector.XINETD.value,
        "service": service.name,
        "id": service.id,
        "enabled": service.enabled,
        "file": service.location.file,
        "line": service.location.line,
        "defined_at": str(service.location),
        "port": service.port,
        "protocol": service.protocol,
        "disabled_reason": service.disabled_reason,
    }


def attribute_evidence(service: XinetdService, attribute: str) -> dict[str, Any]:
    """The attribute's effective value and the file and line that set it (None: unset)."""
    value = service.attributes.get(attribute)
    return {
        "collector": Collector.XINETD.value,
        "service": service.name,
        "id": service.id,
        "attribute": attribute,
        "value": " ".join(value.values) if value is not None else None,
        "set_at": str(value.location) if value is not None else None,
        "file": value.location.file if value is not None else None,
        "line": value.location.line if value is not None else None,
    }


def _disable_hint(service: XinetdService) -> str:
    return (f"Set `disable = yes` in `service {service.name}` ({service.location}) and reload xinetd "
            "(`systemctl reload xinetd`).")


class XinetdFamily(RuleFamily):
    checks = frozenset({CheckId.XINETD_SERVICE_UNEXPECTED, CheckId.XINETD_SERVICE_FORBIDDEN, CheckId.XINETD_LIMIT,
                        CheckId.XINETD_ACCESS, CheckId.XINETD_LOGGING})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        policy = baseline.xinetd
        if policy.default is DefaultPolicy.DENY or policy.allow or policy.forbid or policy.limits is not None:
            return frozenset({Collector.XINETD})
        return frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        policy = baseline.xinetd
        state = evidence_state(snapshot, Collector.XINETD)
        if not state.present:
            yield from _gaps(baseline, state.gap_status, state.reason, state.evidence(), ctx)
            return
        enabled = sorted((s for s in snapshot.xinetd_services if s.enabled), key=lambda s: (s.id, s.name))
        if policy.default is DefaultPolicy.DENY:
            for service in enabled:
                entry = next((a for a in policy.allow if service_matches(service, a.name)), None)
                resource = f"xinetd:{service.id}"
                if entry is not None:
                    yield ctx.result(CheckId.XINETD_SERVICE_UNEXPECTED, resource, Status.PASS,
                                     f"xinetd service {service.id} is allowed.", meta=entry.meta,
                                     evidence=service_evidence(service))
                else:
                    yield ctx.result(
                        CheckId.XINETD_SERVICE_UNEXPECTED, resource, Status.FAIL,
                        f"xinetd service {service.id} ({service.location}) is enabled but not allowed by "
                        "`xinetd.allow`.",
                        location=policy.location, evidence=service_evidence(service),
                        remediation=_disable_hint(service) + " Or add a reviewed `xinetd.allow` entry.",
                    )
        for forbid in policy.forbid:
            matches = [s for s in enabled if service_matches(s, forbid.name)]
            for service in matches:
                yield ctx.result(
                    CheckId.XINETD_SERVICE_FORBIDDEN, f"xinetd:{service.id}", Status.FAIL,
                    f"Forbidden xinetd service {service.id} is enabled ({service.location})"
                    + (f": {forbid.meta.reason}." if forbid.meta.reason else "."),
                    meta=forbid.meta, evidence=service_evidence(service), remediation=_disable_hint(service),
                )
            if not matches:
                # The proof of "not enabled": every entry of that name and why xinetd would not run it.
                entries = [service_evidence(s) for s in snapshot.xinetd_services if service_matches(s, forbid.name)]
                yield ctx.result(CheckId.XINETD_SERVICE_FORBIDDEN, f"xinetd:{forbid.name}", Status.PASS,
                                 f"Forbidden xinetd service {forbid.name} is not enabled"
                                 + (f" ({entries[0]['disabled_reason']})." if entries else " (not defined)."),
                                 meta=forbid.meta, evidence={"collector": Collector.XINETD.value,
                                                             "service": forbid.name, "enabled": False,
                                                             "entries": entries})
        if policy.limits is not None:
            for service in enabled:
                yield from _limits(policy.limits, service, baseline, ctx)


def _limits_meta(limits: XinetdLimits, key: str, baseline: Baseline) -> RuleMeta:
    """The rule metadata of one limit: its own baseline line, `limits:`'s severity/controls."""
    base = limits.meta
    location = limits.locations.get(key) or (base.location if base else None) or baseline.xinetd.location
    return RuleMeta(location=location or Location(baseline.path, 0), severity=base.severity if base else None,
                    reason=base.reason if base else None, controls=base.controls if base else ())


def _gaps(baseline: Baseline, status: Status, reason: str, evidence: dict[str, Any],
          ctx: EvaluationContext) -> Iterator[Result]:
    policy = baseline.xinetd
    if policy.default is DefaultPolicy.DENY:
        yield ctx.result(CheckId.XINETD_SERVICE_UNEXPECTED, "xinetd:default-deny", status,
                         f"Cannot check xinetd services against `xinetd.default: deny`: {reason}.",
                         location=policy.location, evidence=evidence)
    for forbid in policy.forbid:
        yield ctx.result(CheckId.XINETD_SERVICE_FORBIDDEN, f"xinetd:{forbid.name}", status,
                         f"Cannot tell whether forbidden xinetd service {forbid.name} is enabled: {reason}.",
                         meta=forbid.meta, evidence=evidence)
    limits = policy.limits
    if limits is None:
        return
    for key, check in _LIMIT_CHECKS.items():
        if _limit_configured(limits, key):
            yield ctx.result(check, f"xinetd:*/{key}", status,
                             f"Cannot check xinetd `{key}` limits: {reason}.",
                             meta=_limits_meta(limits, key, baseline), evidence=evidence)


_LIMIT_CHECKS = {
    "instances": CheckId.XINETD_LIMIT,
    "cps": CheckId.XINETD_LIMIT,
    "per_source": CheckId.XINETD_LIMIT,
    "max_load": CheckId.XINETD_LIMIT,
    "only_from": CheckId.XINETD_ACCESS,
    "no_access": CheckId.XINETD_ACCESS,
    "log_on_failure": CheckId.XINETD_LOGGING,
}


def _limit_configured(limits: XinetdLimits, key: str) -> bool:
    return {
        "instances": limits.instances_max is not None,
        "cps": limits.cps_max_rate is not None,
        "per_source": limits.per_source_max is not None,
        "max_load": limits.max_load_max is not None,
        "only_from": limits.only_from_required,
        "no_access": limits.no_access_required,
        "log_on_failure": bool(limits.log_on_failure_includes),
    }[key]


_INTEGER = re.compile(r"[0-9]+")


def _number(text: str, *, integer: bool = True) -> float | None:
    """The value of a limit as xinetd reads it, None when it is not a usable number.

    Python's `float()` accepts `nan` (which compares below every maximum) and `-1`: neither is
    a limit. Counts (`instances`, `per_source`, `cps`) are base-10 integers; `max_load` is a
    decimal (the collector writes it as Python's `repr`, e.g. `4.0` or `1e+20`).
    """
    if integer:
        return float(text) if _INTEGER.fullmatch(text.strip()) else None
    try:
        number = float(text)
    except ValueError:
        return None
    return None if math.isnan(number) or number < 0 else number


def _first(service: XinetdService, attribute: str) -> str | None:
    value = service.attributes.get(attribute)
    return value.values[0] if value is not None and value.values else None


def _count_problem(service: XinetdService, attribute: str, maximum: float, *,
                   zero_is_unset: bool = False, integer: bool = True) -> str | None:
    """Why the attribute breaks `max` (None: it does not)."""
    raw = _first(service, attribute)
    if raw is None:
        return "is not set (unlimited)"
    if raw.upper() == "UNLIMITED":
        return "is UNLIMITED"
    number = _number(raw, integer=integer)
    if number is None:
        return f"is not a number ({raw!r})"
    if zero_is_unset and number == 0:
        return "is 0 (no limit)"
    if number > maximum:
        return f"is {raw}, above the maximum {maximum:g}"
    return None


def _limits(limits: XinetdLimits, service: XinetdService, baseline: Baseline,
            ctx: EvaluationContext) -> Iterator[Result]:
    checks: list[tuple[str, float | None, bool]] = [
        ("instances", limits.instances_max, False),
        ("cps", limits.cps_max_rate, False),
        ("per_source", limits.per_source_max, False),
        ("max_load", limits.max_load_max, True),
    ]
    for attribute, maximum, zero_is_unset in checks:
        if maximum is None:
            continue
        if attribute == "cps":
            raw = _first(service, "cps")
            number = _number(raw) if raw is not None else None
            problem = ("is not set" if raw is None else f"is not a number ({raw!r})" if number is None
                       else f"allows {raw} connections per second, above {maximum:g}" if number > maximum else None)
            suggested = f"{maximum:g} 30"
        else:
            problem = _count_problem(service, attribute, maximum, zero_is_unset=zero_is_unset,
                                     integer=attribute != "max_load")
            suggested = f"{maximum:g}"
        yield _limit_result(CheckId.XINETD_LIMIT, service, attribute, problem,
                            f"{attribute} = {suggested}", limits, baseline, ctx,
                            ok_text=f"{attribute} is within {maximum:g}")
    for attribute, required in (("only_from", limits.only_from_required), ("no_access", limits.no_access_required)):
        if not required:
            continue
        value = service.attributes.get(attribute)
        everyone = admits_every_client(value.values) if value is not None and attribute == "only_from" else None
        problem = ("is not set" if value is None or not any(v.strip() for v in value.values)
                   else f"admits every {everyone} client ({' '.join(value.values)}): no restriction" if everyone
                   else None)
        yield _limit_result(CheckId.XINETD_ACCESS, service, attribute, problem,
                            f"{attribute} = <approved networks>", limits, baseline, ctx,
                            ok_text="only_from restricts clients" if attribute == "only_from"
                            else f"{attribute} is set")
    if limits.log_on_failure_includes:
        value = service.attributes.get("log_on_failure")
        present = {v.upper() for v in value.values} if value is not None else set()
        missing = [flag for flag in limits.log_on_failure_includes if flag.upper() not in present]
        problem = f"lacks {', '.join(missing)}" if missing else None
        yield _limit_result(CheckId.XINETD_LOGGING, service, "log_on_failure", problem,
                            f"log_on_failure += {' '.join(missing)}", limits, baseline, ctx,
                            ok_text="log_on_failure includes " + ", ".join(limits.log_on_failure_includes))


def _limit_result(check: CheckId, service: XinetdService, attribute: str, problem: str | None, setting: str,
                  limits: XinetdLimits, baseline: Baseline, ctx: EvaluationContext, *, ok_text: str) -> Result:
    meta = _limits_meta(limits, attribute, baseline)
    resource = f"xinetd:{service.id}/{attribute}"
    evidence = attribute_evidence(service, attribute)
    where = f" (set at {evidence['set_at']})" if evidence["set_at"] else ""
    if problem is None:
        return ctx.result(check, resource, Status.PASS, f"xinetd service {service.id}: {ok_text}{where}.",
                          meta=meta, evidence=evidence)
    return ctx.result(
        check, resource, Status.FAIL,
        f"xinetd service {service.id}: `{attribute}` {problem}{where}.",
        meta=meta, evidence=evidence,
        remediation=f"set {setting} in {service.location.file} (service {service.name}, or its `defaults`), "
        "then reload xinetd.",
    )

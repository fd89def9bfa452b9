"""The `socket_units:` rule family: systemd .socket units that may be enabled or listening.

Produces socket-unit-unexpected, socket-unit-forbidden and socket-unit-listen, resource
`unit:NAME.socket`. Must not do I/O.

Decisions (pinned by tests/unit/evaluate/test_socket_units.py):

* A unit *counts* when its unit-file state is enabled-like (the same set as `services`:
  what `systemctl is-enabled` exits 0 for) or its ActiveState is `active` (listening).
  Whether it counts is *unknown* (fail closed: `error`, never a pass) when its unit-file
  state is unknown (the unit-files collector failed), or when it is not enabled and its
  ActiveState is unknown while a running systemd could have started it (the unit-runtime
  collector FAILED or NOT_RUN). With runtime evidence an unlisted state means not loaded,
  so not active; with the runtime UNAVAILABLE (no running systemd, or `--root` reading an
  image) nothing can be active, so the unit-file state decides.
* Names without a `.` suffix mean `NAME.socket`.
* `default: deny`: one result per counting unit: pass when allowed, fail otherwise.
* `forbid`: a fail when the unit counts, else a pass (also when it does not exist).
* `listen`: compared with the unit's effective Listen* values (after drop-ins) as a *set*
  of normalised strings: whitespace trimmed, IP addresses in canonical form
  (`[0:0::1]:53` == `[::1]:53`), everything else exact. `22` and `0.0.0.0:22` stay
  different, as they are for systemd (a bare port listens on both IPv4 and IPv6). An
  allowed unit that does not exist gives `skip` for `listen`.
* The socket-units collector FAILED/UNAVAILABLE: every rule is `error`; NOT_RUN: `skip`.
* Evidence names what decided each result: the collector, the unit file (`source`) and the
  `file:line` of each Listen* value (`socket_unit_evidence`).
* PARTIAL evidence (socket units, unit files or runtime): a `fail` found stands, a `pass` is
  `error` (`evidence_collectors`, `checker.evaluate.partial_evidence`): a unit that looks
  disabled may be enabled by a link in the directory that could not be read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from checker.evaluate.interface import EvaluationContext, RuleFamily, evidence_state
from checker.evaluate.services import ENABLED_STATES
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    Location,
    Result,
    RuleMeta,
    Snapshot,
    SocketUnit,
    Status,
)
from checker.model.addresses import parse_address
from checker.model.text import address_before_port
from checker.model.units import unit_name


def counts(unit: SocketUnit, runtime: CollectorStatus = CollectorStatus.OK) -> bool | None:
    """Enabled-like or active: the units `default: deny` and `forbid` look at (None: unknown).

    `runtime` is the unit-runtime collector's status on the host (see the module docstring).
    """
    if unit.enablement in ENABLED_STATES or unit.active == "active":
        return True
    if unit.enablement is None:
        return None
    if unit.active is None and runtime in (CollectorStatus.FAILED, CollectorStatus.NOT_RUN, CollectorStatus.PARTIAL):
        return None
    return False


def normalise_listen(value: str) -> str:
    """Canonical text of one Listen* value for comparison (see the module docstring)."""
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        address = parse_address(host) if host.startswith("[") or "." in host else None
        if address is not None:
            return f"{address_before_port(str(address))}:{int(port)}"
        return f"{host}:{int(port)}"
    if text.isdigit():
        return str(int(text))
    return text


def socket_unit_evidence(unit: SocketUnit) -> dict[str, Any]:
    """The unit as read, and what proved it: the socket-units collector, the unit file (`source`)
    and the `file:line` of every Listen* value (drop-ins included)."""
    return {
        "collector": Collector.SOCKET_UNITS.value,
        "source": unit.path,
        "unit": unit.name,
        "path": unit.path,
        "enablement": unit.enablement,
        "active": unit.active,
        "service": unit.service,
        "listen": [
            {"kind": listen.kind, "value": listen.value,
             "location": str(listen.location) if listen.location else None}
            for listen in unit.listens
        ],
        "dropins": list(unit.dropins),
    }


def _absent_evidence(name: str) -> dict[str, Any]:
    """A unit the socket-units collector did not find in any unit directory."""
    return {"collector": Collector.SOCKET_UNITS.value, "source": "systemd unit directories", "unit": name,
            "present": False}


def _state_text(unit: SocketUnit) -> str:
    """`enabled and active`, `enabled (whether it is active is unknown)`: read after "is"."""
    if unit.enablement and unit.active:
        return f"{unit.enablement} and {unit.active}"
    if unit.enablement:
        return f"{unit.enablement} (whether it is active is unknown)"
    if unit.active:
        return f"{unit.active} (its unit-file state is unknown)"
    return "in an unknown state (unit-file state and activity unknown)"


def _unknown(ctx: EvaluationContext, check: CheckId, unit: SocketUnit, snapshot: Snapshot, what: str, *,
             meta: RuleMeta | None = None, location: Location | None = None) -> Result:
    """The `error` of a unit whose enablement or activity is unknown (fail closed)."""
    missing = [evidence_state(snapshot, c) for c in (Collector.UNIT_FILES, Collector.UNIT_RUNTIME)]
    reasons = "; ".join(state.reason for state in missing if not state.present) or "state not reported"
    return ctx.result(check, f"unit:{unit.name}", Status.ERROR,
                      f"{unit.name} ({_state_text(unit)}): {what}: {reasons}.",
                      meta=meta, location=location, evidence=socket_unit_evidence(unit))


class SocketUnitsFamily(RuleFamily):
    checks = frozenset({CheckId.SOCKET_UNIT_UNEXPECTED, CheckId.SOCKET_UNIT_FORBIDDEN, CheckId.SOCKET_UNIT_LISTEN})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        policy = baseline.socket_units
        if policy.default is DefaultPolicy.DENY or policy.allow or policy.forbid:
            # Not UNIT_FILES: without enablement only the socket units that exist are unknown, and
            # each of those is an `error` of its own (a host without any socket unit loses nothing).
            return frozenset({Collector.SOCKET_UNITS})
        return frozenset()

    def evidence_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        # Enablement and ActiveState come from the unit collectors: a unit that looks disabled in
        # a PARTIAL unit-file list may be enabled by a link in the directory that was not read.
        needed = self.needed_collectors(baseline)
        return needed | {Collector.UNIT_FILES, Collector.UNIT_RUNTIME} if needed else needed

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        policy = baseline.socket_units
        runtime = snapshot.collector(Collector.UNIT_RUNTIME)
        state = evidence_state(snapshot, Collector.SOCKET_UNITS)
        if not state.present:
            gap = state.gap_status
            why = f"{state.reason}"
            if policy.default is DefaultPolicy.DENY:
                yield ctx.result(CheckId.SOCKET_UNIT_UNEXPECTED, "socket-units:default-deny", gap,
                                 f"Cannot check socket units against `socket_units.default: deny`: {why}.",
                                 location=policy.location, evidence=state.evidence())
            for forbid in policy.forbid:
                name = unit_name(forbid.name, ".socket")
                yield ctx.result(CheckId.SOCKET_UNIT_FORBIDDEN, f"unit:{name}", gap,
                                 f"Cannot tell whether forbidden {name} is enabled: {why}.",
                                 meta=forbid.meta, evidence=state.evidence())
            for allow in policy.allow:
                if allow.listen is not None:
                    name = unit_name(allow.unit, ".socket")
                    yield ctx.result(CheckId.SOCKET_UNIT_LISTEN, f"unit:{name}", gap,
                                     f"Cannot read the Listen* values of {name}: {why}.",
                                     meta=allow.meta, evidence=state.evidence())
            return
        units = {unit.name: unit for unit in snapshot.socket_units}
        if not evidence_state(snapshot, Collector.UNIT_FILES).present:
            # The enablement is the unit-files collector's: with it failed (or unrecorded), a
            # state the snapshot still shows was not read this time (an edited snapshot), unknown.
            units = {name: replace(unit, enablement=None) for name, unit in units.items()}
        allowed = {unit_name(allow.unit, ".socket"): allow for allow in policy.allow}
        if policy.default is DefaultPolicy.DENY:
            for counted in sorted(units.values(), key=lambda u: u.name):
                counted_state = counts(counted, runtime.status)
                if counted_state is False:
                    continue
                approval = allowed.get(counted.name)
                if counted_state is None and approval is None:
                    yield _unknown(ctx, CheckId.SOCKET_UNIT_UNEXPECTED, counted, snapshot,
                                   "cannot tell whether it is enabled or active, and it is not allowed by "
                                   "`socket_units.allow`", location=policy.location)
                elif approval is not None:
                    yield ctx.result(CheckId.SOCKET_UNIT_UNEXPECTED, f"unit:{counted.name}", Status.PASS,
                                     f"{counted.name} ({_state_text(counted)}) is allowed.",
                                     meta=approval.meta, evidence=socket_unit_evidence(counted))
                else:
                    yield ctx.result(
                        CheckId.SOCKET_UNIT_UNEXPECTED, f"unit:{counted.name}", Status.FAIL,
                        f"{counted.name} is {_state_text(counted)} but not allowed by `socket_units.allow`.",
                        location=policy.location, evidence=socket_unit_evidence(counted),
                        remediation=f"`systemctl disable --now {counted.name}`, or add a reviewed "
                        "`socket_units.allow` entry.",
                    )
        for forbid in policy.forbid:
            name = unit_name(forbid.name, ".socket")
            unit = units.get(name)
            unit_state = counts(unit, runtime.status) if unit is not None else False
            if unit is not None and unit_state is None:
                yield _unknown(ctx, CheckId.SOCKET_UNIT_FORBIDDEN, unit, snapshot,
                               "forbidden, and whether it is enabled or active is unknown", meta=forbid.meta)
            elif unit is not None and unit_state:
                yield ctx.result(
                    CheckId.SOCKET_UNIT_FORBIDDEN, f"unit:{name}", Status.FAIL,
                    f"Forbidden {name} is {_state_text(unit)}"
                    + (f" ({forbid.meta.reason})." if forbid.meta.reason else "."),
                    meta=forbid.meta, evidence=socket_unit_evidence(unit),
                    remediation=f"`systemctl disable --now {name}` (or `systemctl mask {name}`).",
                )
            else:
                what = "does not exist" if unit is None else f"is neither enabled nor active ({_state_text(unit)})"
                yield ctx.result(CheckId.SOCKET_UNIT_FORBIDDEN, f"unit:{name}", Status.PASS,
                                 f"Forbidden {name} {what}.", meta=forbid.meta,
                                 evidence=socket_unit_evidence(unit) if unit else _absent_evidence(name))
        for name, entry in sorted(allowed.items()):
            if entry.listen is None:
                continue
            unit = units.get(name)
            if unit is None:
                yield ctx.result(CheckId.SOCKET_UNIT_LISTEN, f"unit:{name}", Status.SKIP,
                                 f"{name} does not exist; its Listen* values were not checked.",
                                 meta=entry.meta, evidence=_absent_evidence(name))
                continue
            expected = sorted({normalise_listen(v) for v in entry.listen})
            actual = sorted({normalise_listen(listen.value) for listen in unit.listens})
            evidence = {**socket_unit_evidence(unit), "expected_listen": expected, "actual_listen": actual}
            if expected == actual:
                yield ctx.result(CheckId.SOCKET_UNIT_LISTEN, f"unit:{name}", Status.PASS,
                                 f"{name} listens on {', '.join(actual) or 'nothing'}, as approved.",
                                 meta=entry.meta, evidence=evidence)
            else:
                extra = [v for v in actual if v not in expected]
                missing = [v for v in expected if v not in actual]
                parts = ([f"unapproved {', '.join(extra)}"] if extra else []) + (
                    [f"missing {', '.join(missing)}"] if missing else [])
                yield ctx.result(
                    CheckId.SOCKET_UNIT_LISTEN, f"unit:{name}", Status.FAIL,
                    f"{name} listens on {', '.join(actual) or 'nothing'}; the baseline approves "
                    f"{', '.join(expected) or 'nothing'} ({'; '.join(parts)}).",
                    meta=entry.meta, evidence=evidence,
                    remediation=f"Set the Listen* lines of {name} to {', '.join(expected)} with a drop-in "
                    f"(/etc/systemd/system/{name}.d/listen.conf: `ListenStream=` to reset, then the approved "
                    "values) and `systemctl daemon-reload`.",
                )

"""The `services:` rule family: desired running and enablement state of systemd/SysV units.

Produces service-state (`running:`) and service-enabled (`enabled:`), resource `unit:NAME`.
Must not do I/O: the unit states are already in the snapshot.

Decisions (pinned by tests/unit/evaluate/test_services.py):

* A rule's unit without a `.` suffix means `NAME.service` (SysV names such as `ssh`).
* Running: `ActiveState` `active` or `reloading`. Needs the unit-runtime collector; when it
  FAILED or is UNAVAILABLE (systemd not PID 1, `--root`), `running:` rules are `error` with
  its reason; NOT_RUN (no inside view at all) makes them `skip`. With runtime evidence, a
  unit systemd does not list is not running.
* Enabled: systemd's own answer, `systemctl is-enabled` exiting 0 (systemctl(1)): enabled,
  enabled-runtime, static, indirect, alias, generated, transient. disabled, masked,
  masked-runtime, linked, linked-runtime, bad, not-found are not enabled. An unknown
  state (None) is `error`. Needs the unit-files collector.
* Absent unit (unit-files collector OK and the unit not listed, or `not-found`):
  `running: false` / `enabled: false` pass only with `absent_ok: true`; without it they
  fail ("the baseline expects the unit to exist"). `running: true` / `enabled: true` fail
  whatever `absent_ok` says. Whether a unit exists is unknown when unit-files is not OK
  (PARTIAL included: a unit missing from a partial list may be in the part that could not be
  read): then a verdict that depends on existence is `error`.
* PARTIAL unit evidence: a unit that is listed is judged on its state, but a `pass` becomes
  `error` (`checker.evaluate.partial_evidence`); a `fail` found in it stands.
* Evidence names what decided each result (`unit_evidence`): `collector` (unit-files for
  `enabled:` and existence, unit-runtime for `running:`) and `source`, the listing read
  (`systemctl list-unit-files` / `systemctl list-units`) or a SysV service's init script.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checker.evaluate.interface import EvaluationContext, EvidenceState, RuleFamily, evidence_state
from checker.model import Baseline, CheckId, Collector, Result, ServiceRule, Snapshot, Status, Unit
from checker.model.units import unit_name

ENABLED_STATES = frozenset({"enabled", "enabled-runtime", "static", "indirect", "alias", "generated", "transient"})
"""Unit-file states for which `systemctl is-enabled` exits 0 (systemctl(1), is-enabled)."""
NOT_ENABLED_STATES = frozenset({"disabled", "masked", "masked-runtime", "linked", "linked-runtime", "bad",
                                "not-found"})
"""States for which it exits non-zero; `not-found` of a unit still loaded (running after its
file was removed) included, as the module docstring says."""
RUNNING_STATES = frozenset({"active", "reloading"})


_LISTING = {Collector.UNIT_FILES: "systemctl list-unit-files", Collector.UNIT_RUNTIME: "systemctl list-units"}
"""What each collector read on a systemd host (checker/collect/systemd.py)."""


def unit_evidence(unit: Unit | None, name: str, collector: Collector = Collector.UNIT_FILES) -> dict[str, Any]:
    """The unit's states and what proved them: the `collector`, and `source`, the listing it read
    (`systemctl list-unit-files`) or, for a SysV service, its /etc/init.d script (`path`)."""
    proof = {"collector": collector.value, "source": _LISTING[collector]}
    if unit is None:
        return {"unit": name, "present": False, **proof}
    if unit.source == "sysv" and collector is Collector.UNIT_FILES:
        proof["source"] = f"{unit.path or '/etc/init.d/' + name.removesuffix('.service')} and its /etc/rc?.d links"
    return {"unit": unit.name, "present": True, "enablement": unit.enablement, "active": unit.active,
            "sub": unit.sub, "init": unit.source, "path": unit.path, **proof}


class ServicesFamily(RuleFamily):
    checks = frozenset({CheckId.SERVICE_STATE, CheckId.SERVICE_ENABLED})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        needed: set[Collector] = set()
        for rule in baseline.services:
            needed.add(Collector.UNIT_FILES)
            if rule.running is not None:
                needed.add(Collector.UNIT_RUNTIME)
        return frozenset(needed)

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        units = {unit.name: unit for unit in snapshot.units}
        for rule in baseline.services:
            name = unit_name(rule.unit, ".service")
            unit = units.get(name)
            if unit is not None and unit.enablement == "not-found" and unit.active in (None, "inactive"):
                unit = None
            if rule.running is not None:
                yield from _running(rule, name, unit, snapshot, ctx)
            if rule.enabled is not None:
                yield from _enabled(rule, name, unit, snapshot, ctx)


def _exists(unit: Unit | None, snapshot: Snapshot) -> bool | None:
    if unit is not None:
        return True
    # Only a complete list proves absence: a unit missing from a PARTIAL one may sit in the
    # directory that could not be read.
    return False if evidence_state(snapshot, Collector.UNIT_FILES).complete else None


def _unknown_absence(rule: ServiceRule, name: str, check: CheckId, what: str, state: EvidenceState,
                     ctx: EvaluationContext) -> Result:
    """The `error` of a unit not in the evidence when that evidence (`state`) is not complete."""
    return ctx.result(check, f"unit:{name}", Status.ERROR,
                      f"{name} is not {what} and whether it exists is unknown: {state.reason}.",
                      meta=rule.meta, evidence={**unit_evidence(None, name), **state.evidence()})


def _absent_verdict(rule: ServiceRule, name: str, wanted: bool, check: CheckId, what: str,
                    ctx: EvaluationContext) -> Result:
    resource = f"unit:{name}"
    evidence = unit_evidence(None, name)
    if not wanted and rule.absent_ok:
        return ctx.result(check, resource, Status.PASS, f"{name} does not exist, so it is not {what} "
                          "(absent_ok).", meta=rule.meta, evidence=evidence)
    if wanted:
        return ctx.result(check, resource, Status.FAIL,
                          f"{name} should be {what} but it is not on the host (not found or not loaded).",
                          meta=rule.meta, evidence=evidence,
                          remediation=f"Install the package that provides {name}, then "
                          f"`systemctl enable --now {name}`.")
    return ctx.result(check, resource, Status.FAIL,
                      f"{name} does not exist on the host; the baseline expects it to exist and not be {what} "
                      "(set `absent_ok: true` if its absence is fine).",
                      meta=rule.meta, evidence=evidence,
                      remediation=f"Add `absent_ok: true` to the rule for {name}, or install it.")


def _running(rule: ServiceRule, name: str, unit: Unit | None, snapshot: Snapshot,
             ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.SERVICE_STATE
    resource = f"unit:{name}"
    wanted = bool(rule.running)
    runtime = evidence_state(snapshot, Collector.UNIT_RUNTIME)
    if not runtime.present:
        yield ctx.result(check, resource, runtime.gap_status,
                         f"Cannot tell whether {name} is running: {runtime.reason}.",
                         meta=rule.meta,
                         evidence={**unit_evidence(unit, name, Collector.UNIT_RUNTIME), **runtime.evidence()})
        return
    if unit is None:
        # The runtime lists every loaded unit: an unlisted unit is not running (when the list
        # is complete; a partial one proves nothing by omission).
        exists = _exists(unit, snapshot)
        if runtime.complete and (exists is False or wanted):
            yield _absent_verdict(rule, name, wanted, check, "running", ctx)
        elif runtime.complete and rule.absent_ok:
            yield ctx.result(check, resource, Status.PASS, f"{name} is not running (not loaded).",
                             meta=rule.meta, evidence=unit_evidence(None, name, Collector.UNIT_RUNTIME))
        else:
            gap = runtime if not runtime.complete else evidence_state(snapshot, Collector.UNIT_FILES)
            yield _unknown_absence(rule, name, check, "loaded", gap, ctx)
        return
    running = unit.active in RUNNING_STATES
    state = f"{unit.active or 'not loaded'}" + (f" ({unit.sub})" if unit.sub else "")
    if running == wanted:
        yield ctx.result(check, resource, Status.PASS,
                         f"{name} is {'running' if running else 'not running'} ({state}), as required.",
                         meta=rule.meta, evidence=unit_evidence(unit, name, Collector.UNIT_RUNTIME))
    else:
        yield ctx.result(
            check, resource, Status.FAIL,
            f"{name} should {'' if wanted else 'not '}be running but is {state}.",
            meta=rule.meta, evidence=unit_evidence(unit, name, Collector.UNIT_RUNTIME),
            remediation=f"`systemctl start {name}` and check `journalctl -u {name}`." if wanted
            else f"`systemctl stop {name}` (and `systemctl disable {name}` so it stays stopped).",
        )


def _enabled(rule: ServiceRule, name: str, unit: Unit | None, snapshot: Snapshot,
             ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.SERVICE_ENABLED
    resource = f"unit:{name}"
    wanted = bool(rule.enabled)
    files = evidence_state(snapshot, Collector.UNIT_FILES)
    if not files.present:
        yield ctx.result(check, resource, files.gap_status,
                         f"Cannot tell whether {name} is enabled: {files.reason}.",
                         meta=rule.meta, evidence={**unit_evidence(unit, name), **files.evidence()})
        return
    if unit is None:
        if files.complete:
            yield _absent_verdict(rule, name, wanted, check, "enabled", ctx)
        else:
            yield _unknown_absence(rule, name, check, "listed", files, ctx)
        return
    state = unit.enablement
    if state not in ENABLED_STATES and state not in NOT_ENABLED_STATES:
        yield ctx.result(check, resource, Status.ERROR,
                         f"The unit-file state of {name} is unknown ({state!r}).",
                         meta=rule.meta, evidence=unit_evidence(unit, name))
        return
    enabled = state in ENABLED_STATES
    if enabled == wanted:
        yield ctx.result(check, resource, Status.PASS,
                         f"{name} is {state}, as required ({'enabled' if wanted else 'not enabled'}).",
                         meta=rule.meta, evidence=unit_evidence(unit, name))
        return
    if wanted:
        remediation = (f"`systemctl unmask {name}` then `systemctl enable {name}`." if state.startswith("masked")
                       else f"`systemctl enable {name}`.")
    elif state == "static":
        remediation = f"`systemctl mask {name}` (a static unit cannot be disabled)."
    else:
        remediation = f"`systemctl disable --now {name}` (or `systemctl mask {name}`)."
    yield ctx.result(check, resource, Status.FAIL,
                     f"{name} should {'' if wanted else 'not '}be enabled but its unit-file state is {state}.",
                     meta=rule.meta, evidence=unit_evidence(unit, name), remediation=remediation)

"""Collector gaps as results: one `collector-error` per collector whose evidence is not whole.

A gap is a FAILED, UNAVAILABLE or PARTIAL run, or an inside-view collector the snapshot has no
record of at all (a hand-edited or truncated snapshot: its evidence is unknown, see
`Snapshot.collector`). Resource `collector:<name>`, evidence the collector's status and reason.
The status is `error` when some rule of the baseline needs that collector (its evidence is
missing or partial, so the audit is incomplete: exit code 3), and `skip` when no rule needs it
(e.g. systemd not running on a host whose baseline has no `services:`): the report still says
what was missing, but evidence nobody asked for does not make the audit incomplete. NOT_RUN
collectors were not asked for and give nothing, except when *no* collector ran at all on a host
(a snapshot whose `collectors` list is empty or all NOT_RUN, and no outside view): then every
rule of the host would be `skip` and the audit would exit 0 on no evidence, so one
`collector-error` on `collector:*` is `error` when the baseline has any rule. Likewise a
collector some rule needs, recorded NOT_RUN on a host whose inside view was collected (`collect`
runs every inside collector, so only an edited snapshot says that): its rules are `skip`, and
without this `error` the audit exited 0 on the other rules' passes. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.evaluate.interface import EvaluationContext, RuleFamily, describe_run
from checker.model import Baseline, CheckId, Collector, CollectorRun, CollectorStatus, Result, Snapshot, Status

_GAPS = (CollectorStatus.FAILED, CollectorStatus.UNAVAILABLE, CollectorStatus.PARTIAL)


def _gaps(snapshot: Snapshot, needed: frozenset[Collector]) -> list[CollectorRun]:
    """Recorded runs that are gaps, plus every inside collector without a record (when some ran),
    plus a needed inside collector recorded NOT_RUN on a host whose inside view was collected."""
    runs = [snapshot.collector(name) for name in Collector
            if snapshot.has_record(name) or name is not Collector.NMAP]
    inside_ran = any(run.name is not Collector.NMAP and run.status is not CollectorStatus.NOT_RUN
                     for run in snapshot.collectors)
    return sorted((run for run in runs if run.status in _GAPS or (
        inside_ran and run.status is CollectorStatus.NOT_RUN and run.name is not Collector.NMAP
        and run.name in needed)), key=lambda r: r.name.value)


class CollectorErrorsFamily(RuleFamily):
    checks = frozenset({CheckId.COLLECTOR_ERROR})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        return frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        ran = [run for run in snapshot.collectors if run.status is not CollectorStatus.NOT_RUN]
        if not ran and snapshot.network is None:
            needed = bool(ctx.needed_collectors)
            yield ctx.result(
                CheckId.COLLECTOR_ERROR, "collector:*", Status.ERROR if needed else Status.SKIP,
                "No evidence at all: no collector ran on this host and there is no outside view.",
                evidence={"collectors": [run.name.value for run in snapshot.collectors], "needed_by_baseline": needed},
                remediation="Collect the host again (`surfacecheck collect --local`), or scan it with `--target`.",
            )
            return
        for run in _gaps(snapshot, ctx.needed_collectors):
            needed = run.name in ctx.needed_collectors
            reason = describe_run(run)
            what = {CollectorStatus.PARTIAL: "partial", CollectorStatus.NOT_RUN: "not collected"}.get(run.status,
                                                                                               "missing")
            message = (f"Evidence {what}: {reason}." if needed
                       else f"Evidence {what} ({reason}); no rule of the baseline needs it.")
            yield ctx.result(
                CheckId.COLLECTOR_ERROR, f"collector:{run.name.value}", Status.ERROR if needed else Status.SKIP,
                message,
                evidence={"collector": run.name.value, "status": run.status.value, "reason": run.reason,
                          "needed_by_baseline": needed,
                          **({} if snapshot.has_record(run.name) else {"recorded": False})},
                remediation=_remediation(run, snapshot),
            )


def _remediation(run: CollectorRun, snapshot: Snapshot) -> str:
    """What to do, without advice the run already followed (root) or that cannot help (no systemd)."""
    if run.name is Collector.UNIT_RUNTIME and run.status is CollectorStatus.UNAVAILABLE:
        # No running manager here (systemd not PID 1, a container, `--root`): privileges cannot help.
        return ("Runtime state needs a running systemd (PID 1): on a container or image, drop the `running:` "
                "rules of the baseline or audit the live host.")
    if snapshot.host.privileged:
        return ("It already ran as root: check the tool this collector runs (systemctl, nmap) and the input "
                "it could not read.")
    return ("Run with the privileges and tools this collector needs (root, systemctl, nmap), "
            "or fix the input it could not read.")

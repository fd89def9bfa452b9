"""The evaluator: a pure function of a baseline and snapshots, one module per rule family.

`evaluate(baseline, snapshots)` runs every family of `checker.evaluate.registry` on each
snapshot (one host each), turns the passes of a family whose evidence is PARTIAL on the host
into `error` (`checker.evaluate.partial_evidence`), applies the waivers across all hosts, and
returns a `Report`.
Must not do I/O or read the wall clock: "today" is each snapshot's `host.collected_at`, so
the same inputs always give the same report. Semantics: docs/evaluation.md.

Result order (the one documented order): hosts in natural order (`host_sort_key`: addresses
numerically, 127.0.0.2 before 127.0.0.10, then names; then collection time, then content,
so two snapshots of one host come out in the same order whatever order they were given in),
then `Result.sort_key` (host,
check id, resource, status). A (host, check, resource) identity appears once: when two
rules yield the same identity (overlapping ranges, a unit listed twice), the worst status
is kept (fail, error, waived, skip, pass), then the first rule.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence

from checker import __version__
from checker.evaluate.exit_code import exit_code_for
from checker.evaluate.interface import EvaluationContext
from checker.evaluate.partial_evidence import partial_runs, without_unproven_passes
from checker.evaluate.registry import FAMILIES
from checker.evaluate.waivers import HostEvaluation, apply_waivers
from checker.model import (
    Baseline,
    Collector,
    CollectorStatus,
    HostReport,
    Report,
    Result,
    Severity,
    Snapshot,
    Status,
)
from checker.model.addresses import host_sort_key
from checker.model.serialize import to_data

# Every collector but the outside view (nmap). Derived from the model so the evaluator never
# imports the collect stage; tests/unit/collect/test_registry.py checks it equals
# checker.collect.registry.INSIDE_COLLECTORS.
INSIDE_COLLECTORS = tuple(c for c in Collector if c is not Collector.NMAP)

_STATUS_PRECEDENCE = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2, Status.SKIP: 3, Status.PASS: 4}


def host_name(snapshot: Snapshot) -> str:
    """The hostname; the scanned address for a snapshot with only an outside view."""
    # Recorded runs only: a snapshot without inside records is not an inside view of a host.
    inside = any(run.name in INSIDE_COLLECTORS and run.status is not CollectorStatus.NOT_RUN
                 for run in snapshot.collectors)
    if snapshot.network is not None and (not inside or not snapshot.host.hostname):
        return snapshot.network.address
    return snapshot.host.hostname or "unknown-host"


def collection_date(snapshot: Snapshot) -> dt.date:
    """The UTC date of `host.collected_at`; an unreadable time counts as the far future, so
    every waiver is treated as expired (fail closed) rather than the wall clock being read."""
    text = snapshot.host.collected_at.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return dt.date.max
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _unique(results: Iterable[Result]) -> tuple[Result, ...]:
    best: dict[tuple[str, str, str], Result] = {}
    for result in results:
        key = (result.host, result.check.value, result.resource)
        kept = best.get(key)
        if kept is None or _STATUS_PRECEDENCE[result.status] < _STATUS_PRECEDENCE[kept.status]:
            best[key] = result
    return tuple(sorted(best.values(), key=Result.sort_key))


def _host_order(hosts: Sequence[HostEvaluation]) -> list[HostEvaluation]:
    """Hosts by name, then collection time, then (only between such twins, e.g. two snapshots of
    one host) their canonical JSON: the order never depends on the order snapshots were given."""
    twins = Counter((h.ctx.host, h.snapshot.host.collected_at) for h in hosts)

    def key(host: HostEvaluation) -> tuple[tuple[int, int, int, str], str, str]:
        name, when = host.ctx.host, host.snapshot.host.collected_at
        canonical = json.dumps(to_data(host.snapshot), sort_keys=True) if twins[(name, when)] > 1 else ""
        return host_sort_key(name), when, canonical

    return sorted(hosts, key=key)


def evaluate(baseline: Baseline, snapshots: Sequence[Snapshot], *, fail_on: Severity = Severity.LOW) -> Report:
    """Every result of every rule of `baseline` on every snapshot (one host each)."""
    needed = frozenset().union(*(family.needed_collectors(baseline) for family in FAMILIES))
    hosts: list[HostEvaluation] = []
    for snapshot in snapshots:
        ctx = EvaluationContext(host=host_name(snapshot), today=collection_date(snapshot),
                                default_severity=baseline.default_severity, needed_collectors=needed)
        results = _unique(
            result
            for family in FAMILIES
            for result in without_unproven_passes(family.evaluate(baseline, snapshot, ctx),
                                                  partial_runs(snapshot, family.evidence_collectors(baseline)))
        )
        hosts.append(HostEvaluation(ctx, snapshot, results))
    hosts = _host_order(hosts)
    waived = apply_waivers(baseline, hosts)
    reports = tuple(HostReport(name=host.ctx.host, snapshot=host.snapshot, results=_unique(results))
                    for host, results in zip(hosts, waived, strict=True))
    return Report(
        tool_version=__version__,
        baseline_path=baseline.path,
        baseline_name=baseline.name,
        baseline_sources=baseline.sources,
        baseline_description=baseline.description,
        hosts=reports,
        controls=dict(baseline.controls),
        fail_on=fail_on,
    )


__all__ = ["evaluate", "exit_code_for"]

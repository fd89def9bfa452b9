"""No `pass` from partial evidence: the one place a family's passes meet PARTIAL collectors.

A PARTIAL collector (an unreadable unit directory, `systemctl list-unit-files` exiting non-zero)
found some of what is there, not all of it. What it found is real, so a `fail` decided on it
stands (a found violation is a violation). A `pass` is different: it rests on nothing contrary
having been seen, which a partial collection cannot prove. So every `pass` of a family whose
evidence (`RuleFamily.evidence_collectors`) is PARTIAL on the host becomes `error`, naming the
collector and why it is partial, with the verdict the present evidence would have given kept in
the message and the evidence.

Done here, after each family, rather than in every family: a new family, or a new branch of an
old one, cannot forget it. (Families still handle *absence* themselves: "not in a partial list"
is unknown, never "does not exist"; see `EvidenceState.complete`.) Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from checker.evaluate.interface import describe_run
from checker.model import Collector, CollectorRun, CollectorStatus, Result, Snapshot, Status


def partial_runs(snapshot: Snapshot, collectors: Iterable[Collector]) -> tuple[CollectorRun, ...]:
    """The runs among `collectors` that are PARTIAL on this host, by collector name."""
    runs = (snapshot.collector(name) for name in sorted(set(collectors), key=lambda c: c.value))
    return tuple(run for run in runs if run.status is CollectorStatus.PARTIAL)


def without_unproven_passes(results: Iterable[Result], partial: tuple[CollectorRun, ...]) -> Iterator[Result]:
    """`results`, each `pass` turned into `error` when `partial` (the family's PARTIAL runs) is not empty."""
    if not partial:
        yield from results
        return
    reasons = "; ".join(describe_run(run) for run in partial)
    gaps = [{"collector": run.name.value, "status": run.status.value, "reason": run.reason} for run in partial]
    for result in results:
        if result.status is not Status.PASS:
            yield result
            continue
        yield replace(
            result,
            status=Status.ERROR,
            message=f"Not proven, the evidence is partial ({reasons}); from what was read: {result.message}",
            evidence={**result.evidence, "partial_evidence": gaps, "verdict_from_partial_evidence": "pass"},
            remediation=result.remediation or "Collect again with the privileges to read every source "
            "(run as root, or make the unreadable directories readable), then audit again.",
        )

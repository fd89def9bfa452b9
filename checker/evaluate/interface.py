"""The rule-family extension point of the evaluator, and what every family shares.

A rule family (ports, services, socket units, xinetd, connections, collector errors) is one
`RuleFamily` subclass in its own module, registered in `checker.evaluate.registry`. It turns
the baseline's rules of its kind plus one host's `Snapshot` into `Result`s.

Must not do: any I/O, read the clock, or look at other hosts. "Today" is
`EvaluationContext.today`, taken from the snapshot's `host.collected_at`. Families never
decide a result is waived: `checker.evaluate.waivers` does that after every family ran.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    Location,
    Result,
    RuleMeta,
    Severity,
    Snapshot,
    Status,
)
from checker.model.checks import check_info


@dataclass(frozen=True)
class EvaluationContext:
    """What a family needs besides the baseline and the snapshot: who, when, defaults."""

    host: str
    """The result host name (hostname, or the scanned address for an outside-only snapshot)."""
    today: dt.date
    """The snapshot's collection date (UTC): the only clock the evaluator knows."""
    default_severity: Severity | None = None
    """`defaults.severity` of the baseline."""
    needed_collectors: frozenset[Collector] = frozenset()
    """Collectors some rule of the baseline needs (a failed one of these is an `error`)."""

    def severity(self, check: CheckId, meta: RuleMeta | None = None) -> Severity:
        """The rule's severity, then `defaults.severity`, then the check id's default."""
        if meta is not None and meta.severity is not None:
            return meta.severity
        if self.default_severity is not None:
            return self.default_severity
        return check_info(check).severity

    def result(
        self,
        check: CheckId,
        resource: str,
        status: Status,
        message: str,
        *,
        meta: RuleMeta | None = None,
        location: Location | None = None,
        evidence: Mapping[str, Any] | None = None,
        remediation: str | None = None,
        severity: Severity | None = None,
    ) -> Result:
        """Build one result; location, severity and controls come from `meta` unless given."""
        return Result(
            host=self.host,
            check=check,
            resource=resource,
            status=status,
            severity=severity or self.severity(check, meta),
            message=message,
            location=location or (meta.location if meta is not None else None),
            evidence=dict(evidence or {}),
            remediation=remediation,
            controls=meta.controls if meta is not None else (),
        )


class Availability(enum.Enum):
    """Whether the evidence of a collector can be used."""

    PRESENT = "present"
    """The collector ran fine: absence of something in its evidence means it is absent."""
    PARTIAL = "partial"
    """PARTIAL: what it found is real (a fail found in it stands), but absence proves nothing
    and no rule resting on it may `pass` (`checker.evaluate.partial_evidence`)."""
    MISSING = "missing"
    """FAILED or UNAVAILABLE: rules needing it are `error` (fail closed)."""
    NOT_COLLECTED = "not-collected"
    """NOT_RUN: not asked for; rules needing it are `skip` unless stated otherwise."""


@dataclass(frozen=True)
class EvidenceState:
    """The availability of one collector's evidence on one host, with a readable reason."""

    collector: Collector
    availability: Availability
    reason: str

    @property
    def present(self) -> bool:
        """Usable: complete or partial (what a partial collection found is real)."""
        return self.availability in (Availability.PRESENT, Availability.PARTIAL)

    @property
    def complete(self) -> bool:
        """Complete: something not in the evidence is not on the host."""
        return self.availability is Availability.PRESENT

    @property
    def gap_status(self) -> Status:
        """The status of a rule that needs this evidence and cannot have it (or not all of it)."""
        return Status.SKIP if self.availability is Availability.NOT_COLLECTED else Status.ERROR

    def evidence(self) -> dict[str, Any]:
        return {"collector": self.collector.value, "collector_status": self.availability.value,
                "reason": self.reason}


def evidence_state(snapshot: Snapshot, collector: Collector) -> EvidenceState:
    """How usable `collector`'s evidence is in `snapshot`, from its `CollectorRun`."""
    run = snapshot.collector(collector)
    return EvidenceState(collector, _AVAILABILITY[run.status], describe_run(run))


def describe_run(run: CollectorRun) -> str:
    """`sockets collector failed: psutil: access denied`: one line for messages."""
    text = f"{run.name.value} collector {run.status.value}"
    # Reasons are embedded in sentences that add their own period.
    reason = (run.reason or "").strip().rstrip(".")
    return f"{text}: {reason}" if reason else text


_AVAILABILITY = {
    CollectorStatus.OK: Availability.PRESENT,
    CollectorStatus.PARTIAL: Availability.PARTIAL,
    CollectorStatus.FAILED: Availability.MISSING,
    CollectorStatus.UNAVAILABLE: Availability.MISSING,
    CollectorStatus.NOT_RUN: Availability.NOT_COLLECTED,
}


class RuleFamily(abc.ABC):
    """One kind of baseline rule (one module of `checker.evaluate`)."""

    checks: ClassVar[frozenset[CheckId]]
    """Every check id this family can produce (a test checks all ids are covered)."""

    @abc.abstractmethod
    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        """Collectors whose evidence this family's rules in `baseline` use (empty: no rules)."""

    def evidence_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        """Every collector whose evidence this family's verdicts rest on: a `pass` of the family
        on a host where one of them is PARTIAL is not proven (`checker.evaluate.partial_evidence`).
        By default the `needed_collectors`; a family that also reads evidence it does not strictly
        need (socket units take their enablement from the unit files) names it here."""
        return self.needed_collectors(baseline)

    @abc.abstractmethod
    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        """Every result of this family's rules for one host. Pure: no I/O, no clock."""

"""The results (what the evaluator decided), built by `checker.evaluate` and rendered by
`checker.formatters` (schemas/results.schema.json). Frozen, slotted, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.model.baseline import BaselineSource, Location
from checker.model.snapshot import Snapshot
from checker.model.vocabulary import CheckId, Severity, Status

RESULTS_FORMAT = "surfacecheck-results"
"""Value of the top-level `format` key of a results file: tells it from a snapshot or a baseline."""

RESULTS_VERSION = 1
"""Version of the results document; `load_report` refuses any other."""


@dataclass(frozen=True, slots=True)
class WaiverApplied:
    """The waiver that covered (or, expired, failed to cover) a result."""

    reason: str
    expires: dt.date
    location: Location
    expired: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    """One decision about one resource on one host."""

    host: str
    check: CheckId
    resource: str
    """Stable identity within (host, check): `tcp/0.0.0.0:8080`, `unit:telnet.socket`,
    `xinetd:echo-stream/instances`."""
    status: Status
    severity: Severity
    message: str
    """A sentence a human understands."""
    location: Location | None = None
    """The baseline rule that produced it (None only for results no rule produced)."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """Observed facts (JSON-compatible): the socket with pid/process/user, the unit
    state, the xinetd value with its file:line, the collector failure reason."""
    remediation: str | None = None
    controls: tuple[str, ...] = ()
    waiver: WaiverApplied | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        """The one documented result order: host, check id, resource, status."""
        return (self.host, self.check.value, self.resource, self.status.value)


@dataclass(frozen=True, slots=True)
class HostReport:
    name: str
    """Host name used in reports (hostname, or the scanned address)."""
    snapshot: Snapshot
    results: tuple[Result, ...] = ()


PROVING_STATUSES = frozenset({Status.PASS, Status.FAIL, Status.WAIVED})
"""Statuses of a result that rests on evidence: a run with none of them evaluated nothing."""


@dataclass(frozen=True, slots=True)
class Report:
    """The whole outcome of one audit: what every formatter renders."""

    tool_version: str
    baseline_path: str
    baseline_name: str
    baseline_sources: tuple[BaselineSource, ...]
    hosts: tuple[HostReport, ...]
    controls: Mapping[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.LOW
    baseline_description: str | None = None
    """The baseline's `description:` (what it approves), shown in the evidence report."""

    @property
    def results(self) -> tuple[Result, ...]:
        return tuple(r for h in self.hosts for r in h.results)

    def evaluated_nothing(self) -> bool:
        """No host, or no result that rests on evidence (every one `skip`, or none): exit code 3."""
        return not self.hosts or not any(r.status in PROVING_STATUSES for r in self.results)

    def counts(self) -> dict[str, int]:
        """Number of results per status, every status present (0 when none)."""
        counts = {s.value: 0 for s in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

"""The collector interface: what every inside-view evidence source implements.

What it is for: an `EvidenceCollector` names itself (a `checker.model.Collector` member),
fills the `Snapshot` fields `checker.model.COLLECTED_FIELDS` names for it (`provides`), and `collect()`s them from a
`CollectionContext`, returning `CollectedEvidence`: the evidence plus the explicit
completeness record of the run (`CollectorRun`: ok, partial, failed or unavailable, with a
reason).
`checker.collect.registry` lists the implementations; `checker.collect.local` runs them in
that order and assembles the snapshot.

What it must not do: a collector never raises for a failure of its source and never
evaluates policy. It reports the failure in its run (fail closed: the evaluator turns
missing evidence into `error` results); `run_collector` catches whatever still escapes.

Completeness (../shared/DESIGN.md section 5b): OK means complete, what is not in the evidence is not
on the host. A collector that read only part of its source reports PARTIAL with why (`partial`:
the unit files with an unreadable unit directory or a non-zero `systemctl` exit) and keeps what
it read: what it found is real, what it did not find proves nothing, and the evaluator never
passes a rule on it. FAILED: nothing usable; UNAVAILABLE: cannot run here. (The xinetd
collector still reports an unreadable include as FAILED, keeping what it read.)
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar

from checker._subprocess import CommandFailed
from checker.model import (
    COLLECTED_FIELDS,
    Collector,
    CollectorRun,
    CollectorStatus,
    Listener,
    SocketUnit,
    Unit,
    XinetdService,
)
from checker.model.firewall import FirewallEvidence

if TYPE_CHECKING:
    from checker.collect.netns import NetworkNamespace


@dataclass(frozen=True, slots=True)
class InsideEvidence:
    """The inside view's evidence, field for field as in `Snapshot` (same names and types)."""

    listeners: tuple[Listener, ...] = ()
    connection_states: Mapping[str, int] = field(default_factory=dict)
    units: tuple[Unit, ...] = ()
    socket_units: tuple[SocketUnit, ...] = ()
    xinetd_services: tuple[XinetdService, ...] = ()
    firewall: FirewallEvidence | None = None


EVIDENCE_FIELDS = tuple(f.name for f in fields(InsideEvidence))
"""The `Snapshot` fields the inside view can fill: a collector's `provides` names some of them."""


@dataclass(frozen=True, slots=True)
class CollectionContext:
    """What a collector may read besides its source: the options and the earlier evidence."""

    root: str | None = None
    """`--root DIR`: a mounted image, read instead of the live host."""
    xinetd_conf: str | None = None
    """`--xinetd-conf FILE` instead of /etc/xinetd.conf (inside `root` when both are given)."""
    imported_firewall: FirewallEvidence | None = None
    """`--nft-json FILE`: the saved ruleset, already parsed, instead of the live one."""
    network_namespace: NetworkNamespace | None = None
    """`--netns`/`--netns-pid`: the opened namespace whose sockets and firewall ruleset are read
    (from inside it, `checker.collect.netns`); None: this process's own. Files still come from `root`."""
    earlier: InsideEvidence = field(default_factory=InsideEvidence)
    """What the collectors before this one (in registry order) collected: the unit runtime
    completes the unit files' units, socket units take their enablement and state from them."""


@dataclass(frozen=True, slots=True)
class CollectedEvidence:
    """One collector's outcome: its completeness record and the evidence it has (if any)."""

    run: CollectorRun
    evidence: InsideEvidence | None = None
    """Only the fields the collector `provides` are taken; None: nothing collected, the
    earlier evidence of those fields stays as it was."""


def one_line(text: str, limit: int = 300) -> str:
    """Collector reasons are one line: the first non-empty line, bounded."""
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return "unknown error"


class EvidenceCollector(abc.ABC):
    """One inside-view evidence source. Subclasses set `name` and implement `collect`.

    Named `EvidenceCollector` because `checker.model.Collector` is the enum of collector names.
    """

    name: ClassVar[Collector]
    """The name recorded in the snapshot's `collectors` list."""

    @property
    def provides(self) -> tuple[str, ...]:
        """The `Snapshot` fields it fills (members of `EVIDENCE_FIELDS`): `checker.model.COLLECTED_FIELDS`."""
        return COLLECTED_FIELDS[self.name]

    @abc.abstractmethod
    def collect(self, context: CollectionContext) -> CollectedEvidence:
        """Read the source; report a failure in the returned run instead of raising."""

    def ok(self, evidence: InsideEvidence | None, reason: str | None = None) -> CollectedEvidence:
        return CollectedEvidence(self._run(CollectorStatus.OK, reason), evidence)

    def partial(self, evidence: InsideEvidence, reason: str) -> CollectedEvidence:
        """Part of the source could not be read (`reason` says which); `evidence` is what was."""
        return CollectedEvidence(self._run(CollectorStatus.PARTIAL, reason), evidence)

    def failed(self, reason: str, evidence: InsideEvidence | None = None) -> CollectedEvidence:
        return CollectedEvidence(self._run(CollectorStatus.FAILED, reason), evidence)

    def unavailable(self, reason: str) -> CollectedEvidence:
        return CollectedEvidence(self._run(CollectorStatus.UNAVAILABLE, reason))

    def _run(self, status: CollectorStatus, reason: str | None) -> CollectorRun:
        return CollectorRun(self.name, status, one_line(reason) if reason else None)


def run_collector(collector: EvidenceCollector, context: CollectionContext) -> CollectedEvidence:
    """Run one collector; whatever it lets out is recorded as FAILED, never raised (fail closed)."""
    try:
        return collector.collect(context)
    except CommandFailed as exc:
        return collector.failed(str(exc))
    except Exception as exc:  # a collector bug must not stop the others
        return collector.failed(f"{type(exc).__name__}: {exc}")


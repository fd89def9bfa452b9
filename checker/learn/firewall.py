"""The `firewall:` section of the draft, and what the ruleset says about `exposure: internal`.

The section is drafted from the hosts whose firewall collector succeeded, by running the
evaluator's own firewall rules (`checker.evaluate.firewall`) on a candidate `{required: true,
listeners: covered}`: what would fail is relaxed (`required: false`, `listeners: any`) with a
`RISK:` comment naming it, so that auditing the same hosts with the draft passes. A DNAT
bypass, a ruleset prediction nmap contradicts, or a rule the evaluator cannot model would fail
whatever the section says: the section is then written commented out, with the reasons.
Hosts without the collector (older snapshots) get no section at all. Must not do I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from checker.evaluate import host_name as result_host_name
from checker.evaluate.firewall import FirewallFamily
from checker.evaluate.firewall.listeners import listener_reach
from checker.evaluate.firewall.sources import Reach
from checker.evaluate.interface import EvaluationContext
from checker.learn.hosts import collector_reason
from checker.learn.render import DraftWriter
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorStatus,
    FirewallPolicy,
    Listener,
    Location,
    Result,
    RuleMeta,
    Snapshot,
    Status,
)
from checker.model.addresses import is_loopback


def internal_contradiction(snapshot: Snapshot, listener: Listener) -> str | None:
    """Why `exposure: internal` would fail on the ruleset for `listener` (None: it would not)."""
    if snapshot.firewall is None or snapshot.collector(Collector.FIREWALL).status is not CollectorStatus.OK \
            or is_loopback(listener.address):
        return None
    for predicted in listener_reach(snapshot.firewall, listener):
        if predicted.reach in (Reach.ANYWHERE, Reach.UNKNOWN):
            return predicted.describe()
    return None


def _trial(snapshots: Sequence[Snapshot]) -> list[Result]:
    candidate = Baseline(path="learn", name="learn",
                         firewall=FirewallPolicy(RuleMeta(Location("learn", 0)), required=True,
                                                 listeners_covered=True))
    family = FirewallFamily()
    found: list[Result] = []
    for snapshot in snapshots:
        ctx = EvaluationContext(host=result_host_name(snapshot), today=dt.date.min)
        found += [r for r in family.evaluate(candidate, snapshot, ctx) if r.status in (Status.FAIL, Status.ERROR)]
    return found


def draft_firewall(out: DraftWriter, snapshots: Sequence[Snapshot]) -> None:
    ran = [s for s in snapshots if s.collector(Collector.FIREWALL).status is not CollectorStatus.NOT_RUN]
    if not ran:
        return
    usable = [s for s in ran if s.collector(Collector.FIREWALL).status is CollectorStatus.OK and s.firewall]
    if len(usable) != len(ran):
        out.comment(0, "firewall: not drafted, the firewall collector did not succeed ("
                       + "; ".join(collector_reason(s, Collector.FIREWALL) for s in ran if s not in usable) + ").")
        out.line()
        return
    failing = _trial(usable)
    blockers = [r for r in failing if r.check in (CheckId.FIREWALL_BYPASS, CheckId.EXPOSURE_MISMATCH)
                or r.status is Status.ERROR]
    unfiltered = [r for r in failing if r.check is CheckId.FIREWALL_MISSING]
    uncovered = [r for r in failing if r.check is CheckId.FIREWALL_PORT_UNCOVERED]
    for snapshot in usable:
        assert snapshot.firewall is not None
        rulesets = ", ".join(f"{r.backend} ({len(r.chains)} chains)" for r in snapshot.firewall.rulesets)
        out.comment(0, f"firewall of {result_host_name(snapshot)}: {rulesets or 'no ruleset'}"
                       + "".join(f"; {note}" for note in snapshot.firewall.notes))
    for result in unfiltered + uncovered + blockers:
        out.comment(0, f"RISK: {result.check.value} {result.resource}: {result.message}")
    prefix = "# " if blockers else ""
    if blockers:
        out.comment(0, "NOT ENABLED: the findings above would fail whatever this section says; fix them, then "
                       "uncomment it.")
    out.line(prefix + "firewall:")
    out.line(prefix + f"  required: {'false' if unfiltered else 'true'}")
    out.line(prefix + f"  listeners: {'any' if uncovered else 'covered'}")
    out.line()

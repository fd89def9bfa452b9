"""The firewall rule family: the host's own nftables/iptables input path, and its reconciliation with nmap.

Produces firewall-missing, firewall-port-uncovered, firewall-port-open, firewall-bypass and
exposure-mismatch. Must not do I/O. The packet-path evaluator is `path` (one packet through
the base chains) and `sources` (every kind of source for one port); one module per rule:

* `missing` (`firewall.required: true`): one result per address family;
* `listeners`: `listeners: covered` (firewall-port-uncovered) and firewall-port-open for every
  non-loopback listener whose allow entry says `exposure: internal` (always, as ../shared/DESIGN.md
  section 4 asks), or that no allow entry covers under `default: deny` (only when the baseline
  has a `firewall:` section, so that a plain `default: deny` baseline does not need it);
* `bypass` (any `firewall:` section): DNAT-published ports the forward path accepts while
  input drops them;
* `mismatch` (a `firewall:` section and an outside view): the ruleset's prediction against
  nmap's observation. Opt-in with the section: a contradiction no baseline entry can express
  would otherwise fail every audit of a host whose scan and ruleset disagree.

Missing evidence. The firewall collector FAILED or UNAVAILABLE makes every rule that needs it
`error` with the reason; NOT_RUN (a snapshot from before the collector existed, or an
outside-only host) `skip`. Results of the section point at the `firewall:` key; those of
firewall-port-open at the allow entry (or the `ports:` section).
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.evaluate.firewall.bypass import evaluate_bypass
from checker.evaluate.firewall.listeners import evaluate_exposed_listeners, evaluate_uncovered
from checker.evaluate.firewall.mismatch import evaluate_mismatch
from checker.evaluate.firewall.missing import evaluate_missing
from checker.evaluate.interface import (
    Availability,
    EvaluationContext,
    EvidenceState,
    RuleFamily,
    evidence_state,
)
from checker.evaluate.ports.views import port_views
from checker.model import Baseline, CheckId, Collector, Exposure, Location, Result, RuleMeta, Snapshot


def firewall_state(snapshot: Snapshot) -> EvidenceState:
    state = evidence_state(snapshot, Collector.FIREWALL)
    if state.present and snapshot.firewall is None:
        return EvidenceState(Collector.FIREWALL, Availability.MISSING, "the firewall collector recorded no ruleset")
    return state


class FirewallFamily(RuleFamily):
    checks = frozenset({CheckId.FIREWALL_MISSING, CheckId.FIREWALL_PORT_UNCOVERED, CheckId.FIREWALL_PORT_OPEN,
                        CheckId.FIREWALL_BYPASS, CheckId.EXPOSURE_MISMATCH})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        internal = any(entry.exposure is Exposure.INTERNAL for entry in baseline.ports.allow)
        needed = {Collector.FIREWALL} if baseline.firewall is not None or internal else set()
        if baseline.firewall is not None and baseline.firewall.listeners_covered:
            # `listeners: covered` judges every listener: without the sockets collector's list
            # (failed, or partial) it judged none and the audit passed on the other rules.
            needed.add(Collector.SOCKETS)
        return frozenset(needed)

    def evidence_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        # Each firewall verdict is about one ruleset, or one listener that was seen: a partial
        # socket list leaves listeners unjudged (its collector-error is `error`), it does not
        # make a seen listener's verdict unproven, nor the DNAT or missing-firewall ones.
        return self.needed_collectors(baseline) - {Collector.SOCKETS}

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        state = firewall_state(snapshot)
        firewall = snapshot.firewall if state.present else None
        views = port_views(snapshot)
        listeners = views.listeners
        yield from evaluate_exposed_listeners(baseline, listeners, state, firewall, ctx)
        policy = baseline.firewall
        meta = policy.meta if policy is not None else RuleMeta(baseline.ports.location or Location(baseline.path, 0))
        if policy is not None:
            if policy.listeners_covered:
                yield from evaluate_uncovered(meta, listeners, state, firewall, ctx)
            if firewall is None:
                gaps = [(CheckId.FIREWALL_BYPASS, "firewall:dnat")]
                if policy.required:
                    gaps.append((CheckId.FIREWALL_MISSING, "firewall:inbound"))
                for check, resource in gaps:
                    yield ctx.result(check, resource, state.gap_status,
                                     f"Cannot evaluate the firewall: {state.reason}.",
                                     meta=meta, evidence=state.evidence())
            else:
                if policy.required:
                    yield from evaluate_missing(meta, firewall, ctx)
                yield from evaluate_bypass(meta, firewall, snapshot.host.addresses, ctx)
        if policy is not None and firewall is not None and views.network is not None:
            yield from evaluate_mismatch(meta, listeners, views.network, firewall, ctx)


__all__ = ["FirewallFamily"]

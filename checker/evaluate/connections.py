"""The `connections:` rule family: thresholds on TCP connection counts per state.

Produces connections-state, resource `connections:<STATE>` (ss spelling: SYN-RECV,
TIME-WAIT...). A state absent from the snapshot's counts has 0 connections. The counts come
from the sockets collector: FAILED/UNAVAILABLE makes every rule `error`, NOT_RUN `skip`.
Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.evaluate.interface import EvaluationContext, RuleFamily, evidence_state
from checker.model import Baseline, CheckId, Collector, Result, Snapshot, Status


def state_name(state: str) -> str:
    """`syn_recv`, `Syn-Recv` -> `SYN-RECV`."""
    return state.strip().upper().replace("_", "-")


class ConnectionsFamily(RuleFamily):
    checks = frozenset({CheckId.CONNECTIONS_STATE})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        return frozenset({Collector.SOCKETS}) if baseline.connections else frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        sockets = evidence_state(snapshot, Collector.SOCKETS)
        counts = {state_name(name): count for name, count in snapshot.connection_states.items()}
        for rule in baseline.connections:
            state = state_name(rule.state)
            resource = f"connections:{state}"
            if not sockets.present:
                yield ctx.result(CheckId.CONNECTIONS_STATE, resource, sockets.gap_status,
                                 f"Cannot count {state} connections: {sockets.reason}.",
                                 meta=rule.meta, evidence={"state": state, **sockets.evidence()})
                continue
            count = counts.get(state, 0)
            evidence = {"state": state, "count": count, "max": rule.max}
            if count > rule.max:
                yield ctx.result(
                    CheckId.CONNECTIONS_STATE, resource, Status.FAIL,
                    f"{count} TCP connections are in state {state}, above the maximum {rule.max}.",
                    meta=rule.meta, evidence=evidence,
                    remediation=f"Inspect them with `ss -tan state {state.lower()}`; consider SYN cookies, "
                    "rate limits, or fixing the client that leaks them.",
                )
            else:
                yield ctx.result(CheckId.CONNECTIONS_STATE, resource, Status.PASS,
                                 f"{count} TCP connections are in state {state} (maximum {rule.max}).",
                                 meta=rule.meta, evidence=evidence)

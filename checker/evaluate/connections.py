"""The `connections:` rule family: thresholds on TCP connection counts per state.

Produces connections-state, resource `connections:<STATE>` in `ss` spelling (SYN-RECV,
TIME-WAIT...). Both the rule's state and the snapshot's count keys go through the one
normaliser (checker/model/connection_states.py), so `SYN_RECV` and `SYN-RECV` are one state.
A state absent from the snapshot's counts has 0 connections. Fail closed: the counts come
from the sockets collector, FAILED/UNAVAILABLE makes every rule `error` and NOT_RUN `skip`;
a rule whose state is not a TCP state, or a snapshot counting a state nobody can name (so
that a rule's connections may be hidden under it), is `error`, never a pass of 0.

Every result's evidence says what decided it: the collector, the state, its count, the
maximum and all the snapshot's counts per state. Must not do I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from checker.evaluate.interface import EvaluationContext, RuleFamily, evidence_state
from checker.model import Baseline, CheckId, Collector, Result, Snapshot, Status
from checker.model.connection_states import parse_tcp_state


def state_counts(raw: Mapping[str, int]) -> tuple[dict[str, int], list[str]]:
    """The snapshot's counts by `ss` name (aliases added up), and the keys that name no state."""
    counts: Counter[str] = Counter()
    unknown: list[str] = []
    for name, count in raw.items():
        state = parse_tcp_state(name)
        if state is None:
            unknown.append(name)
        else:
            counts[state.value] += count
    return dict(sorted(counts.items())), sorted(unknown)


def _ss_filter(state: str) -> str:
    """The name `ss state FILTER` takes (ss(8)): lower case, and `listening` for LISTEN."""
    return "listening" if state == "LISTEN" else state.lower()


class ConnectionsFamily(RuleFamily):
    checks = frozenset({CheckId.CONNECTIONS_STATE})

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        return frozenset({Collector.SOCKETS}) if baseline.connections else frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        sockets = evidence_state(snapshot, Collector.SOCKETS)
        counts, unknown = state_counts(snapshot.connection_states)
        for rule in baseline.connections:
            parsed = parse_tcp_state(rule.state)
            state = parsed.value if parsed is not None else rule.state
            resource = f"connections:{state}"
            if not sockets.present:
                yield ctx.result(CheckId.CONNECTIONS_STATE, resource, sockets.gap_status,
                                 f"Cannot count {state} connections: {sockets.reason}.",
                                 meta=rule.meta, evidence={"state": state, **sockets.evidence()})
                continue
            count = counts.get(state, 0)
            evidence = {"collector": Collector.SOCKETS.value, "state": state, "count": count, "max": rule.max,
                        "counts": counts}
            if parsed is None or unknown:
                what = (f"{rule.state!r} is not a TCP connection state" if parsed is None
                        else f"the snapshot counts connections in unknown states ({', '.join(unknown)})")
                yield ctx.result(CheckId.CONNECTIONS_STATE, resource, Status.ERROR,
                                 f"Cannot check the {state} limit: {what}.", meta=rule.meta,
                                 evidence={**evidence, "unknown_states": unknown})
            elif count > rule.max:
                yield ctx.result(
                    CheckId.CONNECTIONS_STATE, resource, Status.FAIL,
                    f"{count} TCP connections are in state {state}, above the maximum {rule.max}.",
                    meta=rule.meta, evidence=evidence,
                    remediation=f"Inspect them with `ss -tan state {_ss_filter(state)}`; consider SYN cookies, "
                    "rate limits, or fixing the client that leaks them.",
                )
            else:
                yield ctx.result(CheckId.CONNECTIONS_STATE, resource, Status.PASS,
                                 f"{count} TCP connections are in state {state} (maximum {rule.max}).",
                                 meta=rule.meta, evidence=evidence)

"""connections: max_per_state thresholds."""

from __future__ import annotations

from evaluate_support import baseline, meta, only, outcomes, run, runs, snapshot

from checker.model import CheckId, Collector, CollectorStatus, ConnectionLimit, Status


def test_counts_above_the_maximum_fail_and_absent_states_count_zero() -> None:
    base = baseline(connections=(ConnectionLimit("SYN-RECV", 256, meta(80)), ConnectionLimit("time_wait", 10, meta(81)),
                                 ConnectionLimit("CLOSE-WAIT", 5, meta(82))))
    report = run(base, snapshot(connection_states={"SYN-RECV": 257, "TIME-WAIT": 10}))
    assert outcomes(report) == {
        ("connections-state", "connections:SYN-RECV", "fail"),
        ("connections-state", "connections:TIME-WAIT", "pass"),
        ("connections-state", "connections:CLOSE-WAIT", "pass"),
    }
    failure = only(report, CheckId.CONNECTIONS_STATE, "connections:SYN-RECV")
    assert failure.evidence == {"state": "SYN-RECV", "count": 257, "max": 256}
    assert "ss -tan state syn-recv" in (failure.remediation or "")


def test_missing_sockets_evidence_is_error() -> None:
    base = baseline(connections=(ConnectionLimit("SYN-RECV", 256, meta(80)),))
    report = run(base, snapshot(collectors=runs({Collector.SOCKETS: CollectorStatus.UNAVAILABLE})))
    assert only(report, CheckId.CONNECTIONS_STATE).status is Status.ERROR

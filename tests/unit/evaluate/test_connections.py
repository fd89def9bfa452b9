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
    assert failure.evidence == {"collector": "sockets", "state": "SYN-RECV", "count": 257, "max": 256,
                                "counts": {"SYN-RECV": 257, "TIME-WAIT": 10}}
    assert "ss -tan state syn-recv" in (failure.remediation or "")


def test_missing_sockets_evidence_is_error() -> None:
    base = baseline(connections=(ConnectionLimit("SYN-RECV", 256, meta(80)),))
    report = run(base, snapshot(collectors=runs({Collector.SOCKETS: CollectorStatus.UNAVAILABLE})))
    assert only(report, CheckId.CONNECTIONS_STATE).status is Status.ERROR


def test_snapshot_aliases_count_under_the_ss_name() -> None:
    base = baseline(connections=(ConnectionLimit("SYN-RECV", 5, meta(80)),))
    report = run(base, snapshot(connection_states={"SYN_RECV": 4, "NEW_SYN_RECV": 3}))
    result = only(report, CheckId.CONNECTIONS_STATE, "connections:SYN-RECV")
    assert result.status is Status.FAIL and result.evidence["count"] == 7


def test_an_unknown_state_is_an_error_never_a_pass_of_zero() -> None:
    report = run(baseline(connections=(ConnectionLimit("ESTABLISHD", 0, meta(80)),)), snapshot())
    assert only(report, CheckId.CONNECTIONS_STATE).status is Status.ERROR
    report = run(baseline(connections=(ConnectionLimit("SYN-RECV", 5, meta(80)),)),
                 snapshot(connection_states={"SYN-RECIEVED": 900}))
    result = only(report, CheckId.CONNECTIONS_STATE, "connections:SYN-RECV")
    assert result.status is Status.ERROR and result.evidence["unknown_states"] == ["SYN-RECIEVED"]


def test_the_remediation_uses_the_ss_filter_name() -> None:
    report = run(baseline(connections=(ConnectionLimit("LISTEN", 1, meta(80)),)),
                 snapshot(connection_states={"LISTEN": 2}))
    assert "ss -tan state listening" in (only(report, CheckId.CONNECTIONS_STATE).remediation or "")

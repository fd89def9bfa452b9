"""The engine (`checker.evaluate`): order, identity, determinism, host names, exit codes, console."""

from __future__ import annotations

import dataclasses

import pytest
from evaluate_support import INSIDE, baseline, listener, loc, meta, network, outcomes, run, runs, snapshot

from checker.errors import ExitCode
from checker.evaluate import collection_date, evaluate, exit_code_for, host_name
from checker.formatters.console import render_summary
from checker.model import (
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    Report,
    Result,
    Severity,
    Status,
)

FORBID = PortsPolicy(default=DefaultPolicy.DENY, forbid=(PortForbid(PortRange(23, 23), None, meta(20)),
                                                         PortForbid(PortRange(1, 100), Protocol.TCP, meta(21))),
                     location=loc(5))


def test_results_are_sorted_unique_and_deterministic() -> None:
    snaps = [snapshot(hostname="b", listeners=[listener(23), listener(80)]),
             snapshot(hostname="a", listeners=[listener(80), listener(23, "::")])]
    first = run(baseline(ports=FORBID), *snaps)
    second = run(baseline(ports=FORBID), *reversed(snaps))
    assert first == second
    assert [h.name for h in first.hosts] == ["a", "b"]
    for host in first.hosts:
        assert list(host.results) == sorted(host.results, key=Result.sort_key)
        identities = [(r.host, r.check, r.resource) for r in host.results]
        assert len(identities) == len(set(identities))
    # overlapping forbid entries on the same listener give one result, from the first rule
    hits = [r for r in first.results if r.host == "b" and r.resource == "tcp/0.0.0.0:23"
            and r.check is CheckId.PORT_FORBIDDEN]
    assert len(hits) == 1 and hits[0].location == loc(20)


def test_report_metadata() -> None:
    report = evaluate(dataclasses.replace(baseline(), controls={"framework": "CIS"}), [snapshot()],
                      fail_on=Severity.HIGH)
    assert (report.baseline_path, report.baseline_name, report.fail_on) == ("baseline.yaml", "test", Severity.HIGH)
    assert report.controls == {"framework": "CIS"}
    assert report.tool_version


def test_host_name_is_the_scanned_address_for_an_outside_only_snapshot() -> None:
    inside_off = dict.fromkeys(INSIDE, CollectorStatus.NOT_RUN)
    outside_only = snapshot(hostname="scanner-box", collectors=runs(inside_off, nmap=CollectorStatus.OK),
                            network_view=network(address="10.0.0.9"))
    assert host_name(outside_only) == "10.0.0.9"
    assert host_name(snapshot(hostname="web-1", network_view=network(address="10.0.0.9"))) == "web-1"


def test_collection_date_is_utc_and_bad_times_expire_every_waiver() -> None:
    assert str(collection_date(snapshot(collected_at="2026-11-21T23:30:00-02:00"))) == "2026-11-22"
    assert collection_date(snapshot(collected_at="yesterday")).year == 9999


def _report(*results: tuple[Status, Severity]) -> Report:
    report = run(baseline())
    host = report.hosts[0]
    made = tuple(Result("web-1", CheckId.PORT_BIND, f"r{i}", status, severity, "m")
                 for i, (status, severity) in enumerate(results))
    return dataclasses.replace(report, hosts=(dataclasses.replace(host, results=made),))


@pytest.mark.parametrize(("results", "fail_on", "expected"), [
    ((), Severity.LOW, ExitCode.INCOMPLETE),  # nothing evaluated (issue 12)
    (((Status.SKIP, Severity.HIGH), (Status.SKIP, Severity.LOW)), Severity.LOW, ExitCode.INCOMPLETE),
    (((Status.PASS, Severity.HIGH), (Status.SKIP, Severity.HIGH), (Status.WAIVED, Severity.CRITICAL)),
     Severity.LOW, ExitCode.COMPLIANT),
    (((Status.FAIL, Severity.LOW),), Severity.LOW, ExitCode.FAILED),
    (((Status.FAIL, Severity.LOW),), Severity.MEDIUM, ExitCode.COMPLIANT),
    (((Status.FAIL, Severity.HIGH),), Severity.HIGH, ExitCode.FAILED),
    (((Status.FAIL, Severity.HIGH),), Severity.CRITICAL, ExitCode.COMPLIANT),
    (((Status.ERROR, Severity.LOW),), Severity.LOW, ExitCode.INCOMPLETE),
    (((Status.FAIL, Severity.LOW), (Status.ERROR, Severity.LOW)), Severity.HIGH, ExitCode.INCOMPLETE),
    (((Status.FAIL, Severity.CRITICAL), (Status.ERROR, Severity.LOW)), Severity.HIGH, ExitCode.FAILED),
])
def test_exit_codes(results: tuple[tuple[Status, Severity], ...], fail_on: Severity, expected: ExitCode) -> None:
    assert exit_code_for(_report(*results), fail_on=fail_on) is expected


def test_exit_zero_forces_zero() -> None:
    report = _report((Status.FAIL, Severity.CRITICAL), (Status.ERROR, Severity.HIGH))
    assert exit_code_for(report, exit_zero=True) is ExitCode.COMPLIANT


def test_exit_code_defaults_to_the_reports_fail_on() -> None:
    report = dataclasses.replace(_report((Status.FAIL, Severity.MEDIUM)), fail_on=Severity.HIGH)
    assert exit_code_for(report) is ExitCode.COMPLIANT


def test_console_summary_counts_and_one_line_per_problem() -> None:
    report = run(baseline(ports=FORBID), snapshot(listeners=[listener(23, process="telnetd\x1b[2J\nFAKE")]))
    text = render_summary(report)
    lines = text.splitlines()
    assert lines[0].startswith("surfacecheck: 1 host, ")
    assert "fail" in lines[0] and "pass" in lines[0]
    problem_lines = [line for line in lines if line.startswith(("FAIL", "ERROR"))]
    assert len(problem_lines) == sum(r.status in (Status.FAIL, Status.ERROR) for r in report.results)
    assert "\x1b" not in text and "\\x1b" in text
    assert all(not line.startswith("FAKE") for line in lines)
    assert outcomes(report, CheckId.PORT_FORBIDDEN)



def test_collector_error_is_error_when_needed_and_skip_when_not() -> None:
    failed = runs({Collector.UNIT_RUNTIME: CollectorStatus.UNAVAILABLE, Collector.SOCKETS: CollectorStatus.FAILED},
                  reason="no systemd.")
    report = run(baseline(ports=FORBID), snapshot(collectors=failed))
    assert outcomes(report, CheckId.COLLECTOR_ERROR) == {("collector-error", "collector:sockets", "error"),
                                                         ("collector-error", "collector:unit-runtime", "skip")}
    runtime = [r for r in report.results if r.resource == "collector:unit-runtime"][0]
    assert runtime.evidence == {"collector": "unit-runtime", "status": "unavailable", "reason": "no systemd.",
                                "needed_by_baseline": False}
    assert "unavailable: no systemd)" in runtime.message and ".." not in runtime.message
    assert runtime.location is None and runtime.severity is Severity.HIGH
    assert outcomes(run(baseline(ports=FORBID), snapshot()), CheckId.COLLECTOR_ERROR) == set()


def test_no_host_at_all_is_incomplete_never_compliant() -> None:
    """An `--nmap-xml` listing no host (or a range where nothing answered) audits nothing."""
    report = evaluate(baseline(ports=FORBID), [])
    assert report.hosts == () and report.results == ()
    assert exit_code_for(report) is ExitCode.INCOMPLETE
    assert exit_code_for(report, exit_zero=True) is ExitCode.COMPLIANT
    assert "no host was audited" in render_summary(report)


def test_a_host_where_no_collector_ran_is_an_error_not_a_clean_skip() -> None:
    """A snapshot with an empty `collectors` list: every rule would be `skip` and exit 0."""
    report = run(baseline(ports=FORBID), snapshot(collectors=()))
    assert outcomes(report, CheckId.COLLECTOR_ERROR) == {("collector-error", "collector:*", "error")}
    assert exit_code_for(report) is ExitCode.INCOMPLETE
    # Without any rule nothing is missing.
    assert outcomes(run(baseline(), snapshot(collectors=())), CheckId.COLLECTOR_ERROR) == {
        ("collector-error", "collector:*", "skip")}


def test_two_snapshots_of_one_host_come_out_in_the_same_order_whatever_the_input_order() -> None:
    """Same inputs, same bytes: `--snapshot a.json --snapshot b.json` of one host, in either order."""
    from checker.formatters import FormatOptions, all_formats, get_formatter

    snaps = [snapshot(hostname="web-1", collected_at="2026-11-21T09:00:00Z", listeners=[listener(23)]),
             snapshot(hostname="web-1", collected_at="2026-11-21T09:00:00Z", listeners=[listener(80)]),
             snapshot(hostname="web-1", collected_at="2026-11-20T09:00:00Z")]
    orders = [snaps, snaps[::-1], [snaps[1], snaps[2], snaps[0]]]
    rendered = {tuple(get_formatter(fmt).format(run(baseline(ports=FORBID), *order), FormatOptions())
                      for fmt in (spec.name for spec in all_formats())) for order in orders}
    assert len(rendered) == 1
    assert [h.snapshot.host.collected_at for h in run(baseline(ports=FORBID), *snaps).hosts] == [
        "2026-11-20T09:00:00Z", "2026-11-21T09:00:00Z", "2026-11-21T09:00:00Z"]

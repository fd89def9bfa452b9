"""services: running (service-state), enabled (service-enabled), absent_ok, missing evidence."""

from __future__ import annotations

import pytest
from evaluate_support import baseline, meta, only, outcomes, run, runs, snapshot

from checker.model import CheckId, Collector, CollectorStatus, ServiceRule, Status, Unit


def rule(unit: str, **kw: object) -> ServiceRule:
    return ServiceRule(unit, meta(30), **kw)  # type: ignore[arg-type]


UNITS = [
    Unit("ssh.service", enablement="enabled", active="active", sub="running"),
    Unit("avahi-daemon.service", enablement="disabled", active="inactive", sub="dead"),
    Unit("cups.service", enablement="masked", active="inactive", sub="dead"),
    Unit("systemd-journald.service", enablement="static", active="active", sub="running"),
    Unit("rsync.service", enablement="enabled", active="failed", sub="failed"),
]


def test_running_and_enabled_pass_and_fail() -> None:
    base = baseline(services=(
        rule("ssh.service", running=True, enabled=True),
        rule("avahi-daemon", running=False, enabled=False),  # no suffix = .service
        rule("rsync.service", running=True),
        rule("cups.service", enabled=True),
    ))
    report = run(base, snapshot(units=UNITS))
    assert outcomes(report) == {
        ("service-state", "unit:ssh.service", "pass"),
        ("service-enabled", "unit:ssh.service", "pass"),
        ("service-state", "unit:avahi-daemon.service", "pass"),
        ("service-enabled", "unit:avahi-daemon.service", "pass"),
        ("service-state", "unit:rsync.service", "fail"),
        ("service-enabled", "unit:cups.service", "fail"),
    }
    failure = only(report, CheckId.SERVICE_STATE, "unit:rsync.service")
    assert failure.evidence["active"] == "failed"
    assert failure.remediation is not None and "systemctl start rsync.service" in failure.remediation
    assert "unmask" in (only(report, CheckId.SERVICE_ENABLED, "unit:cups.service").remediation or "")


def test_should_not_run_but_runs_fails_with_stop_hint() -> None:
    report = run(baseline(services=(rule("ssh.service", running=False, enabled=False),)), snapshot(units=UNITS))
    assert outcomes(report) == {("service-state", "unit:ssh.service", "fail"),
                                ("service-enabled", "unit:ssh.service", "fail")}
    assert "systemctl disable --now ssh.service" in (only(report, CheckId.SERVICE_ENABLED).remediation or "")


@pytest.mark.parametrize(("state", "enabled"), [
    ("enabled", True), ("enabled-runtime", True), ("static", True), ("indirect", True), ("alias", True),
    ("generated", True), ("disabled", False), ("masked", False), ("linked", False),
])
def test_enablement_follows_systemctl_is_enabled(state: str, enabled: bool) -> None:
    report = run(baseline(services=(rule("x.service", enabled=True),)),
                 snapshot(units=[Unit("x.service", enablement=state, active="inactive")]))
    assert only(report, CheckId.SERVICE_ENABLED).status is (Status.PASS if enabled else Status.FAIL)


def test_unknown_enablement_is_error() -> None:
    report = run(baseline(services=(rule("x.service", enabled=False),)),
                 snapshot(units=[Unit("x.service", enablement=None, active="inactive")]))
    assert only(report, CheckId.SERVICE_ENABLED).status is Status.ERROR


def test_absent_unit() -> None:
    base = baseline(services=(
        rule("telnet.service", running=False, enabled=False, absent_ok=True),
        rule("finger.service", running=False, enabled=False),
        rule("nginx.service", running=True, enabled=True, absent_ok=True),
    ))
    report = run(base, snapshot(units=UNITS))
    assert outcomes(report) == {
        ("service-state", "unit:telnet.service", "pass"),
        ("service-enabled", "unit:telnet.service", "pass"),
        ("service-state", "unit:finger.service", "fail"),
        ("service-enabled", "unit:finger.service", "fail"),
        ("service-state", "unit:nginx.service", "fail"),
        ("service-enabled", "unit:nginx.service", "fail"),
    }
    assert "absent_ok" in only(report, CheckId.SERVICE_STATE, "unit:finger.service").message


@pytest.mark.parametrize("status", [CollectorStatus.FAILED, CollectorStatus.UNAVAILABLE])
def test_no_runtime_makes_running_rules_error_not_enabled_ones(status: CollectorStatus) -> None:
    base = baseline(services=(rule("ssh.service", running=True, enabled=True),
                              rule("telnet.service", running=False, absent_ok=True)))
    snap = snapshot(units=[Unit("ssh.service", enablement="enabled")],
                    collectors=runs({Collector.UNIT_RUNTIME: status}, reason="System has not been booted with systemd"))
    report = run(base, snap)
    assert outcomes(report) == {
        ("service-state", "unit:ssh.service", "error"),
        ("service-state", "unit:telnet.service", "error"),
        ("service-enabled", "unit:ssh.service", "pass"),
        ("collector-error", "collector:unit-runtime", "error"),
    }
    assert "not been booted" in only(report, CheckId.SERVICE_STATE, "unit:ssh.service").message


def test_no_unit_files_makes_enabled_rules_error() -> None:
    snap = snapshot(units=[], collectors=runs({Collector.UNIT_FILES: CollectorStatus.FAILED}))
    report = run(baseline(services=(rule("ssh.service", enabled=False, absent_ok=True),)), snap)
    assert only(report, CheckId.SERVICE_ENABLED).status is Status.ERROR


def test_runtime_without_unit_files_cannot_tell_absent_from_inactive() -> None:
    snap = snapshot(units=[], collectors=runs({Collector.UNIT_FILES: CollectorStatus.FAILED}))
    report = run(baseline(services=(rule("finger.service", running=False),
                                    rule("telnet.service", running=False, absent_ok=True))), snap)
    assert outcomes(report, CheckId.SERVICE_STATE) == {("service-state", "unit:finger.service", "error"),
                                                      ("service-state", "unit:telnet.service", "pass")}


@pytest.mark.parametrize(("wanted", "expected"), [(False, Status.PASS), (True, Status.FAIL)])
def test_not_found_but_still_loaded_unit_is_not_enabled(wanted: bool, expected: Status) -> None:
    """Its file was removed while it runs: `systemctl is-enabled` exits non-zero (not-found)."""
    report = run(baseline(services=(rule("x.service", enabled=wanted),)),
                 snapshot(units=[Unit("x.service", enablement="not-found", active="active", sub="running")]))
    assert only(report, CheckId.SERVICE_ENABLED).status is expected


def test_every_verdict_names_the_collector_and_source_that_decided_it() -> None:
    units = [*UNITS, Unit("xinetd.service", enablement="enabled", source="sysv", path="/etc/init.d/xinetd")]
    base = baseline(services=(rule("ssh", running=True, enabled=True), rule("xinetd", enabled=False),
                              rule("telnet", enabled=False, absent_ok=True)))
    report = run(base, snapshot(units=units))
    running = only(report, CheckId.SERVICE_STATE, "unit:ssh.service").evidence
    assert (running["collector"], running["source"]) == ("unit-runtime", "systemctl list-units")
    enabled = only(report, CheckId.SERVICE_ENABLED, "unit:ssh.service").evidence
    assert (enabled["collector"], enabled["source"]) == ("unit-files", "systemctl list-unit-files")
    sysv = only(report, CheckId.SERVICE_ENABLED, "unit:xinetd.service").evidence
    assert sysv["source"] == "/etc/init.d/xinetd and its /etc/rc?.d links" and sysv["init"] == "sysv"
    absent = only(report, CheckId.SERVICE_ENABLED, "unit:telnet.service").evidence
    assert (absent["collector"], absent["present"]) == ("unit-files", False)


def test_partial_unit_files_never_pass_but_a_found_violation_stays_a_fail() -> None:
    """Issue 12: an unreadable unit directory makes unit-files PARTIAL. A unit listed as disabled may
    be enabled by a link that could not be read, and a unit not listed may exist."""
    base = baseline(services=(
        rule("avahi-daemon", enabled=False),  # listed disabled: would pass
        rule("ssh", enabled=False),  # listed enabled: a found violation
        rule("telnet.socket", enabled=False, absent_ok=True),  # not listed: would pass as absent
        rule("nfs-server", enabled=True),  # not listed: would fail as absent
    ))
    report = run(base, snapshot(units=UNITS, collectors=runs({Collector.UNIT_FILES: CollectorStatus.PARTIAL},
                                                             reason="/etc/systemd/system: permission denied")))
    assert outcomes(report, CheckId.SERVICE_ENABLED) == {
        ("service-enabled", "unit:avahi-daemon.service", "error"),
        ("service-enabled", "unit:ssh.service", "fail"),
        ("service-enabled", "unit:telnet.socket", "error"),
        ("service-enabled", "unit:nfs-server.service", "error"),
    }
    demoted = only(report, CheckId.SERVICE_ENABLED, "unit:avahi-daemon.service")
    assert "permission denied" in demoted.message and "avahi-daemon.service is disabled" in demoted.message
    assert demoted.evidence["verdict_from_partial_evidence"] == "pass"
    gap = only(report, CheckId.COLLECTOR_ERROR, "collector:unit-files")
    assert gap.status is Status.ERROR and gap.evidence["status"] == "partial"

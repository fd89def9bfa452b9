"""waivers: waived, expired, unused, host scope, match keys; errors are never waived."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from evaluate_support import baseline, listener, loc, meta, only, outcomes, run, runs, snapshot

from checker.errors import ExitCode
from checker.evaluate import exit_code_for
from checker.model import (
    CheckId,
    Collector,
    CollectorStatus,
    ConnectionLimit,
    DefaultPolicy,
    Location,
    PortAllow,
    PortRange,
    PortsPolicy,
    Protocol,
    Severity,
    Status,
    Waiver,
    XinetdLimits,
    XinetdPolicy,
    XinetdService,
    XinetdValue,
)

TODAY = dt.date(2026, 11, 21)  # evaluate_support's default collected_at
DENY = PortsPolicy(default=DefaultPolicy.DENY, allow=(PortAllow(PortRange(22, 22), Protocol.TCP, meta(10)),),
                   location=loc(5))


def waiver(check: CheckId = CheckId.PORT_UNEXPECTED, *, line: int = 90, expires: dt.date = dt.date(2026, 12, 31),
           hosts: tuple[str, ...] = (), **match: Any) -> Waiver:
    return Waiver(check=check, match=match, reason="debug server, OPS-123", expires=expires,
                  location=Location("baseline.yaml", line, 5), hosts=hosts)


def test_matching_fail_becomes_waived_with_reason_expiry_and_location() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port="8080", protocol="tcp"),))
    report = run(base, snapshot(listeners=[listener(8080), listener(9090)]))
    assert outcomes(report) == {
        ("port-unexpected", "tcp/0.0.0.0:8080", "waived"),
        ("port-unexpected", "tcp/0.0.0.0:9090", "fail"),
    }
    waived = only(report, CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:8080")
    assert waived.waiver is not None
    assert (waived.waiver.reason, waived.waiver.expires, waived.waiver.expired) == (
        "debug server, OPS-123", dt.date(2026, 12, 31), False)
    assert waived.waiver.location == Location("baseline.yaml", 90, 5)
    assert waived.location == loc(5)  # the result keeps its rule's location


def test_waived_only_report_exits_zero() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port=8080),))
    report = run(base, snapshot(listeners=[listener(8080)]))
    assert exit_code_for(report) is ExitCode.COMPLIANT


@pytest.mark.parametrize(("match", "hit"), [
    ({"port": "8000-8100"}, True),
    ({"port": 8080}, True),
    ({"port": "9000-9100"}, False),
    ({"protocol": "TCP"}, True),
    ({"protocol": "udp"}, False),
    ({"process": "ngin*"}, True),
    ({"process": "apache2"}, False),
    ({"user": "www-data"}, True),
    ({"address": "::"}, True),
    ({"resource": "tcp/[::]:8080"}, True),  # brackets are text here, not a glob class
    ({"resource": "tcp/*:8080"}, True),
    ({"unit": "x.service"}, False),  # a key the result does not have never matches
    ({}, True),
])
def test_match_keys(match: dict[str, Any], hit: bool) -> None:
    base = baseline(ports=DENY, waivers=(waiver(**match),))
    report = run(base, snapshot(listeners=[listener(8080, "::")]))
    status = only(report, CheckId.PORT_UNEXPECTED, "tcp/[::]:8080").status
    assert status is (Status.WAIVED if hit else Status.FAIL)


def test_service_matches_xinetd_name_or_id_and_attribute() -> None:
    limits = XinetdLimits(instances_max=50, cps_max_rate=10, meta=meta(70))
    services = [XinetdService("echo", "echo-stream", True, Location("/etc/xinetd.d/echo", 1),
                              attributes={"instances": XinetdValue(("UNLIMITED",), Location("/etc/xinetd.d/echo", 4)),
                                          "cps": XinetdValue(("50", "10"), Location("/etc/xinetd.d/echo", 5))})]
    base = baseline(xinetd=XinetdPolicy(limits=limits),
                    waivers=(waiver(CheckId.XINETD_LIMIT, service="echo", attribute="instances"),
                             waiver(CheckId.XINETD_LIMIT, line=91, service="echo-stream", attribute="cps")))
    report = run(base, snapshot(xinetd=services))
    assert outcomes(report) == {("xinetd-limit", "xinetd:echo-stream/instances", "waived"),
                                ("xinetd-limit", "xinetd:echo-stream/cps", "waived")}


def test_connection_state_key() -> None:
    base = baseline(connections=(ConnectionLimit("SYN-RECV", 1, meta(80)),),
                    waivers=(waiver(CheckId.CONNECTIONS_STATE, state="SYN-RECV"),))
    report = run(base, snapshot(connection_states={"SYN-RECV": 5}))
    assert outcomes(report) == {("connections-state", "connections:SYN-RECV", "waived")}


def test_expired_waiver_leaves_fail_flagged_and_adds_waiver_expired() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port=8080, expires=dt.date(2026, 11, 20)),))
    report = run(base, snapshot(listeners=[listener(8080)]))
    assert outcomes(report) == {
        ("port-unexpected", "tcp/0.0.0.0:8080", "fail"),
        ("waiver-expired", "waiver:baseline.yaml:90", "fail"),
    }
    failure = only(report, CheckId.PORT_UNEXPECTED)
    assert failure.waiver is not None and failure.waiver.expired
    expired = only(report, CheckId.WAIVER_EXPIRED)
    assert expired.severity is Severity.MEDIUM
    assert expired.evidence["covers"] == ["tcp/0.0.0.0:8080"] and expired.evidence["today"] == "2026-11-21"
    assert expired.location == Location("baseline.yaml", 90, 5)
    assert exit_code_for(report) is ExitCode.FAILED


def test_waiver_still_applies_on_its_expiry_day_judged_by_the_snapshot_date() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port=8080, expires=TODAY),))
    assert only(run(base, snapshot(listeners=[listener(8080)])), CheckId.PORT_UNEXPECTED).status is Status.WAIVED
    tomorrow = snapshot(listeners=[listener(8080)], collected_at="2026-11-22T00:00:01Z")
    assert only(run(base, tomorrow), CheckId.PORT_UNEXPECTED).status is Status.FAIL


def test_valid_waiver_wins_over_an_expired_one() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port=8080, expires=dt.date(2020, 1, 1)),
                                         waiver(line=91, port=8080)))
    report = run(base, snapshot(listeners=[listener(8080)]))
    assert outcomes(report) == {("port-unexpected", "tcp/0.0.0.0:8080", "waived")}


def test_unused_waiver_is_reported_once_low_even_with_high_defaults() -> None:
    base = baseline(ports=DENY, default_severity=Severity.HIGH,
                    waivers=(waiver(port=8080), waiver(line=91, port=9999)))
    report = run(base, snapshot(hostname="a", listeners=[listener(8080)]), snapshot(hostname="b"))
    assert outcomes(report, CheckId.WAIVER_UNUSED) == {("waiver-unused", "waiver:baseline.yaml:91", "fail")}
    unused = only(report, CheckId.WAIVER_UNUSED)
    assert unused.severity is Severity.LOW and unused.host == "a"
    assert exit_code_for(report, fail_on=Severity.LOW) is ExitCode.FAILED
    assert exit_code_for(report, fail_on=Severity.MEDIUM) is ExitCode.COMPLIANT


def test_host_scope() -> None:
    base = baseline(ports=DENY, waivers=(waiver(port=8080, hosts=("staging-*",)),
                                         waiver(line=91, port=8080, hosts=("nowhere",))))
    report = run(base, snapshot(hostname="staging-1", listeners=[listener(8080)]),
                 snapshot(hostname="prod-1", listeners=[listener(8080)]))
    assert outcomes(report) == {("port-unexpected", "tcp/0.0.0.0:8080", "waived"),
                                ("port-unexpected", "tcp/0.0.0.0:8080", "fail")}
    assert {(r.host, r.status) for r in report.results} == {("staging-1", Status.WAIVED), ("prod-1", Status.FAIL)}
    # the `nowhere` waiver is out of scope for this run: not reported as unused


def test_errors_are_never_waived() -> None:
    base = baseline(ports=DENY, waivers=(waiver(CheckId.COLLECTOR_ERROR),
                                         waiver(line=91, resource="ports:default-deny")))
    snap = snapshot(collectors=runs({Collector.SOCKETS: CollectorStatus.FAILED}))
    report = run(base, snap)
    assert outcomes(report) == {
        ("port-unexpected", "ports:default-deny", "error"),
        ("collector-error", "collector:sockets", "error"),
        ("waiver-unused", "waiver:baseline.yaml:90", "fail"),
        ("waiver-unused", "waiver:baseline.yaml:91", "fail"),
    }
    assert exit_code_for(report, fail_on=Severity.MEDIUM) is ExitCode.INCOMPLETE


def test_port_and_protocol_match_rule_level_port_results() -> None:
    """DESIGN.md's `match: {port, protocol}` must cover port-required-missing / port-unreachable too,
    whose resource is the rule (`tcp/*:443`), not a listener with a `port` in its evidence."""
    required = PortsPolicy(allow=(PortAllow(PortRange(443, 443), Protocol.TCP, meta(10), required=True),
                                  PortAllow(PortRange(8000, 8100), Protocol.TCP, meta(11), required=True),
                                  PortAllow(PortRange(53, 53), Protocol.UDP, meta(12), required=True)))
    base = baseline(ports=required, waivers=(
        waiver(CheckId.PORT_REQUIRED_MISSING, port=443, protocol="tcp"),
        waiver(CheckId.PORT_REQUIRED_MISSING, line=91, port="7000-9000"),
        waiver(CheckId.PORT_REQUIRED_MISSING, line=92, port=53, protocol="tcp"),  # wrong protocol
        waiver(CheckId.PORT_REQUIRED_MISSING, line=93, port=8050),  # only part of the rule's range
    ))
    report = run(base, snapshot())
    assert outcomes(report, CheckId.PORT_REQUIRED_MISSING) == {
        ("port-required-missing", "tcp/*:443", "waived"),
        ("port-required-missing", "tcp/*:8000-8100", "waived"),
        ("port-required-missing", "udp/*:53", "fail"),
    }
    assert {r.resource for r in report.results if r.check is CheckId.WAIVER_UNUSED} == {
        "waiver:baseline.yaml:92", "waiver:baseline.yaml:93"}

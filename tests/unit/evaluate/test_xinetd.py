"""xinetd: allow/forbid on enabled services, limits, access, logging; evidence file:line."""

from __future__ import annotations

import pytest
from evaluate_support import baseline, loc, meta, only, outcomes, run, runs, snapshot

from checker.model import (
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    Location,
    Severity,
    Status,
    UnitForbid,
    XinetdAllow,
    XinetdLimits,
    XinetdPolicy,
    XinetdService,
    XinetdValue,
)

ECHO_FILE = "/etc/xinetd.d/echo"


def value(*values: str, line: int = 5, file: str = ECHO_FILE) -> XinetdValue:
    return XinetdValue(values, Location(file, line))


def service(name: str, id_: str | None = None, *, enabled: bool = True,
            **attributes: XinetdValue) -> XinetdService:
    return XinetdService(name=name, id=id_ or name, enabled=enabled, location=Location(f"/etc/xinetd.d/{name}", 1),
                         attributes=attributes)


def policy(**kw: object) -> XinetdPolicy:
    return XinetdPolicy(location=loc(60), **kw)  # type: ignore[arg-type]


GOOD = {"instances": value("50", line=3), "cps": value("25", "30", line=4), "per_source": value("10", line=5),
        "max_load": value("4", line=6), "only_from": value("10.0.0.0/8", line=7),
        "log_on_failure": value("HOST", "USERID", line=8)}


def test_default_deny_and_forbid_by_name_or_id() -> None:
    base = baseline(xinetd=policy(default=DefaultPolicy.DENY, allow=(XinetdAllow("echo-stream", meta(61)),),
                                  forbid=(UnitForbid("telnet", meta(62)), UnitForbid("tftp", meta(63)))))
    services = [service("echo", "echo-stream"), service("echo", "echo-dgram"), service("telnet"),
                service("tftp", enabled=False)]
    report = run(base, snapshot(xinetd=services))
    assert outcomes(report) == {
        ("xinetd-service-unexpected", "xinetd:echo-stream", "pass"),
        ("xinetd-service-unexpected", "xinetd:echo-dgram", "fail"),
        ("xinetd-service-unexpected", "xinetd:telnet", "fail"),
        ("xinetd-service-forbidden", "xinetd:telnet", "fail"),
        ("xinetd-service-forbidden", "xinetd:tftp", "pass"),
    }
    forbidden = only(report, CheckId.XINETD_SERVICE_FORBIDDEN, "xinetd:telnet")
    assert "disable = yes" in (forbidden.remediation or "")
    assert forbidden.evidence["defined_at"] == "/etc/xinetd.d/telnet:1"


LIMITS = XinetdLimits(instances_max=50, cps_max_rate=25, per_source_max=10, max_load_max=4.0,
                      only_from_required=True, no_access_required=True, log_on_failure_includes=("HOST",),
                      locations={"instances": loc(71), "cps": loc(72), "per_source": loc(73), "max_load": loc(74),
                                 "only_from": loc(75), "no_access": loc(76), "log_on_failure": loc(77)},
                      meta=meta(70, controls=("CIS 2.2",)))


def test_limits_pass_on_good_effective_values() -> None:
    report = run(baseline(xinetd=policy(limits=LIMITS)),
                 snapshot(xinetd=[service("echo", "echo-stream", no_access=value("10.9.9.9", line=9), **GOOD)]))
    assert outcomes(report) == {
        ("xinetd-limit", "xinetd:echo-stream/instances", "pass"),
        ("xinetd-limit", "xinetd:echo-stream/cps", "pass"),
        ("xinetd-limit", "xinetd:echo-stream/per_source", "pass"),
        ("xinetd-limit", "xinetd:echo-stream/max_load", "pass"),
        ("xinetd-access", "xinetd:echo-stream/only_from", "pass"),
        ("xinetd-access", "xinetd:echo-stream/no_access", "pass"),
        ("xinetd-logging", "xinetd:echo-stream/log_on_failure", "pass"),
    }


def test_limits_fail_on_unlimited_unset_too_high_or_zero() -> None:
    bad = service("echo", "echo-stream", instances=value("UNLIMITED", line=12), cps=value("100", "5", line=13),
                  per_source=value("UNLIMITED", line=14), max_load=value("0", line=15),
                  log_on_failure=value("USERID", line=16))
    report = run(baseline(xinetd=policy(limits=LIMITS)), snapshot(xinetd=[bad, service("daytime")]))
    assert {(c, r, s) for c, r, s in outcomes(report) if r.startswith("xinetd:echo-stream")} == {
        ("xinetd-limit", "xinetd:echo-stream/instances", "fail"),
        ("xinetd-limit", "xinetd:echo-stream/cps", "fail"),
        ("xinetd-limit", "xinetd:echo-stream/per_source", "fail"),
        ("xinetd-limit", "xinetd:echo-stream/max_load", "fail"),
        ("xinetd-access", "xinetd:echo-stream/only_from", "fail"),
        ("xinetd-access", "xinetd:echo-stream/no_access", "fail"),
        ("xinetd-logging", "xinetd:echo-stream/log_on_failure", "fail"),
    }
    # unset everywhere fails too
    assert {s for c, r, s in outcomes(report) if r.startswith("xinetd:daytime/")} == {"fail"}
    instances = only(report, CheckId.XINETD_LIMIT, "xinetd:echo-stream/instances")
    assert instances.evidence["set_at"] == f"{ECHO_FILE}:12" and instances.evidence["value"] == "UNLIMITED"
    assert instances.location == loc(71)
    assert instances.controls == ("CIS 2.2",)
    assert instances.remediation is not None and instances.remediation.startswith(
        "set instances = 50 in /etc/xinetd.d/echo")
    assert only(report, CheckId.XINETD_LIMIT, "xinetd:daytime/instances").evidence["set_at"] is None
    assert "HOST" in only(report, CheckId.XINETD_LOGGING, "xinetd:echo-stream/log_on_failure").message


@pytest.mark.parametrize(("instances", "status"), [("50", Status.PASS), ("51", Status.FAIL), ("lots", Status.FAIL)])
def test_instances_boundary(instances: str, status: Status) -> None:
    limits = XinetdLimits(instances_max=50, meta=meta(70))
    report = run(baseline(xinetd=policy(limits=limits)), snapshot(xinetd=[service("echo", instances=value(instances))]))
    assert only(report, CheckId.XINETD_LIMIT).status is status


def test_limits_only_apply_to_enabled_services_and_limit_severity_applies() -> None:
    limits = XinetdLimits(instances_max=50, meta=meta(70, severity=Severity.HIGH))
    report = run(baseline(xinetd=policy(limits=limits)),
                 snapshot(xinetd=[service("echo", enabled=False), service("chargen")]))
    assert outcomes(report) == {("xinetd-limit", "xinetd:chargen/instances", "fail")}
    assert report.results[0].severity is Severity.HIGH


@pytest.mark.parametrize(("status", "expected"), [(CollectorStatus.FAILED, Status.ERROR),
                                                  (CollectorStatus.UNAVAILABLE, Status.ERROR),
                                                  (CollectorStatus.NOT_RUN, Status.SKIP)])
def test_missing_xinetd_evidence(status: CollectorStatus, expected: Status) -> None:
    base = baseline(xinetd=policy(default=DefaultPolicy.DENY, forbid=(UnitForbid("telnet", meta(62)),),
                                  limits=LIMITS))
    report = run(base, snapshot(xinetd=[service("telnet")], collectors=runs({Collector.XINETD: status})))
    rule_results = [r for r in report.results if r.check is not CheckId.COLLECTOR_ERROR]
    assert {r.status for r in rule_results} == {expected}
    assert {r.check for r in rule_results} == {CheckId.XINETD_SERVICE_UNEXPECTED, CheckId.XINETD_SERVICE_FORBIDDEN,
                                               CheckId.XINETD_LIMIT, CheckId.XINETD_ACCESS, CheckId.XINETD_LOGGING}


@pytest.mark.parametrize(("attribute", "raw"), [
    ("instances", "nan"), ("instances", "-1"), ("instances", "1e1"), ("per_source", "NaN"), ("per_source", "-5"),
    ("cps", "nan"), ("cps", "-3"), ("max_load", "nan"), ("max_load", "-1.0"),
])
def test_values_float_accepts_but_xinetd_does_not_never_pass(attribute: str, raw: str) -> None:
    """`float("nan")` compares below every maximum: it must not read as "within the limit"."""
    limits = XinetdLimits(instances_max=50, cps_max_rate=25, per_source_max=10, max_load_max=4.0, meta=meta(60))
    service = XinetdService("echo", "echo", True, Location("/etc/xinetd.d/echo", 1),
                            attributes={attribute: XinetdValue((raw, "30"), Location("/etc/xinetd.d/echo", 4))})
    report = run(baseline(xinetd=XinetdPolicy(limits=limits)), snapshot(xinetd=[service]))
    result = only(report, CheckId.XINETD_LIMIT, f"xinetd:echo/{attribute}")
    assert result.status is Status.FAIL, result.message
    assert "not a number" in result.message


def test_max_load_as_the_collector_writes_it() -> None:
    limits = XinetdLimits(max_load_max=4.0, meta=meta(60))
    values = {"a": "3.5", "b": "1e+20", "c": "inf"}
    services = [XinetdService(name, name, True, Location("/etc/xinetd.d/x", 1),
                              attributes={"max_load": XinetdValue((raw,), Location("/etc/xinetd.d/x", 2))})
                for name, raw in values.items()]
    report = run(baseline(xinetd=XinetdPolicy(limits=limits)), snapshot(xinetd=services))
    assert outcomes(report) == {("xinetd-limit", "xinetd:a/max_load", "pass"),
                                ("xinetd-limit", "xinetd:b/max_load", "fail"),
                                ("xinetd-limit", "xinetd:c/max_load", "fail")}


@pytest.mark.parametrize("everyone", ["0.0.0.0", "0.0.0.0/0", "::/0", "10.0.0.0/0"])
def test_only_from_that_admits_everyone_is_no_restriction(everyone: str) -> None:
    limits = XinetdLimits(only_from_required=True, locations={"only_from": loc(75)})
    report = run(baseline(xinetd=policy(limits=limits)),
                 snapshot(xinetd=[service("echo", "echo-stream", only_from=value("10.1.2.3", everyone, line=7))]))
    result = only(report, CheckId.XINETD_ACCESS, "xinetd:echo-stream/only_from")
    assert result.status is Status.FAIL and "admits every" in result.message
    assert (result.evidence["collector"], result.evidence["set_at"]) == ("xinetd", f"{ECHO_FILE}:7")


def test_a_forbid_pass_shows_why_xinetd_would_not_run_the_entry() -> None:
    refused = XinetdService(name="servers", id="servers", enabled=False, location=Location("/etc/xinetd.d/servers", 1),
                            disabled_reason="/etc/xinetd.d/servers:1: No such internal service: servers/stream "
                                            "- DISABLING")
    report = run(baseline(xinetd=policy(forbid=(UnitForbid("servers", meta(62)), UnitForbid("telnet", meta(63))))),
                 snapshot(xinetd=[refused]))
    servers = only(report, CheckId.XINETD_SERVICE_FORBIDDEN, "xinetd:servers")
    assert servers.status is Status.PASS and "No such internal service" in servers.message
    assert servers.evidence["entries"][0]["defined_at"] == "/etc/xinetd.d/servers:1"
    telnet = only(report, CheckId.XINETD_SERVICE_FORBIDDEN, "xinetd:telnet")
    assert telnet.evidence == {"collector": "xinetd", "service": "telnet", "enabled": False, "entries": []}

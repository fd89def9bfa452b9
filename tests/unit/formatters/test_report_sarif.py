"""SARIF 2.1.0: golden file, the OASIS schema, GitHub's ingestion rules, and what goes in."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from checker.formatters import FormatOptions, get_formatter
from checker.model import Report, Severity, Status
from checker.model.checks import check_info
from support.reports import validate_sarif


def render(report: Report, options: FormatOptions | None = None) -> str:
    return get_formatter("sarif").format(report, options or FormatOptions())


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("results.sarif", render(report))


def test_valid_for_schema_and_github(report: Report, tmp_path: Path) -> None:
    validate_sarif(render(report), tmp_path)


def test_only_failures_including_expired_waivers(report: Report) -> None:
    run = json.loads(render(report))["runs"][0]
    fails = [r for r in report.results if r.status is Status.FAIL]
    assert len(run["results"]) == len(fails)
    assert all(r["kind"] == "fail" for r in run["results"])
    expired = [r for r in run["results"] if r["properties"]["resource"] == "tcp/0.0.0.0:8443"]
    assert len(expired) == 1 and "waiver expired" in expired[0]["message"]["text"]
    assert expired[0]["properties"]["waiver"]["expired"] is True
    assert not [r for r in run["results"] if r["properties"]["resource"] == "tcp/0.0.0.0:9090"]  # waived


def test_locations_are_the_baseline_rule_lines(report: Report) -> None:
    run = json.loads(render(report))["runs"][0]
    by_resource = {r["properties"]["resource"]: r for r in run["results"]}
    telnet = by_resource["tcp/0.0.0.0:23"]["locations"][0]["physicalLocation"]
    assert telnet == {"artifactLocation": {"uri": "policies/web.yaml"}, "region": {"startLine": 30, "startColumn": 5}}
    unused = by_resource["waiver:policies/common.yaml:9"]["locations"][0]["physicalLocation"]
    assert unused["artifactLocation"]["uri"] == "policies/common.yaml"
    rooted = json.loads(render(report, FormatOptions(sarif_root="policies")))["runs"][0]
    assert rooted["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web.yaml"


def test_result_without_location_points_at_the_baseline_first_line(report: Report) -> None:
    host = report.hosts[0]
    results = tuple(replace(r, location=None) if r.status is Status.FAIL else r for r in host.results)
    run = json.loads(render(replace(report, hosts=(replace(host, results=results),))))["runs"][0]
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"] == {
            "artifactLocation": {"uri": "policies/web.yaml"}, "region": {"startLine": 1}}


def test_fingerprint_stable_for_check_host_resource(report: Report) -> None:
    run = json.loads(render(report))["runs"][0]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    moved = replace(report, hosts=tuple(
        replace(h, results=tuple(replace(r, message="reworded", location=None, severity=Severity.LOW)
                                 for r in h.results)) for h in report.hosts))
    moved_prints = {r["properties"]["resource"]: r["partialFingerprints"]["primaryLocationLineHash"]
                    for r in json.loads(render(moved))["runs"][0]["results"]}
    assert moved_prints == {r["properties"]["resource"]: r["partialFingerprints"]["primaryLocationLineHash"]
                            for r in run["results"]}


def test_rules(report: Report) -> None:
    driver = json.loads(render(report))["runs"][0]["tool"]["driver"]
    used = sorted({r.check.value for r in report.results})
    assert [rule["id"] for rule in driver["rules"]] == used
    rules = {rule["id"]: rule for rule in driver["rules"]}
    forbidden = rules["port-forbidden"]
    info = check_info(report.results[3].check)
    assert forbidden["shortDescription"]["text"] == info.title
    assert forbidden["fullDescription"]["text"] == info.description
    assert info.remediation in forbidden["help"]["text"]
    assert info.remediation in forbidden["help"]["markdown"]
    assert forbidden["properties"]["security-severity"] == "9.5"  # the critical failure
    assert "CIS 2.1.16" in forbidden["properties"]["tags"]
    assert rules["xinetd-logging"]["properties"]["security-severity"] == "2.0"
    assert rules["port-required-missing"]["properties"]["security-severity"] == "5.5"  # default, no fail
    assert all(isinstance(rule["properties"]["security-severity"], str) for rule in driver["rules"])


def test_levels_follow_severity(report: Report) -> None:
    levels = {r["properties"]["severity"]: r["level"] for r in json.loads(render(report))["runs"][0]["results"]}
    assert levels == {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def test_errors_are_tool_notifications(report: Report) -> None:
    invocation = json.loads(render(report))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert len(notes) == report.counts()["error"]
    assert {n["associatedRule"]["id"] for n in notes} >= {"collector-error", "port-exposed"}
    clean = replace(report, hosts=tuple(replace(h, results=tuple(r for r in h.results if r.status is not Status.ERROR))
                                        for h in report.hosts))
    invocation = json.loads(render(clean))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == []


def test_automation_details_and_empty_report(report: Report, tmp_path: Path) -> None:
    log = json.loads(render(report))
    # the host set is part of the default id: per-host uploads of one baseline do not replace
    # each other's alerts (upload-sarif ignores its `category` input when the id is set; issue 15)
    assert log["runs"][0]["automationDetails"]["id"] == "surfacecheck/web-frontend/db-2+edge-3+web-1/"
    one_host = replace(report, hosts=report.hosts[:1])
    assert json.loads(render(one_host))["runs"][0]["automationDetails"]["id"] == "surfacecheck/web-frontend/web-1/"
    named = json.loads(render(report, FormatOptions(sarif_category="prod/web-1")))
    assert named["runs"][0]["automationDetails"]["id"] == "prod/web-1/"
    many = replace(report, hosts=tuple(replace(report.hosts[0], name=f"host-{n:03}.example.internal")
                                       for n in range(20)))
    many_id = json.loads(render(many))["runs"][0]["automationDetails"]["id"]
    assert many_id.startswith("surfacecheck/web-frontend/20-hosts-") and len(many_id) < 80
    empty = render(replace(report, hosts=()))
    log = validate_sarif(empty, tmp_path)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    # Nothing audited is not a successful run (the exit code is 3).
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert ["No host was audited" in n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [True]


def test_a_warning_past_5000_results(report: Report) -> None:
    from checker.formatters.sarif import too_many_results_warning

    assert too_many_results_warning(report) is None
    failing = next(r for r in report.results if r.status is Status.FAIL)
    host = replace(report.hosts[0], results=tuple(replace(failing, resource=f"r{n}") for n in range(5001)))
    warning = too_many_results_warning(replace(report, hosts=(host,)))
    assert warning is not None and "5,001 results" in warning and "5,000" in warning

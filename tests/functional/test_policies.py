"""Every ready-made policy in policies/: valid, documented, and failing exactly what it should.

Like bandit's functional tests: each policy is audited (the real `surfacecheck audit`,
offline) against prepared snapshots in tests/assets/policies/, and the set of
(check id, resource) of the failures is compared with the expected set. `clean-host` is
a well-kept server that every policy passes; `legacy-host` holds everything the
policies exist to catch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker._cli import main
from checker.policy import load_baseline, validate_paths
from checker.resources import builtin_policy_names
from support import ASSETS, REPO_ROOT

POLICIES = REPO_ROOT / "policies"
SNAPSHOTS = ASSETS / "policies"
POLICY_NAMES = ("default", "no-cleartext", "cis-network-services", "xinetd-hardening", "firewall")

EXPECTED_LEGACY_FAILS: dict[str, set[tuple[str, str]]] = {
    "default": {
        ("port-bind", "tcp/0.0.0.0:6379"), ("port-bind", "tcp/[::]:3306"), ("port-bind", "udp/0.0.0.0:11211"),
        ("port-forbidden", "tcp/0.0.0.0:21"), ("port-forbidden", "tcp/0.0.0.0:23"),
        ("port-forbidden", "tcp/0.0.0.0:513"), ("port-forbidden", "tcp/0.0.0.0:514"),
        ("port-forbidden", "tcp/0.0.0.0:79"), ("port-forbidden", "udp/0.0.0.0:19"),
        ("port-forbidden", "udp/0.0.0.0:69"),
        ("socket-unit-forbidden", "unit:telnet.socket"),
        ("xinetd-limit", "xinetd:finger/per_source"),
        ("xinetd-limit", "xinetd:login/instances"), ("xinetd-limit", "xinetd:login/per_source"),
        ("xinetd-limit", "xinetd:shell/instances"), ("xinetd-limit", "xinetd:shell/per_source"),
        ("xinetd-limit", "xinetd:telnet/instances"), ("xinetd-limit", "xinetd:telnet/per_source"),
        ("xinetd-service-forbidden", "xinetd:chargen-dgram"), ("xinetd-service-forbidden", "xinetd:finger"),
        ("xinetd-service-forbidden", "xinetd:login"), ("xinetd-service-forbidden", "xinetd:shell"),
        ("xinetd-service-forbidden", "xinetd:telnet"),
    },
    "no-cleartext": {
        ("port-forbidden", "tcp/0.0.0.0:110"), ("port-forbidden", "tcp/0.0.0.0:143"),
        ("port-forbidden", "tcp/0.0.0.0:21"), ("port-forbidden", "tcp/0.0.0.0:23"),
        ("port-forbidden", "tcp/0.0.0.0:513"), ("port-forbidden", "tcp/0.0.0.0:514"),
        ("port-forbidden", "tcp/0.0.0.0:6000"), ("port-forbidden", "tcp/0.0.0.0:79"),
        ("port-forbidden", "udp/0.0.0.0:69"),
        ("socket-unit-forbidden", "unit:telnet.socket"),
        ("xinetd-service-forbidden", "xinetd:finger"), ("xinetd-service-forbidden", "xinetd:login"),
        ("xinetd-service-forbidden", "xinetd:shell"), ("xinetd-service-forbidden", "xinetd:telnet"),
    },
    "cis-network-services": {
        ("port-bind", "tcp/0.0.0.0:25"), ("port-bind", "udp/0.0.0.0:53"),
        *{("port-forbidden", f"tcp/0.0.0.0:{port}") for port in (21, 80, 110, 111, 143, 445, 2049, 3128, 6000)},
        ("port-forbidden", "tcp/127.0.0.1:631"),
        *{("port-forbidden", f"udp/0.0.0.0:{port}") for port in (69, 111, 161, 5353)},
        *{("service-enabled", f"unit:{name}.service") for name in (
            "autofs", "avahi-daemon", "cups", "dovecot", "named", "nfs-server", "nginx", "rpcbind", "smbd", "snmpd",
            "squid", "tftpd-hpa", "vsftpd", "xinetd")},
        *{("service-state", f"unit:{name}.service") for name in (
            "avahi-daemon", "cups", "dovecot", "named", "nfs-server", "nginx", "rpcbind", "smbd", "snmpd",
            "squid", "tftpd-hpa", "vsftpd", "xinetd")},
        ("socket-unit-forbidden", "unit:cups.socket"), ("socket-unit-forbidden", "unit:rpcbind.socket"),
    },
    "firewall": {
        ("firewall-missing", "firewall:ipv4"), ("firewall-missing", "firewall:ipv6"),
        # every listener of legacy-host on a non-loopback address: the ruleset names no port
        *{("firewall-port-uncovered", f"tcp/0.0.0.0:{port}") for port in (
            22, 23, 21, 513, 514, 79, 110, 143, 6379, 25, 111, 2049, 445, 80, 3128, 6000)},
        ("firewall-port-uncovered", "tcp/[::]:3306"),
        *{("firewall-port-uncovered", f"udp/0.0.0.0:{port}") for port in (69, 19, 11211, 5353, 111, 161, 53)},
    },
    "xinetd-hardening": {
        *{("xinetd-access", f"xinetd:{name}/only_from") for name in ("finger", "login", "shell", "telnet")},
        *{("xinetd-logging", f"xinetd:{name}/log_on_failure") for name in ("finger", "login", "shell", "telnet")},
        *{("xinetd-limit", f"xinetd:{name}/{limit}") for name in ("login", "shell", "telnet")
          for limit in ("instances", "per_source", "cps", "max_load")},
        *{("xinetd-limit", f"xinetd:finger/{limit}") for limit in ("per_source", "cps", "max_load")},
        *{("xinetd-service-forbidden", f"xinetd:{name}") for name in (
            "chargen-dgram", "finger", "login", "shell", "telnet")},
    },
}
"""Worked out by hand from build_snapshots.py, rule by rule (see the comments there)."""

CIS_ITEMS = {f"CIS 2.1.{n}" for n in range(1, 22)}


def audit(policy: str, snapshot: str, tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    output = tmp_path / f"{policy}-{snapshot}.json"
    code = main(["-q", "audit", f"builtin:{policy}", "--snapshot", str(SNAPSHOTS / f"{snapshot}.json"),
                 "--json", str(output)])
    data = json.loads(output.read_text(encoding="utf-8"))
    return code, [result for host in data["hosts"] for result in host["results"]]


def rules_of(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every rule of a baseline document, with a label for messages."""
    rules: list[tuple[str, Any]] = []
    for section in ("ports", "socket_units", "xinetd"):
        for kind in ("allow", "forbid"):
            rules += [(f"{section}.{kind}[{i}]", rule)
                      for i, rule in enumerate(document.get(section, {}).get(kind, []))]
    rules += [(f"services[{i}]", rule) for i, rule in enumerate(document.get("services", []))]
    if "limits" in document.get("xinetd", {}):
        rules.append(("xinetd.limits", document["xinetd"]["limits"]))
    if "firewall" in document:
        rules.append(("firewall", document["firewall"]))
    return rules


# --------------------------------------------------------------------------- the files


def test_the_five_policies_are_bundled() -> None:
    assert sorted(path.stem for path in POLICIES.glob("*.yaml")) == sorted(POLICY_NAMES)
    assert set(POLICY_NAMES) <= set(builtin_policy_names())


def test_every_policy_validates() -> None:
    assert validate_paths([str(path) for path in sorted(POLICIES.glob("*.yaml"))]) == []
    assert main(["validate", *(str(path) for path in sorted(POLICIES.glob("*.yaml")))]) == 0


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_every_policy_is_documented(name: str) -> None:
    path = POLICIES / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/baseline.schema.json\n")
    document = yaml.safe_load(text)
    assert document["name"] == name
    assert len(document["description"]) > 40
    rules = rules_of(document)
    assert rules
    for label, rule in rules:
        assert isinstance(rule, dict), f"{name}: {label} is a bare name; it needs reason and controls"
        assert rule.get("reason"), f"{name}: {label} has no reason"
        assert rule.get("controls"), f"{name}: {label} has no controls"
    baseline = load_baseline(f"builtin:{name}")
    assert baseline.name == name


def test_default_policy_allows_by_default_and_is_what_audit_uses() -> None:
    baseline = load_baseline(None)
    assert baseline.ports.default.value == "allow"
    assert baseline.name == "default"
    forbidden = {(rule.ports.low, rule.ports.high) for rule in baseline.ports.forbid}
    assert {(23, 23), (21, 21), (512, 514), (69, 69), (79, 79)} <= forbidden
    loopback_only = {entry.ports.low for entry in baseline.ports.allow if entry.bind == ("loopback",)}
    assert {3306, 5432, 6379, 11211, 27017, 9200} <= loopback_only
    assert baseline.xinetd.limits is not None and baseline.xinetd.limits.instances_max is not None
    assert "telnet.socket" in {rule.name for rule in baseline.socket_units.forbid}


def test_cis_policy_covers_every_item_2_1_1_to_2_1_21() -> None:
    document = yaml.safe_load((POLICIES / "cis-network-services.yaml").read_text(encoding="utf-8"))
    tagged = {control for _, rule in rules_of(document) for control in rule["controls"]}
    assert tagged >= CIS_ITEMS, sorted(CIS_ITEMS - tagged)
    assert all(rule["absent_ok"] is True for rule in document["services"])
    # Each "not in use" item is encoded as a service rule, where a unit exists for it.
    service_items = {control for rule in document["services"] for control in rule["controls"]}
    assert service_items >= CIS_ITEMS - {"CIS 2.1.20", "CIS 2.1.21"}


# --------------------------------------------------------------------------- the audits


def test_snapshot_assets_are_what_the_builder_makes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_snapshots", SNAPSHOTS / "build_snapshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, snapshot in module.SNAPSHOTS.items():
        assert (SNAPSHOTS / name).read_text(encoding="utf-8") == module.render(snapshot), (
            f"{name} is stale: run python tests/assets/policies/build_snapshots.py")


@pytest.mark.parametrize("policy", POLICY_NAMES)
def test_clean_host_passes(policy: str, tmp_path: Path) -> None:
    code, results = audit(policy, "clean-host", tmp_path)
    bad = [(r["status"], r["check"], r["resource"]) for r in results if r["status"] in ("fail", "error")]
    assert bad == []
    assert code == 0
    assert any(r["status"] == "pass" for r in results)


@pytest.mark.parametrize("policy", POLICY_NAMES)
def test_legacy_host_fails_exactly_as_expected(policy: str, tmp_path: Path) -> None:
    code, results = audit(policy, "legacy-host", tmp_path)
    assert code == 1
    assert not [r for r in results if r["status"] == "error"]
    fails = {(r["check"], r["resource"]) for r in results if r["status"] == "fail"}
    expected = EXPECTED_LEGACY_FAILS[policy]
    assert fails == expected, f"unexpected: {sorted(fails - expected)}; missing: {sorted(expected - fails)}"
    for result in results:
        if result["status"] == "fail":
            assert result["controls"], result
            assert result["location"]["file"] == f"builtin:{policy}"


def test_cis_failures_name_their_item(tmp_path: Path) -> None:
    _, results = audit("cis-network-services", "legacy-host", tmp_path)
    by_resource = {(r["check"], r["resource"]): r["controls"] for r in results if r["status"] == "fail"}
    assert by_resource[("service-enabled", "unit:avahi-daemon.service")] == ["CIS 2.1.2"]
    assert by_resource[("port-bind", "tcp/0.0.0.0:25")] == ["CIS 2.1.21"]
    assert by_resource[("socket-unit-forbidden", "unit:cups.socket")] == ["CIS 2.1.11"]


def test_cis_catches_cups_browsed_on_udp_631(tmp_path: Path) -> None:
    # cups-browsed answers IPP browse packets on 0.0.0.0:631/udp (CVE-2024-47176): print
    # services (2.1.11) are in use even when cupsd itself (631/tcp) is gone.
    document = json.loads((SNAPSHOTS / "clean-host.json").read_text(encoding="utf-8"))
    snapshot = document[0] if isinstance(document, list) else document
    snapshot["listeners"].append({
        "address": "0.0.0.0", "dual_stack": False, "exe": "/usr/sbin/cups-browsed", "family": "ipv4",
        "pid": 4242, "port": 631, "process": "cups-browsed", "protocol": "udp", "user": "root"})
    snapshot["units"].append({**next(u for u in snapshot["units"] if u["name"] == "ssh.service"),
                              "name": "cups-browsed.service"})
    path = tmp_path / "cups-browsed.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    output = tmp_path / "results.json"
    assert main(["-q", "audit", "builtin:cis-network-services", "--snapshot", str(path), "--json", str(output)]) == 1
    results = [r for host in json.loads(output.read_text(encoding="utf-8"))["hosts"] for r in host["results"]]
    fails = {(r["check"], r["resource"]): r["controls"] for r in results if r["status"] == "fail"}
    assert fails == {
        ("port-forbidden", "udp/0.0.0.0:631"): ["CIS 2.1.11"],
        ("service-enabled", "unit:cups-browsed.service"): ["CIS 2.1.11"],
        ("service-state", "unit:cups-browsed.service"): ["CIS 2.1.11"],
    }


def test_default_policy_does_not_fail_a_service_that_relies_on_xinetds_builtin_cps(tmp_path: Path) -> None:
    # The default policy promises that only a service with no limit at all fails. A service
    # with instances and per_source set but no `cps` line has xinetd's built-in `cps 50 10`;
    # the evaluator fails any `cps` limit on an unset cps, so the default policy has none.
    document = json.loads((SNAPSHOTS / "clean-host.json").read_text(encoding="utf-8"))
    snapshot = document[0] if isinstance(document, list) else document
    (service,) = [s for s in snapshot["xinetd_services"] if s["enabled"]]
    del service["attributes"]["cps"]
    path = tmp_path / "no-cps.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    output = tmp_path / "results.json"
    code = main(["-q", "audit", "builtin:default", "--snapshot", str(path), "--json", str(output)])
    results = [r for host in json.loads(output.read_text(encoding="utf-8"))["hosts"] for r in host["results"]]
    assert [(r["check"], r["resource"]) for r in results if r["status"] in ("fail", "error")] == []
    assert code == 0

"""Valid baselines: every section of the language, `extends` merging, and the schema itself."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from checker.errors import BaselineError
from checker.model import CheckId, DefaultPolicy, Exposure, PortRange, Protocol, Severity
from checker.policy import load_baseline, resolved_document, validate_paths
from support import ASSETS, REPO_ROOT

SCHEMA_PATH = REPO_ROOT / "schemas" / "baseline.schema.json"


def test_full_baseline_covers_every_section() -> None:
    path = ASSETS / "baseline" / "full.yaml"
    baseline = load_baseline(str(path))
    assert baseline.name == "web-frontend"
    assert baseline.description == "Public web tier, approved for go-live"
    assert baseline.default_severity is Severity.MEDIUM
    assert baseline.targets == ("web-1.example.internal",)
    assert baseline.controls == {"framework": "CIS Debian 12 v1.1.0"}
    assert [s.path for s in baseline.sources] == [str(path), "builtin:default"]
    assert all(len(s.sha256) == 64 for s in baseline.sources)

    ports = baseline.ports
    assert ports.default is DefaultPolicy.DENY
    ssh = next(a for a in ports.allow if a.ports == PortRange(22, 22))
    assert (ssh.protocol, ssh.process, ssh.user, ssh.meta.reason) == (Protocol.TCP, "sshd", "root", "admin via bastion")
    assert ssh.meta.location.file == str(path) and ssh.meta.location.line == 12
    https = next(a for a in ports.allow if a.ports == PortRange(443, 443))
    assert https.required and https.exposure is Exposure.PUBLIC
    postgres = next(a for a in ports.allow if a.ports == PortRange(5432, 5432))
    assert postgres.bind == ("loopback",) and postgres.exposure is Exposure.INTERNAL
    chrony = next(a for a in ports.allow if a.ports == PortRange(32768, 60999))
    assert chrony.protocol is Protocol.UDP and 40000 in chrony.ports
    telnet = next(f for f in ports.forbid if f.ports == PortRange(23, 23))
    assert telnet.protocol is None
    assert telnet.meta.severity is Severity.CRITICAL and telnet.meta.controls == ("CIS 2.1.16",)
    assert telnet.meta.location.line == 17

    ssh_service = next(s for s in baseline.services if s.unit == "ssh.service")
    assert ssh_service.running is True and ssh_service.enabled is True and not ssh_service.absent_ok
    avahi = next(s for s in baseline.services if s.unit == "avahi-daemon.service")
    assert avahi.absent_ok and avahi.running is False

    assert baseline.socket_units.default is DefaultPolicy.DENY
    assert [(a.unit, a.listen) for a in baseline.socket_units.allow] == [("ssh.socket", ("22",))]
    assert "telnet.socket" in [f.name for f in baseline.socket_units.forbid]

    xinetd = baseline.xinetd
    assert xinetd.default is DefaultPolicy.DENY
    assert [a.name for a in xinetd.allow] == ["echo"]
    assert {"telnet", "login", "shell", "exec", "tftp"} <= {f.name for f in xinetd.forbid}
    limits = xinetd.limits
    assert limits is not None
    assert (limits.instances_max, limits.cps_max_rate, limits.per_source_max, limits.max_load_max) == (50, 25, 10, 4.0)
    assert limits.only_from_required and limits.log_on_failure_includes == ("HOST",)
    assert limits.locations["instances"].line == 30

    (syn,) = [c for c in baseline.connections if c.state == "SYN-RECV"]
    assert syn.max == 256 and syn.meta.location.line == 37

    assert (baseline.scan.tcp_ports, baseline.scan.udp_ports, baseline.scan.timing) == ("all", "none", 4)
    (waiver,) = baseline.waivers
    assert waiver.check is CheckId.PORT_UNEXPECTED
    assert waiver.match == {"port": "8080", "protocol": "tcp"}
    assert waiver.hosts == ("staging-1",) and waiver.expires == dt.date(2026, 12, 31)
    assert waiver.location.line == 44


def test_minimal_baseline_has_safe_defaults(tmp_path: Path) -> None:
    path = tmp_path / "min.yaml"
    path.write_text("version: 1\n")
    baseline = load_baseline(str(path))
    assert baseline.name == "min"
    assert baseline.ports.default is DefaultPolicy.ALLOW
    assert baseline.services == () and baseline.waivers == ()
    assert baseline.scan.udp_ports == "none"


def test_unit_names_without_suffix_mean_service(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nservices:\n  - {unit: ssh, running: true}\n  - {unit: cups.socket, enabled: false}\n")
    assert [s.unit for s in load_baseline(str(path)).services] == ["ssh.service", "cups.socket"]


def test_object_and_string_forms_of_unit_lists(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(
        "version: 1\nsocket_units:\n  forbid:\n    - telnet.socket\n    - {unit: rsh.socket, severity: critical,"
        " reason: cleartext}\nxinetd:\n  forbid:\n    - {service: telnet, controls: [X-1]}\n"
    )
    baseline = load_baseline(str(path))
    rsh = baseline.socket_units.forbid[1]
    assert (rsh.name, rsh.meta.severity, rsh.meta.reason, rsh.meta.location.line) == (
        "rsh.socket", Severity.CRITICAL, "cleartext", 5)
    assert baseline.xinetd.forbid[0].meta.controls == ("X-1",)


def test_bind_accepts_ipv4_ipv6_cidrs_and_words(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nports:\n  allow:\n    - {port: 53, protocol: udp, "
                    "bind: [loopback, any, 0.0.0.0, '::', '::1', 10.0.0.0/8, 'fd00::/8', 192.168.1.10]}\n")
    assert validate_paths([str(path)]) == []


def test_scan_port_specs(tmp_path: Path) -> None:
    for spec in ("all", "top:100", "1-1024,8080", "22"):
        path = tmp_path / "b.yaml"
        path.write_text(f"version: 1\nscan:\n  tcp_ports: '{spec}'\n  udp_ports: none\n")
        assert validate_paths([str(path)]) == [], spec
    path.write_text("version: 1\nscan:\n  tcp_ports: 443\n")
    assert load_baseline(str(path)).scan.tcp_ports == "443"


# --------------------------------------------------------------------------- extends


def test_extends_merges_in_order_and_later_wins(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        "version: 1\nname: common\ndefaults: {severity: low}\nports:\n  default: deny\n  allow:\n"
        "    - {port: 22, process: sshd}\n    - {port: 123, protocol: udp}\nservices:\n"
        "  - {unit: ssh.service, running: true}\nwaivers:\n"
        "  - {check: port-unexpected, reason: parent, expires: 2030-01-01}\n"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text(
        "version: 1\nname: child\nextends: [../common.yaml]\nports:\n  allow:\n    - {port: 22, process: dropbear}\n"
        "services:\n  - {unit: ssh.service, running: false}\n  - {unit: cron.service, running: true}\n"
        "waivers:\n  - {check: port-forbidden, reason: child, expires: 2030-01-01}\n"
    )
    child = tmp_path / "sub" / "child.yaml"
    # ../common.yaml is outside sub/, the loaded baseline's tree: allowed by naming its directory
    baseline = load_baseline(str(child), policy_paths=[str(tmp_path)])
    assert baseline.name == "child"
    assert baseline.default_severity is Severity.LOW  # inherited
    assert baseline.ports.default is DefaultPolicy.DENY  # inherited
    assert [(str(a.ports), a.protocol.value, a.process) for a in baseline.ports.allow] == [
        ("22", "tcp", "dropbear"), ("123", "udp", None)]
    ssh = baseline.ports.allow[0]
    assert ssh.meta.location.file == str(child)  # the overriding entry keeps its own file and line
    assert baseline.ports.allow[1].meta.location.file.endswith("common.yaml")
    assert [(s.unit, s.running) for s in baseline.services] == [("ssh.service", False), ("cron.service", True)]
    assert [w.reason for w in baseline.waivers] == ["parent", "child"]  # lists concatenate
    assert [s.path for s in baseline.sources] == [str(child), str(tmp_path / "sub" / ".." / "common.yaml")
                                                   .replace("sub/../", "")]


def test_extends_builtin_policies() -> None:
    from checker.resources import builtin_policy_names

    for name in builtin_policy_names():
        baseline = load_baseline(f"builtin:{name}")
        assert baseline.sources[0].path == f"builtin:{name}"


def test_no_path_loads_the_bundled_default() -> None:
    baseline = load_baseline(None)
    assert baseline.path == "builtin:default"


def test_resolved_document_is_a_valid_baseline(tmp_path: Path) -> None:
    baseline = load_baseline(str(ASSETS / "baseline" / "full.yaml"))
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(yaml.safe_dump(resolved_document(baseline), sort_keys=True))
    again = load_baseline(str(resolved))
    assert again.ports.allow == tuple(a for a in again.ports.allow)
    assert len(again.ports.allow) == len(baseline.ports.allow)
    assert len(again.ports.forbid) == len(baseline.ports.forbid)
    assert again.xinetd.limits is not None and again.xinetd.limits.instances_max == 50
    assert [w.expires for w in again.waivers] == [w.expires for w in baseline.waivers]


# --------------------------------------------------------------------------- the schema


def test_schema_is_valid_against_the_metaschema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_file_is_generated_from_its_source() -> None:
    result = subprocess.run([sys.executable, str(REPO_ROOT / "schemas" / "generate_baseline_schema.py"), "--check"],
                            check=False)
    assert result.returncode == 0, "run: python schemas/generate_baseline_schema.py"


def _properties(node: object, path: str = "") -> list[tuple[str, dict[str, object]]]:
    found: list[tuple[str, dict[str, object]]] = []
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.append((f"{path}.{key}", value))
        for key, value in node.items():
            found.extend(_properties(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_properties(value, f"{path}[{index}]"))
    return found


def test_every_schema_property_has_a_description() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    properties = _properties(schema)
    assert len(properties) > 60
    missing = [path for path, value in properties if "description" not in value]
    assert missing == []


def test_every_top_level_section_of_the_design_is_in_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert set(schema["properties"]) == {
        "version", "name", "description", "extends", "defaults", "controls", "ports", "services",
        "socket_units", "xinetd", "connections", "firewall", "scan", "waivers", "targets"}


def test_schema_accepts_the_full_example_as_an_editor_would() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    data = yaml.safe_load((ASSETS / "baseline" / "full.yaml").read_text())
    data["waivers"][0]["expires"] = str(data["waivers"][0]["expires"])  # editors see the text, not a date
    jsonschema.Draft202012Validator(schema).validate(data)


# --------------------------------------------------------------------------- policies and examples


def _shipped_baselines() -> list[Path]:
    files = sorted((REPO_ROOT / "policies").glob("*.yaml"))
    for path in sorted((REPO_ROOT / "examples").rglob("*.yaml")):
        text = path.read_text()
        if text.lstrip().startswith("# yaml-language-server") or "\nversion: 1" in text:
            files.append(path)
    return files


@pytest.mark.parametrize("path", _shipped_baselines(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_policy_and_example_baseline_validates(path: Path) -> None:
    assert validate_paths([str(path)]) == []


def test_default_policy_exists() -> None:
    assert (REPO_ROOT / "policies" / "default.yaml").is_file()


def test_every_systemd_unit_type_keeps_its_suffix(tmp_path: Path) -> None:
    """systemctl appends `.service` only to a name without a unit-type suffix (systemd.unit(5))."""
    names = ["home.automount", "swapfile.swap", "user.slice", "session-1.scope", "dev-sda.device", "tmp.mount",
             "backup.timer", "ssh", "my.app"]
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nservices:\n" + "".join(f"  - {{unit: {n}, enabled: false}}\n" for n in names))
    assert [s.unit for s in load_baseline(str(path)).services] == [
        "home.automount", "swapfile.swap", "user.slice", "session-1.scope", "dev-sda.device", "tmp.mount",
        "backup.timer", "ssh.service", "my.app.service"]


def test_extends_socket_unit_short_name_overrides_the_parents_full_name(tmp_path: Path) -> None:
    """`telnet` means `telnet.socket`: a child allowing `telnet` replaces the parent's forbid."""
    (tmp_path / "parent.yaml").write_text("version: 1\nsocket_units:\n  forbid: [telnet.socket, rsh]\n")
    (tmp_path / "child.yaml").write_text("version: 1\nextends: [./parent.yaml]\nsocket_units:\n  allow: [telnet]\n")
    baseline = load_baseline(str(tmp_path / "child.yaml"))
    assert [a.unit for a in baseline.socket_units.allow] == ["telnet.socket"]
    assert [f.name for f in baseline.socket_units.forbid] == ["rsh.socket"]


def test_extends_merges_xinetd_limits_key_by_key(tmp_path: Path) -> None:
    """A child setting one limit must not silently drop the limits its parent requires."""
    (tmp_path / "parent.yaml").write_text(
        "version: 1\nxinetd:\n  limits:\n    instances: {max: 50}\n    only_from: required\n"
        "    cps: {max_rate: 25}\n    severity: high\n    controls: [CIS 2.1]\n")
    (tmp_path / "child.yaml").write_text(
        "version: 1\nextends: [./parent.yaml]\nxinetd:\n  limits:\n    max_load: {max: 4.0}\n"
        "    cps: {max_rate: 10}\n")
    limits = load_baseline(str(tmp_path / "child.yaml")).xinetd.limits
    assert limits is not None
    assert (limits.instances_max, limits.cps_max_rate, limits.max_load_max, limits.only_from_required) == (
        50, 10, 4.0, True)
    assert limits.locations["instances"].file.endswith("parent.yaml")
    assert limits.locations["cps"].file.endswith("child.yaml") and limits.locations["cps"].line == 6
    assert limits.meta is not None and limits.meta.severity is Severity.HIGH and limits.meta.controls == ("CIS 2.1",)


def test_diamond_extends_applies_the_shared_parent_once(tmp_path: Path) -> None:
    """A extends B and C, both extend D: B's override of D must survive C's inclusion of D."""
    (tmp_path / "d.yaml").write_text("version: 1\nports:\n  forbid: [{port: 21, protocol: tcp}]\n")
    (tmp_path / "b.yaml").write_text("version: 1\nextends: [./d.yaml]\nports:\n  allow: [{port: 21, process: vsftpd}]\n")
    (tmp_path / "c.yaml").write_text("version: 1\nextends: [./d.yaml]\n")
    (tmp_path / "a.yaml").write_text("version: 1\nextends: [./b.yaml, ./c.yaml]\n")
    baseline = load_baseline(str(tmp_path / "a.yaml"))
    assert [(str(a.ports), a.process) for a in baseline.ports.allow] == [("21", "vsftpd")]
    assert baseline.ports.forbid == ()
    assert len(baseline.sources) == 4


def test_extends_may_walk_anywhere_inside_the_loaded_baselines_tree(tmp_path: Path) -> None:
    """The tree is the top-level baseline's directory: a parent in a subdirectory may name a file
    higher up, as long as it stays inside that tree (checked on real paths)."""
    (tmp_path / "common").mkdir()
    (tmp_path / "base.yaml").write_text("version: 1\nports:\n  forbid: [{port: 23}]\n", encoding="utf-8")
    (tmp_path / "common" / "mid.yaml").write_text("version: 1\nextends: [../base.yaml]\n", encoding="utf-8")
    (tmp_path / "top.yaml").write_text("version: 1\nextends: [./common/mid.yaml, builtin:default]\n",
                                       encoding="utf-8")
    baseline = load_baseline(str(tmp_path / "top.yaml"))
    assert PortRange(23, 23) in {rule.ports for rule in baseline.ports.forbid}
    assert {source.path for source in baseline.sources} >= {str(tmp_path / "base.yaml")}
    with pytest.raises(BaselineError, match="outside the baseline's directory"):
        load_baseline(str(tmp_path / "common" / "mid.yaml"))


def test_default_deny_results_point_at_the_default_line(tmp_path: Path) -> None:
    """Issue 15: `port-unexpected` pointed at the `ports:` line, not at `default: deny`."""
    (tmp_path / "base.yaml").write_text("version: 1\nname: base\nports:\n  allow:\n    - {port: 22}\n"
                                        "  default: deny\nsocket_units:\n  default: deny\n")
    (tmp_path / "child.yaml").write_text("version: 1\nname: child\nextends: [./base.yaml]\n"
                                         "ports:\n  allow: [{port: 443}]\n")
    base = load_baseline(str(tmp_path / "base.yaml"))
    assert (base.ports.location.file, base.ports.location.line) == (str(tmp_path / "base.yaml"), 6)  # type: ignore[union-attr]
    assert base.socket_units.location.line == 8  # type: ignore[union-attr]
    child = load_baseline(str(tmp_path / "child.yaml"))
    # the child adds an entry but sets no default: results still point where `deny` was written
    assert (child.ports.location.file, child.ports.location.line) == (str(tmp_path / "base.yaml"), 6)  # type: ignore[union-attr]

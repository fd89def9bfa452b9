"""`surfacecheck collect` end to end on this host: the output validates against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checker.model.serialize import dumps_by_line
from checker.resources import load_schema
from support import TESTDATA, run_cli

pytestmark = pytest.mark.integration

XINETD_DATA = TESTDATA / "xinetd"


def validate(data: object) -> None:
    jsonschema.validate(data, load_schema("snapshot"), cls=jsonschema.Draft202012Validator)


def test_collect_local_to_a_file(tmp_path: Path) -> None:
    output = tmp_path / "host.json"
    result = run_cli("collect", "--local", "-o", str(output))
    assert result.returncode == 0, result.stderr
    data = json.loads(output.read_text())
    validate(data)
    names = [run["name"] for run in data["collectors"]]
    assert names == ["sockets", "unit-files", "unit-runtime", "socket-units", "xinetd", "firewall"]
    assert data["host"]["collected_at"].endswith("Z") and data["schema_version"] == 1
    assert output.read_text() == dumps_by_line(data, depth=1)  # canonical: sorted keys, one record a line


def test_collect_to_stdout_with_another_xinetd_conf() -> None:
    conf = XINETD_DATA / "openSUSE-xinetd" / "src" / "sample.conf"
    result = run_cli("collect", "--xinetd-conf", str(conf))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    validate(data)
    services = {(service["name"], service["id"]): service for service in data["xinetd_services"]}
    assert ("echo", "echo-stream") in services
    assert services[("echo", "echo-stream")]["enabled"] is True
    assert services[("login", "login")]["enabled"] is False  # /usr/etc/in.rlogind is not executable here
    assert "is not executable" in services[("login", "login")]["disabled_reason"]


def test_missing_xinetd_conf_given_explicitly_is_a_collector_failure(tmp_path: Path) -> None:
    result = run_cli("collect", "--xinetd-conf", str(tmp_path / "nope.conf"))
    assert result.returncode == 0, result.stderr
    runs = {run["name"]: run for run in json.loads(result.stdout)["collectors"]}
    assert runs["xinetd"]["status"] == "failed" and "No such file" in runs["xinetd"]["reason"]
    assert runs["sockets"]["status"] == "ok"


def test_a_parse_error_is_data_with_file_and_line(tmp_path: Path) -> None:
    conf = tmp_path / "xinetd.conf"
    conf.write_text("service echo\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\twait = maybe\n}\n")
    result = run_cli("collect", "--xinetd-conf", str(conf))
    data = json.loads(result.stdout)
    (service,) = data["xinetd_services"]
    assert service["enabled"] is False
    assert service["disabled_reason"].startswith(f"{conf}:5: error parsing attribute wait")


def test_root_image_with_only_xinetd_files() -> None:
    image = XINETD_DATA / "debian-xinetd-pkg"  # etc/xinetd.conf + etc/xinetd.d, nothing else
    result = run_cli("collect", "--root", str(image))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    validate(data)
    runs = {run["name"]: run for run in data["collectors"]}
    assert runs["unit-files"] == {"name": "unit-files", "status": "ok",
                                  "reason": f"no systemd unit files under {image}"}
    assert runs["xinetd"]["status"] == "ok"
    services = data["xinetd_services"]
    assert len(services) == 17 and not any(service["enabled"] for service in services)
    assert services[0]["location"]["file"] == "/etc/xinetd.d/chargen"  # paths as seen inside the image
    assert services[0]["disabled_reason"] == "/etc/xinetd.d/chargen:9: disable = yes"

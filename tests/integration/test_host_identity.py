"""Fleet identity (issue 15): `--host-name` names the local host; two hosts with one name in
one audit are an input error naming both sources; `--sarif-category` sets the SARIF id."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("twins") / "web-7.json"
    completed = run_cli("collect", "--host-name", "web-7", "-o", str(path))
    assert completed.returncode == 0, completed.stderr
    return path


def test_collect_host_name_names_the_snapshot(twin: Path) -> None:
    assert json.loads(twin.read_text())["host"]["hostname"] == "web-7"


def test_audit_host_name_names_the_local_host(tmp_path: Path) -> None:
    completed = run_cli("audit", "--host-name", "inventory-name", "--json", str(tmp_path / "r.json"))
    assert completed.returncode in (0, 1, 3), completed.stderr
    assert [h["name"] for h in json.loads((tmp_path / "r.json").read_text())["hosts"]] == ["inventory-name"]


@pytest.mark.parametrize("argv", [
    ("--host-name", "a b"), ("--host-name", ""), ("--host-name", "x\x1b[2J"),
])
def test_unusable_host_names_are_usage_errors(argv: tuple[str, ...]) -> None:
    completed = run_cli("collect", *argv, "-o", "-")
    assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
    assert "--host-name" in completed.stderr


def test_host_name_needs_a_local_collection(twin: Path) -> None:
    completed = run_cli("audit", "--snapshot", str(twin), "--host-name", "x")
    assert completed.returncode == 2 and "needs --local" in completed.stderr


def test_two_hosts_with_one_name_are_an_input_error_naming_both(twin: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone.json"
    shutil.copy(twin, clone)
    completed = run_cli("audit", "--snapshot", str(twin), "--snapshot", str(clone))
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert "'web-7'" in completed.stderr and str(twin) in completed.stderr and str(clone) in completed.stderr
    assert "--host-name" in completed.stderr


def test_sarif_category(twin: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "r.sarif"
    assert run_cli("audit", "--snapshot", str(twin), "--sarif", str(sarif)).returncode in (0, 1, 3)
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"]["id"] == "surfacecheck/default/web-7/"
    assert run_cli("audit", "--snapshot", str(twin), "--sarif", str(sarif),
                   "--sarif-category", "fleet/web-7").returncode in (0, 1, 3)
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"]["id"] == "fleet/web-7/"
    results = tmp_path / "r.json"
    run_cli("audit", "--snapshot", str(twin), "--json", str(results))
    assert run_cli("report", str(results), "--sarif", str(sarif), "--sarif-category", "again").returncode == 0
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"]["id"] == "again/"

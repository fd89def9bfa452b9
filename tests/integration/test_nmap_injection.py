"""Hostile strings through every entry point are refused (exit 2) and nmap never runs.

A fake `nmap` first on PATH records its argv to a file; every refusal asserts the file was
never written. A positive control proves the fake is the nmap that would have run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from nmap_support import recording_nmap

from checker.collect.gather import gather_snapshots
from checker.errors import CheckerError
from checker.model import Baseline, ScanSettings
from support import TESTDATA, run_cli

pytestmark = pytest.mark.integration

CANNED = TESTDATA / "nmap-xml/_generated-locally/loopback-7.93-tcp.xml"

HOSTILE = [
    "-sV",
    "--script=http-exec",
    "--script http-exec",
    "-oN /tmp/x",
    "-oN/tmp/x",
    "-iL /etc/shadow",
    "-iL/etc/shadow",
    "--datadir=/tmp",
    "--resume /tmp/x",
    "127.0.0.2 -oN /tmp/x",
    "127.0.0.2;id",
    "127.0.0.2 && id",
    "$(id)",
    "`id`",
    "127.0.0.2|id",
    "127.0.0.2\n-oN /tmp/x",
    "127.0.0.2\x00-oN",
    "127.0.0.2\t",
    " 127.0.0.2",
    "127.0.0.*",
]


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[dict[str, str], Path]:
    return recording_nmap(tmp_path, CANNED)


def _cli(env: dict[str, str], *argv: str) -> tuple[int, str]:
    result = run_cli(*argv, env=env)
    return result.returncode, result.stderr


def test_positive_control_the_fake_nmap_runs_with_the_built_argv(recorder: tuple[dict[str, str], Path]) -> None:
    env, record = recorder
    code, stderr = _cli(env, "collect", "--target", "127.0.0.1", "--tcp-ports", "22001", "-o", "-")
    assert code == 0, stderr
    argv = record.read_text().split("\n")
    assert argv[:4] == ["-oX", "-", "-n", "-Pn"]
    assert argv[argv.index("--") + 1:argv.index("--END--")] == ["127.0.0.1"]


# A NUL cannot reach argv at all (the kernel refuses it); the Baseline-object tests cover NUL.
ARGV_HOSTILE = [h for h in HOSTILE if "\x00" not in h]


@pytest.mark.parametrize("hostile", ARGV_HOSTILE)
def test_hostile_targets_on_the_command_line(recorder: tuple[dict[str, str], Path], hostile: str) -> None:
    env, record = recorder
    code, stderr = _cli(env, "collect", "--target", "127.0.0.3", f"--target={hostile}", "--tcp-ports", "22001")
    assert code == 2, stderr
    assert "target" in stderr and "Traceback" not in stderr
    assert not record.exists()


@pytest.mark.parametrize("flag", ["--tcp-ports", "--udp-ports"])
@pytest.mark.parametrize("hostile", ARGV_HOSTILE + ["1-100 --script=x", "top:10;id", "22,-oN"])
def test_hostile_port_flags(recorder: tuple[dict[str, str], Path], flag: str, hostile: str) -> None:
    env, record = recorder
    code, stderr = _cli(env, "collect", "--target", "127.0.0.2", f"{flag}={hostile}")
    assert code == 2, stderr
    assert flag in stderr and "Traceback" not in stderr
    assert not record.exists()


@pytest.mark.parametrize("argv", [
    ["--timing=4 --script=x"], ["--timing=9"], ["--host-timeout=300s"], ["--host-timeout=-oN"],
    ["--host-timeout=0"], ["--jobs=0"], ["--jobs=-iL"],
])
def test_hostile_numeric_flags(recorder: tuple[dict[str, str], Path], argv: list[str]) -> None:
    env, record = recorder
    code, stderr = _cli(env, "collect", "--target", "127.0.0.2", "--tcp-ports", "22001", *argv)
    assert code == 2, stderr
    assert not record.exists()


def _args(**kwargs: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "target": [], "snapshot": [], "nmap_xml": [], "local": False, "root": None, "xinetd_conf": None,
        "tcp_ports": None, "udp_ports": None, "service_detection": None, "timing": None, "host_timeout": None,
        "allow_large_scan": False, "jobs": 4, "progress": False,
    }
    values.update(kwargs)
    return argparse.Namespace(**values)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_baseline_targets(recorder: tuple[dict[str, str], Path], monkeypatch: pytest.MonkeyPatch,
                                  hostile: str) -> None:
    env, record = recorder
    monkeypatch.setenv("PATH", env["PATH"])
    baseline = Baseline(path="b.yaml", name="b", targets=("127.0.0.2", hostile))
    with pytest.raises(CheckerError) as info:
        gather_snapshots(_args(), baseline)
    assert info.value.exit_code == 2 and "target" in str(info.value)
    assert not record.exists()


@pytest.mark.parametrize("field, value", [
    ("tcp_ports", hostile) for hostile in HOSTILE
] + [
    ("udp_ports", hostile) for hostile in HOSTILE
] + [
    ("timing", "4 --script=x"), ("timing", 7), ("host_timeout", "300s -oN /tmp/x"), ("host_timeout", -1),
    ("service_detection", "--script=x"),
])
def test_hostile_baseline_scan_settings(recorder: tuple[dict[str, str], Path], monkeypatch: pytest.MonkeyPatch,
                                        field: str, value: object) -> None:
    env, record = recorder
    monkeypatch.setenv("PATH", env["PATH"])
    baseline = Baseline(path="b.yaml", name="b", targets=("127.0.0.2",), scan=ScanSettings(**{field: value}))
    with pytest.raises(CheckerError) as info:
        gather_snapshots(_args(), baseline)
    assert info.value.exit_code == 2 and f"scan.{field}" in str(info.value)
    assert not record.exists()


def test_hostile_baseline_file_through_audit(recorder: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = recorder
    for document in ('version: 1\nname: x\ntargets: ["-oN /tmp/x"]\n',
                     'version: 1\nname: x\ntargets: ["127.0.0.2"]\nscan: {tcp_ports: "1-10 --script=x"}\n',
                     'version: 1\nname: x\ntargets: ["127.0.0.2;id"]\n'):
        path = tmp_path / "baseline.yaml"
        path.write_text(document)
        code, stderr = _cli(env, "audit", str(path))
        assert code == 2, stderr
        assert "Traceback" not in stderr
    assert not record.exists()

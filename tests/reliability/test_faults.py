"""The fault matrix: every fault of issue 8, through the real CLI, against one contract.

For every fault (`assert_fault_contract`): no rule that depends on the missing evidence is
`pass`, the exit code is 2 or 3, the report (or the error line) names the fault, and a
previous report is intact: untouched when nothing could be reported (exit 2), atomically
replaced by a complete one otherwise (exit 3).

nmap and systemctl are replaced by fake programs first on PATH; the CLI itself is the real
`python -m checker`. No scan leaves 127.0.0.0/8 and every (fake) scan names one port.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability._support import (
    FAKE_SYSTEMCTL_EMPTY,
    PREVIOUS_REPORT,
    FakeBin,
    Unprivileged,
    assert_fault_contract,
    fake_nmap_body,
    make_unprivileged,
    results_of,
    run_audit,
)

pytestmark = pytest.mark.integration

PORT = 24501
"""The one port the outside-view faults "scan" (on 127.0.0.2)."""
OUTSIDE_CHECKS = ("port-exposed", "port-unreachable")
SERVICE_CHECKS = ("service-state", "service-enabled")
XINETD_CHECKS = ("xinetd-service-unexpected", "xinetd-service-forbidden", "xinetd-limit", "xinetd-access",
                 "xinetd-logging")
PORT_CHECKS = ("port-unexpected", "port-forbidden", "port-required-missing", "port-bind", "port-process")

OUTSIDE_BASELINE = f"""\
version: 1
name: fault-outside
ports:
  default: allow
  allow:
    - {{port: {PORT}, protocol: tcp, exposure: internal}}
    - {{port: {PORT + 1}, protocol: tcp, exposure: public, required: true}}
"""

SERVICES_BASELINE = """\
version: 1
name: fault-services
services:
  - {unit: telnet.service, running: false, enabled: false, absent_ok: true}
  - {unit: avahi-daemon.service, running: false, enabled: false, absent_ok: true}
"""
"""Units absent on the test hosts: without a fault, every rule passes (exit 0), so a fault's exit
code is 3, not 1 (a fail outranks an error in the exit code)."""

XINETD_BASELINE = """\
version: 1
name: fault-xinetd
xinetd:
  default: deny
  allow: [echo]
  forbid: [telnet]
  limits:
    instances: {max: 50}
    only_from: required
"""


@pytest.fixture
def fakebin(tmp_path: Path) -> FakeBin:
    directory = tmp_path / "fakebin"
    directory.mkdir()
    return FakeBin(directory, tmp_path / "calls.jsonl")


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report path that already holds a previous report."""
    path = tmp_path / "out" / "results.json"
    path.parent.mkdir()
    path.write_text(PREVIOUS_REPORT, encoding="utf-8")
    return path


def _baseline(tmp_path: Path, text: str) -> str:
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _outside(tmp_path: Path, report: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return run_audit("-q", "audit", _baseline(tmp_path, OUTSIDE_BASELINE), "--target", "127.0.0.2",
                     "--tcp-ports", f"{PORT}-{PORT + 1}", *extra, "--json", str(report), env=env)


# --------------------------------------------------------------------------- nmap


def test_nmap_missing(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    # PATH holds only the fake directory, without nmap (python is started by absolute path).
    completed = _outside(tmp_path, report, fakebin.env(only=True))
    results = assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS,
                                    fault_words=["nmap: not found"])
    assert completed.returncode == 3
    assert {r["status"] for r in results if r["check"] in OUTSIDE_CHECKS} == {"error"}


def test_nmap_killed_by_timeout(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    # --host-timeout 1 makes the hard process limit 2*1+5 = 7 s (checker.collect.nmap.scan.process_timeout).
    fakebin.add("nmap", "time.sleep(120)")
    completed = _outside(tmp_path, report, fakebin.env(), "--host-timeout", "1", "--timing", "5")
    assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS, fault_words=["timed out"])
    assert len(fakebin.calls()) == 1


@pytest.mark.parametrize("garbage", [
    "this is not xml at all\n",
    '<?xml version="1.0"?><nmaprun scanner="nmap"><host><address addr="127.0.0.2" addrtype="ipv4"/>',
    "<html><body>proxy error</body></html>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><nmaprun>&a;</nmaprun>',
])
def test_nmap_prints_garbage_xml(tmp_path: Path, report: Path, fakebin: FakeBin, garbage: str) -> None:
    fakebin.add("nmap", fake_nmap_body(garbage))
    completed = _outside(tmp_path, report, fakebin.env())
    assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS, fault_words=["nmap"])
    assert completed.returncode == 3


# --------------------------------------------------------------------------- systemctl


def _services(tmp_path: Path, report: Path, env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    return run_audit("-q", "audit", _baseline(tmp_path, SERVICES_BASELINE), "--local", "--json", str(report),
                     env=env, prelude=prelude)


def test_systemctl_missing(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    completed = _services(tmp_path, report, fakebin.env(only=True))
    results = assert_fault_contract(completed, report, dependent_checks=("service-state",),
                                    fault_words=["systemctl: not found"])
    assert {r["status"] for r in results if r["check"] == "service-state"} == {"error"}


def test_systemctl_exits_1(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    fakebin.add("systemctl", 'sys.stderr.write("Failed to list unit files: Access denied\\n")\nsys.exit(1)')
    completed = _services(tmp_path, report, fakebin.env())
    results = assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS,
                                    fault_words=["access denied", "exit 1"])
    assert {r["status"] for r in results if r["check"] in SERVICE_CHECKS} == {"error"}
    assert fakebin.calls(), "the fake systemctl was not run"


def test_systemctl_prints_garbage(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    fakebin.add("systemctl", 'sys.stdout.write("UNIT FILE STATE\\nnot json\\x00\\xff")\nsys.exit(0)')
    completed = _services(tmp_path, report, fakebin.env())
    assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS, fault_words=["systemctl"])


def test_systemctl_hanging_past_the_timeout(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    """systemctl's timeout is a constant (checker.collect.systemd.SYSTEMCTL_TIMEOUT = 30 s) with
    no CLI flag or environment override, so the real CLI entry point is started after lowering
    it to 1 s; everything else is the unmodified code path. (Proposed: SURFACECHECK_COMMAND_TIMEOUT.)"""
    fakebin.add("systemctl", "time.sleep(120)")
    prelude = "import checker.collect.systemd as systemd\nsystemd.SYSTEMCTL_TIMEOUT = 1.0"
    completed = _services(tmp_path, report, fakebin.env(), prelude=prelude)
    results = assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS, fault_words=["timed out"])
    assert {r["status"] for r in results if r["check"] in SERVICE_CHECKS} == {"error"}


# --------------------------------------------------------------------------- xinetd and privileges


@pytest.fixture(scope="module")
def nobody() -> Iterator[Unprivileged]:
    unprivileged = make_unprivileged()
    if unprivileged is None:
        pytest.skip("needs root, setpriv/runuser and a Python >= 3.11 that nobody can run")
    try:
        yield unprivileged
    finally:
        shutil.rmtree(unprivileged.shared, ignore_errors=True)


def _world_dir(parent: Path, name: str, mode: int = 0o755) -> Path:
    path = parent / name
    path.mkdir(parents=True)
    path.chmod(mode)
    return path


def test_xinetd_dir_unreadable_through_root(nobody: Unprivileged, request: pytest.FixtureRequest) -> None:
    work = _world_dir(nobody.shared, f"xinetd-{request.node.name}"[:60])
    image = _world_dir(work, "image")
    etc = _world_dir(image, "etc")
    (etc / "xinetd.conf").write_text("defaults\n{\n  instances = 10\n}\nincludedir /etc/xinetd.d\n")
    (etc / "xinetd.conf").chmod(0o644)
    services = _world_dir(etc, "xinetd.d", mode=0o000)  # root-owned, unreadable for nobody
    baseline = work / "baseline.yaml"
    baseline.write_text(XINETD_BASELINE)
    baseline.chmod(0o644)
    out = _world_dir(work, "out", mode=0o777)
    report = out / "results.json"
    report.write_text(PREVIOUS_REPORT)
    report.chmod(0o666)
    try:
        completed = nobody.run("-q", "audit", str(baseline), "--root", str(image), "--json", str(report))
        results = assert_fault_contract(completed, report, dependent_checks=XINETD_CHECKS,
                                        fault_words=["permission denied"])
        assert completed.returncode == 3
        assert any(r["resource"] == "collector:xinetd" and r["status"] == "error" for r in results)
    finally:
        services.chmod(0o755)


def test_unprivileged_run_cannot_vouch_for_root_sockets(nobody: Unprivileged,
                                                        request: pytest.FixtureRequest) -> None:
    """As nobody, the owner of a root-owned socket is unknown: process/user rules are `error`."""
    import socket

    work = _world_dir(nobody.shared, f"nobody-{request.node.name}"[:60])
    with socket.socket() as listener:
        listener.bind(("127.0.0.4", 0))
        listener.listen()
        port = listener.getsockname()[1]
        baseline = work / "baseline.yaml"
        baseline.write_text(f"version: 1\nname: fault-unprivileged\nports:\n  default: allow\n  allow:\n"
                            f"    - {{port: {port}, protocol: tcp, process: python*, user: root, required: true}}\n")
        baseline.chmod(0o644)
        out = _world_dir(work, "out", mode=0o777)
        report = out / "results.json"
        report.write_text(PREVIOUS_REPORT)
        report.chmod(0o666)
        completed = nobody.run("-q", "audit", str(baseline), "--local", "--json", str(report))
    results = assert_fault_contract(completed, report, dependent_checks=("port-process",),
                                    fault_words=["is unknown"])
    data = json.loads(report.read_text())
    assert data["hosts"][0]["snapshot"]["host"]["privileged"] is False
    process = [r for r in results if r["check"] == "port-process"]
    assert process and {r["status"] for r in process} == {"error"}, process


# --------------------------------------------------------------------------- bad snapshots


def _snapshot_text(tmp_path: Path) -> str:
    completed = run_audit("collect", "--local", "-o", "-")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.fixture(scope="module")
def good_snapshot(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _snapshot_text(tmp_path_factory.mktemp("snap"))


@pytest.mark.parametrize("damage", ["truncated", "wrong-schema-version", "empty", "not-utf8"])
def test_bad_snapshot_file(tmp_path: Path, report: Path, good_snapshot: str, damage: str) -> None:
    path = tmp_path / "host.json"
    if damage == "truncated":
        path.write_text(good_snapshot[: len(good_snapshot) // 2])
    elif damage == "wrong-schema-version":
        data = json.loads(good_snapshot)
        data["schema_version"] = 99
        path.write_text(json.dumps(data))
    elif damage == "empty":
        path.write_text("")
    else:
        path.write_bytes(good_snapshot.encode()[:100] + b"\xff\xfe" + good_snapshot.encode()[100:])
    completed = run_audit("-q", "audit", "--snapshot", str(path), "--json", str(report))
    assert_fault_contract(completed, report, dependent_checks=PORT_CHECKS, fault_words=[str(path)])
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1, "one clear line, no traceback"
    if damage == "wrong-schema-version":
        assert "schema_version" in completed.stderr


# --------------------------------------------------------------------------- disk full


def _fsize_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_by_file_size_limit(tmp_path: Path, report: Path) -> None:
    """RLIMIT_FSIZE: writes past 32 KiB fail with EFBIG (Python ignores SIGXFSZ)."""
    import sys

    from support import REPO_ROOT

    baseline = _baseline(tmp_path, SERVICES_BASELINE)
    argv = [sys.executable, "-m", "checker", "-q", "audit", baseline, "--local", "--json", str(report),
            "--markdown", str(report.parent / "results.md")]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, cwd=str(REPO_ROOT),
                               preexec_fn=_fsize_limit(32 * 1024))  # noqa: PLW1509 - single-threaded test
    assert_fault_contract(completed, report, dependent_checks=(), fault_words=["file too large", "cannot write"])
    assert completed.returncode == 2
    assert not [f for f in os.listdir(report.parent) if f.endswith(".tmp")], "temp files left behind"


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False)


def test_disk_full_on_a_64k_tmpfs(tmp_path: Path, tiny_tmpfs: Path) -> None:
    report = tiny_tmpfs / "results.json"
    report.write_text(PREVIOUS_REPORT)
    filler = tiny_tmpfs / "filler"
    filler.write_bytes(b"\0" * 40 * 1024)  # leave ~20 KiB: far less than a local report
    completed = run_audit("-q", "audit", _baseline(tmp_path, SERVICES_BASELINE), "--local", "--json", str(report))
    assert_fault_contract(completed, report, dependent_checks=(), fault_words=["no space left", "cannot write"])
    assert completed.returncode == 2
    assert sorted(os.listdir(tiny_tmpfs)) == ["filler", "results.json"], "temp file left on the full disk"
    assert stat.S_ISREG(report.stat().st_mode)


def test_fault_free_control_run_passes(tmp_path: Path, report: Path, fakebin: FakeBin) -> None:
    """Positive control: the same set-up without a fault gives a complete report and exit 0/1."""
    fakebin.add("systemctl", FAKE_SYSTEMCTL_EMPTY)
    completed = _services(tmp_path, report, fakebin.env())
    # list-units prints [] too: every unit is absent, absent_ok makes them pass.
    assert completed.returncode in (0, 1), completed.stderr
    assert results_of(report)

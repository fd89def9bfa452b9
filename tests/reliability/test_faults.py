"""The fault suite: every fault, once, through the real CLI, against one contract.

For every fault (`support.faults.assert_fault_contract`): no rule that depends on the missing
evidence is `pass`, the exit code is 2 or 3, the report (or the error line) names the fault,
and a previous report is intact: untouched when nothing could be reported (exit 2),
atomically replaced by a complete one otherwise (exit 3).

nmap and systemctl are replaced by fake programs first on PATH (support.fakes); the CLI itself
is the real `python -m checker`. No scan leaves 127.0.0.0/8, and the ports a (fake) scan names
are held by the test, closed everywhere (support.ports).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import REPO_ROOT, TESTDATA, run_cli
from support.fakes import FAKE_SYSTEMCTL_EMPTY, FakeBin, prints
from support.faults import PREVIOUS_REPORT, assert_fault_contract
from support.outputs import by_host, nmap_run, results_of, snapshots_of, statuses_of
from support.ports import held_port, port_of, services
from support.unprivileged import Unprivileged

pytestmark = pytest.mark.integration

OUTSIDE_CHECKS = ("port-exposed", "port-unreachable")
SERVICE_CHECKS = ("service-state", "service-enabled")
XINETD_CHECKS = ("xinetd-service-unexpected", "xinetd-service-forbidden", "xinetd-limit", "xinetd-access",
                 "xinetd-logging")
PORT_CHECKS = ("port-unexpected", "port-forbidden", "port-required-missing", "port-bind", "port-process")

OUTSIDE_BASELINE = """\
version: 1
name: fault-outside
ports:
  default: allow
  allow:
    - {{port: {internal}, protocol: tcp, exposure: internal}}
    - {{port: {public}, protocol: tcp, exposure: public, required: true}}
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
def report(tmp_path: Path) -> Path:
    """A report path that already holds a previous report."""
    path = tmp_path / "out" / "results.json"
    path.parent.mkdir()
    path.write_text(PREVIOUS_REPORT, encoding="utf-8")
    return path


@pytest.fixture
def scan_ports() -> Iterator[tuple[int, int]]:
    """The two ports the outside-view faults "scan" on 127.0.0.2: held, closed everywhere."""
    with held_port() as internal, held_port() as public:
        yield port_of(internal), port_of(public)


def _baseline(tmp_path: Path, text: str) -> str:
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _outside(tmp_path: Path, report: Path, ports: tuple[int, int], env: dict[str, str],
             *extra: str) -> subprocess.CompletedProcess[str]:
    internal, public = ports
    baseline = _baseline(tmp_path, OUTSIDE_BASELINE.format(internal=internal, public=public))
    return run_cli("-q", "audit", baseline, "--target", "127.0.0.2", "--tcp-ports", f"{internal},{public}",
                   *extra, "--json", str(report), env=env)


def _only_snapshot(report: Path) -> dict[str, Any]:
    (host,) = json.loads(report.read_text(encoding="utf-8"))["hosts"]
    return dict(host["snapshot"])


# --------------------------------------------------------------------------- nmap


def test_nmap_missing(tmp_path: Path, report: Path, scan_ports: tuple[int, int], fakes: FakeBin) -> None:
    # PATH holds only the (empty) fake directory (python is started by absolute path).
    completed = _outside(tmp_path, report, scan_ports, fakes.env(only=True))
    results = assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS,
                                    fault_words=["nmap: not found"])
    assert completed.returncode == 3
    assert {r["status"] for r in results if r["check"] in OUTSIDE_CHECKS} == {"error"}
    statuses = statuses_of(report)
    assert statuses["collector-error collector:nmap"] == "error"
    assert statuses[f"port-exposed tcp/*:{scan_ports[0]}"] == "error"
    assert "nmap: not found on PATH" in nmap_run(_only_snapshot(report))["reason"]


def test_nmap_killed_by_the_process_timeout(tmp_path: Path, report: Path, scan_ports: tuple[int, int],
                                            fakes: FakeBin) -> None:
    # --host-timeout 1 makes the hard process limit 2*1+5 = 7 s (checker.collect.nmap.scan.process_timeout).
    fakes.add("nmap", "time.sleep(120)")
    completed = _outside(tmp_path, report, scan_ports, fakes.env(), "--host-timeout", "1", "--timing", "5")
    assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS, fault_words=["timed out"])
    assert completed.returncode == 3
    assert len(fakes.calls("nmap")) == 1
    snapshot = _only_snapshot(report)
    assert snapshot["network"] is None
    reason = nmap_run(snapshot)["reason"]
    assert "timed out after 7s" in reason and "killed" in reason, reason


TRUNCATED_XML = TESTDATA / "nmap-xml/_generated-locally/truncated-killed-7.93.xml"


@pytest.mark.parametrize("body, words", [
    (f"sys.stdout.write(open({str(TRUNCATED_XML)!r}).read())", "truncated"),
    ('sys.stdout.write("<?xml version=\\"1.0\\"?><nmaprun><host>")\nsys.stdout.flush()\nos.kill(os.getpid(), 9)',
     "killed by signal 9"),
    (prints("this is not xml at all\n"), "malformed XML"),
    (prints("<html><body>proxy error</body></html>"), "not an nmap XML report"),
    (prints('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><nmaprun>&a;</nmaprun>'), "DTD"),
    ('sys.stderr.write("QUITTING!\\n")\nsys.exit(1)', "nmap: exit 1: QUITTING!"),
    (prints('<nmaprun scanner="nmap"><runstats><finished time="1" errormsg="boom"/></runstats></nmaprun>\n'),
     "nmap: boom"),
    (prints('<nmaprun scanner="nmap"><runstats><finished time="1"/></runstats></nmaprun>\n'), "nmap reported no host"),
], ids=["truncated", "killed", "not-xml", "html", "dtd-entity", "exit-1", "errormsg", "no-host"])
def test_broken_nmap_output_is_a_named_failure(tmp_path: Path, report: Path, scan_ports: tuple[int, int],
                                               fakes: FakeBin, body: str, words: str) -> None:
    fakes.add("nmap", body)
    completed = _outside(tmp_path, report, scan_ports, fakes.env())
    assert_fault_contract(completed, report, dependent_checks=OUTSIDE_CHECKS, fault_words=[words])
    assert completed.returncode == 3
    snapshot = _only_snapshot(report)
    assert snapshot["network"] is None
    assert nmap_run(snapshot)["status"] == "failed" and words in nmap_run(snapshot)["reason"]


def test_a_failing_process_affects_only_its_own_targets(fakes: FakeBin) -> None:
    """A fake nmap that fails for the IPv6 run only (IPv4 and IPv6 targets are separate processes)."""
    real = shutil.which("nmap") or "/usr/bin/nmap"
    fakes.add("nmap", f'if sys.argv[-1] == "::1":\n    sys.exit(2)\nos.execv({real!r}, [{real!r}, *sys.argv[1:]])')
    with services() as running:
        port = running.tcp("127.0.0.2")
        result = run_cli("collect", "--target", "127.0.0.2", "--target", "::1",
                         "--tcp-ports", str(port), "-o", "-", env=fakes.env())
    assert result.returncode == 0, result.stderr
    hosts = by_host(snapshots_of(result.stdout))
    assert nmap_run(hosts["127.0.0.2"])["status"] == "ok"
    failed = nmap_run(hosts["::1"])
    assert failed["status"] == "failed" and "nmap: exit 2" in failed["reason"], failed
    assert hosts["::1"]["network"] is None


NO_HOST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sT -p 1-100 127.0.0.9" start="1763716800" version="7.93" xmloutputversion="1.05">
<scaninfo type="connect" protocol="tcp" numservices="100" services="1-100"/>
<runstats><finished time="1763716801" elapsed="1.00" exit="success"/><hosts up="0" down="1" total="1"/></runstats>
</nmaprun>
"""


def test_an_imported_scan_that_found_no_host_audits_nothing_and_exits_3(tmp_path: Path) -> None:
    """An imported scan whose target was down: nothing audited is not compliance (exit 3, not 0)."""
    scan = tmp_path / "scan.xml"
    scan.write_text(NO_HOST_XML, encoding="utf-8")
    junit = tmp_path / "out.xml"
    completed = run_cli("audit", "builtin:default", "--nmap-xml", str(scan), "--junit", str(junit))
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "no host was audited" in completed.stdout
    assert "<error" in junit.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- systemctl


def _services(tmp_path: Path, report: Path, env: dict[str, str], *, quiet: bool = True,
              prelude: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(*(["-q"] if quiet else []), "audit", _baseline(tmp_path, SERVICES_BASELINE), "--local",
                   "--json", str(report), env=env, prelude=prelude)


def test_systemctl_missing(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    completed = _services(tmp_path, report, fakes.env(only=True), quiet=False)
    results = assert_fault_contract(completed, report, dependent_checks=("service-state",),
                                    fault_words=["systemctl: not found"])
    assert completed.returncode == 3
    states = [r for r in results if r["check"] == "service-state"]
    assert {(r["resource"], r["status"]) for r in states} == {("unit:telnet.service", "error"),
                                                             ("unit:avahi-daemon.service", "error")}
    assert all("unit-runtime collector" in r["message"] for r in states)
    runtime = [r for r in results if r["resource"] == "collector:unit-runtime"]
    assert len(runtime) == 1 and runtime[0]["status"] == "error"
    assert "ERROR" in completed.stdout  # the console summary lists the errors


def test_exit_zero_overrides_incomplete_evidence(tmp_path: Path, fakes: FakeBin) -> None:
    completed = run_cli("-q", "audit", _baseline(tmp_path, SERVICES_BASELINE), "--local", "--exit-zero",
                        env=fakes.env(only=True))
    assert completed.returncode == 0, completed.stderr


def test_systemctl_exits_1(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    fakes.add("systemctl", 'sys.stderr.write("Failed to list unit files: Access denied\\n")\nsys.exit(1)')
    completed = _services(tmp_path, report, fakes.env())
    results = assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS,
                                    fault_words=["access denied", "exit 1"])
    assert {r["status"] for r in results if r["check"] in SERVICE_CHECKS} == {"error"}
    assert fakes.calls("systemctl"), "the fake systemctl was not run"


def test_systemctl_lists_nothing_with_exit_1(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    """`[]` with exit 1 while unit files exist: systemctl could read none of them. Before issue 12
    this was recorded as a complete empty list, and absent_ok rules passed (exit 0)."""
    fakes.add("systemctl", prints("[]\n", exit_code=1))
    completed = _services(tmp_path, report, fakes.env())
    results = assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS,
                                    fault_words=["exited 1"])
    assert {r["status"] for r in results if r["check"] in SERVICE_CHECKS} == {"error"}
    unit_files = next(r for r in results if r["resource"] == "collector:unit-files")
    assert unit_files["status"] == "error" and unit_files["evidence"]["status"] == "partial", unit_files
    assert fakes.calls("systemctl"), "the fake systemctl was not run"


def test_systemctl_prints_garbage(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    fakes.add("systemctl", 'sys.stdout.write("UNIT FILE STATE\\nnot json\\x00\\xff")\nsys.exit(0)')
    completed = _services(tmp_path, report, fakes.env())
    assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS, fault_words=["systemctl"])


def test_systemctl_hanging_past_the_timeout(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    """systemctl's timeout is a constant (checker.collect.systemd.SYSTEMCTL_TIMEOUT = 30 s) with
    no CLI flag or environment override, so the real CLI entry point is started after lowering
    it to 1 s; everything else is the unmodified code path. (Proposed: SURFACECHECK_COMMAND_TIMEOUT.)"""
    fakes.add("systemctl", "time.sleep(120)")
    prelude = "import checker.collect.systemd as systemd\nsystemd.SYSTEMCTL_TIMEOUT = 1.0"
    completed = _services(tmp_path, report, fakes.env(), prelude=prelude)
    results = assert_fault_contract(completed, report, dependent_checks=SERVICE_CHECKS, fault_words=["timed out"])
    assert {r["status"] for r in results if r["check"] in SERVICE_CHECKS} == {"error"}


def test_fault_free_control_run_passes(tmp_path: Path, report: Path, fakes: FakeBin) -> None:
    """Positive control: the same set-up without a fault gives a complete report and exit 0/1."""
    fakes.add("systemctl", FAKE_SYSTEMCTL_EMPTY)
    completed = _services(tmp_path, report, fakes.env())
    # list-units prints [] too: every unit is absent, absent_ok makes them pass.
    assert completed.returncode in (0, 1), completed.stderr
    assert results_of(report)


# --------------------------------------------------------------------------- xinetd and privileges


def _world_report(nobody: Unprivileged, work: Path) -> Path:
    out = work / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    report = out / "results.json"
    report.write_text(PREVIOUS_REPORT)
    report.chmod(0o666)
    return report


def test_xinetd_dir_unreadable_through_root(nobody: Unprivileged) -> None:
    work = nobody.world_dir("xinetd-unreadable")
    image = work / "image"
    services_dir = image / "etc" / "xinetd.d"
    services_dir.mkdir(parents=True)
    for directory in (image, image / "etc"):
        directory.chmod(0o755)
    (image / "etc" / "xinetd.conf").write_text("defaults\n{\n  instances = 10\n}\nincludedir /etc/xinetd.d\n")
    (image / "etc" / "xinetd.conf").chmod(0o644)
    services_dir.chmod(0o000)  # root-owned, unreadable for nobody
    baseline = work / "baseline.yaml"
    baseline.write_text(XINETD_BASELINE)
    baseline.chmod(0o644)
    report = _world_report(nobody, work)
    try:
        completed = nobody.run("-q", "audit", str(baseline), "--root", str(image), "--json", str(report))
        results = assert_fault_contract(completed, report, dependent_checks=XINETD_CHECKS,
                                        fault_words=["permission denied"])
        assert completed.returncode == 3
        assert any(r["resource"] == "collector:xinetd" and r["status"] == "error" for r in results)
    finally:
        services_dir.chmod(0o755)


def test_unprivileged_run_cannot_vouch_for_root_sockets(nobody: Unprivileged) -> None:
    """As nobody, the owner of a root-owned socket is unknown: process/user rules are `error`."""
    work = nobody.world_dir("root-sockets")
    with services() as running:
        port = running.tcp("127.0.0.4")
        baseline = work / "baseline.yaml"
        baseline.write_text(f"version: 1\nname: fault-unprivileged\nports:\n  default: allow\n  allow:\n"
                            f"    - {{port: {port}, protocol: tcp, process: python*, user: root, required: true}}\n")
        baseline.chmod(0o644)
        report = _world_report(nobody, work)
        completed = nobody.run("-q", "audit", str(baseline), "--local", "--json", str(report))
    results = assert_fault_contract(completed, report, dependent_checks=("port-process",),
                                    fault_words=["is unknown"])
    assert _only_snapshot(report)["host"]["privileged"] is False
    process = [r for r in results if r["check"] == "port-process"]
    assert process and {r["status"] for r in process} == {"error"}, process


# --------------------------------------------------------------------------- bad snapshots


@pytest.fixture(scope="module")
def good_snapshot() -> str:
    completed = run_cli("collect", "--local", "-o", "-")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


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
    completed = run_cli("-q", "audit", "--snapshot", str(path), "--json", str(report))
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
    completed = run_cli("-q", "audit", _baseline(tmp_path, SERVICES_BASELINE), "--local", "--json", str(report))
    assert_fault_contract(completed, report, dependent_checks=(), fault_words=["no space left", "cannot write"])
    assert completed.returncode == 2
    assert sorted(os.listdir(tiny_tmpfs)) == ["filler", "results.json"], "temp file left on the full disk"
    assert stat.S_ISREG(report.stat().st_mode)

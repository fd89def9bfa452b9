"""systemd collectors with the real `systemctl --root=DIR` on unit trees built here, following
../shared/testdata/systemd/OFFLINE.md, and the failure paths (no systemd PID 1, no systemctl)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from checker import _subprocess
from checker.collect.local import collect_local
from checker.model import Collector, CollectorStatus
from checker.resources import load_schema
from support import TESTDATA, run_cli

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("systemctl") is None, reason="systemctl is not installed"),
]

SYSTEMD_DATA = TESTDATA / "systemd"
SOCKET = "[Unit]\nDescription={name}\n\n[Socket]\nListenStream={listen}\n\n[Install]\nWantedBy=sockets.target\n"


def build_unit_tree(root: Path) -> None:
    """One unit per unit-file state of OFFLINE.md's table."""
    vendor = root / "usr/lib/systemd/system"
    admin = root / "etc/systemd/system"
    runtime = root / "run/systemd/system"
    generator = root / "run/systemd/generator"
    for directory in (vendor, admin / "sockets.target.wants", runtime / "sockets.target.wants", generator):
        directory.mkdir(parents=True)
    (admin / "rsync.socket").write_text(SOCKET.format(name="rsync", listen="873"))
    (admin / "sockets.target.wants" / "rsync.socket").symlink_to("/etc/systemd/system/rsync.socket")
    shutil.copy(SYSTEMD_DATA / "knot-resolver/systemd/kresd.socket", vendor / "kresd.socket")
    (admin / "sockets.target.wants" / "kresd.socket").symlink_to("/usr/lib/systemd/system/kresd.socket")
    (admin / "kresd.socket.d").mkdir()
    shutil.copy(SYSTEMD_DATA / "knot-resolver/systemd/kresd.socket.d/all-interfaces.conf",
                admin / "kresd.socket.d" / "override.conf")
    shutil.copy(SYSTEMD_DATA / "dovecot/dovecot.socket", admin / "dovecot.socket")  # disabled
    (vendor / "cups-lpd.socket").write_text(SOCKET.format(name="cups-lpd", listen="515"))
    (admin / "cups-lpd.socket").symlink_to("/dev/null")  # masked
    (vendor / "rsync@.service").write_text("[Service]\nExecStart=/usr/bin/rsync --daemon\n")  # static
    (admin / "rsync-alias.socket").symlink_to("rsync.socket")  # alias
    (generator / "generated.socket").write_text("[Socket]\nListenStream=7777\n")  # generated
    (vendor / "indirect.socket").write_text("[Socket]\nListenStream=8888\n\n[Install]\nAlso=dovecot.socket\n")
    (runtime / "node_exporter.socket").write_text(SOCKET.format(name="node", listen="9100"))
    (runtime / "sockets.target.wants" / "node_exporter.socket").symlink_to("/run/systemd/system/node_exporter.socket")


@pytest.fixture
def unit_root(tmp_path: Path) -> Path:
    build_unit_tree(tmp_path)
    return tmp_path


def test_root_enablement_states_from_real_systemctl(unit_root: Path) -> None:
    snapshot = collect_local(root=str(unit_root))
    states = {unit.name: unit.enablement for unit in snapshot.units}
    assert states["rsync.socket"] == "enabled"
    assert states["kresd.socket"] == "enabled"
    assert states["dovecot.socket"] == "disabled"
    assert states["cups-lpd.socket"] == "masked"
    assert states["rsync@.service"] == "static"
    assert states["rsync-alias.socket"] == "alias"
    assert states["generated.socket"] == "generated"
    assert states["indirect.socket"] == "indirect"
    assert states["node_exporter.socket"] == "enabled-runtime"
    assert all(unit.active is None and unit.sub is None for unit in snapshot.units)


def test_root_marks_live_collectors_unavailable(unit_root: Path) -> None:
    snapshot = collect_local(root=str(unit_root))
    assert snapshot.host.root == str(unit_root)
    runtime = snapshot.collector(Collector.UNIT_RUNTIME)
    assert (runtime.status, runtime.reason) == (CollectorStatus.UNAVAILABLE, "--root: runtime state not available")
    assert snapshot.collector(Collector.SOCKETS).status == CollectorStatus.UNAVAILABLE
    assert snapshot.listeners == ()
    assert snapshot.collector(Collector.UNIT_FILES).status == CollectorStatus.OK
    assert snapshot.collector(Collector.SOCKET_UNITS).status == CollectorStatus.OK
    assert snapshot.collector(Collector.XINETD).status == CollectorStatus.OK  # no xinetd.conf in the image


def test_root_socket_units_have_dropins_and_enablement(unit_root: Path) -> None:
    snapshot = collect_local(root=str(unit_root))
    units = {unit.name: unit for unit in snapshot.socket_units}
    kresd = units["kresd.socket"]
    assert kresd.enablement == "enabled"
    assert [(item.kind, item.value) for item in kresd.listens] == [("datagram", "53"), ("stream", "53")]
    assert kresd.dropins == ("/etc/systemd/system/kresd.socket.d/override.conf",)
    assert units["cups-lpd.socket"].enablement == "masked" and units["cups-lpd.socket"].listens == ()
    assert units["dovecot.socket"].enablement == "disabled"
    assert [item.port for item in units["dovecot.socket"].listens] == [143, 143, 993, 993]
    assert units["generated.socket"].path == "/run/systemd/generator/generated.socket"


def test_runtime_without_systemd_pid1_is_unavailable_with_reason() -> None:
    if os.path.isdir("/run/systemd/system"):
        pytest.skip("systemd is running here: the runtime state is available")
    snapshot = collect_local()
    runtime = snapshot.collector(Collector.UNIT_RUNTIME)
    assert runtime.status == CollectorStatus.UNAVAILABLE
    assert runtime.reason and runtime.reason.startswith("systemctl: exit 1:")
    assert snapshot.collector(Collector.UNIT_FILES).status == CollectorStatus.OK


def test_systemctl_absent_from_path(unit_root: Path, tmp_path_factory: pytest.TempPathFactory,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path_factory.mktemp("bin")
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", (str(empty_bin),))
    snapshot = collect_local(root=str(unit_root))
    unit_files = snapshot.collector(Collector.UNIT_FILES)
    assert (unit_files.status, unit_files.reason) == (CollectorStatus.FAILED, "systemctl: not found on PATH")
    # The other collectors still ran.
    assert snapshot.collector(Collector.SOCKET_UNITS).status == CollectorStatus.OK
    assert {unit.name for unit in snapshot.socket_units} >= {"kresd.socket", "rsync.socket"}
    assert all(unit.enablement in (None, "masked") for unit in snapshot.socket_units)
    # An init.d directory in a systemd image does not stand in for its units: reporting only
    # the SysV scripts would drop rsync.socket & co. from the evidence (fail open).
    for tree in (unit_root, tmp_path_factory.mktemp("sysv-only")):
        init = tree / "etc/init.d"
        init.mkdir(parents=True)
        (init / "xinetd").write_text("#!/bin/sh\n")
        (tree / "etc/rc2.d").mkdir()
        (tree / "etc/rc2.d/S01xinetd").symlink_to("../init.d/xinetd")
    still_failed = collect_local(root=str(unit_root)).collector(Collector.UNIT_FILES)
    assert (still_failed.status, still_failed.reason) == (CollectorStatus.FAILED, "systemctl: not found on PATH")
    # Without systemd in the image, the SysV fallback provides the services.
    fallback = collect_local(root=str(tree))
    run = fallback.collector(Collector.UNIT_FILES)
    assert run.status == CollectorStatus.OK and "SysV fallback" in (run.reason or "")
    assert [(unit.name, unit.enablement, unit.source) for unit in fallback.units] == [
        ("xinetd.service", "enabled", "sysv")]


def test_systemctl_absent_on_a_systemd_image_is_a_failure_not_sysv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An image with the systemd manager but no run/ tree (a real mounted image), read by a host
    without systemctl: its init.d scripts are not its services."""
    (tmp_path / "usr/lib/systemd").mkdir(parents=True)
    (tmp_path / "usr/lib/systemd/systemd").write_text("")
    (tmp_path / "etc/systemd/system/sockets.target.wants").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/telnet.socket").write_text(SOCKET.format(name="telnet", listen="23"))
    (tmp_path / "etc/init.d").mkdir()
    (tmp_path / "etc/init.d/xinetd").write_text("#!/bin/sh\n")
    empty_bin = tmp_path / "bin-empty"
    empty_bin.mkdir()
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", (str(empty_bin),))
    snapshot = collect_local(root=str(tmp_path))
    run = snapshot.collector(Collector.UNIT_FILES)
    assert (run.status, run.reason) == (CollectorStatus.FAILED, "systemctl: not found on PATH")
    assert snapshot.units == ()


def test_collect_cli_with_root_validates_against_the_schema(unit_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "snapshot.json"
    result = run_cli("collect", "--root", str(unit_root), "-o", str(output))
    assert result.returncode == 0, result.stderr
    data = json.loads(output.read_text())
    jsonschema.validate(data, load_schema("snapshot"), cls=jsonschema.Draft202012Validator)
    assert data["host"]["root"] == str(unit_root)
    assert isinstance(data, dict)


@pytest.mark.parametrize(("script", "expected"), [
    ("echo 'Failed to get unit file list: Bad message' >&2; exit 1",
     "systemctl: exit 1: Failed to get unit file list: Bad message"),
    ("echo 'not json'", "systemctl: list-unit-files: output is not JSON"),
    ("exec sleep 5", "systemctl: timed out after 0.5s"),
])
def test_a_broken_systemctl_is_a_recorded_failure(script: str, expected: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.collect import systemd

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "systemctl"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", (str(fake_bin), "/usr/bin", "/bin"))
    monkeypatch.setattr(systemd, "SYSTEMCTL_TIMEOUT", 0.5)
    snapshot = collect_local(root=str(tmp_path))
    run = snapshot.collector(Collector.UNIT_FILES)
    assert run.status == CollectorStatus.FAILED
    assert run.reason is not None and run.reason.startswith(expected)
    assert snapshot.collector(Collector.SOCKET_UNITS).status == CollectorStatus.OK

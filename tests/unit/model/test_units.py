"""`checker.model.units`: the one unit-name normaliser, and every stage that uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.model.units import UNIT_SUFFIXES, unit_name, unit_stem, unit_suffix


@pytest.mark.parametrize(("name", "default", "expected"), [
    ("ssh", ".service", "ssh.service"),
    ("ssh.service", ".service", "ssh.service"),
    ("cups.socket", ".service", "cups.socket"),
    ("telnet", ".socket", "telnet.socket"),
    ("telnet.socket", ".socket", "telnet.socket"),
    ("foo@.service", ".socket", "foo@.service"),
    ("foo@1.socket", ".socket", "foo@1.socket"),
    ("multi-user.target", ".service", "multi-user.target"),
    ("proc-sys-fs-binfmt_misc.automount", ".service", "proc-sys-fs-binfmt_misc.automount"),
    # Dots that are not a unit type do not make a name complete (issue 12, item 8).
    ("snap.lxd.daemon.unix", ".socket", "snap.lxd.daemon.unix.socket"),
    ("snap.lxd.daemon", ".service", "snap.lxd.daemon.service"),
    ("snap.lxd.daemon.unix.socket", ".socket", "snap.lxd.daemon.unix.socket"),
    ("org.freedesktop.resolve1", ".service", "org.freedesktop.resolve1.service"),
    # The suffix is case-sensitive, as in systemd.
    ("ssh.Service", ".service", "ssh.Service.service"),
])
def test_unit_name_appends_the_default_only_without_a_unit_type(name: str, default: str, expected: str) -> None:
    assert unit_name(name, default) == expected


def test_every_systemd_unit_type_is_known() -> None:
    assert {suffix.lstrip(".") for suffix in UNIT_SUFFIXES} == {
        "service", "socket", "target", "mount", "timer", "path", "slice", "scope", "device", "swap", "automount"}
    for suffix in UNIT_SUFFIXES:
        assert unit_name("x" + suffix, ".service") == "x" + suffix
        assert unit_suffix("a.b" + suffix) == suffix


def test_unit_name_refuses_a_default_that_is_not_a_unit_type() -> None:
    with pytest.raises(ValueError, match="not a systemd unit type"):
        unit_name("ssh", "service")


def test_unit_suffix_and_stem() -> None:
    assert unit_suffix("ssh") is None
    assert unit_suffix("snap.lxd.daemon.unix") is None
    assert unit_suffix("kresd.socket") == ".socket"
    assert unit_stem("kresd.socket") == "kresd"
    assert unit_stem("foo@1.socket") == "foo@1"
    assert unit_stem("snap.lxd.daemon.unix.socket") == "snap.lxd.daemon.unix"
    assert unit_stem("snap.lxd.daemon.unix") == "snap.lxd.daemon.unix"


def test_the_loader_and_the_evaluator_agree_on_a_dotted_socket_name(tmp_path: Path) -> None:
    """A forbid of `snap.lxd.daemon.unix` catches the enabled `snap.lxd.daemon.unix.socket`."""
    from checker.evaluate import evaluate
    from checker.model import (
        CheckId,
        Collector,
        CollectorRun,
        CollectorStatus,
        HostInfo,
        Snapshot,
        SocketUnit,
        Status,
    )
    from checker.policy import load_baseline

    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nsocket_units:\n  forbid: [snap.lxd.daemon.unix]\n"
                    "services:\n  - {unit: snap.lxd.daemon, enabled: true}\n")
    baseline = load_baseline(str(path))
    assert [f.name for f in baseline.socket_units.forbid] == ["snap.lxd.daemon.unix.socket"]
    assert [s.unit for s in baseline.services] == ["snap.lxd.daemon.service"]
    snapshot = Snapshot(
        host=HostInfo(hostname="h", collected_at="2024-01-01T00:00:00Z", tool_version="test"),
        collectors=tuple(CollectorRun(c, CollectorStatus.OK) for c in Collector if c is not Collector.NMAP),
        socket_units=(SocketUnit(name="snap.lxd.daemon.unix.socket", enablement="enabled", active="active"),),
    )
    results = evaluate(baseline, [snapshot]).hosts[0].results
    forbidden = [r for r in results if r.check is CheckId.SOCKET_UNIT_FORBIDDEN]
    assert [(r.resource, r.status) for r in forbidden] == [("unit:snap.lxd.daemon.unix.socket", Status.FAIL)]

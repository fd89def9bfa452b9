"""systemctl JSON readers and the SysV fallback (pure functions, plus a built /etc tree)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.collect.systemd import (
    RuntimeState,
    UnitOutputError,
    merge_units,
    parse_list_units_json,
    parse_unit_files_json,
    runtime_is_unavailable,
    systemd_present,
    sysv_units,
)
from checker.collect.sysv import read_sysv_tree

# Verbatim from ../shared/testdata/systemd/OFFLINE.md (systemd 252, --output=json).
UNIT_FILES_JSON = (
    '[{"unit_file":"cups-lpd.socket","state":"masked","preset":"enabled"},'
    '{"unit_file":"generated.socket","state":"generated","preset":null},'
    '{"unit_file":"rsync-alias.socket","state":"alias","preset":null}]'
)


def test_unit_files_json() -> None:
    assert parse_unit_files_json(UNIT_FILES_JSON) == {
        "cups-lpd.socket": "masked", "generated.socket": "generated", "rsync-alias.socket": "alias"}


def test_list_units_json() -> None:
    text = ('[{"unit":"ssh.service","load":"loaded","active":"active","sub":"running","description":"x"},'
            '{"unit":"telnet.socket","load":"loaded","active":"inactive","sub":"dead","description":"y"}]')
    assert parse_list_units_json(text) == {"ssh.service": RuntimeState("active", "running"),
                                           "telnet.socket": RuntimeState("inactive", "dead")}


@pytest.mark.parametrize("text", ["", "not json", "{}", '[{"state": "enabled"}]'])
def test_bad_output_is_an_error_not_an_empty_list(text: str) -> None:
    with pytest.raises(UnitOutputError):
        parse_unit_files_json(text)


def test_merge_keeps_unknown_runtime_as_none() -> None:
    units = merge_units({"a.service": "enabled"}, None)
    assert units[0].enablement == "enabled" and units[0].active is None and units[0].sub is None
    merged = merge_units({"a.service": "enabled"}, {"b.service": RuntimeState("active", "running")})
    assert [(u.name, u.enablement, u.active) for u in merged] == [
        ("a.service", "enabled", None), ("b.service", None, "active")]


def test_runtime_unavailable_reasons() -> None:
    assert runtime_is_unavailable("systemctl: exit 1: System has not been booted with systemd as init system")
    assert runtime_is_unavailable("systemctl: not found on PATH")
    assert not runtime_is_unavailable("systemctl: timed out after 30s")


def test_sysv_units_from_rc_links() -> None:
    units = sysv_units(["ssh", "telnetd", "README"], {"2": ["S01ssh", "K01telnetd"], "0": ["K01ssh"]},
                       "/etc/init.d")
    assert [(u.name, u.enablement, u.source, u.path) for u in units] == [
        ("ssh.service", "enabled", "sysv", "/etc/init.d/ssh"),
        ("telnetd.service", "disabled", "sysv", "/etc/init.d/telnetd")]


def test_read_sysv_on_a_built_tree(tmp_path: Path) -> None:
    init = tmp_path / "etc/init.d"
    init.mkdir(parents=True)
    for name in ("xinetd", "openbsd-inetd", "postgresql"):
        (init / name).write_text("#!/bin/sh\n")
    for level in "2345":
        rc = tmp_path / f"etc/rc{level}.d"
        rc.mkdir()
        (rc / "S01xinetd").symlink_to("../init.d/xinetd")
        (rc / "K01openbsd-inetd").symlink_to("../init.d/openbsd-inetd")
    tree = read_sysv_tree(str(tmp_path))
    assert tree is not None
    units = sysv_units(tree.scripts, tree.rc_links)
    assert {u.name: u.enablement for u in units} == {
        "openbsd-inetd.service": "disabled", "postgresql.service": "disabled", "xinetd.service": "enabled"}
    assert read_sysv_tree(str(tmp_path / "nothing-here")) is None


def test_systemd_present_markers(tmp_path: Path) -> None:
    assert systemd_present(str(tmp_path)) is None
    (tmp_path / "etc/systemd/system").mkdir(parents=True)  # unit files alone: sysvinit hosts have them
    assert systemd_present(str(tmp_path)) is None
    (tmp_path / "lib/systemd").mkdir(parents=True)
    (tmp_path / "lib/systemd/systemd").write_text("")
    assert systemd_present(str(tmp_path)) == "/lib/systemd/systemd"

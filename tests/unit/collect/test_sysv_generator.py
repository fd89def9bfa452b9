"""systemd's SysV generator modelled (checker/collect/sysv.py) and the unit-directory survey
(checker/collect/unit_dirs.py), on lists and on trees built here. Unreadable paths need an
unprivileged user: tests/integration/test_unit_files_differential.py runs those as `nobody`."""

from __future__ import annotations

from pathlib import Path

from checker.collect.sysv import generated_sysv_units, generator_unit_name, read_sysv_tree
from checker.collect.unit_dirs import UnitDirSurvey, survey_unit_dirs

DEBIAN_LINKS = {"2": ["S01xinetd", "S01ssh", "K01cups"], "3": ["S01xinetd"], "S": ["S01udev"], "0": ["K01xinetd"]}


def _states(units: list[object]) -> dict[str, tuple[str | None, str]]:
    return {u.name: (u.enablement, u.source) for u in units}  # type: ignore[attr-defined]


def test_a_script_with_s_links_and_no_native_unit_is_an_enabled_generated_service() -> None:
    units = generated_sysv_units({"xinetd": True}, DEBIAN_LINKS, {"ssh.service": "enabled"})
    assert _states(units) == {"xinetd.service": ("enabled", "sysv-generator")}
    assert units[0].path == "/etc/init.d/xinetd"


def test_a_native_unit_of_the_same_name_wins_over_the_script() -> None:
    units = generated_sysv_units({"ssh": True, "cups": True}, DEBIAN_LINKS,
                                 {"ssh.service": "disabled", "cups.service": "masked"})
    assert units == []


def test_the_generators_own_listing_is_judged_by_the_links() -> None:
    """On a live host the generated unit is listed as `generated`; is-enabled asks the links."""
    units = generated_sysv_units({"xinetd": True, "cups": True}, DEBIAN_LINKS,
                                 {"xinetd.service": "generated", "cups.service": "generated"})
    assert _states(units) == {"xinetd.service": ("enabled", "sysv-generator"),
                              "cups.service": ("disabled", "sysv-generator")}


def test_only_rc2_to_rc5_start_a_generated_unit_and_only_executable_scripts_count() -> None:
    units = generated_sysv_units({"udev": True, "plain": False, "README": True, ".hidden": True}, DEBIAN_LINKS, {})
    assert _states(units) == {"udev.service": ("disabled", "sysv-generator")}  # rcS.d is not read


def test_generator_names_drop_a_trailing_sh() -> None:
    assert generator_unit_name("hwclock.sh") == "hwclock.service"
    units = generated_sysv_units({"hwclock.sh": True}, {"2": ["S01hwclock.sh"]}, {})
    assert _states(units) == {"hwclock.service": ("enabled", "sysv-generator")}


def test_read_sysv_tree_records_executability_and_links(tmp_path: Path) -> None:
    init = tmp_path / "etc/init.d"
    init.mkdir(parents=True)
    (init / "xinetd").write_text("#!/bin/sh\n")
    (init / "xinetd").chmod(0o755)
    (init / "notes").write_text("not a script\n")
    (tmp_path / "etc/rc2.d").mkdir()
    (tmp_path / "etc/rc2.d/S01xinetd").symlink_to("../init.d/xinetd")
    tree = read_sysv_tree(str(tmp_path))
    assert tree is not None
    assert dict(tree.scripts) == {"xinetd": True, "notes": False}
    assert dict(tree.rc_links) == {"2": ("S01xinetd",)} and tree.unreadable == ()
    assert read_sysv_tree(str(tmp_path / "absent")) is None


def test_survey_counts_unit_files_once_and_reads_per_unit_directories(tmp_path: Path) -> None:
    vendor = tmp_path / "usr/lib/systemd/system"
    (vendor / "sockets.target.wants").mkdir(parents=True)
    (vendor / "ssh.service").write_text("[Service]\n")
    (vendor / "ssh.socket").write_text("[Socket]\n")
    (vendor / "README").write_text("not a unit\n")
    (tmp_path / "lib").symlink_to("usr/lib")  # merged /usr: the same directory twice on the path
    survey = survey_unit_dirs(str(tmp_path))
    assert survey == UnitDirSurvey((), 2) and survey.complete
    assert survey_unit_dirs(str(tmp_path / "empty")) == UnitDirSurvey((), 0)


def test_survey_reason_names_the_first_paths_and_counts_the_rest() -> None:
    survey = UnitDirSurvey(tuple(f"/etc/systemd/system/u{i}.service: permission denied" for i in range(5)), 9)
    assert not survey.complete
    reason = survey.reason()
    assert "/etc/systemd/system/u0.service: permission denied" in reason and "(and 2 more)" in reason
    assert "u3.service" not in reason

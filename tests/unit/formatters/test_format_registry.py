"""The format registry is the only table of formats: every registered format has a working
formatter, and the CLI options, `report` and the evidence bundle follow the registry, including
a format registered at run time (a throwaway one only these tests know)."""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker._cli import build_parser, main
from checker.formatters import (
    FormatOptions,
    FormatSpec,
    Formatter,
    all_formats,
    bundle_files,
    get_formatter,
    option_formats,
    register_format,
    unregister_format,
)
from checker.model import Baseline, CheckId, Report, Status
from checker.storage.evidence import CHECKSUMS_FILE, write_evidence_bundle
from checker.storage.snapshots import snapshot_to_json

REPORTS_GROUP = "reports (PATH or - for stdout)"
THROWAWAY_MODULE = "throwaway_format_for_tests"


class ThrowawayFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        return f"throwaway: {len(report.hosts)} hosts, {len(report.results)} results\n"


@pytest.fixture
def throwaway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FormatSpec]:
    """`--throwaway PATH`, bundle file `report.throwaway`, from a module that exists only in memory."""
    module = types.ModuleType(THROWAWAY_MODULE)
    module.FORMATTER = ThrowawayFormatter()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, THROWAWAY_MODULE, module)
    spec = FormatSpec("throwaway", THROWAWAY_MODULE, "a format only this test knows", bundle_file="report.throwaway")
    register_format(spec)
    try:
        yield spec
    finally:
        unregister_format(spec.name)


def subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = commands.choices[name]
    return chosen


def format_options_of(command: str) -> set[str]:
    """The `--NAME PATH` options in the reports group of `command`."""
    group = next(g for g in subcommand(command)._action_groups if g.title == REPORTS_GROUP)
    return {flag for action in group._group_actions if action.metavar == "PATH" for flag in action.option_strings}


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return capsys.readouterr().out


def saved_results(report: Report, tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(get_formatter("json").format(report, FormatOptions()), "utf-8")
    return path


def bundle_format_files(directory: Path) -> set[str]:
    """The files of a bundle that are formats (not snapshots, baseline or checksums)."""
    return {p.name for p in directory.iterdir() if p.is_file()} - {CHECKSUMS_FILE, "baseline.resolved.yaml"}


# --------------------------------------------------------------------------- the registry as shipped


@pytest.mark.parametrize("spec", all_formats(), ids=lambda spec: spec.name)
def test_every_format_has_a_deterministic_formatter(spec: FormatSpec, report: Report) -> None:
    formatter = get_formatter(spec.name)
    assert isinstance(formatter, Formatter)
    first = formatter.format(report, FormatOptions())
    assert isinstance(first, str) and first.endswith("\n")
    assert formatter.format(report, FormatOptions()) == first


@pytest.mark.parametrize("command", ["audit", "report"])
def test_cli_options_are_the_registry(command: str) -> None:
    assert format_options_of(command) == {spec.flag for spec in option_formats()}
    args = subcommand(command).parse_args(
        ["results.json"] * (command == "report") + [arg for spec in option_formats() for arg in (spec.flag, spec.name)])
    assert all(getattr(args, spec.name) == spec.name for spec in option_formats())


def test_bundle_is_the_registry(report: Report, baseline: Baseline, tmp_path: Path) -> None:
    write_evidence_bundle(str(tmp_path / "b"), report, baseline, {})
    assert bundle_format_files(tmp_path / "b") == set(bundle_files().values())
    for name, file_name in bundle_files().items():
        expected = get_formatter(name).format(report, FormatOptions())
        assert (tmp_path / "b" / file_name).read_text("utf-8") == expected


def test_console_summary_is_a_format_without_option_or_file() -> None:
    names = {spec.name for spec in all_formats()}
    assert "console" in names
    assert "console" not in {spec.name for spec in option_formats()} | set(bundle_files())


def test_registry_refuses_duplicates_and_bad_names() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_format(FormatSpec("json", "x", "again", bundle_file="again.json"))
    with pytest.raises(ValueError, match="already taken"):
        register_format(FormatSpec("json2", "x", "same file", bundle_file="results.json"))
    with pytest.raises(ValueError, match="lower-case"):
        FormatSpec("Bad-Name", "x", "no")
    with pytest.raises(ValueError, match="built in"):
        unregister_format("json")


def test_fixture_covers_every_status_check_and_waiver_case(report: Report) -> None:
    results = report.results
    assert {r.status for r in results} == set(Status)
    assert {r.check for r in results} == set(CheckId)
    waivers = [r for r in results if r.waiver is not None]
    assert any(r.status is Status.WAIVED and not r.waiver.expired for r in waivers if r.waiver)
    assert any(r.status is Status.FAIL and r.waiver.expired for r in waivers if r.waiver)
    assert any(r.check is CheckId.WAIVER_EXPIRED for r in results)
    assert any(r.check is CheckId.WAIVER_UNUSED for r in results)
    assert any(r.location is None for r in results)
    assert any(not h.results for h in report.hosts)


# --------------------------------------------------------------------------- a format added at run time


def test_registered_format_is_an_option_of_audit_and_report(throwaway: FormatSpec,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("audit", "report"):
        assert "--throwaway" in format_options_of(command)
        text = help_of(command, capsys)
        assert "--throwaway PATH" in text and "a format only this test knows" in " ".join(text.split())
    unregister_format(throwaway.name)
    assert "--throwaway" not in format_options_of("audit")
    register_format(throwaway)  # the fixture removes it again


def test_a_format_with_an_option_must_name_its_bundle_file() -> None:
    """A format the CLI offers but the evidence bundle silently leaves out is refused at registration."""
    with pytest.raises(ValueError, match="needs a bundle_file"):
        FormatSpec("html", "checker.formatters.html", "an HTML report")
    FormatSpec("summary", "checker.formatters.summary", "printed by audit itself", option=False)


def test_report_renders_a_registered_format(throwaway: FormatSpec, report: Report, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    saved = saved_results(report, tmp_path)
    out = tmp_path / "out.throwaway"
    assert main(["report", str(saved), "--throwaway", str(out)]) == 0
    assert out.read_text("utf-8") == ThrowawayFormatter().format(report, FormatOptions())
    assert main(["report", str(saved)]) == 2
    err = capsys.readouterr().err
    assert "--markdown, " in err and ", --throwaway (PATH or -)" in err
    assert main(["report", str(saved), "--throwaway", "-", "--json", "-"]) == 2
    assert "only one format can go to stdout ('-'); got --json and --throwaway" in capsys.readouterr().err


def test_audit_writes_a_registered_format_into_the_evidence_bundle(throwaway: FormatSpec, report: Report,
                                                                  tmp_path: Path) -> None:
    snapshot = tmp_path / "web-1.json"
    snapshot.write_text(snapshot_to_json(report.hosts[0].snapshot), "utf-8")
    bundle = tmp_path / "evidence"
    main(["audit", "-q", "--snapshot", str(snapshot), "--evidence-dir", str(bundle)])
    assert bundle_format_files(bundle) == set(bundle_files().values())
    assert (bundle / "report.throwaway").read_text("utf-8").startswith("throwaway: 1 hosts, ")
    assert "  report.throwaway\n" in (bundle / CHECKSUMS_FILE).read_text("utf-8")


def test_a_format_that_cannot_go_to_stdout_refuses_dash(monkeypatch: pytest.MonkeyPatch, report: Report,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = types.ModuleType(THROWAWAY_MODULE)
    module.FORMATTER = ThrowawayFormatter()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, THROWAWAY_MODULE, module)
    register_format(FormatSpec("file_only", THROWAWAY_MODULE, "never on stdout", bundle_file="file_only.txt", stdout=False))
    try:
        saved = saved_results(report, tmp_path)
        assert main(["report", str(saved), "--file-only", "-"]) == 2
        assert "--file-only: cannot write to stdout ('-'); give a file path" in capsys.readouterr().err
        assert main(["report", str(saved), "--file-only", str(tmp_path / "f")]) == 0
        assert (tmp_path / "f").read_text("utf-8").startswith("throwaway: ")
    finally:
        unregister_format("file_only")

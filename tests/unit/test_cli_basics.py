"""The CLI shell: version, help, the check registry, and error handling without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from checker import __version__
from checker.model import CheckId, Severity
from checker.model.checks import CHECKS


def test_every_check_id_is_documented() -> None:
    assert list(CHECKS) == list(CheckId)
    for info in CHECKS.values():
        assert info.title and info.description and info.remediation
        assert isinstance(info.severity, Severity)


def test_check_ids_are_the_released_ones() -> None:
    """Check ids are SARIF ruleIds: stable forever once released (DESIGN.md section 5)."""
    assert [c.value for c in CheckId] == [
        "port-unexpected", "port-forbidden", "port-required-missing", "port-bind", "port-process",
        "port-exposed", "port-unreachable", "service-state", "service-enabled", "socket-unit-unexpected",
        "socket-unit-forbidden", "socket-unit-listen", "xinetd-service-unexpected",
        "xinetd-service-forbidden", "xinetd-limit", "xinetd-access", "xinetd-logging",
        "connections-state", "collector-error", "waiver-expired", "waiver-unused",
        "firewall-missing", "firewall-port-uncovered", "firewall-port-open", "firewall-bypass", "exposure-mismatch",
    ]


def test_checks_command_lists_every_check(cli) -> None:
    result = cli("checks")
    assert result.returncode == 0
    for check in CheckId:
        assert f"{check.value}  [" in result.stdout
    assert "systemctl disable --now telnet.socket" in result.stdout


def test_version_from_module_and_console_script(cli) -> None:
    assert cli("--version").stdout.strip() == f"surfacecheck {__version__}"
    script = subprocess.run(["surfacecheck", "--version"], capture_output=True, text=True, check=False)
    assert script.stdout.strip() == f"surfacecheck {__version__}"


def test_version_does_not_import_heavy_modules() -> None:
    code = ("import sys; from checker._cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "heavy = {'yaml', 'jsonschema', 'psutil', 'nmap', 'junit_xml'} & set(sys.modules)\n"
            "print(sorted(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stdout.strip().endswith("[]"), result.stdout


def test_usage_error_exits_2_without_traceback(cli) -> None:
    result = cli("audit", "--fail-on", "severe")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_broken_pipe_is_quiet() -> None:
    proc = subprocess.run(f"{sys.executable} -m checker checks | head -1", shell=True,  # noqa: S602 - test only
                          capture_output=True, text=True, check=False)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_reports_written_to_dev_null_leave_the_device_alone(tmp_path) -> None:
    """As root, an atomic rename over /dev/null would replace the device with a file; and a FIFO
    at an output path (planted at a predictable name) would block the write forever: refused."""
    import os
    import stat

    import pytest

    from checker.errors import OutputError
    from checker.storage.atomic import write_text_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="exists and is a FIFO"):
        write_text_atomic(str(fifo), "through the pipe\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    write_text_atomic("/dev/null", "discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_atomic_write_replaces_a_regular_file(tmp_path) -> None:
    from checker.storage.atomic import write_text_atomic

    target = tmp_path / "report.md"
    target.write_text("old\n")
    write_text_atomic(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_dumps_by_line_is_json_with_one_record_a_line() -> None:
    import json

    from checker.model.serialize import dumps_by_line

    data = {"b": [{"y": 1, "x": "\u0000\ud800é"}, {"z": []}], "a": {}, "c": {"k": [1, 2]}, "d": []}
    text = dumps_by_line(data, depth=1)
    assert json.loads(text) == data
    assert text == ('{\n  "a": {},\n  "b": [\n    {"x": "\\u0000\\ud800\\u00e9", "y": 1},\n    {"z": []}\n  ],\n'
                    '  "c": {"k": [1, 2]},\n  "d": []\n}\n')
    assert dumps_by_line(data, depth=0) == json.dumps(data, sort_keys=True, separators=(", ", ": ")) + "\n"
    assert dumps_by_line([], depth=3) == "[]\n"


def test_reports_create_missing_parent_directories(tmp_path) -> None:
    from checker.storage.atomic import write_text_atomic

    target = tmp_path / "reports" / "ci" / "junit.xml"
    write_text_atomic(str(target), "<testsuites/>\n")
    assert target.read_text() == "<testsuites/>\n"


def test_unwritable_report_is_one_line_error(tmp_path) -> None:
    import pytest

    from checker.errors import OutputError
    from checker.storage.atomic import write_text_atomic

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        write_text_atomic(str(blocker / "junit.xml"), "x")


def _subcommands() -> dict[str, object]:
    import argparse

    from checker._cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_no_prefix_abbreviations_anywhere(cli) -> None:
    """Issue 15: `--jso` worked, so a new option starting the same way would break scripts."""
    from checker._cli import build_parser

    assert build_parser().allow_abbrev is False
    assert all(p.allow_abbrev is False for p in _subcommands().values())  # type: ignore[attr-defined]
    completed = cli("audit", "--jso", "-")
    assert completed.returncode == 2 and "unrecognized arguments: --jso" in completed.stderr


def test_an_unknown_option_is_reported_with_its_command_usage(cli) -> None:
    """Issue 15 review: `audit --jso` printed the top-level usage, which lists no option of audit."""
    completed = cli("audit", "--jso")
    assert completed.returncode == 2 and completed.stderr.startswith("usage: surfacecheck audit ")
    assert "--json PATH" in completed.stderr
    assert completed.stderr.splitlines()[-1] == "surfacecheck audit: error: unrecognized arguments: --jso"
    before = cli("--jso", "checks")  # given before the command: the top level's own
    assert before.returncode == 2 and before.stderr.startswith("usage: surfacecheck [-h]")


def test_local_help_names_every_option_that_stops_it_being_implied(cli) -> None:
    """Issue 15 review: `--local` said "implied when no --target/--snapshot is given"."""
    import argparse

    from checker.collect.gather import wants_local

    text = " ".join(cli("audit", "--help").stdout.split())
    assert "implied when no --target/--snapshot/--nmap-xml/--netns/--netns-pid is given" in text
    for option in ("target", "snapshot", "nmap_xml", "netns", "netns_pid"):
        assert not wants_local(argparse.Namespace(**{option: ["x"]}))


def test_every_command_has_a_description_examples_and_exit_codes(cli) -> None:
    for name, sub in _subcommands().items():
        assert sub.description, name  # type: ignore[attr-defined]
        assert "examples:" in sub.epilog and "exit codes" in sub.epilog, name  # type: ignore[attr-defined]
    text = cli("audit", "--help").stdout
    assert "exit codes:" in text and "  3  no such fail, but evidence is incomplete" in text
    assert "semantic rules" in cli("validate", "--help").stdout  # a description, not only usage


def test_schema_command_prints_the_baseline_schema(cli) -> None:
    import json

    from checker.resources import load_schema

    completed = cli("schema")
    assert completed.returncode == 0 and json.loads(completed.stdout) == load_schema("baseline")


def test_bash_completion_script_completes_commands_options_and_choices(cli, tmp_path) -> None:
    """Issue 15: no shell completion. A static script generated from the parser (no argcomplete:
    see checker/commands/completion.py)."""
    import shutil

    completed = cli("completion", "bash")
    assert completed.returncode == 0
    script = tmp_path / "surfacecheck.bash"
    script.write_text(completed.stdout)
    bash = shutil.which("bash")
    assert bash is not None
    probe = (f"source {script}\n"
             "COMP_WORDS=(surfacecheck au); COMP_CWORD=1; _surfacecheck; echo \"${COMPREPLY[*]}\"\n"
             "COMP_WORDS=(surfacecheck audit --sarif-c); COMP_CWORD=2; _surfacecheck; echo \"${COMPREPLY[*]}\"\n"
             "COMP_WORDS=(surfacecheck audit --fail-on cr); COMP_CWORD=3; _surfacecheck; echo \"${COMPREPLY[*]}\"\n"
             "COMP_WORDS=(surfacecheck collect --host); COMP_CWORD=2; _surfacecheck; echo \"${COMPREPLY[*]}\"\n")
    out = subprocess.run([bash, "--norc", "--noprofile", "-c", probe], capture_output=True, text=True,
                         timeout=30, check=True).stdout.splitlines()
    assert out == ["audit", "--sarif-category", "critical", "--host-name --host-timeout"]


def test_validate_format_is_documented() -> None:
    """Issue 15 review: `validate --format {text,json}` existed but no document named it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    (line,) = [x for x in (root / "README.md").read_text().splitlines() if x.startswith("surfacecheck validate BASELINE")]
    assert "[--format text|json]" in line
    assert "`--format json`" in (root / "docs" / "baseline.md").read_text()

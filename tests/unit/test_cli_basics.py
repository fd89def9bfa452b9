"""The CLI shell: version, help, the check registry, and error handling without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from checker import __version__
from checker.checks import CHECKS
from checker.models import CheckId, Severity


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

"""Invalid baselines: each is reported at its exact line, with a clear message, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.errors import BaselineError
from checker.policy import MAX_BASELINE_BYTES, load_baseline, validate_paths
from support import REPO_ROOT

# (case id, YAML text, expected line, expected substring of the message)
CASES = [
    ("unknown-top-key", "version: 1\nportz: {}\n", 2, "unknown key 'portz' (did you mean 'ports'?)"),
    ("unknown-nested-key", "version: 1\nports:\n  alow: []\n", 3, "unknown key 'alow' in ports (did you mean 'allow'?)"),
    ("unknown-rule-key", "version: 1\nports:\n  allow:\n    - port: 22\n      proces: sshd\n", 5,
     "unknown key 'proces' in ports.allow[0] (did you mean 'process'?)"),
    ("unknown-key-no-hint", "version: 1\nzzzz: 1\n", 2, "unknown key 'zzzz'"),
    ("missing-version", "name: x\n", 1, "'version' is a required property"),
    ("wrong-version", "version: 2\n", 1, "version: must be 1, not 2"),
    ("port-too-high", "version: 1\nports:\n  allow:\n    - {port: 70000}\n", 4, "70000 must be a port number"),
    ("port-zero", "version: 1\nports:\n  forbid:\n    - {port: 0}\n", 4, "must be a port number"),
    ("port-range-reversed", "version: 1\nports:\n  allow:\n    - {port: 90-80}\n", 4,
     "low end 90 is above high end 80"),
    ("port-range-too-high", "version: 1\nports:\n  allow:\n    - {port: 1000-70000}\n", 4,
     "port 70000 is out of range"),
    ("port-word", "version: 1\nports:\n  allow:\n    - {port: ssh}\n", 4, "'ssh' must be a port number"),
    ("port-float", "version: 1\nports:\n  allow:\n    - {port: 22.0}\n", 4, "22.0 must be a port number"),
    ("waiver-port-float", "version: 1\nwaivers:\n  - {check: port-unexpected, reason: r, expires: 2026-01-01,\n"
     "     match: {port: 8080.0}}\n", 4, "8080.0 must be a port number"),
    ("scan-timing-float", "version: 1\nscan:\n  timing: 4.0\n", 3, "scan.timing: expected integer, got number"),
    ("port-missing", "version: 1\nports:\n  allow:\n    - {protocol: tcp}\n", 4, "'port' is a required property"),
    ("bad-protocol", "version: 1\nports:\n  allow:\n    - {port: 22, protocol: tcpp}\n", 4,
     "'tcpp' is not one of tcp, udp (did you mean 'tcp'?)"),
    ("bad-bind-ip", "version: 1\nports:\n  allow:\n    - {port: 22, bind: [10.0.0.300]}\n", 4,
     "bind '10.0.0.300' is not an IP address"),
    ("bad-bind-cidr", "version: 1\nports:\n  allow:\n    - port: 22\n      bind:\n        - 10.0.0.0/33\n", 6,
     "bind '10.0.0.0/33' is not an IP address"),
    ("bad-bind-word", "version: 1\nports:\n  allow:\n    - {port: 22, bind: [loopbak]}\n", 4,
     "(did you mean 'loopback'?)"),
    ("bad-ipv6-bind", "version: 1\nports:\n  allow:\n    - {port: 22, bind: ['::g']}\n", 4, "'::g' is not an IP"),
    ("duplicate-allow", "version: 1\nports:\n  allow:\n    - {port: 22}\n    - {port: 22, protocol: tcp}\n", 5,
     "duplicate allow entry for tcp/22 (first at line 4)"),
    ("duplicate-forbid", "version: 1\nports:\n  forbid:\n    - {port: 23}\n    - {port: 23}\n", 5,
     "duplicate forbid entry for port 23"),
    ("allow-forbid-conflict", "version: 1\nports:\n  allow:\n    - {port: 23}\n  forbid:\n    - {port: 20-30}\n", 4,
     "tcp/23 is both allowed and forbidden"),
    ("duplicate-service", "version: 1\nservices:\n  - {unit: ssh, running: true}\n  - {unit: ssh.service, enabled: true}\n",
     4, "duplicate services entry for ssh.service (first at line 3)"),
    ("service-no-state", "version: 1\nservices:\n  - {unit: ssh.service}\n", 3, "sets neither `running` nor `enabled`"),
    ("service-running-string", "version: 1\nservices:\n  - {unit: ssh.service, running: maybe}\n", 3,
     "expected boolean, got string 'maybe'"),
    ("socket-allow-forbid", "version: 1\nsocket_units:\n  allow: [telnet.socket]\n  forbid: [telnet.socket]\n", 4,
     "socket unit 'telnet.socket' is both allowed"),
    ("socket-allow-forbid-short-name", "version: 1\nsocket_units:\n  allow: [telnet]\n  forbid: [telnet.socket]\n",
     4, "socket unit 'telnet.socket' is both allowed"),
    ("socket-duplicate-short-name", "version: 1\nsocket_units:\n  allow: [ssh.socket, ssh]\n", 3,
     "duplicate socket_units.allow entry 'ssh.socket'"),
    ("xinetd-allow-forbid", "version: 1\nxinetd:\n  allow: [telnet]\n  forbid:\n    - {service: telnet}\n", 5,
     "xinetd service 'telnet' is both allowed (line 3) and forbidden"),
    ("xinetd-dup-allow", "version: 1\nxinetd:\n  allow: [echo, echo]\n", 3, "duplicate xinetd.allow entry 'echo'"),
    ("xinetd-limit-negative", "version: 1\nxinetd:\n  limits:\n    instances: {max: -1}\n", 4, "-1 is less than"),
    ("xinetd-limit-unknown", "version: 1\nxinetd:\n  limits:\n    instance: {max: 5}\n", 4,
     "unknown key 'instance' in xinetd.limits (did you mean 'instances'?)"),
    ("xinetd-log-flag", "version: 1\nxinetd:\n  limits:\n    log_on_failure: {includes: [HOSTS]}\n", 4,
     "'HOSTS' is not one of HOST, USERID, ATTEMPT (did you mean 'HOST'?)"),
    ("connections-lowercase-state", "version: 1\nconnections:\n  max_per_state: {syn-recv: 5}\n", 3,
     "'syn-recv' is not a TCP connection state"),
    ("connections-misspelt-state", "version: 1\nconnections:\n  max_per_state:\n    SYN_RECV: 1\n    ESTABLISHD: 0\n",
     5, "(did you mean 'ESTABLISHED'?)"),
    ("connections-alias-twice", "version: 1\nconnections:\n  max_per_state:\n    SYN_RECV: 1\n    SYN-RECV: 2\n",
     5, "'SYN-RECV' is SYN-RECV, already limited as 'SYN_RECV'"),
    ("connections-negative", "version: 1\nconnections:\n  max_per_state:\n    SYN-RECV: -5\n", 4, "-5 is less than"),
    ("scan-timing", "version: 1\nscan:\n  timing: 9\n", 3, "9 is greater than the maximum of 5"),
    ("scan-tcp-ports", "version: 1\nscan:\n  tcp_ports: 1-99999\n", 3, "is not a port range within 1-65535"),
    ("scan-tcp-none", "version: 1\nscan:\n  tcp_ports: none\n", 3, "is not `all`, `top:N` or a list"),
    ("scan-free-option", "version: 1\nscan:\n  extra_args: --script=vuln\n", 3, "unknown key 'extra_args' in scan"),
    ("target-leading-dash", "version: 1\ntargets: ['-iL/etc/shadow']\n", 2, "does not match"),
    ("target-space", "version: 1\ntargets:\n  - 'a b'\n", 3, "does not match"),
    ("waiver-unknown-check", "version: 1\nwaivers:\n  - {check: port-unexpectd, reason: r, expires: 2026-01-01}\n", 3,
     "unknown check id 'port-unexpectd' (did you mean 'port-unexpected'?)"),
    ("waiver-bad-date", "version: 1\nwaivers:\n  - {check: port-unexpected, reason: r, expires: 2026-02-30}\n", 3,
     "'2026-02-30' is not a date (YYYY-MM-DD)"),
    ("waiver-no-expiry", "version: 1\nwaivers:\n  - {check: port-unexpected, reason: r}\n", 3,
     "'expires' is a required property"),
    ("waiver-no-reason", "version: 1\nwaivers:\n  - check: port-unexpected\n    expires: 2026-01-01\n", 3,
     "'reason' is a required property"),
    ("waiver-match-key", "version: 1\nwaivers:\n  - check: port-unexpected\n    reason: r\n    expires: 2026-01-01\n"
     "    match: {prot: 22}\n", 6, "unknown key 'prot' in waivers[0].match"),
    ("waiver-port-wrong-check", "version: 1\nwaivers:\n  - check: service-state\n    reason: r\n"
     "    expires: 2026-01-01\n    match: {port: 22}\n", 6, "match.port never matches a service-state result"),
    ("severity-word", "version: 1\ndefaults: {severity: severe}\n", 2, "'severe' is not one of low, medium, high"),
    ("exposure-contradiction", "version: 1\nports:\n  allow:\n    - {port: 80, bind: [loopback], exposure: public}\n",
     4, "exposure: public contradicts bind: [loopback]"),
    ("duplicate-key", "version: 1\nname: a\ndescription: x\nname: b\n", 4, "duplicate key 'name' (first set at line 2)"),
    ("duplicate-nested-key", "version: 1\nports:\n  allow:\n    - port: 22\n      port: 23\n", 5, "duplicate key 'port'"),
    ("tab-indent", "version: 1\nports:\n\tallow: []\n", 3, "tab character"),
    ("top-level-list", "- a\n- b\n", 1, "the top level must be a mapping"),
    ("top-level-scalar", "just text\n", 1, "the top level must be a mapping"),
    ("empty-file", "", 1, "empty document"),
    ("two-documents", "version: 1\n---\nversion: 1\n", 3, "more than one YAML document"),
    ("python-tag", "version: 1\nx: !!python/object/apply:os.system ['true']\n", 2, "is not allowed"),
    ("custom-tag", "version: 1\nname: !vault abc\n", 2, "YAML tag '!vault' is not allowed"),
    ("merge-key", "version: 1\nbase: &b {port: 22}\nports:\n  allow:\n    - <<: *b\n", 5, "merge keys"),
    ("unclosed-bracket", "version: 1\nports:\n  allow: [{port: 22}\n", 4, "invalid YAML"),
    ("bad-indent", "version: 1\nports:\n  allow:\n  - port: 22\n   protocol: tcp\n", 5, "invalid YAML"),
    ("non-string-key", "version: 1\n42: x\n", 2, "mapping key '42' must be a string"),
]


@pytest.mark.parametrize(("text", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_baseline_is_reported_at_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(text)
    with pytest.raises(BaselineError) as excinfo:
        load_baseline(str(path))
    problems = excinfo.value.problems
    assert any(p.line == line and message in p.message for p in problems), [str(p) for p in problems]
    for problem in problems:
        assert problem.path == str(path)
        assert "\n" not in problem.message


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_all_problems_of_a_file_are_reported_sorted(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nportz: {}\nservicez: []\n")
    problems = validate_paths([str(path)])
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "unknown key 'portz'"), (3, "unknown key 'servicez'")]


@pytest.mark.parametrize("case", ["missing", "directory"])
def test_unusable_files_are_reported_as_such(tmp_path: Path, case: str) -> None:
    path = tmp_path / "b.yaml"
    if case == "directory":
        path.mkdir()
        expected = "is a directory, not a baseline file"
    else:
        expected = "no such file"
    (problem,) = validate_paths([str(path)])
    assert problem.message == expected
    assert str(problem).startswith(f"{path}: ")


def test_unreadable_file_as_unprivileged_user(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to switch to nobody")
    secret = tmp_path / "secret.yaml"
    secret.write_text("version: 1\n")
    secret.chmod(0o600)
    tmp_path.chmod(0o755)
    result = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c",
         "import sys; from checker.policy import validate_paths; print(validate_paths([sys.argv[1]])[0])",
         str(secret)],
        capture_output=True, text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": os.environ["PATH"]}, check=False,
    )
    if "Permission denied" in result.stderr and "python" in result.stderr.lower():
        pytest.skip(f"the interpreter is not usable by nobody: {result.stderr.strip()[:200]}")
    assert result.stdout.strip() == f"{secret}: permission denied", result.stderr


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(b"version: 1\nname: \x00\x01\x02\n")
    (problem,) = validate_paths([str(path)])
    assert problem.line == 2 and "binary file" in problem.message


def test_non_utf8_file_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(b"version: 1\ndescription: caf\xe9\n")
    (problem,) = validate_paths([str(path)])
    assert (problem.line, problem.column, problem.message) == (2, 17, "not valid UTF-8 text")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\n")
    assert validate_paths([str(path)]) == []


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 1024 * 1024)
    (problem,) = validate_paths([str(path)])
    assert "file is too large" in problem.message and str(MAX_BASELINE_BYTES) in problem.message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("version: 1\n" + "\n".join(lines) + "\n")
    (problem,) = validate_paths([str(path)])
    assert "document too large" in problem.message and problem.line > 1


def test_deeply_nested_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n")
    problems = validate_paths([str(path)])
    assert problems and ("nested too deeply" in problems[0].message or "invalid YAML" in problems[0].message)


# --------------------------------------------------------------------------- extends errors


def test_extends_missing_file_names_the_chain(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text("version: 1\nextends: [./parent.yaml]\n")
    (tmp_path / "parent.yaml").write_text("version: 1\nextends:\n  - ./gone.yaml\n")
    problems = validate_paths([str(tmp_path / "child.yaml")])
    (problem,) = problems
    assert problem.path.endswith("parent.yaml") and problem.line == 3
    assert "no such file" in problem.message
    assert "child.yaml -> " in problem.message and "gone.yaml" in problem.message


def test_extends_cycle_is_an_error_naming_the_chain(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: [./b.yaml]\n")
    (tmp_path / "b.yaml").write_text("version: 1\nextends: [./c.yaml]\n")
    (tmp_path / "c.yaml").write_text("version: 1\nextends: [./a.yaml]\n")
    (problem,) = validate_paths([str(tmp_path / "a.yaml")])
    assert problem.path.endswith("c.yaml") and problem.line == 2
    assert "extends cycle:" in problem.message
    assert problem.message.count("a.yaml") == 2 and "b.yaml" in problem.message


def test_extends_self_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: [./a.yaml]\n")
    (problem,) = validate_paths([str(tmp_path / "a.yaml")])
    assert "extends cycle" in problem.message


def test_extends_unknown_builtin(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: [builtin:no-cleartxt]\n")
    (problem,) = validate_paths([str(tmp_path / "a.yaml")])
    assert problem.line == 2 and "no built-in policy 'no-cleartxt'" in problem.message


def test_error_in_parent_points_into_the_parent(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: [./b.yaml]\n")
    (tmp_path / "b.yaml").write_text("version: 1\n\n\nportz: {}\n")
    (problem,) = validate_paths([str(tmp_path / "a.yaml")])
    assert problem.path.endswith("b.yaml") and problem.line == 4


def test_conflict_across_files_is_resolved_by_the_later_file(tmp_path: Path) -> None:
    """Not an error: the child's allow overrides the parent's forbid of the same port."""
    (tmp_path / "parent.yaml").write_text("version: 1\nports:\n  forbid: [{port: 21}]\n")
    (tmp_path / "child.yaml").write_text("version: 1\nextends: [./parent.yaml]\nports:\n  allow: [{port: 21}]\n")
    baseline = load_baseline(str(tmp_path / "child.yaml"))
    assert [str(a.ports) for a in baseline.ports.allow] == ["21"]
    # the forbid survives for udp only
    assert [(str(f.ports), f.protocol) for f in baseline.ports.forbid] == [("21", "udp")]


# --------------------------------------------------------------------------- the CLI


def test_validate_cli_reports_line_17_and_exits_2(tmp_path: Path, cli) -> None:
    lines = ["version: 1", "name: line17", "ports:", "  default: deny", "  allow:"]
    lines += [f"    - {{port: {port}}}" for port in range(1000, 1011)]  # lines 6-16
    lines += ["    - {port: 99999}"]  # line 17
    path = tmp_path / "b.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = cli("validate", str(path))
    assert result.returncode == 2
    assert result.stdout.startswith(f"{path}:17:")
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_cli_json_format(tmp_path: Path, cli) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nportz: {}\n")
    result = cli("validate", "--format", "json", str(good), str(bad))
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["problems"] == [{"path": str(bad), "line": 2, "column": 1,
                                     "message": "unknown key 'portz' (did you mean 'ports'?)"}]


def test_validate_cli_valid_files_exit_0(tmp_path: Path, cli) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n")
    result = cli("validate", str(good))
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_cli_missing_file_one_line(cli) -> None:
    result = cli("validate", "/nonexistent/b.yaml")
    assert result.returncode == 2
    assert result.stdout.strip() == "/nonexistent/b.yaml: no such file"
    assert result.stderr == ""

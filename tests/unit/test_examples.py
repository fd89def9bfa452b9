"""Every file in examples/ (and .pre-commit-hooks.yaml) parses, validates and has what it promises.

The CI files cannot run here, so their `surfacecheck` command lines are checked against
the real argument parser: a renamed option breaks this test, not a user's pipeline. The
Ansible playbook runs for real in tests/integration/test_ansible.py.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker._cli import build_parser, main
from checker.policy import load_baseline, validate_paths
from support import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples"
BASELINES = ("web-server.yaml", "database.yaml", "bastion.yaml")
COVERED = {
    *BASELINES, "github-actions.yml", "gitlab-ci.yml", "README.md",
    "ansible/playbook.yml", "ansible/inventory.yml", "ansible/vars.yml", "ansible/ansible.cfg",
}


def load(name: str) -> Any:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


_COMMAND = re.compile(r"(?:^|[\s\"'])surfacecheck ((?:audit|validate|collect|learn|diff|report)\b)")


def surfacecheck_commands(script: str) -> list[list[str]]:
    """The argument lists of every `surfacecheck ...` command in a shell script."""
    commands = []
    joined = re.sub(r"\\\n\s*", " ", script)
    for line in joined.splitlines():
        match = _COMMAND.search(line)
        if match is None or line.strip().startswith("#"):
            continue
        command = line[match.start(1):].split(" || ")[0]  # `audit ... || status=$?`: the command only
        words = shlex.split(command, comments=True)
        words = [w.replace("$BASELINE", "baseline.yaml").replace("$TEST_HOST", "127.0.0.1") for w in words]
        commands.append(words)
    return commands


def parses(words: list[str]) -> Any:
    return build_parser().parse_args(words)


def test_every_example_file_is_covered_by_a_test() -> None:
    present = {str(path.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*") if path.is_file()
               and "surfacecheck-out" not in path.parts}
    assert present == COVERED, f"untested: {sorted(present - COVERED)}; missing: {sorted(COVERED - present)}"


# --------------------------------------------------------------------------- baselines


@pytest.mark.parametrize("name", BASELINES)
def test_example_baseline_validates(name: str) -> None:
    path = EXAMPLES / name
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schemas/baseline.schema.json\n")
    assert (EXAMPLES / "../schemas/baseline.schema.json").resolve().is_file()
    assert validate_paths([str(path)]) == []
    baseline = load_baseline(str(path))
    assert baseline.ports.default.value == "deny"
    assert baseline.description
    assert any(entry.ports.low == 22 and entry.process == "sshd" for entry in baseline.ports.allow)


def test_example_baselines_validate_through_the_cli() -> None:
    assert main(["validate", *(str(EXAMPLES / name) for name in BASELINES)]) == 0


def test_database_example_overrides_the_default_loopback_rule() -> None:
    baseline = load_baseline(str(EXAMPLES / "database.yaml"))
    (postgres,) = [entry for entry in baseline.ports.allow if entry.ports.low == 5432]
    assert postgres.bind == ("loopback", "10.20.0.15")
    assert postgres.meta.location.file.endswith("database.yaml")


DEBIAN12_STATIC_SOCKETS = (
    "dbus.socket", "syslog.socket", "systemd-fsckd.socket", "systemd-initctl.socket",
    "systemd-journald-audit.socket", "systemd-journald-dev-log.socket", "systemd-journald-varlink@.socket",
    "systemd-journald.socket", "systemd-journald@.socket", "systemd-rfkill.socket",
    "systemd-udevd-control.socket", "systemd-udevd-kernel.socket",
)
"""Socket units `systemctl list-unit-files --type=socket` calls static on a stock Debian 12
(systemd 252, udev, dbus); the evaluator counts static units under `default: deny`."""


@pytest.mark.parametrize("name", BASELINES)
def test_example_baseline_allows_the_os_own_sockets(name: str, tmp_path: Path) -> None:
    # Copied to a real Debian 12 host, an example must not fail on systemd's own sockets.
    import json

    from support import ASSETS

    document = json.loads((ASSETS / "policies" / "clean-host.json").read_text(encoding="utf-8"))
    snapshot = document[0] if isinstance(document, list) else document
    snapshot["socket_units"] = [
        {"name": unit, "path": f"/lib/systemd/system/{unit}", "enablement": "static", "active": "active",
         "listens": [{"address": None, "kind": "stream", "location": None, "path": f"/run/{unit}", "port": None,
                      "value": f"/run/{unit}"}],
         "accept": False, "bind_ipv6_only": None, "dropins": [], "service": None}
        for unit in DEBIAN12_STATIC_SOCKETS]
    path = tmp_path / "debian12.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    output = tmp_path / "results.json"
    main(["-q", "audit", str(EXAMPLES / name), "--snapshot", str(path), "--json", str(output)])
    results = [r for host in json.loads(output.read_text(encoding="utf-8"))["hosts"] for r in host["results"]]
    socket_results = [r for r in results if r["check"].startswith("socket-unit")]
    assert socket_results
    assert [(r["status"], r["resource"]) for r in socket_results if r["status"] in ("fail", "error")] == []


# --------------------------------------------------------------------------- GitHub Actions


def test_github_actions_workflow() -> None:
    workflow = load("github-actions.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers and "push" in triggers
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["audit"]["steps"]
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}
    sarif_upload = uses["github/codeql-action/upload-sarif"]
    junit = uses["mikepenz/action-junit-report"]
    assert sarif_upload["if"] == "always()" and junit["if"] == "always()"
    runs = "\n".join(step.get("run", "") for step in steps)
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs
    (audit,) = [words for words in surfacecheck_commands(runs) if words[0] == "audit"]
    args = parses(audit)
    assert args.sarif == sarif_upload["with"]["sarif_file"]
    assert args.junit == junit["with"]["report_paths"]
    assert args.markdown and args.markdown in runs.split("GITHUB_STEP_SUMMARY")[0].split("\n")[-1]
    assert not args.exit_zero  # the gate is the exit code; continue-on-error defers it
    validate = [words for words in surfacecheck_commands(runs) if words[0] == "validate"]
    assert validate and parses(validate[0]).baselines


# --------------------------------------------------------------------------- GitLab CI


def test_gitlab_ci() -> None:
    pipeline = load("gitlab-ci.yml")
    audit_job = pipeline["audit"]
    assert audit_job["artifacts"]["reports"]["junit"] == "surfacecheck.junit.xml"
    assert audit_job["artifacts"]["when"] == "always"
    audit, report = (parses(words) for words in surfacecheck_commands("\n".join(audit_job["script"])))
    assert audit.junit == "surfacecheck.junit.xml" and audit.junit_file_attrs and not audit.exit_zero
    # SARIF from the saved results (`surfacecheck report`), not from a second audit (issue 15)
    assert report.command == "report" and report.results == audit.json
    assert report.sarif in audit_job["artifacts"]["paths"]
    assert audit_job["script"][-1] == 'exit "$status"'  # the job still ends with the audit's verdict
    validate = parses(surfacecheck_commands("\n".join(pipeline["validate"]["script"]))[0])
    assert validate.command == "validate"
    assert set(pipeline["stages"]) >= {pipeline[job]["stage"] for job in ("validate", "audit")}


def test_gitlab_ci_installs_into_a_venv_not_the_system_python() -> None:
    # Debian 12's python3 (a shell runner on the test host) refuses `pip install --user`
    # with "externally-managed-environment" (PEP 668): the install must go to a venv that
    # is then on PATH, including through `sudo env "PATH=$PATH"`.
    setup = load("gitlab-ci.yml")[".surfacecheck"]["before_script"]
    installs = [line for line in setup if "pip install" in line]
    assert installs and not any("--user" in line or "--break-system-packages" in line for line in installs)
    (venv,) = [line for line in setup if " -m venv " in line]
    venv_dir = venv.split()[-1]
    assert all(line.startswith(f"{venv_dir}/bin/python -m pip install") for line in installs)
    assert f'export PATH="$PWD/{venv_dir}/bin:$PATH"' in setup


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "surfacecheck-validate"
    assert hook["entry"] == "surfacecheck validate"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for path in ("baselines/web.yaml", "ops/baseline/db.yml", "baselines/eu/web.yml", "hosts/x.baseline.yaml",
                 "baseline.yaml", "web-baseline.yml"):
        assert files.search(path), path
    # issue 15: Kyverno/OPA policies under policies/ are not surfacecheck baselines
    for path in (".github/workflows/ci.yml", "examples/gitlab-ci.yml", "docker-compose.yaml",
                 "policies/require-labels.yaml", "k8s/policies/kyverno.yml", "values.yaml"):
        assert not files.search(path), path
    # pre-commit appends the matched file names to the entry.
    words = hook["entry"].split()[1:] + [str(EXAMPLES / name) for name in BASELINES]
    assert main(words) == 0


# --------------------------------------------------------------------------- Ansible


def test_ansible_recipe_structure() -> None:
    inventory = load("ansible/inventory.yml")
    assert inventory["all"]["hosts"]["localhost"]["ansible_connection"] == "local"
    collect_play, audit_play = load("ansible/playbook.yml")
    assert collect_play["hosts"] == "all"
    assert audit_play["hosts"] == "localhost" and audit_play["connection"] == "local"
    modules = [next(key for key in task if key.startswith("ansible.builtin.")) for task in collect_play["tasks"]]
    assert modules == ["ansible.builtin.tempfile", "ansible.builtin.command", "ansible.builtin.fetch",
                       "ansible.builtin.set_fact", "ansible.builtin.file"]
    assert collect_play["tasks"][0]["ansible.builtin.tempfile"]["state"] == "directory"  # private, not /tmp/NAME
    collect = collect_play["tasks"][1]["ansible.builtin.command"]["argv"]
    assert "'collect', '--local'" in collect
    (audit,) = [task["ansible.builtin.command"]["argv"] for task in audit_play["tasks"]
                if "ansible.builtin.command" in task]
    for option in ("--snapshot=", "--json", "--junit", "--sarif", "--markdown"):
        assert option in audit
    assert "shell" not in str(collect_play) + str(audit_play).replace("'shell'", "")  # argv only, no shell
    variables = load("ansible/vars.yml")
    assert variables["surfacecheck_command"] == ["surfacecheck"]
    config = configparser.ConfigParser()
    config.read(EXAMPLES / "ansible" / "ansible.cfg")
    assert int(config["defaults"]["forks"]) >= 10


def test_examples_readme_explains_scaling() -> None:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for word in ("forks", "--min-hostgroup", "--snapshot", "ansible-playbook"):
        assert word in text, word
    for name in COVERED - {"README.md"}:
        assert Path(name).name in text, name

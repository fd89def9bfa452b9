"""The CI recipes work as copied (issue 15): valid against GitHub's workflow schema and GitLab's
CI schema (check-jsonschema's vendored copies: offline), install surfacecheck from its own
repository at a pinned ref (it is not on PyPI), and bound their run time."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

from support import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples"


def _load(name: str) -> Any:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "schema"), [
    ("github-actions.yml", "vendor.github-workflows"),
    ("gitlab-ci.yml", "vendor.gitlab-ci"),
])
def test_recipe_is_valid_against_the_ci_schema(name: str, schema: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(EXAMPLES / name)],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml", "ansible/vars.yml", "ansible/playbook.yml"])
def test_no_recipe_installs_the_unregistered_pypi_name(name: str) -> None:
    """`pip install surfacecheck` fails today and runs a stranger's code once someone registers it."""
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))  # the warnings may name it
    assert not re.search(r"pip install\s+(-\S+\s+)*surfacecheck\b(?![-./@])", text), name


def test_github_workflow_installs_a_pinned_checkout_and_has_a_timeout() -> None:
    workflow = _load("github-actions.yml")
    job = workflow["jobs"]["audit"]
    assert 0 < job["timeout-minutes"] <= 60
    checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    pinned = [s for s in checkouts if s.get("with", {}).get("repository")]
    assert len(pinned) == 1 and pinned[0]["with"]["ref"] == "${{ env.SURFACECHECK_REF }}"
    assert workflow["env"]["SURFACECHECK_REF"]
    path = pinned[0]["with"]["path"]
    installs = [s["run"] for s in job["steps"] if "pip install" in s.get("run", "")]
    assert installs and f"pip install ./{path}" in installs[0]


def test_gitlab_pipeline_installs_a_pinned_clone_and_has_a_timeout() -> None:
    pipeline = _load("gitlab-ci.yml")
    assert pipeline[".surfacecheck"]["timeout"] == "30m"
    assert pipeline["variables"]["SURFACECHECK_REF"]
    for job in ("validate", "audit"):
        setup = pipeline[job].get("before_script") or pipeline[".surfacecheck"]["before_script"]
        clone = next(line for line in setup if line.startswith("git clone"))
        assert '--branch "$SURFACECHECK_REF" "$SURFACECHECK_GIT"' in clone
        target = clone.split()[-1]
        assert any(f"pip install ./{target}" in line for line in setup)

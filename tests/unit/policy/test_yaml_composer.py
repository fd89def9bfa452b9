"""Baselines are composed by libyaml where PyYAML has it (issue 14: the pure-Python composer was
0.3 ms per rule), with exactly the data, positions and error messages of the pure-Python one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import BaselineError
from checker.policy import yaml_positions
from support import REPO_ROOT

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")

CORPUS = sorted([*REPO_ROOT.glob("policies/*.yaml"), *REPO_ROOT.glob("examples/*.yaml"),
                 *REPO_ROOT.glob("tests/assets/**/*.yaml")])


def _pure(text: str, path: str) -> Any:
    original = getattr(yaml_positions, "_FAST_COMPOSER", None)
    yaml_positions._FAST_COMPOSER = None  # type: ignore[attr-defined]
    try:
        return yaml_positions.compose_yaml(text, path)
    finally:
        yaml_positions._FAST_COMPOSER = original  # type: ignore[attr-defined]


def _outcome(compose: Any, text: str) -> Any:
    try:
        return compose(text, "b.yaml")
    except BaselineError as exc:
        return [str(problem) for problem in exc.problems]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(Path(p).relative_to(REPO_ROOT)))
def test_same_data_and_positions_as_the_pure_python_composer(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _outcome(yaml_positions.compose_yaml, text) == _outcome(_pure, text)


@pytest.mark.parametrize("text", [
    "version: 1\nports:\n\tdefault: deny\n", "a: [1, 2\n", "a: b: c\n", "- x\n", "", "a: 1\n---\nb: 2\n",
    "a: !!python/object:os.system x\n", "a: &x 1\nb: *x\nc: *y\n", "a: 1\na: 2\n", "a: 'x\n", "{a: 1, a: 2}\n",
    "a: é\nb: [1, {c: d}]\n  e: f\n", "a:\n  - b\n - c\n", "x: \"\\q\"\n", "k: 2026-02-30\n", "k: .nan\n",
])
def test_same_outcome_on_broken_and_odd_documents(text: str) -> None:
    assert _outcome(yaml_positions.compose_yaml, text) == _outcome(_pure, text)


def test_a_valid_baseline_never_goes_through_the_pure_python_composer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: Any) -> Any:
        raise AssertionError("parsed by the pure-Python parser")

    monkeypatch.setattr(yaml.parser.Parser, "parse_stream_start", refused)
    data, positions, _ = yaml_positions.compose_yaml("version: 1\nports:\n  default: deny\n", "b.yaml")
    assert data == {"version": 1, "ports": {"default": "deny"}} and positions[("ports", "default")] == (3, 12)


@pytest.mark.parametrize("text", [
    # found by differential fuzzing: libyaml accepted these, the pure-Python scanner refuses them
    "version: 1\nports: [a,\tb]\n", "version: 1\nkey:\tvalue\n", "version: 1\na: x\ty\n", "version: 1\na: 1\t# c\n",
    "version: 1\na: {b: 1?2}\n", "version: 1\na: [b ? c]\n", "version: 1\na: >#c\n  x\n", "version: 1\na: |#\n  x\n",
    "version: 1\na: [!!str, b]\n", "version: 1\na: {b: !!str, c: 1}\n",
    # ... and these both accept, with a value or key marked one column apart
    "version: 1\na: {b: }\n", "version: 1\na: {b: , c: 1}\n", "version: 1\na: [b: , c]\n", "version: 1\na: {b:\n , c: 1}\n",
    "version: 1\na: {b: # note\n }\n", "version: 1\nb\ufeff: 1\n", "version: 1\na: [b\ufeffc, d]\n",
])
def test_same_outcome_where_libyaml_and_the_pure_scanner_disagree(text: str) -> None:
    assert _outcome(yaml_positions.compose_yaml, text) == _outcome(_pure, text)

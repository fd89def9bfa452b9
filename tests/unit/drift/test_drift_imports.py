"""`checker.drift` and `checker.learn` are separate stages: neither imports the other."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("module", "other"), [("checker.drift", "checker.learn"),
                                               ("checker.learn", "checker.drift")])
def test_stage_does_not_import_the_other(module: str, other: str) -> None:
    code = f"import sys, {module}; print(any(m == {other!r} or m.startswith({other + '.'!r}) for m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert shown.stdout.strip() == "False"

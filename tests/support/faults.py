"""The reliability contract every fault of tests/reliability/test_faults.py is held to."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from support.outputs import results_of

FAULT_EXIT_CODES = (2, 3)
PREVIOUS_REPORT = '{"previous": "report", "note": "must survive a failed run intact"}\n'


def assert_fault_contract(completed: subprocess.CompletedProcess[str], report: Path, *,
                          dependent_checks: Iterable[str], fault_words: Iterable[str],
                          previous: str = PREVIOUS_REPORT) -> list[dict[str, Any]]:
    """The reliability contract of issue 8 for one fault; returns the results (empty for exit 2).

    * exit code 2 (input error) or 3 (evidence incomplete), never 0 or 1;
    * no result of a check that depends on the missing evidence is `pass`;
    * the report (or, for exit 2, the error line) names the fault;
    * the previous report is intact: untouched on exit 2, atomically replaced by a complete
      report on exit 3 (never truncated, never a mix).
    """
    output = completed.stdout + completed.stderr
    assert completed.returncode in FAULT_EXIT_CODES, f"exit {completed.returncode}\n{output}"
    assert "Traceback" not in completed.stderr, completed.stderr
    words = [w.lower() for w in fault_words]
    if completed.returncode == 2:
        assert report.read_text(encoding="utf-8") == previous, "exit 2 must leave the previous report untouched"
        assert any(w in completed.stderr.lower() for w in words), f"fault not named: {completed.stderr}"
        return []
    text = report.read_text(encoding="utf-8")
    assert text != previous, "exit 3 must still write the (complete) report"
    results = results_of(report)  # parses: complete JSON, not a truncated one
    dependent = set(dependent_checks)
    passing = [r for r in results if r["check"] in dependent and r["status"] == "pass"]
    assert not passing, f"rules depending on missing evidence passed: {passing}"
    assert any(r["status"] == "error" for r in results), "a fault must produce at least one error result"
    errors_text = json.dumps([r for r in results if r["status"] == "error"]).lower()
    assert any(w in errors_text for w in words), f"report does not name the fault ({words}): {errors_text[:2000]}"
    assert not [f for f in os.listdir(report.parent) if f.startswith(f".{report.name}.")], "temp file left behind"
    return results

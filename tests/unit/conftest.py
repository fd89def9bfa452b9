"""Fixtures shared by the formatter and storage tests: the one fixed report of
tests/support/reports.py (every status, check id and waiver case) and its baseline."""

from __future__ import annotations

import pytest

from checker.model import Baseline, Report
from support.reports import build_baseline, build_report


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def baseline() -> Baseline:
    return build_baseline()

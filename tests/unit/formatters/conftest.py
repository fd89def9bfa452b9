"""Fixtures of the report tests; the data and validators live in tests/support/reports.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from checker.model import Baseline, Report
from support.reports import build_baseline, build_report, check_golden


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def baseline() -> Baseline:
    return build_baseline()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden

"""Fixtures of the report tests; the data and validators live in tests/support/reports.py, the
`report` and `baseline` fixtures in tests/unit/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.reports import check_golden


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden

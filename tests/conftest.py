"""Fixtures shared by every test; plain helpers live in tests/support.py."""

from __future__ import annotations

import pytest

from support import run_cli


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """Run the real CLI (`python -m checker ...`)."""
    return run_cli

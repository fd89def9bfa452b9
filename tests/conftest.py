"""Fixtures shared by every test; plain helpers live in the tests/support/ package."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import run_cli
from support.fakes import FakeBin, fake_bin
from support.unprivileged import Unprivileged, make_unprivileged


@pytest.fixture
def cli() -> Callable[..., object]:
    """Run the real CLI (`python -m checker ...`)."""
    return run_cli


@pytest.fixture
def fakes(tmp_path: Path) -> FakeBin:
    """An empty directory for fake programs (add them with `fakes.add`)."""
    return fake_bin(tmp_path)


@pytest.fixture(scope="session")
def nobody() -> Iterator[Unprivileged]:
    """The CLI as `nobody`, prepared once per session; skipped where it cannot be."""
    unprivileged, reason = make_unprivileged()
    if unprivileged is None:
        pytest.skip(reason)
    try:
        yield unprivileged
    finally:
        shutil.rmtree(unprivileged.shared, ignore_errors=True)

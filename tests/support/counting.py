"""Counting calls instead of timing: how the suite checks that a hot path stays linear.

`count_calls(monkeypatch, owner, "name")` wraps `owner.name` for the test and returns a list
that gets one entry per call. Tests never assert on wall-clock time (benchmarks/ does that).
"""

from __future__ import annotations

from typing import Any

import pytest


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[Any, ...]]:
    """Calls of `owner.name` from now until the test ends, each as its positional arguments."""
    calls: list[tuple[Any, ...]] = []
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls

"""Make this folder's `evaluate_support` importable under `--import-mode=importlib`.

The builders are plain functions, not fixtures, so the tests read like the rules they pin
down; importlib mode does not put a test's own folder on sys.path, so this does.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

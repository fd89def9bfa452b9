"""`surfacecheck schema`: print the baseline JSON Schema bundled with this version.

For editors (yaml-language-server, VS Code): saved next to the baselines, it is what their
`# yaml-language-server: $schema=...` modeline can point at with a path that stays right in
any checkout (`learn` writes such a modeline only when it can, see checker/commands/learn.py).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources


def run(args: argparse.Namespace) -> int:
    text = resources.files("checker").joinpath("data", "schemas", "baseline.schema.json").read_text("utf-8")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0

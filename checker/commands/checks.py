"""`surfacecheck checks`: list every check id with severity, description and remediation."""

from __future__ import annotations

import argparse

from checker.model.checks import CHECKS


def run(args: argparse.Namespace) -> int:
    for info in CHECKS.values():
        print(f"{info.id.value}  [{info.severity.value}]  {info.title}")
        print(f"    {info.description}")
        print(f"    remediation: {info.remediation}")
    return 0

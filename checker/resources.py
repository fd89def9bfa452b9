"""Locate the files bundled with the package: ready-made policies and JSON Schemas.

In a source checkout `checker/data/policies` and `checker/data/schemas` are symlinks to the
top-level `policies/` and `schemas/` folders; a built wheel holds copies. Either way they are
read through `importlib.resources`, never relative to the current directory.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

BUILTIN_PREFIX = "builtin:"


def policy_file(name: str) -> Traversable:
    """The bundled policy `name` (without `.yaml`), e.g. `default`, `no-cleartext`."""
    return resources.files("checker").joinpath("data", "policies", f"{name}.yaml")


def builtin_policy_names() -> list[str]:
    folder = resources.files("checker").joinpath("data", "policies")
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file stem: `baseline`, `snapshot`, `results`."""
    text = resources.files("checker").joinpath("data", "schemas", f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema

"""The section registry is complete: every section module is registered, and together with the
loader's own keys the sections own exactly the top-level properties of the baseline schema."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import checker.policy.sections as sections_package
from checker.policy import load_baseline, resolved_document
from checker.policy.extends import LOADER_KEYS
from checker.policy.sections import SECTIONS, BaselineSection
from support import REPO_ROOT

HELPER_MODULES = {"interface", "allow_forbid", "rule_meta"}
"""Modules of `checker/policy/sections/` that are not sections themselves."""


def _section_classes() -> set[type]:
    found: set[type] = set()
    for module_info in pkgutil.iter_modules(sections_package.__path__):
        module = importlib.import_module(f"checker.policy.sections.{module_info.name}")
        found |= {obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, BaselineSection) and obj is not BaselineSection
                  and obj.__module__ == module.__name__}
        if module_info.name not in HELPER_MODULES:
            assert any(obj.__module__ == module.__name__ for obj in found), f"{module_info.name} defines no section"
    return found


def test_every_section_module_is_registered_once() -> None:
    registered = [type(section) for section in SECTIONS]
    assert len(registered) == len(set(registered))
    assert set(registered) == _section_classes()


def test_sections_and_loader_own_exactly_the_schema_properties() -> None:
    schema = json.loads((REPO_ROOT / "schemas" / "baseline.schema.json").read_text(encoding="utf-8"))
    owned = [key for section in SECTIONS for key in section.keys]
    assert len(owned) == len(set(owned)), "two sections own the same key"
    assert not set(owned) & set(LOADER_KEYS)
    assert set(owned) | set(LOADER_KEYS) == set(schema["properties"])


def test_resolved_document_writes_only_keys_the_sections_own() -> None:
    document = resolved_document(load_baseline("builtin:xinetd-hardening"))
    owned = {key for section in SECTIONS for key in section.keys}
    assert set(document) - {"version"} <= owned
    assert "version" in LOADER_KEYS

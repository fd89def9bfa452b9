"""The interface every baseline section implements: parse one file, merge files, apply, dump.

A section owns one or more top-level keys of the baseline (`ports`, `services`, ...) and is
the only code that knows what they mean. The loader (`checker/policy/extends.py`) calls, for
every section of the registry (`checker/policy/sections/__init__.py`):

1. `parse(doc, problems)` once per file: the semantic checks the schema cannot express, and
   what this file declares, with unset values left None or empty so that a child file does
   not erase what its parents set;
2. `merge(earlier, later)` folding the files in `extends` order (parents first, later wins);
3. `apply(merged, baseline)` putting the merged declaration into the `Baseline`; conflicts
   that only appear after merging are raised here as `BaselineError`;
4. `dump(baseline)` writing the section back as baseline YAML data, for the resolved copy in
   the evidence bundle (`checker.policy.resolved_document`).

A section must not read files, follow `extends`, or look at another section's keys.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from checker.errors import Problem
from checker.model import Baseline
from checker.policy.yaml_positions import Document

Declared = TypeVar("Declared")
"""What one file (or a merge of files) declares for a section; frozen."""
Setting = TypeVar("Setting")


class BaselineSection(ABC, Generic[Declared]):
    """One section of the baseline format: its parsing, merging and dumping, written once."""

    keys: ClassVar[tuple[str, ...]]
    """The top-level baseline keys this section owns (schemas/baseline.schema.json properties)."""

    @abstractmethod
    def parse(self, doc: Document, problems: list[Problem]) -> Declared:
        """What `doc` declares; every problem found is appended to `problems` (raise nothing).

        `doc` already passed the schema, so shapes and types are as the schema says.
        """

    @abstractmethod
    def merge(self, earlier: Declared, later: Declared) -> Declared:
        """`later` (a file extending `earlier`'s files) layered over `earlier`."""

    @abstractmethod
    def apply(self, merged: Declared, baseline: Baseline) -> Baseline:
        """`baseline` with this section's fields set from `merged`; `BaselineError` on conflicts."""

    @abstractmethod
    def dump(self, baseline: Baseline) -> dict[str, Any]:
        """This section of `baseline` as baseline YAML data (top-level key -> value)."""


def later_if_set(earlier: Setting | None, later: Setting | None) -> Setting | None:
    """A scalar setting merged across `extends`: the later file's when it sets one (even to `""`)."""
    return later if later is not None else earlier

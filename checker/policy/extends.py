"""`extends`: find a baseline's parent files, read each once, and fold them into one `Baseline`.

Files merge depth-first in `extends` order, parents before the file itself; each file is
applied once, where it is first reached (a diamond must not re-apply a shared grandparent
after a parent overrode it). Cycles and chains deeper than `MAX_EXTENDS_DEPTH` are errors at
the `extends` entry that caused them. What merging means for each section is the section's
business (`sections/`); this module only drives the fold, and owns the two top-level keys
no section owns (`LOADER_KEYS`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checker import resources
from checker.errors import BaselineError, Problem
from checker.model import Baseline, BaselineSource, Location
from checker.policy.schema import did_you_mean, schema_problems
from checker.policy.sections import SECTIONS
from checker.policy.yaml_positions import Document, read_document

MAX_EXTENDS_DEPTH = 16

LOADER_KEYS = ("version", "extends")
"""Top-level keys read by the loader itself: the schema pins `version`, `extends` is followed here."""


@dataclass(frozen=True)
class DeclaredFile:
    """One file's own declarations, before `extends` merging."""

    doc: Document
    extends: tuple[tuple[str, Location], ...]
    """Each parent as written, with where it is written."""
    sections: tuple[Any, ...]
    """What each section of `SECTIONS` (same order) parsed from this file."""


def declare_file(doc: Document) -> DeclaredFile:
    """Every section's semantic checks and declarations for `doc` (which passed the schema)."""
    problems: list[Problem] = []
    sections = tuple(section.parse(doc, problems) for section in SECTIONS)
    if problems:
        raise BaselineError(problems)
    extends = tuple((parent, doc.location(("extends", index)))
                    for index, parent in enumerate(doc.data.get("extends", [])))
    return DeclaredFile(doc, extends, sections)


def _resolve_parent(name: str, child: Document, location: Location) -> tuple[str, str]:
    """(display path, real path) of an `extends` entry."""
    if name.startswith(resources.BUILTIN_PREFIX):
        policy = name[len(resources.BUILTIN_PREFIX):]
        if policy not in resources.builtin_policy_names():
            choices = resources.builtin_policy_names()
            raise BaselineError([Problem(location.file, location.line, location.column,
                                         f"extends: no built-in policy {policy!r} (available: "
                                         f"{', '.join(choices)}){did_you_mean(policy, choices)}")])
        return name, str(resources.policy_file(policy))
    base = os.path.dirname(child.real_path)
    real = os.path.normpath(os.path.join(base, name))
    display = os.path.normpath(os.path.join(os.path.dirname(child.path), name))
    return display, real


def load_chain(path: str, real: str, chain: tuple[tuple[str, str], ...] = (),
               origin: Location | None = None) -> list[DeclaredFile]:
    """Files in merge order: parents (depth-first, in `extends` order) before the file itself.

    `chain` holds the (real path, display path) of the files that led here, to name a cycle;
    `origin` is the `extends` entry that named this file (None for the top-level file).
    """
    if origin is not None and real in (link[0] for link in chain):
        pretty = " -> ".join([*(link[1] for link in chain), path])
        raise BaselineError([Problem(origin.file, origin.line, origin.column, f"extends cycle: {pretty}")])
    if origin is not None and len(chain) >= MAX_EXTENDS_DEPTH:
        raise BaselineError([Problem(origin.file, origin.line, origin.column,
                                     f"extends nested deeper than {MAX_EXTENDS_DEPTH} files")])
    try:
        doc = read_document(path, real)
    except BaselineError as exc:
        if origin is not None and exc.problems and exc.problems[0].line == 0:
            reason = exc.problems[0].message
            pretty = " -> ".join([*(link[1] for link in chain), path])
            raise BaselineError([Problem(origin.file, origin.line, origin.column,
                                         f"extends {path!r}: {reason} (chain: {pretty})")]) from None
        raise
    problems = schema_problems(doc)
    if problems:
        raise BaselineError(problems)
    declared = declare_file(doc)
    ordered: list[DeclaredFile] = []
    for parent, location in declared.extends:
        parent_path, parent_real = _resolve_parent(parent, doc, location)
        ordered.extend(load_chain(parent_path, parent_real, (*chain, (real, path)), location))
    ordered.append(declared)
    return ordered


def first_occurrences(files: list[DeclaredFile]) -> list[DeclaredFile]:
    """Each file once, where it is first merged. In a diamond (A extends B and C, both extend
    D), D must not be applied again after B: that would undo B's overrides of D."""
    seen: set[str] = set()
    unique = []
    for declared in files:
        if declared.doc.real_path not in seen:
            seen.add(declared.doc.real_path)
            unique.append(declared)
    return unique


def _sources(files: Sequence[DeclaredFile]) -> tuple[BaselineSource, ...]:
    """Top-level file first, then its parents in merge order; each file once."""
    seen: dict[str, BaselineSource] = {}
    for declared in [files[-1], *files[:-1]]:
        seen.setdefault(declared.doc.real_path, BaselineSource(declared.doc.path, declared.doc.sha256))
    return tuple(seen.values())


def merge_files(files: Sequence[DeclaredFile], display_path: str) -> Baseline:
    """Fold files in order (later wins, as each section defines it) into the resolved `Baseline`."""
    merged = files[0].sections
    for declared in files[1:]:
        merged = tuple(section.merge(earlier, later)
                       for section, earlier, later in zip(SECTIONS, merged, declared.sections, strict=True))
    fallback_name = os.path.splitext(os.path.basename(files[-1].doc.path))[0]
    baseline = Baseline(path=display_path, name=fallback_name, sources=_sources(files))
    for section, declaration in zip(SECTIONS, merged, strict=True):
        baseline = section.apply(declaration, baseline)
    return baseline

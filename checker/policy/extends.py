"""`extends`: find a baseline's parent files, read each once, and fold them into one `Baseline`.

Files merge depth-first in `extends` order, parents before the file itself; each file is
applied once, where it is first reached (a diamond must not re-apply a shared grandparent
after a parent overrode it). Cycles and chains deeper than `MAX_EXTENDS_DEPTH` are errors at
the `extends` entry that caused them, and so are parents outside the allowed directories
(`ParentRoots`) and parents that are not surfacecheck baselines (`_read_parent`). What
merging means for each section is the section's business (`sections/`); this module only
drives the fold, and owns the two top-level keys no section owns (`LOADER_KEYS`).
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


@dataclass(frozen=True)
class ParentRoots:
    """The directories an `extends` path may lead into, as real paths (symlinks resolved).

    A baseline may come from a pull request and be validated as root in CI: an `extends` that
    could name any file (`/etc/shadow`, `../../secrets.yaml`, a link out of the checkout) would
    print its lines back as "unknown key" errors. So a parent is a `builtin:` policy, a file
    under the directory of the baseline being loaded, or a file under a directory the user
    named with `--policy-path`; containment is checked on the real path, so a symlink leaving
    the tree is refused too, and the refusal is the same whether the file exists or not.
    """

    tree: str
    """The directory of the top-level baseline."""
    named: tuple[str, ...] = ()
    """`--policy-path` directories."""

    @classmethod
    def for_baseline(cls, real_path: str, policy_paths: Sequence[str] = ()) -> ParentRoots:
        return cls(os.path.dirname(os.path.realpath(real_path)),
                   tuple(os.path.realpath(directory) for directory in policy_paths))

    def allows(self, real: str) -> bool:
        bundled = os.path.dirname(os.path.realpath(str(resources.policy_file("default"))))
        return any(os.path.commonpath([root, real]) == root for root in (self.tree, *self.named, bundled))


def _resolve_parent(name: str, child: Document, location: Location, roots: ParentRoots) -> tuple[str, str]:
    """(display path, real path) of an `extends` entry; `BaselineError` at the entry when it
    names no built-in policy or leads outside `roots`."""
    def refuse(message: str) -> BaselineError:
        return BaselineError([Problem(location.file, location.line, location.column, f"extends {name!r}: {message}")])

    if name.startswith(resources.BUILTIN_PREFIX):
        policy = name[len(resources.BUILTIN_PREFIX):]
        if policy not in resources.builtin_policy_names():
            choices = resources.builtin_policy_names()
            raise refuse(f"no built-in policy {policy!r} (available: {', '.join(choices)})"
                         f"{did_you_mean(policy, choices)}")
        return name, str(resources.policy_file(policy))
    if "\0" in name:
        raise refuse("a path cannot hold a NUL character")
    real = os.path.realpath(os.path.join(os.path.dirname(child.real_path), name))
    if not roots.allows(real):
        raise refuse(f"outside the baseline's directory {roots.tree}: a parent must be a `builtin:` policy "
                     "or a file under that directory (name other directories with --policy-path DIR)")
    display = os.path.normpath(os.path.join(os.path.dirname(child.path), name))
    return display, real


def _read_parent(path: str, real: str, chain: tuple[tuple[str, str], ...], origin: Location) -> Document:
    """A parent file as a `Document`, or ONE error at the `extends` entry that names it.

    What is wrong inside a file that is not a surfacecheck baseline (not YAML, not a mapping,
    no `version` key) is never shown: its lines would be echoed back (`unknown key 'root:...'`).
    """
    def refuse(reason: str) -> BaselineError:
        pretty = " -> ".join([*(link[1] for link in chain), path])
        return BaselineError([Problem(origin.file, origin.line, origin.column,
                                      f"extends {path!r}: {reason} (chain: {pretty})")])

    try:
        doc = read_document(path, real)
    except BaselineError as exc:
        first = exc.problems[0] if exc.problems else None
        if first is not None and first.line == 0:
            raise refuse(first.message) from None
        where = f" at line {first.line}" if first is not None else ""
        raise refuse(f"not a surfacecheck baseline (unreadable as one{where}; "
                     f"`surfacecheck validate {path}` shows why)") from None
    if "version" not in doc.data:
        raise refuse("not a surfacecheck baseline (no `version` key)")
    return doc


def load_chain(path: str, real: str, roots: ParentRoots, chain: tuple[tuple[str, str], ...] = (),
               origin: Location | None = None) -> list[DeclaredFile]:
    """Files in merge order: parents (depth-first, in `extends` order) before the file itself.

    `roots` bounds where parents may be; `chain` holds the (real path, display path) of the
    files that led here, to name a cycle; `origin` is the `extends` entry that named this file
    (None for the top-level file).
    """
    if origin is not None and real in (link[0] for link in chain):
        pretty = " -> ".join([*(link[1] for link in chain), path])
        raise BaselineError([Problem(origin.file, origin.line, origin.column, f"extends cycle: {pretty}")])
    if origin is not None and len(chain) >= MAX_EXTENDS_DEPTH:
        raise BaselineError([Problem(origin.file, origin.line, origin.column,
                                     f"extends nested deeper than {MAX_EXTENDS_DEPTH} files")])
    doc = read_document(path, real) if origin is None else _read_parent(path, real, chain, origin)
    problems = schema_problems(doc)
    if problems:
        raise BaselineError(problems)
    declared = declare_file(doc)
    ordered: list[DeclaredFile] = []
    for parent, location in declared.extends:
        parent_path, parent_real = _resolve_parent(parent, doc, location, roots)
        ordered.extend(load_chain(parent_path, parent_real, roots, (*chain, (real, path)), location))
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

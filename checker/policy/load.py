"""Load a baseline: YAML with positions -> JSON Schema -> sections -> `extends` -> `Baseline`.

Every problem is reported like a compiler diagnostic, `file:line:col: message`, and all
problems of a file are collected before raising one `BaselineError` (exit code 2).

The steps live in their own modules: `yaml_positions.py` (reading, safety limits),
`schema.py` (schema errors explained), `sections/` (one module per baseline section:
parse, merge, dump) and `extends.py` (parent files and the merge driver). This module only
chains them, and writes a resolved baseline back as data. It reads files and nothing else;
it knows nothing of hosts or snapshots.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from typing import IO, Any

from checker import resources
from checker.errors import BaselineError, Problem, UsageError
from checker.model import Baseline
from checker.policy.extends import ParentRoots, first_occurrences, load_chain, merge_files
from checker.policy.sections import SECTIONS
from checker.policy.yaml_positions import MAX_BASELINE_BYTES, whole_file_error

DEFAULT_POLICY = "builtin:default"

STDIN = "-"
"""`audit -`: the baseline is read from standard input."""

STDIN_DISPLAY = "<stdin>"
"""How problems and results name a baseline read from standard input."""


def load_baseline(path: str | None = None, policy_paths: Sequence[str] = ()) -> Baseline:
    """Load, validate and resolve a baseline; None = the bundled `policies/default.yaml`.

    `extends` may lead into the baseline's own directory tree, `builtin:` policies and the
    `policy_paths` directories (`--policy-path`) only. Raises `BaselineError` (an `InputError`,
    exit 2) listing every located problem.
    """
    display = path or DEFAULT_POLICY
    if display.startswith(resources.BUILTIN_PREFIX):
        policy = display[len(resources.BUILTIN_PREFIX):]
        if policy not in resources.builtin_policy_names():
            raise whole_file_error(display, f"no built-in policy {policy!r} (available: "
                                            f"{', '.join(resources.builtin_policy_names())})")
        real = str(resources.policy_file(policy))
    else:
        real = display
    roots = ParentRoots.for_baseline(real, policy_paths)
    files = first_occurrences(load_chain(display, os.path.abspath(real), roots))
    return merge_files(files, display)


def load_baseline_from_stream(stream: IO[bytes] | None = None, policy_paths: Sequence[str] = ()) -> Baseline:
    """`audit -`: the baseline from standard input (at most `MAX_BASELINE_BYTES`), named `<stdin>`.

    It is staged in a private temporary directory and read by the same loader as a file, so
    every check and limit applies. A stream has no directory tree: its `extends` may name
    `builtin:` policies and files under `--policy-path` directories only.
    """
    if stream is None and sys.stdin is None:  # started with file descriptor 0 closed (`<&-`)
        raise UsageError("audit -: standard input is closed; give the baseline a file name, or pipe it in")
    source = stream if stream is not None else sys.stdin.buffer
    raw = source.read(MAX_BASELINE_BYTES + 1)
    if len(raw) > MAX_BASELINE_BYTES:
        raise whole_file_error(STDIN_DISPLAY, f"too large (a baseline may be at most {MAX_BASELINE_BYTES} bytes)")
    with tempfile.TemporaryDirectory(prefix="surfacecheck-stdin-") as scratch:
        staged = os.path.join(scratch, "baseline.yaml")
        with open(staged, "wb") as handle:
            handle.write(raw)
        roots = ParentRoots(os.path.realpath(scratch), tuple(os.path.realpath(p) for p in policy_paths))
        files = first_occurrences(load_chain(STDIN_DISPLAY, staged, roots))
        return merge_files(files, STDIN_DISPLAY)


def policy_path_roots(directories: Sequence[str]) -> tuple[str, ...]:
    """`--policy-path DIR...` checked: each must be an existing directory (`UsageError` otherwise)."""
    for directory in directories:
        if not os.path.isdir(directory):
            raise UsageError(f"--policy-path {directory}: not a directory")
    return tuple(directories)


def validate_paths(paths: Sequence[str], policy_paths: Sequence[str] = ()) -> list[Problem]:
    """Every problem in every file (empty = all valid), sorted; for `surfacecheck validate`."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_baseline(path, policy_paths)
        except BaselineError as exc:
            problems.extend(exc.problems)
    return sorted(set(problems), key=Problem.sort_key)


def resolved_document(baseline: Baseline) -> dict[str, Any]:
    """The merged baseline as baseline YAML data (no `extends`): the evidence bundle's copy."""
    doc: dict[str, Any] = {"version": 1}
    for section in SECTIONS:
        doc.update(section.dump(baseline))
    return doc

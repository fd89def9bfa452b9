"""The one error hierarchy of surfacecheck, and the exit codes.

Every *expected* failure (bad input, unusable option, unreadable file) is a `CheckerError`
carrying a one-line message and an exit code. The CLI prints `str(error)` and exits with
`error.exit_code`; it never shows a traceback for these (only `-v` shows one, and only for
unexpected exceptions). Collector failures are *not* errors: they are data in the snapshot
(see `models.CollectorRun`) and become `error` results.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Process exit codes (../shared/DESIGN.md section 3)."""

    COMPLIANT = 0
    """Every evaluated rule passed (or was waived / skipped)."""
    FAILED = 1
    """At least one `fail` at or above `--fail-on`."""
    INPUT_ERROR = 2
    """Usage or input error: bad baseline, bad target, unreadable file."""
    INCOMPLETE = 3
    """No fail, but at least one `error`: the evidence is incomplete."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located like a compiler diagnostic."""

    path: str
    """The file, as the user named it."""
    line: int
    """1-based line, 0 when the problem concerns the whole file."""
    column: int
    """1-based column, 0 when unknown."""
    message: str
    """One line, no trailing period needed."""

    def __str__(self) -> str:
        # No fake positions: `x.yaml: no such file`, not `x.yaml:0:0: no such file`.
        if self.line == 0:
            return f"{self.path}: {self.message}"
        if self.column == 0:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.message)


class CheckerError(Exception):
    """Base of every expected error. `str()` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR


class UsageError(CheckerError):
    """A command-line option or combination of options that cannot work."""


class InputError(CheckerError):
    """An input file (baseline, snapshot, results, nmap XML) that cannot be used."""


class BaselineError(InputError):
    """One or more problems in a baseline; each is a located `Problem`."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class TargetError(InputError):
    """A scan target that is malformed or unsafe to hand to nmap."""


class OutputError(CheckerError):
    """A report that could not be written (the previous file, if any, is left intact)."""

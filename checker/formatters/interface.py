"""The formatter extension point: one module per output format, each a `Formatter`.

A formatter turns a `Report` into a string. It does no file I/O, reads no clock and
evaluates nothing: the same report always gives the same bytes (golden files rely on it).
The CLI writes the string with `checker.storage.atomic` (atomically). A format whose output
grows with the fleet may also give it in pieces (`chunks`), which the CLI writes as they
come, so a 1,000-host report never exists whole in memory; `format` is then their join. Which formats
exist, and their command-line options and evidence-bundle file names, is not said here but
in one table, `checker.formatters.registry`.

Must not import the model at run time: building the parser (`surfacecheck audit --help`)
reads the registry, which imports this module (the `Report` annotation is for mypy only).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.model import Report


@dataclass(frozen=True)
class FormatOptions:
    junit_file_attrs: bool = False
    """Add `file`/`line` attributes (the baseline rule) to JUnit testcases."""
    sarif_root: str = "."
    """Directory SARIF artifact URIs are made relative to."""
    sarif_category: str | None = None
    """SARIF `automationDetails.id` (`--sarif-category`); None: baseline name plus host set."""
    # The console summary's options (checker/formatters/console/): `audit` sets them from its
    # own flags and the terminal; every other format ignores them.
    color: bool = False
    """ANSI colours (a TTY without NO_COLOR or --no-color)."""
    verbose: bool = False
    """`-v`: list every result, every listener."""
    quiet: bool = False
    """`-q`: the one summary line and nothing else."""
    reports_requested: bool = False
    """Some report (`--json`, `--evidence-dir`...) was written: the console may refer to it."""
    ports_default: str | None = None
    """The baseline's `ports.default` (`allow` = permissive), for the console's policy line."""


class Formatter(abc.ABC):
    @abc.abstractmethod
    def format(self, report: Report, options: FormatOptions) -> str:
        """Render the whole report."""

    def chunks(self, report: Report, options: FormatOptions) -> Iterator[str]:
        """The rendered report in pieces whose join is `format()`; by default one piece."""
        yield self.format(report, options)

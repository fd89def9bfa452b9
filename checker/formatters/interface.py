"""The formatter extension point: one module per output format, each a `Formatter`.

A formatter turns a `Report` into a string. It does no file I/O, reads no clock and
evaluates nothing: the same report always gives the same bytes (golden files rely on it).
The CLI writes the string with `checker.storage.atomic.write_text_atomic`.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from checker.errors import CheckerError
from checker.model import Report


class OutputFormat(enum.StrEnum):
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class FormatOptions:
    junit_file_attrs: bool = False
    """Add `file`/`line` attributes (the baseline rule) to JUnit testcases."""
    sarif_root: str = "."
    """Directory SARIF artifact URIs are made relative to."""


class FormatterError(CheckerError):
    """A report that cannot be rendered (e.g. a results file of an unknown version)."""


class Formatter(abc.ABC):
    @abc.abstractmethod
    def format(self, report: Report, options: FormatOptions) -> str:
        """Render the whole report."""

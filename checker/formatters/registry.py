"""The one table of output formats: everything else about formats is derived from it.

`audit` and `report` get one `--NAME PATH` option per format that has one (`checker._cli`);
`report`'s list of requested outputs and the one-format-to-stdout rule read it
(`checker.commands.report`); the evidence bundle writes one file per format that names a
bundle file (`checker.storage.evidence`). A new format is one module defining `FORMATTER`
(a `checker.formatters.interface.Formatter`) plus one `FormatSpec` line in `BUILTIN_FORMATS`;
tests/unit/formatters/test_format_registry.py checks the CLI and the bundle against this table.

The metadata lives here, in the table line, and not as attributes of the format module on
purpose: building the parser (`surfacecheck audit --help`, every command line) must not import
junit-xml or any formatter, so a module is imported only when its format is rendered.

Must not: import a formatter module at import time, or know how a format is rendered.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from checker.formatters.interface import Formatter

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class FormatSpec:
    """One output format: where its formatter is and how the CLI and the bundle offer it."""

    name: str
    """The format's key (`json`); its option is `--NAME` (underscores as dashes), its dest `NAME`."""
    module: str
    """Module defining `FORMATTER`, imported the first time the format is rendered."""
    help: str
    """What the format is: the help text of its option."""
    bundle_file: str | None = None
    """File name in the evidence bundle (`audit --evidence-dir`); None: not part of the bundle."""
    option: bool = True
    """`audit` and `report` offer `--NAME PATH`. False for the console summary, which `audit`
    prints by itself (see checker/formatters/console/__init__.py)."""
    stdout: bool = True
    """`--NAME -` writes to stdout. Only one format can go to stdout in one run."""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"format name {self.name!r}: lower-case letters, digits and _ only")
        if self.option and self.bundle_file is None:
            # ../shared/DESIGN.md section 6: the evidence bundle holds every format; a format a user can ask
            # for but the bundle silently leaves out is the bug this refuses.
            raise ValueError(f"format {self.name!r} has an option, so it needs a bundle_file")

    @property
    def flag(self) -> str:
        """The command-line option: `--json`, `--my-format`."""
        return "--" + self.name.replace("_", "-")


BUILTIN_FORMATS = (
    FormatSpec("json", "checker.formatters.json", "full results as JSON (schemas/results.schema.json)",
               bundle_file="results.json"),
    FormatSpec("junit", "checker.formatters.junit", "JUnit XML, one testsuite per host",
               bundle_file="results.junit.xml"),
    FormatSpec("sarif", "checker.formatters.sarif", "SARIF 2.1.0 for code scanning", bundle_file="results.sarif"),
    FormatSpec("markdown", "checker.formatters.markdown", "Markdown evidence report (fits a job summary)",
               bundle_file="report.md"),
    FormatSpec("console", "checker.formatters.console", "the console summary of an audit", option=False),
)
"""The formats surfacecheck ships, in the order the CLI lists their options."""

_formats: dict[str, FormatSpec] = {spec.name: spec for spec in BUILTIN_FORMATS}


def register_format(spec: FormatSpec) -> None:
    """Add a format (a plugin, a test). Parsers built afterwards offer its option."""
    if spec.name in _formats:
        raise ValueError(f"format {spec.name!r} is already registered")
    if spec.bundle_file is not None and spec.bundle_file in {s.bundle_file for s in _formats.values()}:
        raise ValueError(f"format {spec.name!r}: bundle file {spec.bundle_file!r} is already taken")
    _formats[spec.name] = spec


def unregister_format(name: str) -> None:
    """Remove a format added with `register_format`; the built-in ones stay."""
    if any(spec.name == name for spec in BUILTIN_FORMATS):
        raise ValueError(f"format {name!r} is built in")
    _formats.pop(name, None)


def all_formats() -> tuple[FormatSpec, ...]:
    """Every registered format, built-in ones first, in registration order."""
    return tuple(_formats.values())


def option_formats() -> tuple[FormatSpec, ...]:
    """The formats `audit` and `report` offer as `--NAME PATH`."""
    return tuple(spec for spec in _formats.values() if spec.option)


def bundle_files() -> dict[str, str]:
    """`{format name: file name}` of the formats written into an evidence bundle."""
    return {spec.name: spec.bundle_file for spec in _formats.values() if spec.bundle_file is not None}


def get_format(name: str) -> FormatSpec:
    """The registered format `name`; KeyError for an unknown one."""
    return _formats[name]


def get_formatter(name: str) -> Formatter:
    """The formatter of format `name`, importing its module on first use."""
    module = importlib.import_module(_formats[name].module)
    formatter = module.FORMATTER
    if not isinstance(formatter, Formatter):
        raise TypeError(f"{module.__name__}.FORMATTER is not a Formatter")
    return formatter

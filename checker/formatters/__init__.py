"""Output formats, keyed by `OutputFormat`. Modules are imported only when used."""

from __future__ import annotations

import importlib

from checker.formatters.interface import FormatOptions, Formatter, FormatterError, OutputFormat

_MODULES = {
    OutputFormat.JSON: "checker.formatters.json",
    OutputFormat.JUNIT: "checker.formatters.junit",
    OutputFormat.SARIF: "checker.formatters.sarif",
    OutputFormat.MARKDOWN: "checker.formatters.markdown",
}


def get_formatter(fmt: OutputFormat) -> Formatter:
    """The formatter of `fmt`; each module defines a `FORMATTER` instance."""
    module = importlib.import_module(_MODULES[fmt])
    formatter: Formatter = module.FORMATTER
    return formatter


__all__ = ["FormatOptions", "Formatter", "FormatterError", "OutputFormat", "get_formatter"]

"""Output formats: the `Formatter` interface, the registry of formats, one module per format.

Importing this package is cheap (no formatter module, no model): the CLI reads the registry
to build its options, and each format module is imported only when it is rendered.
"""

from __future__ import annotations

from checker.formatters.interface import FormatOptions, Formatter
from checker.formatters.registry import (
    FormatSpec,
    all_formats,
    bundle_files,
    get_format,
    get_formatter,
    option_formats,
    register_format,
    unregister_format,
)

__all__ = [
    "FormatOptions",
    "FormatSpec",
    "Formatter",
    "all_formats",
    "bundle_files",
    "get_format",
    "get_formatter",
    "option_formats",
    "register_format",
    "unregister_format",
]

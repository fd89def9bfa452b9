"""Results files: their `format`/`version` markers, and reading one back into a `Report`.

The `json` formatter (checker/formatters/json.py) writes the document and takes the two
markers from here; storage owns the file layout, so nothing here imports a formatter.

Used by `surfacecheck report` (re-render without collecting) and by `surfacecheck diff`.
The file is rebuilt with `checker.model.serialize.from_data`, which checks every type and enum
and refuses unknown keys, naming the JSON path. It is not run through
schemas/results.schema.json here: that costs seconds on a large fleet and adds nothing the
rebuild needs (the tests validate our output against the schema instead). Every problem
becomes one `InputError` line: `PATH: message`. No evaluation happens here.
"""

from __future__ import annotations

from typing import Any

from checker.errors import InputError
from checker.model import RESULTS_FORMAT, RESULTS_VERSION, Report
from checker.model.serialize import from_data
from checker.storage.json_reader import read_json_file


def load_report(path: str) -> Report:
    """The `Report` saved in `path`. Raises `InputError` (`path: message`) if it cannot be used."""
    return report_from_document(path, read_json_file(path))


def report_from_document(path: str, data: Any) -> Report:
    """The `Report` in a decoded results document read from `path` (named in errors)."""
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
        raise InputError(f"{path}: not a surfacecheck results file (no \"format\": \"{RESULTS_FORMAT}\")")
    version = data.get("version")
    if version != RESULTS_VERSION:
        raise InputError(f"{path}: unsupported results version {version!r} (this surfacecheck reads "
                         f"version {RESULTS_VERSION})")
    return _report_from_data(path, data)


_JSON_PATHS = ("$.tool.version", "$.baseline.path", "$.baseline.name", "$.baseline.sources",
               "$.baseline.controls", "$.fail_on", "$.hosts")
"""Where each `Report` field is in the file, in the order `_report_from_data` lists them."""


def _report_from_data(path: str, data: dict[str, Any]) -> Report:
    tool, baseline = data.get("tool"), data.get("baseline")
    if not isinstance(tool, dict):
        raise InputError(f"{path}: $.tool: expected an object")
    if not isinstance(baseline, dict):
        raise InputError(f"{path}: $.baseline: expected an object")
    plain = {
        "tool_version": tool.get("version"),
        "baseline_path": baseline.get("path"),
        "baseline_name": baseline.get("name"),
        "baseline_sources": baseline.get("sources"),
        "controls": baseline.get("controls", {}),
        "fail_on": data.get("fail_on"),
        "hosts": data.get("hosts"),
    }
    missing = [json_path for json_path, value in zip(_JSON_PATHS, plain.values(), strict=True) if value is None]
    if missing:
        raise InputError(f"{path}: incomplete results file: no {missing[0]}")
    if isinstance(baseline.get("description"), str):  # optional: older results files have none
        plain["baseline_description"] = baseline["description"]
    try:
        return from_data(Report, plain)
    except ValueError as exc:
        raise InputError(f"{path}: {' '.join(str(exc).split())}") from exc

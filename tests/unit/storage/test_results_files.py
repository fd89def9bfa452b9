"""Saved results files read back: every problem is one `InputError` line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.formatters import FormatOptions, get_formatter
from checker.model import Report
from checker.storage.results import load_report


def render(report: Report) -> str:
    return get_formatter("json").format(report, FormatOptions())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "not a surfacecheck results file"),
        (b'{"format": "surfacecheck-results", "version": 99}', "unsupported results version 99"),
        (b'{"format": "surfacecheck-results", "version": 1}', "$.tool: expected an object"),
        (b'{"format": "surfacecheck-results", "version": 1, "tool": {}, "baseline": {}}',
         "incomplete results file: no $.tool.version"),
    ],
)
def test_load_report_errors_are_one_line(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_report(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}")
    assert expected in message
    assert "\n" not in message


def test_load_report_refuses_bad_values(report: Report, tmp_path: Path) -> None:
    data = json.loads(render(report))
    data["hosts"][0]["results"][0]["status"] = "maybe"
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match=r"status"):
        load_report(str(path))
    data = json.loads(render(report))
    data["hosts"][0]["snapshot"]["host"]["surprise"] = 1
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match=r"unknown key 'surprise'"):
        load_report(str(path))

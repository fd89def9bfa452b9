"""The one bounded JSON reader: what each caller's user is told when a file cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import InputError
from checker.storage import json_reader
from checker.storage.json_reader import read_json_file


def message(path: Path, **kwargs: str) -> str:
    with pytest.raises(InputError) as info:
        read_json_file(str(path), **kwargs)
    text = str(info.value)
    assert text.startswith(f"{path}") and "\n" not in text
    return text


def test_missing_file_and_directory_name_what_was_expected(tmp_path: Path) -> None:
    assert message(tmp_path / "none.json", kind="snapshot") == f"{tmp_path / 'none.json'}: no such file"
    assert message(tmp_path, kind="snapshot") == f"{tmp_path}: is a directory, not a snapshot file"
    assert message(tmp_path / "none.json") == f"{tmp_path / 'none.json'}: cannot read: No such file or directory"
    assert message(tmp_path) == f"{tmp_path}: cannot read: is a directory, not a regular file"


def test_size_encoding_syntax_and_depth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b'{"a": [1, 2]}')
    assert read_json_file(str(path)) == {"a": [1, 2]}
    monkeypatch.setattr(json_reader, "MAX_JSON_BYTES", 4)
    assert "larger than" in message(path)
    monkeypatch.undo()
    path.write_bytes(b"\xff")
    assert "not UTF-8: byte 0" in message(path)
    path.write_bytes(b'{\n  "a": }')
    assert message(path).startswith(f"{path}:2:8: not valid JSON")
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert "nested too deeply" in message(path)

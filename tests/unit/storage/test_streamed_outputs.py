"""Several reports written together (`write_report_set`): each goes to its temporary file piece
by piece as it is rendered (issue 14: a 1,000-host JSON report was one 1 GB string), and none
is put in place unless all of them were written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.storage import atomic

PREVIOUS = "previous\n"
BATCH = getattr(atomic, "WRITE_BATCH", 256)


def test_pieces_reach_the_file_while_later_ones_are_still_being_made(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    seen_on_disk: list[int] = []

    def pieces() -> Iterator[str]:
        for index in range(3 * BATCH):
            if index == 2 * BATCH:
                temporary = [p for p in tmp_path.iterdir() if p.name.startswith(".results.json.")]
                seen_on_disk.append(sum(p.stat().st_size for p in temporary))
            yield f"{index:099d}\n"  # 100 bytes: a batch is more than the write buffer

    atomic.write_report_set({str(target): pieces()})
    assert target.read_text() == "".join(f"{i:099d}\n" for i in range(3 * BATCH))
    assert seen_on_disk and seen_on_disk[0] > 0  # earlier pieces were written, not held in memory


def test_a_failing_renderer_leaves_every_report_as_it_was(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.xml"
    for path in (first, second):
        path.write_text(PREVIOUS)

    def broken() -> Iterator[str]:
        yield "half of it"
        raise RuntimeError("formatter bug")

    with pytest.raises(RuntimeError):
        atomic.write_report_set({str(first): iter(["new a\n"]), str(second): broken()})
    assert first.read_text() == PREVIOUS and second.read_text() == PREVIOUS
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.xml"]  # no temporary file left


def test_stdout_is_written_only_after_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "r.md"

    def broken() -> Iterator[str]:
        raise RuntimeError("formatter bug")
        yield ""  # pragma: no cover

    with pytest.raises(RuntimeError):
        atomic.write_report_set({"-": iter(["to stdout\n"]), str(target): broken()})
    assert capsys.readouterr().out == "" and not target.exists()
    atomic.write_report_set({"-": iter(["to ", "stdout\n"]), str(target): iter(["md\n"])})
    assert capsys.readouterr().out == "to stdout\n" and target.read_text() == "md\n"


def test_a_streamed_list_is_written_as_the_plain_list_would_be() -> None:
    from checker.model.serialize import StreamedList, dumps_by_line, iter_dumps_by_line

    def streamed(items: list[Any]) -> Any:
        return StreamedList(len(items), lambda: iter(items))

    samples: list[Any] = [[], {"a": []}, [{"x": 1}, [2, {"y": [3]}]], {"b": {"c": [1, {}]}, "d": "e"}]
    for sample in samples:
        for wrapped, plain in ((streamed([sample, sample]), [sample, sample]), ({"k": streamed([sample])},
                                                                               {"k": [sample]})):
            for depth in range(6):
                assert "".join(iter_dumps_by_line(wrapped, depth=depth)) == dumps_by_line(plain, depth=depth)

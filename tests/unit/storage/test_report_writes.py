"""Reports are written atomically: a failed rename or a writer killed mid-way leaves the previous
report intact. And `surfacecheck report` re-renders saved JSON into the same bytes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.errors import OutputError
from checker.formatters import FormatOptions, get_formatter
from checker.model import Report
from checker.storage.atomic import write_text_atomic
from support import run_cli

PREVIOUS = "<previous report/>\n"


def test_failed_rename_keeps_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             report: Report) -> None:
    target = tmp_path / "results.sarif"
    target.write_text(PREVIOUS, "utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match="results.sarif: cannot write: No space left on device"):
        write_text_atomic(str(target), get_formatter("sarif").format(report, FormatOptions()))
    assert target.read_text("utf-8") == PREVIOUS
    assert os.listdir(tmp_path) == ["results.sarif"]  # the temporary file is cleaned up


def test_writer_killed_mid_way_keeps_previous_report(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text(PREVIOUS, "utf-8")
    script = textwrap.dedent(f"""
        import os, sys, time
        from checker.storage.atomic import write_text_atomic
        real_fsync = os.fsync
        def stalled_fsync(fd):
            print("half-written", flush=True)
            time.sleep(60)
        os.fsync = stalled_fsync
        write_text_atomic({str(target)!r}, "new report " * 1_000_000)
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "half-written"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert target.read_text("utf-8") == PREVIOUS
    leftovers = [name for name in os.listdir(tmp_path) if name != "report.md"]
    assert all(name.startswith(".report.md.") and name.endswith(".tmp") for name in leftovers)


def _save(report: Report, tmp_path: Path) -> Path:
    path = tmp_path / "saved.json"
    path.write_text(get_formatter("json").format(report, FormatOptions()), "utf-8")
    return path


def test_report_command_rerenders_identical_bytes(report: Report, tmp_path: Path) -> None:
    saved = _save(report, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("report", str(saved), "--json", str(out / "r.json"), "--junit", str(out / "r.xml"),
                     "--sarif", str(out / "r.sarif"), "--markdown", str(out / "r.md"))
    assert result.returncode == 0, result.stderr
    assert (out / "r.json").read_bytes() == saved.read_bytes()
    for fmt, name in (("junit", "r.xml"), ("sarif", "r.sarif"),
                      ("markdown", "r.md")):
        expected = get_formatter(fmt).format(report, FormatOptions()).encode("utf-8")
        assert (out / name).read_bytes() == expected, name


def test_report_command_options_and_stdout(report: Report, tmp_path: Path) -> None:
    saved = _save(report, tmp_path)
    result = run_cli("report", str(saved), "--sarif", "-", "--sarif-root", "policies",
                     "--junit", str(tmp_path / "j.xml"), "--junit-file-attrs")
    assert result.returncode == 0, result.stderr
    options = FormatOptions(junit_file_attrs=True, sarif_root="policies")
    assert result.stdout == get_formatter("sarif").format(report, options)
    assert (tmp_path / "j.xml").read_text("utf-8") == get_formatter("junit").format(report, options)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "give at least one of --json, --junit, --sarif, --markdown"),
        (("--sarif", "-", "--junit", "-"), "only one format can go to stdout"),
    ],
)
def test_report_command_usage_errors(report: Report, tmp_path: Path, extra: tuple[str, ...], message: str) -> None:
    result = run_cli("report", str(_save(report, tmp_path)), *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_command_bad_inputs(tmp_path: Path) -> None:
    result = run_cli("report", str(tmp_path / "missing.json"), "--sarif", "-")
    assert result.returncode == 2
    assert result.stderr.strip() == f"surfacecheck: {tmp_path / 'missing.json'}: cannot read: No such file or directory"
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": "surfacecheck-results", "version": 1, "hosts": [', "utf-8")
    result = run_cli("report", str(corrupt), "--sarif", "-")
    assert result.returncode == 2 and "not valid JSON" in result.stderr and result.stdout == ""


def test_a_report_set_is_replaced_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second report of a run cannot be written: the first must not be replaced alone."""
    from checker.errors import OutputError
    from checker.storage import atomic

    first, second = tmp_path / "r.json", tmp_path / "sub" / "r.sarif"
    second.parent.mkdir()
    first.write_text("OLD JSON")
    second.write_text("OLD SARIF")
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OutputError, match="r.sarif: cannot write: No space left on device"):
        atomic.write_report_set({str(first): "NEW JSON", str(second): "NEW SARIF"})
    assert (first.read_text(), second.read_text()) == ("OLD JSON", "OLD SARIF")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["r.json", "r.sarif"]
    monkeypatch.undo()
    atomic.write_report_set({str(first): "NEW JSON", str(second): "NEW SARIF"})
    assert (first.read_text(), second.read_text()) == ("NEW JSON", "NEW SARIF")


def test_output_paths_are_checked_before_any_work(tmp_path: Path) -> None:
    from checker.errors import UsageError
    from checker.storage.atomic import check_output_path

    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="exists and is a FIFO"):
        check_output_path(str(fifo), "--json")
    with pytest.raises(UsageError, match="exists and is a directory"):
        check_output_path(str(tmp_path), "--json")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="is not a directory"):
        check_output_path(str(blocker / "deeper" / "r.json"), "--json")
    for usable in ("-", "/dev/null", str(tmp_path / "new" / "dirs" / "r.json"), str(blocker)):
        check_output_path(usable, "--json")

"""Issue 13, second look (adversarial review of the boundary hardening): what still got through.

Each test failed on eef6fce (see the commit messages):

* `--root` naming something that is not a directory (a typo, a file, a FIFO, a symlink loop) was
  read as an empty image: the xinetd rules passed and the audit exited 0, "compliant";
* two report formats given the same file (directly, through `./`, through a symlink, or a file
  inside `--evidence-dir`) silently kept only one of them, exit 0;
* the firewall collector looked `nft`/`iptables-legacy-save` up itself, falling back to the
  caller's `$PATH` (and ignoring the one search path of checker/_subprocess.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support import run_cli
from support.fakes import fake_bin

pytestmark = pytest.mark.reliability

NO_HANG = 60

XINETD_BASELINE = "version: 1\nxinetd:\n  forbid: [telnet]\n"


def _baseline(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# ----------------------------------------------------------------------------- --root


@pytest.mark.parametrize("kind", ["missing", "file", "fifo", "loop"])
def test_a_root_that_is_not_a_directory_is_an_input_error_not_an_empty_image(tmp_path: Path, kind: str) -> None:
    baseline = _baseline(tmp_path / "b.yaml", XINETD_BASELINE)
    root = tmp_path / "image"
    if kind == "file":
        root.write_text("not an image\n", encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(root)
    elif kind == "loop":
        root.symlink_to(tmp_path / "image")
    for command in (["audit", baseline], ["collect", "-o", str(tmp_path / "s.json")]):
        completed = run_cli(*command, "--root", str(root), timeout=NO_HANG)
        assert completed.returncode == 2, (command, completed.returncode, completed.stdout, completed.stderr)
        assert completed.stderr.startswith(f"surfacecheck: --root {root}: "), completed.stderr
        assert "Traceback" not in completed.stderr
    assert not (tmp_path / "s.json").exists()


def test_a_root_that_is_a_directory_is_still_read(tmp_path: Path) -> None:
    """Control: an (empty) image directory is audited, not refused."""
    image = tmp_path / "image"
    image.mkdir()
    completed = run_cli("collect", "--root", str(image), "-o", str(tmp_path / "s.json"), timeout=NO_HANG)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "s.json").exists()


# ----------------------------------------------------------------------------- one file, two reports


def _results(tmp_path: Path) -> str:
    """A saved results file to re-render (`report`), from an offline audit of a saved snapshot."""
    snapshot = tmp_path / "s.json"
    image = tmp_path / "image"
    image.mkdir()
    assert run_cli("collect", "--root", str(image), "-o", str(snapshot), timeout=NO_HANG).returncode == 0
    results = tmp_path / "r.json"
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", "version: 1\n"), "--snapshot", str(snapshot),
                        "--json", str(results), timeout=NO_HANG)
    assert results.exists(), completed.stderr
    return str(results)


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink"])
def test_two_formats_to_one_file_are_refused(tmp_path: Path, spelling: str) -> None:
    results = _results(tmp_path)
    out = tmp_path / "out.txt"
    out.write_text("OLD", encoding="utf-8")
    second = {"same": str(out), "dot": str(tmp_path / "." / "out.txt"), "symlink": str(tmp_path / "link.txt")}[spelling]
    if spelling == "symlink":
        (tmp_path / "link.txt").symlink_to(out)
    completed = run_cli("report", results, "--json", str(out), "--markdown", second, timeout=NO_HANG)
    assert completed.returncode == 2, (completed.stdout, completed.stderr)
    assert "--json" in completed.stderr and "--markdown" in completed.stderr
    assert out.read_text(encoding="utf-8") == "OLD"


def test_a_report_inside_the_evidence_dir_is_refused(tmp_path: Path) -> None:
    """`--markdown EV/results.json` was silently replaced by the bundle's JSON; `--json EV/extra.json`
    added a file the bundle's SHA256SUMS does not list."""
    results_snapshot = tmp_path / "s.json"
    image = tmp_path / "image"
    image.mkdir()
    assert run_cli("collect", "--root", str(image), "-o", str(results_snapshot), timeout=NO_HANG).returncode == 0
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\n")
    for name in ("results.json", "extra.json"):
        evidence = tmp_path / f"ev-{name}"
        completed = run_cli("audit", baseline, "--snapshot", str(results_snapshot), "--evidence-dir", str(evidence),
                            "--markdown", str(evidence / name), timeout=NO_HANG)
        assert completed.returncode == 2, (name, completed.stdout, completed.stderr)
        assert "--evidence-dir" in completed.stderr
        assert not evidence.exists()


# ----------------------------------------------------------------------------- the firewall's programs


FAKE_NFT_EMPTY = (
    'sys.stdout.write(\'{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "x", '
    '"json_schema_version": 1}}]}\\n\')\nsys.exit(0)'
)


def test_the_firewall_collector_never_takes_nft_from_the_callers_path(tmp_path: Path) -> None:
    """nft absent from the system directories (simulated: the tool search path is an empty directory):
    a `nft` first on the caller's $PATH must not run as root; the collector fails instead."""
    hostile = fake_bin(tmp_path)
    marker = tmp_path / "marker"
    hostile.add("nft", f"open({str(marker)!r}, 'w').write('ran')\n" + FAKE_NFT_EMPTY)
    empty = tmp_path / "empty"
    empty.mkdir()
    # `SEARCH_PATH` was the collector's own list on eef6fce; setting it is harmless afterwards.
    prelude = ("import checker._subprocess, checker.collect.firewall.collector as fw\n"
               f"checker._subprocess.TOOL_SEARCH_PATH = ({str(empty)!r},)\n"
               f"fw.SEARCH_PATH = {str(empty)!r}\n")
    env = {**os.environ, "PATH": f"{hostile.directory}{os.pathsep}{os.environ.get('PATH', '')}"}
    completed = run_cli("collect", "--local", "-o", str(tmp_path / "s.json"), env=env, prelude=prelude,
                        timeout=NO_HANG)
    assert not marker.exists(), "a program from the caller's PATH ran"
    assert completed.returncode == 0, completed.stderr
    runs = {run["name"]: run for run in json.loads((tmp_path / "s.json").read_text())["collectors"]}
    assert runs["firewall"]["status"] == "failed"
    assert "nft" in runs["firewall"]["reason"]


def test_the_firewall_collector_uses_the_one_tool_search_path(tmp_path: Path) -> None:
    """The fake `nft` first on `checker._subprocess.TOOL_SEARCH_PATH` is what runs, like nmap and systemctl."""
    fakes = fake_bin(tmp_path)
    fakes.add("nft", FAKE_NFT_EMPTY)
    completed = run_cli("collect", "--local", "-o", str(tmp_path / "s.json"), env=fakes.env(), timeout=NO_HANG)
    assert completed.returncode == 0, completed.stderr
    assert ["-j", "list", "ruleset"] in fakes.calls("nft")

"""Injection: hostile strings through every entry point that reaches nmap or systemctl.

Entry points: `--target`, the baseline's `targets:` and `scan:` fields, `--tcp-ports`,
`--udp-ports`, `--timing`, `--host-timeout` and `--jobs` (reach nmap); `--root` (reaches
systemctl as `--root=DIR`) and `--xinetd-conf` (a path that must reach no program at all); and,
below the policy loader, a `Baseline` object handed to `gather_snapshots` directly (the
collect stage validates again). Every hostile value must be refused (exit 2) or passed only as
one inert argument; nothing outside the allowed argument lists ever runs.

Asserted through the suite's one recorder (support.fakes: fake `nmap` and `systemctl` first
on PATH that log their argv), plus sentinel files that an executed `$()`, `;touch`, `-oN FILE`
or `-iL` would create or read. Command-line values cannot hold NUL (execve refuses it); NUL is
tested through the baseline, where YAML's `"\\0"` escape can carry it, and the Baseline object.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checker import _subprocess
from checker.collect.gather import gather_snapshots
from checker.collect.nmap.args import EMITTED_OPTIONS
from checker.errors import CheckerError
from checker.model import Baseline, ScanSettings
from support import run_cli
from support.fakes import FAKE_SYSTEMCTL_EMPTY, FakeBin, fake_nmap_body
from support.ports import held_port, port_of

pytestmark = pytest.mark.integration

NMAP_VALUE_OPTIONS = {"-oX": re.compile(r"-"), "-p": re.compile(r"\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*"),
                      "--top-ports": re.compile(r"\d{1,5}"), "--host-timeout": re.compile(r"\d{1,5}s"),
                      "--datadir": re.compile(r"/usr(/local)?/share/nmap")}
"""`--datadir` is the system's nmap data directory, never a value from the baseline or command line."""
SYSTEMCTL_WORDS = {"list-unit-files", "list-units", "--all", "--output=json", "--no-pager"}
LOOPBACK_TARGET = re.compile(r"127\.\d{1,3}\.\d{1,3}\.\d{1,3}(-\d{1,3})?(/\d{1,2})?")


def hostile_values(sentinel: Path) -> list[str]:
    """Strings that would do harm if they reached a shell or became options."""
    return [
        "-sV",
        "--script=http-exec",
        "--script http-vuln*",
        f"-oN {sentinel}",
        f"-oN{sentinel}",
        "-iL /etc/shadow",
        "--datadir=/tmp",
        f"127.0.0.2 -oN {sentinel}",
        f"127.0.0.2;touch {sentinel}",
        f"$(touch {sentinel})",
        f"`touch {sentinel}`",
        f"127.0.0.2\n-oN {sentinel}",
        "127.0.0.2 127.0.0.3",
        f"|touch {sentinel}",
        "-",
        "--",
        "",
    ]


def target_shapes(sentinel: Path) -> list[str]:
    """Almost-targets (a valid address with a shell operator, white space or a glob around it)
    and glued options. One parser reads every target and port spec: these go through the
    command line once and through the Baseline object, not through every entry point."""
    return [f"127.0.0.2 && touch {sentinel}", f"127.0.0.2|touch {sentinel}", "127.0.0.2\t", " 127.0.0.2",
            "127.0.0.*", "-iL/etc/shadow", "--resume /tmp/x"]


@pytest.fixture
def fakes(fakes: FakeBin) -> FakeBin:
    """The suite's fakes (tests/conftest.py) with nmap (prints an empty scan) and systemctl (lists nothing)."""
    fakes.add("nmap", fake_nmap_body())
    fakes.add("systemctl", FAKE_SYSTEMCTL_EMPTY)
    return fakes


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


@pytest.fixture
def port() -> Iterator[int]:
    """The port benign scans name: held, closed everywhere (the fake nmap scans nothing anyway)."""
    with held_port() as holder:
        yield port_of(holder)


def assert_nmap_argv_allowed(argv: list[str]) -> None:
    """Every option is one build_nmap_argv emits, every value has its fixed shape, targets follow `--`."""
    assert "--" in argv, argv
    end = argv.index("--")
    index = 0
    while index < end:
        option = argv[index]
        assert option in EMITTED_OPTIONS, f"unexpected nmap argument {option!r} in {argv}"
        if option in NMAP_VALUE_OPTIONS:
            index += 1
            assert NMAP_VALUE_OPTIONS[option].fullmatch(argv[index]), f"bad value for {option}: {argv}"
        index += 1
    targets = argv[end + 1:]
    assert targets and all(LOOPBACK_TARGET.fullmatch(t) for t in targets), f"targets {targets}"


def assert_systemctl_argv_allowed(argv: list[str], root: str | None) -> None:
    roots = [a for a in argv if a.startswith("--root")]
    assert set(argv) - set(roots) <= SYSTEMCTL_WORDS, f"unexpected systemctl arguments {argv}"
    if root is None:
        assert not roots, argv
    else:
        assert roots == [f"--root={root}"], f"--root must be one inert argument: {argv}"


def _each(values: list[str], check: Callable[[str], None]) -> None:
    """Run `check` on every value (three at a time: each is a CLI subprocess) and report all failures."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda v: (v, _capture(check, v)), values))
    failures = [f"{value!r}: {error}" for value, error in outcomes if error]
    assert not failures, "\n".join(failures)


def _capture(check: Callable[[str], None], value: str) -> str | None:
    try:
        check(value)
    except AssertionError as exc:
        return str(exc)[:600]
    return None


def _baseline(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text("version: 1\nname: injection\n" + body, encoding="utf-8")
    return str(path)


def _refused(completed: subprocess.CompletedProcess[str], fakes: FakeBin, sentinel: Path) -> None:
    assert completed.returncode == 2, f"exit {completed.returncode}: {completed.stderr[-300:]}"
    assert "Traceback" not in completed.stderr
    assert not fakes.calls("nmap"), f"nmap ran: {fakes.calls('nmap')}"
    assert not sentinel.exists(), "a hostile value was executed"


# --------------------------------------------------------------------------- positive controls


def test_control_a_benign_target_reaches_the_fake_nmap(tmp_path: Path, fakes: FakeBin, port: int) -> None:
    completed = run_cli("-q", "audit", _baseline(tmp_path, "b", ""), "--target", "127.0.0.2",
                        "--tcp-ports", str(port), "--json", str(tmp_path / "r.json"), env=fakes.env())
    assert completed.returncode in (0, 1, 3), completed.stderr
    calls = fakes.calls("nmap")
    assert len(calls) == 1, fakes.calls()
    argv = calls[0]
    assert_nmap_argv_allowed(argv)
    assert argv[:6] == ["-oX", "-", "-n", "--datadir", argv[4], "-Pn"] and argv[4].endswith("/share/nmap")
    assert argv[argv.index("--") + 1:] == ["127.0.0.2"] and "-p" in argv and str(port) in argv


def test_control_a_benign_root_reaches_the_fake_systemctl(tmp_path: Path, fakes: FakeBin) -> None:
    image = tmp_path / "image"
    (image / "etc").mkdir(parents=True)
    completed = run_cli("-q", "audit", _baseline(tmp_path, "b", ""), "--root", str(image),
                        "--json", str(tmp_path / "r.json"), env=fakes.env())
    assert completed.returncode in (0, 1, 3), completed.stderr
    calls = fakes.calls("systemctl")
    assert calls, fakes.calls()
    for call in calls:
        assert_systemctl_argv_allowed(call, str(image))


# --------------------------------------------------------------------------- nmap entry points


def test_hostile_cli_targets(tmp_path: Path, fakes: FakeBin, sentinel: Path, port: int) -> None:
    baseline = _baseline(tmp_path, "b", "")

    def check(value: str) -> None:
        completed = run_cli("-q", "audit", baseline, "--target", "127.0.0.3", f"--target={value}",
                            "--tcp-ports", str(port), env=fakes.env())
        _refused(completed, fakes, sentinel)
        assert "target" in completed.stderr.lower() or "argument" in completed.stderr.lower()

    _each([*hostile_values(sentinel), *target_shapes(sentinel)], check)


def test_hostile_baseline_targets(tmp_path: Path, fakes: FakeBin, sentinel: Path, port: int) -> None:
    values = [*hostile_values(sentinel), "127.0.0.2\0-oN /tmp/x", "\0"]

    def check(value: str) -> None:
        baseline = _baseline(tmp_path, f"t{values.index(value)}",
                             f"targets: [{json.dumps(value)}]\nscan: {{tcp_ports: '{port}'}}\n")
        completed = run_cli("-q", "audit", baseline, env=fakes.env())
        _refused(completed, fakes, sentinel)

    _each(values, check)


@pytest.mark.parametrize("field", ["tcp_ports", "udp_ports", "timing", "host_timeout", "service_detection"])
def test_hostile_baseline_scan_fields(tmp_path: Path, fakes: FakeBin, sentinel: Path, field: str) -> None:
    values = [*hostile_values(sentinel), "1-100 -oN /tmp/x", "top:10;id", "22\0"]
    if field != "tcp_ports":
        values = values[::3]  # the same parser; a sample keeps the suite fast

    def check(value: str) -> None:
        baseline = _baseline(tmp_path, f"{field}{values.index(value)}", f"scan: {{{field}: {json.dumps(value)}}}\n")
        completed = run_cli("-q", "audit", baseline, "--target", "127.0.0.2", env=fakes.env())
        _refused(completed, fakes, sentinel)

    _each(values, check)


@pytest.mark.parametrize("flag", ["--tcp-ports", "--udp-ports"])
def test_hostile_port_flags(tmp_path: Path, fakes: FakeBin, sentinel: Path, flag: str) -> None:
    baseline = _baseline(tmp_path, "b", "")
    values = [*hostile_values(sentinel), "1-100 -oN /tmp/x", "1-100 --script=x", "top:10;id", "22,-oN", "0", "65536",
              "100-1"]

    def check(value: str) -> None:
        completed = run_cli("-q", "audit", baseline, "--target", "127.0.0.2", f"{flag}={value}", env=fakes.env())
        _refused(completed, fakes, sentinel)
        assert flag in completed.stderr or "argument" in completed.stderr, completed.stderr

    _each(values, check)


def test_hostile_scan_option_flags(tmp_path: Path, fakes: FakeBin, sentinel: Path, port: int) -> None:
    """`--timing`, `--host-timeout` and `--jobs` take numbers only, in range."""
    baseline = _baseline(tmp_path, "b", "")
    values = ["--timing=4 --script=x", "--timing=9", "--host-timeout=300s", "--host-timeout=-oN", "--host-timeout=0",
              "--jobs=0", "--jobs=-iL", f"--jobs=1;touch {sentinel}"]

    def check(value: str) -> None:
        completed = run_cli("-q", "audit", baseline, "--target", "127.0.0.2", "--tcp-ports", str(port), value,
                            env=fakes.env())
        _refused(completed, fakes, sentinel)

    _each(values, check)


# --------------------------------------------------------------------------- below the policy loader


def _gather_args() -> argparse.Namespace:
    """What `audit BASELINE` passes to the collect stage when the command line names nothing."""
    return argparse.Namespace(target=[], snapshot=[], nmap_xml=[], local=False, root=None, xinetd_conf=None,
                              tcp_ports=None, udp_ports=None, service_detection=None, timing=None,
                              host_timeout=None, allow_large_scan=False, jobs=4, progress=False)


def test_hostile_targets_in_a_baseline_object(fakes: FakeBin, sentinel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Baseline built in code (not loaded from YAML) is validated again by the collect stage."""
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", fakes.search_path())
    for value in [*hostile_values(sentinel), *target_shapes(sentinel), "127.0.0.2\x00-oN"]:
        with pytest.raises(CheckerError) as info:
            gather_snapshots(_gather_args(), Baseline(path="b.yaml", name="b", targets=("127.0.0.2", value)))
        assert info.value.exit_code == 2 and "target" in str(info.value), value
    assert not fakes.calls("nmap") and not sentinel.exists()


@pytest.mark.parametrize("field", ["tcp_ports", "udp_ports"])
def test_hostile_port_specs_in_a_baseline_object(fakes: FakeBin, sentinel: Path, monkeypatch: pytest.MonkeyPatch,
                                                 field: str) -> None:
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", fakes.search_path())
    for value in [*hostile_values(sentinel), *target_shapes(sentinel), "127.0.0.2\x00-oN"]:
        baseline = Baseline(path="b.yaml", name="b", targets=("127.0.0.2",), scan=ScanSettings(**{field: value}))
        with pytest.raises(CheckerError) as info:
            gather_snapshots(_gather_args(), baseline)
        assert info.value.exit_code == 2 and f"scan.{field}" in str(info.value), value
    assert not fakes.calls("nmap") and not sentinel.exists()


@pytest.mark.parametrize("field, value", [
    ("timing", "4 --script=x"), ("timing", 7), ("host_timeout", "300s -oN /tmp/x"), ("host_timeout", -1),
    ("service_detection", "--script=x"),
])
def test_hostile_scan_settings_in_a_baseline_object(fakes: FakeBin, monkeypatch: pytest.MonkeyPatch, field: str,
                                                    value: object) -> None:
    monkeypatch.setattr(_subprocess, "TOOL_SEARCH_PATH", fakes.search_path())
    baseline = Baseline(path="b.yaml", name="b", targets=("127.0.0.2",), scan=ScanSettings(**{field: value}))
    with pytest.raises(CheckerError) as info:
        gather_snapshots(_gather_args(), baseline)
    assert info.value.exit_code == 2 and f"scan.{field}" in str(info.value)
    assert not fakes.calls("nmap")


# --------------------------------------------------------------------------- systemctl / file entry points


def test_hostile_root(tmp_path: Path, fakes: FakeBin, sentinel: Path) -> None:
    """`--root` is a directory name: refused, or handed to systemctl as exactly `--root=VALUE`."""
    baseline = _baseline(tmp_path, "b", "")
    values = [v for v in hostile_values(sentinel) if v not in ("", "--")]  # see test_option_value_double_dash

    def check(value: str) -> None:
        out = tmp_path / f"root-{values.index(value)}.json"
        completed = run_cli("-q", "audit", baseline, f"--root={value}", "--json", str(out), env=fakes.env())
        assert completed.returncode in (0, 1, 2, 3), completed.stderr
        assert "Traceback" not in completed.stderr
        assert not sentinel.exists(), "a hostile value was executed"
        assert not fakes.calls("nmap")

    _each(values, check)
    for call in fakes.calls("systemctl"):
        roots = [a[len("--root="):] for a in call if a.startswith("--root=")]
        assert len(roots) == 1 and roots[0] in values, call
        assert_systemctl_argv_allowed(call, roots[0])


def test_hostile_xinetd_conf(tmp_path: Path, fakes: FakeBin, sentinel: Path) -> None:
    """`--xinetd-conf` is only ever opened as a file: no program receives it."""
    baseline = _baseline(tmp_path, "b", "xinetd: {default: deny}\n")
    values = [v for v in hostile_values(sentinel) if v not in ("", "--")]  # see test_option_value_double_dash

    def check(value: str) -> None:
        out = tmp_path / f"xinetd-{values.index(value)}.json"
        completed = run_cli("-q", "audit", baseline, "--local", f"--xinetd-conf={value}", "--json", str(out),
                            env=fakes.env())
        assert completed.returncode in (2, 3), f"exit {completed.returncode}: {completed.stderr[-300:]}"
        assert "Traceback" not in completed.stderr
        assert not sentinel.exists(), "a hostile value was executed"

    _each(values, check)
    for call in fakes.calls():
        assert not any(value in arg for value in values if len(value) > 2 for arg in call), call
    for call in fakes.calls("systemctl"):
        assert_systemctl_argv_allowed(call, None)


# argparse (3.11) turns `--opt=--` into [] instead of '--': checker._cli refuses such values.
@pytest.mark.parametrize("option", ["--root", "--xinetd-conf", "--json", "--target"])
def test_option_value_double_dash(tmp_path: Path, fakes: FakeBin, option: str) -> None:
    completed = run_cli("-q", "audit", _baseline(tmp_path, "b", ""), "--local", f"{option}=--", env=fakes.env())
    # Either refused, or "--" used literally as the path; never silently replaced by a default.
    assert completed.returncode == 2 or (tmp_path / "--").exists() or any(
        "--root=--" in call for call in fakes.calls("systemctl")), completed.stderr

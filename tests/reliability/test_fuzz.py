"""Bad-input fuzzing (hypothesis): the baseline loader, the xinetd parser, the nmap XML reader.

The only outcomes allowed are a result or one of our own errors (`CheckerError` subclasses;
the xinetd parser reports problems as records, so for it any exception is a bug). Inputs
are random text, structured random YAML, and real files from ../shared/testdata, policies/
and examples/ mutated by random edits (insertions of syntax-significant fragments,
deletions, truncation). A few hundred examples each, no example database, bounded time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.collect.nmap.xml import parse_nmap_run
from checker.collect.xinetd import XinetdConfig, parse_xinetd
from checker.errors import CheckerError, InputError
from checker.model import Baseline
from checker.policy import load_baseline
from support import ASSETS, REPO_ROOT, TESTDATA

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _read(paths: list[Path], limit: int = 60_000) -> list[str]:
    texts = []
    for path in sorted(paths):
        try:
            if path.is_file() and path.stat().st_size <= limit:
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return texts


BASELINE_SEEDS = _read([*(REPO_ROOT / "policies").glob("*.yaml"), *(REPO_ROOT / "examples").glob("*.yaml"),
                        *(ASSETS / "baseline").glob("*.yaml")])
XINETD_SEEDS = _read([p for p in (TESTDATA / "xinetd").rglob("*")
                      if p.is_file() and p.suffix not in (".sh", ".md", ".txt")])
NMAP_SEEDS = [p.read_bytes() for p in sorted((TESTDATA / "nmap-xml").rglob("*.xml")) if p.stat().st_size <= 60_000]

YAML_FRAGMENTS = [":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!python/object:os.system ", "\t", "\n", "  ",
                  "'", '"', "#", "---\n", "...", "? ", "|\n", ">\n", "\0", "\ufeff", "\udcff", "%YAML 1.1\n",
                  "port: ", "-1", "65536", "1-0", "0x10", "1e400", "null", "~", "true", "2026-13-45",
                  "extends: [", "builtin:", "../", "/etc/shadow", "bind: [", "::/0", "999.1.1.1/33"]
XINETD_FRAGMENTS = ["service ", "defaults", "{", "}", "\n", " = ", " += ", " -= ", "include ", "includedir ",
                    "#", "\t", "\0", "instances", "UNLIMITED", "cps", "per_source", "max_load", "only_from",
                    "bind", "port", "65536", "-1", "disable", "yes", "no", "log_on_failure", "HOST",
                    "flags", "NAMEINARGS", "server", "/usr/sbin/", "::", "0.0.0.0/0", "\udcff", "x" * 300]
XML_FRAGMENTS = [b"<", b">", b"</host>", b"<host>", b'<port protocol="tcp" portid="', b"&lt;", b"&x;",
                 b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"<!ENTITY e SYSTEM 'file:///etc/passwd'>", b"&e;",
                 b'portid="99999"', b'portid="-1"', b'state="open"', b"\x00", b"\xff\xfe", b"\xc3", b"]]>",
                 b'<?xml version="1.0" encoding="utf-16"?>', b'addr="', b'timedout="true"', b"<runstats>"]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str], fragments: list[str]) -> str:
    text = draw(st.sampled_from(seeds)) if seeds else ""
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "duplicate"]))
        if action == "insert":
            piece = draw(st.one_of(st.sampled_from(fragments), st.text(max_size=12)))
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)):]
        elif action == "truncate":
            text = text[:position]
        else:
            text = text[:position] + text[position:position + 200] * draw(st.integers(2, 4)) + text[position:]
    return text


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes], fragments: list[bytes]) -> bytes:
    data = draw(st.sampled_from(seeds)) if seeds else b""
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "flip"]))
        if action == "insert":
            piece = draw(st.one_of(st.sampled_from(fragments), st.binary(max_size=12)))
            data = data[:position] + piece + data[position:]
        elif action == "delete":
            data = data[:position] + data[position + draw(st.integers(1, 40)):]
        elif action == "truncate":
            data = data[:position]
        elif data:
            index = min(position, len(data) - 1)
            data = data[:index] + bytes([data[index] ^ draw(st.integers(1, 255))]) + data[index + 1:]
    return data


BASELINE_KEYS = ["version", "name", "description", "extends", "defaults", "targets", "controls", "ports", "default",
                 "allow", "forbid", "port", "protocol", "process", "user", "bind", "exposure", "required", "reason",
                 "severity", "services", "unit", "running", "enabled", "absent_ok", "socket_units", "listen", "xinetd",
                 "limits", "instances", "max", "cps", "max_rate", "per_source", "max_load", "only_from",
                 "log_on_failure", "includes", "connections", "max_per_state", "scan", "tcp_ports", "udp_ports",
                 "service_detection", "timing", "host_timeout", "waivers", "check", "match", "hosts", "expires"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-70000, 70000), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["tcp", "udp", "deny", "allow", "loopback", "any",
                                                           "22", "1-1024", "top:10", "all", "none", "2026-12-31"]))
YAML_TREES = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(BASELINE_KEYS), children, max_size=5)), max_leaves=25)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="surfacecheck-fuzz-") as directory:
        yield Path(directory)


def _load(scratch: Path, text: str | bytes) -> None:
    path = scratch / "baseline.yaml"
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(text)
    try:
        result = load_baseline(str(path))
    except CheckerError as exc:
        assert str(exc), "an error must carry a message"
        assert exc.exit_code == 2
        return
    assert isinstance(result, Baseline)


# --------------------------------------------------------------------------- baseline loader


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400))
def test_baseline_loader_random_text(scratch: Path, text: str) -> None:
    _load(scratch, text)


@FUZZ
@given(text=mutated(BASELINE_SEEDS, YAML_FRAGMENTS))
def test_baseline_loader_mutated_real_baselines(scratch: Path, text: str) -> None:
    _load(scratch, text)


@FUZZ
@given(tree=st.dictionaries(st.sampled_from(BASELINE_KEYS), YAML_TREES, max_size=8), version=st.sampled_from([1, 2]))
def test_baseline_loader_structured_yaml(scratch: Path, tree: dict[str, object], version: int) -> None:
    document = {"version": version, "name": "fuzz", **tree}
    _load(scratch, yaml.safe_dump(document, allow_unicode=True))


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.binary(max_size=300))
def test_baseline_loader_random_bytes(scratch: Path, data: bytes) -> None:
    _load(scratch, data)


# --------------------------------------------------------------------------- xinetd parser


class _MemoryFiles:
    """Includes served from memory: every path holds the same fuzzed text; directories list two names."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.reads = 0

    def read_text(self, path: str) -> str:
        self.reads += 1
        if self.reads > 50 or "missing" in path:
            raise FileNotFoundError(path)
        return self.text

    def list_dir(self, path: str) -> list[str]:
        if "missing" in path:
            raise PermissionError(path)
        return ["a", "b.rpmsave", "c~", "d"]

    def is_regular_file(self, path: str) -> bool:
        return not path.endswith("d")


def _parse_xinetd(text: str, with_files: bool) -> None:
    config = parse_xinetd(text, "/etc/xinetd.conf", files=_MemoryFiles(text) if with_files else None)
    assert isinstance(config, XinetdConfig)
    for service in config.services:
        assert service.name and service.location.line >= 0


@FUZZ
@given(text=mutated(XINETD_SEEDS, XINETD_FRAGMENTS), with_files=st.booleans())
def test_xinetd_parser_mutated_real_configs(text: str, with_files: bool) -> None:
    _parse_xinetd(text, with_files)


@FUZZ
@given(lines=st.lists(st.one_of(st.sampled_from(XINETD_FRAGMENTS), st.text(max_size=30)), max_size=40),
       with_files=st.booleans())
def test_xinetd_parser_random_lines(lines: list[str], with_files: bool) -> None:
    _parse_xinetd("\n".join(lines), with_files)


# --------------------------------------------------------------------------- nmap XML reader


def _parse_nmap(data: bytes) -> None:
    try:
        run = parse_nmap_run(data, "fuzz.xml")
    except InputError as exc:
        assert str(exc).startswith("fuzz.xml"), str(exc)
        return
    for host in run.hosts:
        for port in host.view.ports:
            assert 0 <= port.port <= 65535


@FUZZ
@given(data=mutated_bytes(NMAP_SEEDS, XML_FRAGMENTS))
def test_nmap_reader_mutated_real_scans(data: bytes) -> None:
    _parse_nmap(data)


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.binary(max_size=400))
def test_nmap_reader_random_bytes(data: bytes) -> None:
    _parse_nmap(data)


def test_seeds_are_present() -> None:
    """The mutation tests are only as good as their seeds: make sure they were found."""
    assert len(BASELINE_SEEDS) >= 5 and len(XINETD_SEEDS) >= 10 and len(NMAP_SEEDS) >= 10, (
        len(BASELINE_SEEDS), len(XINETD_SEEDS), len(NMAP_SEEDS))
    assert all(parse_nmap_run(seed, "seed") for seed in NMAP_SEEDS[:3])
    assert os.path.isdir(TESTDATA)

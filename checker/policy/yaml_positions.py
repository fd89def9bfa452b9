"""A baseline file read as YAML with the position of every value and key; the loader's first step.

Safety (the baseline may come from a pull request):
* the file is read by checker/storage/inputs.py: a FIFO, device, socket or directory is
  refused without blocking, and a file over `MAX_BASELINE_BYTES` is refused after reading one
  byte more than that, so a 100 MB file (or /dev/zero) costs nothing; binary (NUL) and
  non-UTF-8 files are refused with the offending line;
* nesting deeper than `MAX_DEPTH` is refused where the limit is hit (line and column), before
  Python's recursion limit is reached;
* YAML is *composed* with PyYAML's SafeLoader (no object construction at all), and only
  the core tags (str, int, float, bool, null, timestamp, map, seq) are accepted, so
  `!!python/object` and friends are errors, not code;
* aliases are allowed, but converting the node graph is bounded by `MAX_NODES`, so a
  "billion laughs" document is refused quickly with bounded memory;
* duplicate mapping keys are errors at the duplicate's line (YAML silently keeps the last).

Speed: where PyYAML was built with libyaml, libyaml scans and parses (2.5x faster than the
pure-Python `SafeLoader` on a 5,000-rule baseline) and PyYAML's composer builds the nodes, with
the same line and column marks. A document libyaml refuses, or holding a construct where the
two scanners disagree (`_PURE_ONLY`), is composed by the pure-Python `SafeLoader`, so every YAML
error message (and its position) is the one users always got.

This module knows YAML, not baselines: the schema (`schema.py`), the meaning of each section
(`sections/`) and `extends` (`extends.py`) are applied to the `Document` it returns.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from checker.errors import BaselineError, Problem
from checker.model import Location
from checker.storage.inputs import UnusableFile, read_bounded

MAX_BASELINE_BYTES = 1024 * 1024
"""Largest baseline file accepted (1 MiB): real baselines are a few KiB."""
MAX_NODES = 100_000
"""Largest number of YAML nodes visited while converting (aliases counted each time)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted: real baselines nest 4 or 5 levels."""
Path = tuple[str | int, ...]
"""A JSON path inside a document: keys and list indexes."""
Positions = dict[Path, tuple[int, int]]
"""1-based (line, column) by path."""

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class Document:
    """One baseline file as plain data, with the position of every value and key."""

    path: str
    """The path as the user (or `extends`) named it; used in every message."""
    real_path: str
    """Absolute path on disk (`builtin:` policies resolve to the bundled file)."""
    sha256: str
    """Of the bytes read: recorded in `Baseline.sources`."""
    data: dict[str, Any]
    """The document as plain JSON-like data (mappings, lists, str, int, float, bool, None)."""
    positions: Positions = field(default_factory=dict)
    """1-based (line, column) of the value at each path."""
    key_positions: Positions = field(default_factory=dict)
    """1-based (line, column) of the mapping key at each path."""

    def location(self, path: Path, *, key: bool = False) -> Location:
        """The position of `path`, or of its closest ancestor that has one."""
        table = self.key_positions if key else self.positions
        probe = path
        while probe:
            if probe in table:
                line, column = table[probe]
                return Location(self.path, line, column)
            if not key and probe in self.key_positions:
                line, column = self.key_positions[probe]
                return Location(self.path, line, column)
            probe = probe[:-1]
        line, column = self.positions.get((), (1, 1))
        return Location(self.path, line, column)

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        loc = self.location(path, key=key)
        return Problem(loc.file, loc.line, loc.column, message)


def whole_file_error(path: str, message: str) -> BaselineError:
    """A problem of the whole file (line 0): unreadable, too large, not YAML at all."""
    return BaselineError([Problem(path, 0, 0, message)])


def read_document(path: str, real_path: str | None = None) -> Document:
    """Read and compose one baseline file. Raises `BaselineError` with located problems."""
    real = real_path or path
    try:
        raw = read_bounded(real, MAX_BASELINE_BYTES, "a baseline file")
    except UnusableFile as exc:
        if exc.errno == errno.EFBIG:
            raise whole_file_error(path, f"file is too large (a baseline may be at most {MAX_BASELINE_BYTES} "
                                         "bytes)") from None
        raise whole_file_error(path, str(exc.strerror)) from None
    except FileNotFoundError:
        raise whole_file_error(path, "no such file") from None
    except PermissionError:
        raise whole_file_error(path, "permission denied") from None
    except OSError as exc:
        raise whole_file_error(path, f"cannot read: {exc.strerror or exc}") from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise BaselineError([Problem(path, line, 0, "binary file (NUL byte): a baseline must be UTF-8 YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BaselineError([Problem(path, line, column, "not valid UTF-8 text")]) from None
    data, positions, key_positions = compose_yaml(text, path)
    return Document(path, os.path.abspath(real), sha256, data, positions, key_positions)


class _DepthLimit:
    """A composer that refuses nesting deeper than `MAX_DEPTH` at the node where the limit is
    hit. PyYAML composes recursively: without this, 100,000 `[` end in a RecursionError that
    knows no position. Mixed into both composers below (before the parser class)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[attr-defined]
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)  # type: ignore[misc, no-any-return]
        finally:
            self._depth -= 1


class _DepthLimitedLoader(_DepthLimit, yaml.SafeLoader):
    """The pure-Python SafeLoader with the depth limit: its messages are the documented ones."""


def _libyaml_composer() -> Any:
    """A loader class reading events from libyaml and composing them in Python, or None.

    libyaml's own composer (`yaml.CSafeLoader`) recurses in C and crashes the interpreter on
    a document nested 50,000 deep; PyYAML's Python `Composer` on top of libyaml's *events*
    recurses in Python (and stops at `MAX_DEPTH`, `_DepthLimit`), and is as fast: scanning and
    parsing are the costly part. Same node classes, same marks.
    """
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return None

    class LibyamlEventsComposer(_DepthLimit, CParser, yaml.composer.Composer, yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        # CParser brings its own (C-recursive) node methods: take the Python composer's.
        check_node = yaml.composer.Composer.check_node
        get_node = yaml.composer.Composer.get_node
        get_single_node = yaml.composer.Composer.get_single_node

    return LibyamlEventsComposer


_FAST_COMPOSER: Any = _libyaml_composer()


_PURE_ONLY = re.compile(r"[\t?!\ufeff]|[|>][-+0-9]*#|:\s+(#[^\n]*\s+)?[,}\]]")
"""Where libyaml and the pure-Python scanner disagree, found by differential fuzzing: libyaml
accepts a tab as separation (`key:<TAB>value`, `[a,<TAB>b]`), `?` inside a flow plain scalar
(`{v: 1?2}`) and a comment right after a block scalar header (`a: >#c`), all refused by the
pure scanner; ends a tag at a flow `,` (`[!!str, b]`); and marks an empty flow value (`{b: }`)
and a BOM inside a line one column off. A document with any of these is composed by the pure
scanner only (a false positive costs only speed), so whether a baseline loads and where a
message points do not depend on how PyYAML was built."""


def _compose_nodes(text: str) -> list[yaml.Node]:
    """Every document of `text` composed to nodes; errors are the pure-Python composer's."""
    if _FAST_COMPOSER is not None and _PURE_ONLY.search(text) is None:
        try:
            return list(yaml.compose_all(text, Loader=_FAST_COMPOSER))
        except yaml.YAMLError:
            pass  # compose again below: its messages are the ones documented and tested
    return list(yaml.compose_all(text, Loader=_DepthLimitedLoader))


def compose_yaml(text: str, path: str) -> tuple[dict[str, Any], Positions, Positions]:
    """Parse YAML text into plain data plus positions, refusing anything unsafe or ambiguous."""
    try:
        nodes = _compose_nodes(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if "'\\t'" in problem or "\t" in (text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""):
            problem = "tab character: YAML indentation must use spaces"
        raise BaselineError([Problem(path, line, column, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise whole_file_error(path, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise whole_file_error(path, "invalid YAML: nested too deeply") from None
    if not nodes or nodes[0] is None:
        raise BaselineError([Problem(path, 1, 1, "empty document: a baseline is a mapping with at least `version: 1`")])
    if len(nodes) > 1:
        extra = nodes[1]
        raise BaselineError([Problem(path, extra.start_mark.line + 1, extra.start_mark.column + 1,
                                     "more than one YAML document: a baseline is a single document")])
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        raise BaselineError([Problem(path, root.start_mark.line + 1, root.start_mark.column + 1,
                                     "the top level must be a mapping (key: value), not a "
                                     + ("list" if isinstance(root, yaml.SequenceNode) else "scalar"))])
    converter = _NodeConverter(path)
    try:
        data = converter.convert(root, ())
    except RecursionError:
        raise whole_file_error(path, "invalid YAML: nested too deeply") from None
    if converter.problems:
        raise BaselineError(converter.problems)
    assert isinstance(data, dict)
    return data, converter.positions, converter.key_positions


class _NodeConverter:
    """Turns a composed node graph into plain data, with a node budget and strict tags."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.visited = 0
        self.problems: list[Problem] = []
        self.positions: Positions = {}
        self.key_positions: Positions = {}
        self._constructor = yaml.SafeLoader("")

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            line, column = self._mark(node)
            raise BaselineError([Problem(self.path, line, column,
                                         f"document too large: more than {MAX_NODES} YAML nodes "
                                         "(an alias bomb?)")])
        self.positions.setdefault(path, self._mark(node))
        if node.tag not in _CORE_TAGS:
            line, column = self._mark(node)
            self.problems.append(Problem(self.path, line, column, f"YAML tag {node.tag!r} is not allowed"))
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    line, column = self._mark(key_node)
                    self.problems.append(Problem(self.path, line, column, "YAML merge keys (<<) are not supported"))
                    continue
                key = self.convert(key_node, path + ("<key>",))
                if not isinstance(key, str):
                    line, column = self._mark(key_node)
                    key_text = "null" if key is None else str(key)
                    self.problems.append(Problem(self.path, line, column,
                                                 f"mapping key {key_text!r} must be a string"))
                    key = key_text
                if key in result:
                    line, column = self._mark(key_node)
                    first_line = self.key_positions[path + (key,)][0]
                    self.problems.append(Problem(self.path, line, column,
                                                 f"duplicate key {key!r} (first set at line {first_line})"))
                    continue
                self.key_positions[path + (key,)] = self._mark(key_node)
                result[key] = self.convert(value_node, path + (key,))
            self.positions.pop(path + ("<key>",), None)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (index,)) for index, item in enumerate(node.value)]
        try:
            value = self._constructor.construct_object(node, deep=False)
        except (ValueError, yaml.YAMLError):  # e.g. a timestamp like 2026-02-30: keep the text
            return str(node.value)
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()  # dates stay text; the schema and semantic checks read them
        if isinstance(value, float) and value != value:  # .nan
            return str(node.value)
        return value

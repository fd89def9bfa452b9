"""Load a baseline: YAML with positions -> JSON Schema -> semantic checks -> `extends` -> `Baseline`.

Every problem is reported like a compiler diagnostic, `file:line:col: message`, and all
problems of a file are collected before raising one `BaselineError` (exit code 2).

Safety (the baseline may come from a pull request):
* files over `MAX_BASELINE_BYTES` are refused before being read, so a 100 MB file costs
  nothing; binary (NUL) and non-UTF-8 files are refused with the offending line;
* YAML is *composed* with PyYAML's SafeLoader (no object construction at all), and only
  the core tags (str, int, float, bool, null, timestamp, map, seq) are accepted, so
  `!!python/object` and friends are errors, not code;
* aliases are allowed, but converting the node graph is bounded by `MAX_NODES`, so a
  "billion laughs" document is refused quickly with bounded memory;
* duplicate mapping keys are errors at the duplicate's line (YAML silently keeps the last).

This module reads files and nothing else; it knows nothing of hosts or snapshots.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import ipaddress
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import yaml

from checker import resources
from checker.errors import BaselineError, Problem
from checker.model import (
    Baseline,
    BaselineSource,
    CheckId,
    ConnectionLimit,
    DefaultPolicy,
    Exposure,
    Location,
    PortAllow,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    RuleMeta,
    ScanSettings,
    ServiceRule,
    Severity,
    SocketUnitAllow,
    SocketUnitsPolicy,
    UnitForbid,
    Waiver,
    XinetdAllow,
    XinetdLimits,
    XinetdPolicy,
)
from checker.model.units import unit_name

MAX_BASELINE_BYTES = 1024 * 1024
"""Largest baseline file accepted (1 MiB): real baselines are a few KiB."""
MAX_NODES = 100_000
"""Largest number of YAML nodes visited while converting (aliases counted each time)."""
MAX_EXTENDS_DEPTH = 16

BIND_WORDS = ("loopback", "any")

Path = tuple[str | int, ...]
"""A JSON path inside a document: keys and list indexes."""

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


# --------------------------------------------------------------------------- reading


@dataclass
class Document:
    """One baseline file as plain data, with the position of every value and key."""

    path: str
    """The path as the user (or `extends`) named it; used in every message."""
    real_path: str
    """Absolute path on disk (`builtin:` policies resolve to the bundled file)."""
    sha256: str
    data: dict[str, Any]
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of the value at each path."""
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
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


def _whole_file(path: str, message: str) -> BaselineError:
    return BaselineError([Problem(path, 0, 0, message)])


def read_document(path: str, real_path: str | None = None) -> Document:
    """Read and compose one baseline file. Raises `BaselineError` with located problems."""
    real = real_path or path
    try:
        if os.path.isdir(real):
            raise _whole_file(path, "is a directory, not a baseline file")
        size = os.path.getsize(real)
        if size > MAX_BASELINE_BYTES:
            raise _whole_file(path, f"file is too large ({size} bytes; a baseline may be at most "
                                    f"{MAX_BASELINE_BYTES} bytes)")
        with open(real, "rb") as handle:
            raw = handle.read(MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        raise _whole_file(path, "no such file") from None
    except PermissionError:
        raise _whole_file(path, "permission denied") from None
    except OSError as exc:
        raise _whole_file(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BASELINE_BYTES:
        raise _whole_file(path, f"file is too large (a baseline may be at most {MAX_BASELINE_BYTES} bytes)")
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


Positions = dict[Path, tuple[int, int]]


def compose_yaml(text: str, path: str) -> tuple[dict[str, Any], Positions, Positions]:
    """Parse YAML text into plain data plus positions, refusing anything unsafe or ambiguous."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if "'\\t'" in problem or "\t" in (text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""):
            problem = "tab character: YAML indentation must use spaces"
        raise BaselineError([Problem(path, line, column, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise _whole_file(path, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _whole_file(path, "invalid YAML: nested too deeply") from None
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
        raise _whole_file(path, "invalid YAML: nested too deeply") from None
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
        self.positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
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


# --------------------------------------------------------------------------- schema


def _is_integer(checker: Any, instance: Any) -> bool:
    """YAML `22.0` is a float: JSON Schema's `integer` accepts it, but a port, a count or a timing
    must be written as an integer (and every later stage, e.g. `int("22.0")`, expects one)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _schema_problems(doc: Document) -> list[Problem]:
    import jsonschema

    base = jsonschema.Draft202012Validator
    strict: Any = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer))
    validator = strict(resources.load_schema("baseline"), format_checker=base.FORMAT_CHECKER)
    problems: list[Problem] = []
    for error in validator.iter_errors(doc.data):
        problems.extend(_explain_schema_error(doc, error))
    return problems


def _path_text(path: Path) -> str:
    """`ports.allow[0].protocol`: how a user finds the value in the YAML."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _explain_schema_error(doc: Document, error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    where = _path_text(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            context = f" in {where}" if path else ""
            yield doc.problem(path + (key,), f"unknown key {key!r}{context}{_did_you_mean(key, allowed)}", key=True)
        return
    if error.validator == "required":
        yield doc.problem(path, f"{where}: {error.message}")
        return
    if error.validator == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = _did_you_mean(str(error.instance), choices)
        yield doc.problem(path, f"{where}: {error.instance!r} is not one of {', '.join(choices)}{hint}")
        return
    if error.validator == "const":
        yield doc.problem(path, f"{where}: must be {error.validator_value!r}, not {error.instance!r}")
        return
    if error.validator == "anyOf" and "x-errorMessage" in schema:
        yield doc.problem(path, f"{where}: {error.instance!r} {schema['x-errorMessage']}")
        return
    if error.validator == "format" and error.validator_value == "date":
        yield doc.problem(path, f"{where}: {error.instance!r} is not a date (YYYY-MM-DD)")
        return
    if error.validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        yield doc.problem(path, f"{where}: expected {expected_text}, got {_yaml_type(error.instance)}")
        return
    yield doc.problem(path, f"{where}: {error.message}")


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


# --------------------------------------------------------------------------- rules of one file


@dataclass
class FileRules:
    """What one file declares, before `extends` merging. None = not set in this file."""

    doc: Document
    extends: list[tuple[str, Location]] = field(default_factory=list)
    name: str | None = None
    description: str | None = None
    default_severity: Severity | None = None
    targets: tuple[str, ...] | None = None
    controls: dict[str, str] = field(default_factory=dict)
    ports_default: DefaultPolicy | None = None
    ports_location: Location | None = None
    port_allow: list[PortAllow] = field(default_factory=list)
    port_forbid: list[PortForbid] = field(default_factory=list)
    services: list[ServiceRule] = field(default_factory=list)
    socket_default: DefaultPolicy | None = None
    socket_location: Location | None = None
    socket_allow: list[SocketUnitAllow] = field(default_factory=list)
    socket_forbid: list[UnitForbid] = field(default_factory=list)
    xinetd_default: DefaultPolicy | None = None
    xinetd_location: Location | None = None
    xinetd_allow: list[XinetdAllow] = field(default_factory=list)
    xinetd_forbid: list[UnitForbid] = field(default_factory=list)
    xinetd_limits: XinetdLimits | None = None
    connections: list[ConnectionLimit] = field(default_factory=list)
    scan: dict[str, Any] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)


def _parse_port(value: Any, doc: Document, path: Path, problems: list[Problem]) -> PortRange | None:
    if isinstance(value, int):
        return PortRange(value, value)
    low_text, _, high_text = str(value).partition("-")
    low, high = int(low_text), int(high_text or low_text)
    for port in (low, high):
        if not 1 <= port <= 65535:
            problems.append(doc.problem(path, f"port {port} is out of range 1-65535"))
            return None
    if low > high:
        problems.append(doc.problem(path, f"port range {value!r}: low end {low} is above high end {high}"))
        return None
    return PortRange(low, high)


def _check_bind(value: str, doc: Document, path: Path, problems: list[Problem]) -> None:
    if value in BIND_WORDS:
        return
    try:
        if "/" in value:
            ipaddress.ip_network(value, strict=False)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        hint = _did_you_mean(value, BIND_WORDS)
        problems.append(doc.problem(path, f"bind {value!r} is not an IP address, a CIDR, `loopback` or `any`{hint}"))


def _meta(doc: Document, path: Path, entry: Mapping[str, Any]) -> RuleMeta:
    severity = entry.get("severity")
    return RuleMeta(
        location=doc.location(path),
        severity=Severity(severity) if severity else None,
        reason=entry.get("reason"),
        controls=tuple(entry.get("controls", ())),
    )


def _unit_entries(items: list[Any], key: str) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    for index, item in enumerate(items):
        if isinstance(item, str):
            yield index, item, {}
        else:
            yield index, item[key], item


_WAIVER_MATCH_CHECKS = {
    "port": {"port-unexpected", "port-forbidden", "port-required-missing", "port-bind", "port-process",
             "port-exposed", "port-unreachable"},
}


def build_file_rules(doc: Document) -> FileRules:
    """Semantic checks the schema cannot express, and the rule objects of one file."""
    data = doc.data
    problems: list[Problem] = []
    rules = FileRules(doc)
    for index, parent in enumerate(data.get("extends", [])):
        rules.extends.append((parent, doc.location(("extends", index))))
    rules.name = data.get("name")
    rules.description = data.get("description")
    if "defaults" in data and "severity" in data["defaults"]:
        rules.default_severity = Severity(data["defaults"]["severity"])
    if "targets" in data:
        rules.targets = tuple(data["targets"])
    rules.controls = dict(data.get("controls", {}))

    ports = data.get("ports", {})
    if "ports" in data:
        rules.ports_location = doc.location(("ports",), key=True)
    if "default" in ports:
        rules.ports_default = DefaultPolicy(ports["default"])
    seen_allow: dict[tuple[PortRange, Protocol], int] = {}
    for index, entry in enumerate(ports.get("allow", [])):
        path: Path = ("ports", "allow", index)
        port_range = _parse_port(entry["port"], doc, path + ("port",), problems)
        for bind_index, bind in enumerate(entry.get("bind", [])):
            _check_bind(bind, doc, path + ("bind", bind_index), problems)
        if port_range is None:
            continue
        protocol = Protocol(entry.get("protocol", "tcp"))
        if (port_range, protocol) in seen_allow:
            first = doc.location(("ports", "allow", seen_allow[(port_range, protocol)])).line
            problems.append(doc.problem(path, f"duplicate allow entry for {protocol}/{port_range} "
                                              f"(first at line {first})"))
        seen_allow[(port_range, protocol)] = index
        if entry.get("exposure") == "public" and entry.get("bind") == ["loopback"]:
            problems.append(doc.problem(path + ("exposure",), "exposure: public contradicts bind: [loopback]"))
        rules.port_allow.append(PortAllow(
            ports=port_range, protocol=protocol, meta=_meta(doc, path, entry), process=entry.get("process"),
            user=entry.get("user"), bind=tuple(entry.get("bind", ())),
            exposure=Exposure(entry["exposure"]) if "exposure" in entry else None,
            required=bool(entry.get("required", False)),
        ))
    seen_forbid: dict[tuple[PortRange, Protocol | None], int] = {}
    for index, entry in enumerate(ports.get("forbid", [])):
        path = ("ports", "forbid", index)
        port_range = _parse_port(entry["port"], doc, path + ("port",), problems)
        if port_range is None:
            continue
        forbid_protocol = Protocol(entry["protocol"]) if "protocol" in entry else None
        if (port_range, forbid_protocol) in seen_forbid:
            first = doc.location(("ports", "forbid", seen_forbid[(port_range, forbid_protocol)])).line
            problems.append(doc.problem(path, f"duplicate forbid entry for port {port_range} (first at line {first})"))
        seen_forbid[(port_range, forbid_protocol)] = index
        rules.port_forbid.append(PortForbid(port_range, forbid_protocol, _meta(doc, path, entry)))
    problems.extend(_allow_forbid_conflicts(rules.port_allow, rules.port_forbid))

    seen_units: dict[str, int] = {}
    for index, entry in enumerate(data.get("services", [])):
        path = ("services", index)
        unit = unit_name(entry["unit"], ".service")
        if unit in seen_units:
            first = doc.location(("services", seen_units[unit])).line
            problems.append(doc.problem(path, f"duplicate services entry for {unit} (first at line {first})"))
        seen_units[unit] = index
        if "running" not in entry and "enabled" not in entry:
            problems.append(doc.problem(path, f"services entry for {unit} sets neither `running` nor `enabled`"))
        rules.services.append(ServiceRule(unit=unit, meta=_meta(doc, path, entry), running=entry.get("running"),
                                          enabled=entry.get("enabled"), absent_ok=bool(entry.get("absent_ok"))))

    sockets = data.get("socket_units", {})
    if "socket_units" in data:
        rules.socket_location = doc.location(("socket_units",), key=True)
    if "default" in sockets:
        rules.socket_default = DefaultPolicy(sockets["default"])
    socket_allow, socket_forbid = _allow_and_forbid(doc, "socket_units", "unit", "socket unit",
                                                    partial(unit_name, default_suffix=".socket"), problems)
    for name, path, entry in socket_allow:
        listen = tuple(str(v) for v in entry["listen"]) if "listen" in entry else None
        rules.socket_allow.append(SocketUnitAllow(name, _meta(doc, path, entry), listen))
    rules.socket_forbid = [UnitForbid(name, _meta(doc, path, entry)) for name, path, entry in socket_forbid]

    xinetd = data.get("xinetd", {})
    if "xinetd" in data:
        rules.xinetd_location = doc.location(("xinetd",), key=True)
    if "default" in xinetd:
        rules.xinetd_default = DefaultPolicy(xinetd["default"])
    xinetd_allow, xinetd_forbid = _allow_and_forbid(doc, "xinetd", "service", "xinetd service", str, problems)
    rules.xinetd_allow = [XinetdAllow(name, _meta(doc, path, entry)) for name, path, entry in xinetd_allow]
    rules.xinetd_forbid = [UnitForbid(name, _meta(doc, path, entry)) for name, path, entry in xinetd_forbid]
    if "limits" in xinetd:
        rules.xinetd_limits = _limits(doc, xinetd["limits"])

    connections = data.get("connections", {})
    for state, maximum in sorted(connections.get("max_per_state", {}).items()):
        path = ("connections", "max_per_state", state)
        meta = _meta(doc, path, connections)
        rules.connections.append(ConnectionLimit(state, maximum, RuleMeta(
            doc.location(path, key=True), meta.severity, meta.reason, meta.controls)))

    scan = dict(data.get("scan", {}))
    for key in ("tcp_ports", "udp_ports"):
        if key in scan:
            scan[key] = str(scan[key])
            message = _port_spec_problem(scan[key], allow_none=key == "udp_ports")
            if message:
                problems.append(doc.problem(("scan", key), f"scan.{key}: {message}"))
    rules.scan = scan

    check_ids = [c.value for c in CheckId]
    for index, entry in enumerate(data.get("waivers", [])):
        path = ("waivers", index)
        if entry["check"] not in check_ids:
            problems.append(doc.problem(path + ("check",), f"unknown check id {entry['check']!r}"
                                                           f"{_did_you_mean(entry['check'], check_ids)}"))
            continue
        try:
            expires = dt.date.fromisoformat(str(entry["expires"]))
        except ValueError:
            problems.append(doc.problem(path + ("expires",), f"expires {entry['expires']!r} is not a real date"))
            continue
        match = dict(entry.get("match", {}))
        if "port" in match:
            port_range = _parse_port(match["port"], doc, path + ("match", "port"), problems)
            if port_range is None:
                continue
            match["port"] = str(port_range)
            if entry["check"] not in _WAIVER_MATCH_CHECKS["port"]:
                problems.append(doc.problem(path + ("match", "port"),
                                            f"match.port never matches a {entry['check']} result"))
        rules.waivers.append(Waiver(
            check=CheckId(entry["check"]), match=match, reason=entry["reason"], expires=expires,
            location=doc.location(path), hosts=tuple(entry.get("hosts", ())),
        ))
    if problems:
        raise BaselineError(problems)
    return rules


NamedEntry = tuple[str, Path, Mapping[str, Any]]
"""A normalised name, where its entry is, and the entry (empty for the bare-name form)."""


def _allow_and_forbid(doc: Document, section: str, key: str, what: str, normalise: Callable[[str], str],
                      problems: list[Problem]) -> tuple[list[NamedEntry], list[NamedEntry]]:
    """`SECTION.allow` and `SECTION.forbid` of unit-like names (bare names or objects with
    `key`), normalised. A duplicate allow, and a name both allowed and forbidden in one file,
    are problems (across files, `extends` lets the later file win instead)."""
    body = doc.data.get(section, {})
    allowed: dict[str, Path] = {}
    allow: list[NamedEntry] = []
    for index, raw_name, entry in _unit_entries(body.get("allow", []), key):
        path: Path = (section, "allow", index)
        name = normalise(raw_name)
        if name in allowed:
            problems.append(doc.problem(path, f"duplicate {section}.allow entry {name!r}"))
        allowed[name] = path
        allow.append((name, path, entry))
    forbid: list[NamedEntry] = []
    for index, raw_name, entry in _unit_entries(body.get("forbid", []), key):
        path = (section, "forbid", index)
        name = normalise(raw_name)
        if name in allowed:
            problems.append(doc.problem(path, f"{what} {name!r} is both allowed (line "
                                              f"{doc.location(allowed[name]).line}) and forbidden"))
        forbid.append((name, path, entry))
    return allow, forbid


def _port_spec_problem(spec: str, *, allow_none: bool) -> str | None:
    """Why a `scan` port spec is unusable, or None. The nmap collector re-validates it."""
    if spec == "all" or (allow_none and spec == "none"):
        return None
    top = re.fullmatch(r"top:(\d+)", spec)
    if top:
        return None if 1 <= int(top.group(1)) <= 65535 else "top:N needs 1 <= N <= 65535"
    for part in spec.split(","):
        match = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", part)
        if not match:
            words = "`all`, `top:N`" + (", `none`" if allow_none else "")
            return f"{spec!r} is not {words} or a list like 1-1024,8080"
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if not (1 <= low <= high <= 65535):
            return f"{part!r} is not a port range within 1-65535"
    return None


def _limits(doc: Document, limits: Mapping[str, Any]) -> XinetdLimits:
    base: Path = ("xinetd", "limits")
    locations = {key: doc.location(base + (key,), key=True) for key in limits
                 if key not in ("severity", "reason", "controls")}
    return XinetdLimits(
        instances_max=limits["instances"]["max"] if "instances" in limits else None,
        cps_max_rate=limits["cps"]["max_rate"] if "cps" in limits else None,
        per_source_max=limits["per_source"]["max"] if "per_source" in limits else None,
        max_load_max=float(limits["max_load"]["max"]) if "max_load" in limits else None,
        only_from_required=limits.get("only_from") == "required",
        no_access_required=limits.get("no_access") == "required",
        log_on_failure_includes=tuple(limits["log_on_failure"]["includes"]) if "log_on_failure" in limits else (),
        locations=locations,
        meta=_meta(doc, base, limits),
    )


def _covers(forbid: PortForbid, allow: PortAllow) -> bool:
    """True when the forbid makes the allow entry useless: same protocol, whole range inside."""
    return (forbid.protocol in (None, allow.protocol)
            and forbid.ports.low <= allow.ports.low and allow.ports.high <= forbid.ports.high)


def _allow_forbid_conflicts(allow: Sequence[PortAllow], forbid: Sequence[PortForbid]) -> list[Problem]:
    problems = []
    for entry in allow:
        for rule in forbid:
            if _covers(rule, entry):
                loc = entry.meta.location
                problems.append(Problem(loc.file, loc.line, loc.column,
                                        f"{entry.protocol}/{entry.ports} is both allowed and forbidden "
                                        f"(forbid at {rule.meta.location.file}:{rule.meta.location.line})"))
    return problems


# --------------------------------------------------------------------------- extends and merging


def _resolve_parent(name: str, child: Document, location: Location) -> tuple[str, str]:
    """(display path, real path) of an `extends` entry."""
    if name.startswith(resources.BUILTIN_PREFIX):
        policy = name[len(resources.BUILTIN_PREFIX):]
        if policy not in resources.builtin_policy_names():
            choices = resources.builtin_policy_names()
            raise BaselineError([Problem(location.file, location.line, location.column,
                                         f"extends: no built-in policy {policy!r} (available: "
                                         f"{', '.join(choices)}){_did_you_mean(policy, choices)}")])
        return name, str(resources.policy_file(policy))
    base = os.path.dirname(child.real_path)
    real = os.path.normpath(os.path.join(base, name))
    display = os.path.normpath(os.path.join(os.path.dirname(child.path), name))
    return display, real


def _load_chain(path: str, real: str, chain: tuple[tuple[str, str], ...], origin: Location | None) -> list[FileRules]:
    """Files in merge order: parents (depth-first, in `extends` order) before the file itself.

    `chain` holds the (real path, display path) of the files that led here, to name a cycle.
    """
    if origin is not None and real in (link[0] for link in chain):
        pretty = " -> ".join([*(link[1] for link in chain), path])
        raise BaselineError([Problem(origin.file, origin.line, origin.column, f"extends cycle: {pretty}")])
    if origin is not None and len(chain) >= MAX_EXTENDS_DEPTH:
        raise BaselineError([Problem(origin.file, origin.line, origin.column,
                                     f"extends nested deeper than {MAX_EXTENDS_DEPTH} files")])
    try:
        doc = read_document(path, real)
    except BaselineError as exc:
        if origin is not None and exc.problems and exc.problems[0].line == 0:
            reason = exc.problems[0].message
            pretty = " -> ".join([*(link[1] for link in chain), path])
            raise BaselineError([Problem(origin.file, origin.line, origin.column,
                                         f"extends {path!r}: {reason} (chain: {pretty})")]) from None
        raise
    problems = _schema_problems(doc)
    if problems:
        raise BaselineError(problems)
    rules = build_file_rules(doc)
    ordered: list[FileRules] = []
    for parent, location in rules.extends:
        parent_path, parent_real = _resolve_parent(parent, doc, location)
        ordered.extend(_load_chain(parent_path, parent_real, (*chain, (real, path)), location))
    ordered.append(rules)
    return ordered


def _first_occurrences(files: list[FileRules]) -> list[FileRules]:
    """Each file once, where it is first merged. In a diamond (A extends B and C, both extend
    D), D must not be applied again after B: that would undo B's overrides of D."""
    seen: set[str] = set()
    unique = []
    for rules in files:
        if rules.doc.real_path not in seen:
            seen.add(rules.doc.real_path)
            unique.append(rules)
    return unique


def _port_key(ports: PortRange, protocol: Protocol) -> tuple[int, int, str]:
    return (ports.low, ports.high, protocol.value)


def merge(files: Sequence[FileRules], display_path: str) -> Baseline:
    """Fold files in order; later wins. Lists concatenate; same (port, protocol) or unit overrides."""
    top = files[-1]
    allow: dict[tuple[int, int, str], PortAllow] = {}
    forbid: dict[tuple[int, int, str], PortForbid] = {}
    services: dict[str, ServiceRule] = {}
    socket_allow: dict[str, SocketUnitAllow] = {}
    socket_forbid: dict[str, UnitForbid] = {}
    xinetd_allow: dict[str, XinetdAllow] = {}
    xinetd_forbid: dict[str, UnitForbid] = {}
    connections: dict[str, ConnectionLimit] = {}
    waivers: list[Waiver] = []
    scan: dict[str, Any] = {}
    controls: dict[str, str] = {}
    settings: dict[str, Any] = {}
    limits: XinetdLimits | None = None
    for rules in files:
        for entry in rules.port_allow:
            key = _port_key(entry.ports, entry.protocol)
            forbid.pop(key, None)
            allow[key] = entry
        for rule in rules.port_forbid:
            for protocol in ([rule.protocol] if rule.protocol else list(Protocol)):
                key = _port_key(rule.ports, protocol)
                allow.pop(key, None)
                forbid[key] = PortForbid(rule.ports, protocol, rule.meta) if rule.protocol is None else rule
        for service in rules.services:
            services[service.unit] = service
        for socket in rules.socket_allow:
            socket_forbid.pop(socket.unit, None)
            socket_allow[socket.unit] = socket
        for unit in rules.socket_forbid:
            socket_allow.pop(unit.name, None)
            socket_forbid[unit.name] = unit
        for xinetd_service in rules.xinetd_allow:
            xinetd_forbid.pop(xinetd_service.name, None)
            xinetd_allow[xinetd_service.name] = xinetd_service
        for unit in rules.xinetd_forbid:
            xinetd_allow.pop(unit.name, None)
            xinetd_forbid[unit.name] = unit
        for limit in rules.connections:
            connections[limit.state] = limit
        waivers.extend(rules.waivers)
        scan.update(rules.scan)
        controls.update(rules.controls)
        limits = _merge_limits(limits, rules.xinetd_limits)
        for name in ("name", "description", "default_severity", "targets", "ports_default", "ports_location",
                     "socket_default", "socket_location", "xinetd_default", "xinetd_location"):
            value = getattr(rules, name)
            if value is not None:
                settings[name] = value
    forbid_both = _collapse_forbid(forbid)
    problems = _allow_forbid_conflicts(list(allow.values()), forbid_both)
    if problems:
        raise BaselineError(problems)
    name = settings.get("name") or os.path.splitext(os.path.basename(top.doc.path))[0]
    baseline = Baseline(
        path=display_path,
        name=name,
        description=settings.get("description"),
        sources=_sources(files),
        default_severity=settings.get("default_severity"),
        targets=settings.get("targets") or (),
        controls=controls,
        ports=PortsPolicy(settings.get("ports_default", DefaultPolicy.ALLOW), tuple(allow.values()),
                          tuple(forbid_both), settings.get("ports_location")),
        services=tuple(services.values()),
        socket_units=SocketUnitsPolicy(settings.get("socket_default", DefaultPolicy.ALLOW),
                                       tuple(socket_allow.values()), tuple(socket_forbid.values()),
                                       settings.get("socket_location")),
        xinetd=XinetdPolicy(settings.get("xinetd_default", DefaultPolicy.ALLOW), tuple(xinetd_allow.values()),
                            tuple(xinetd_forbid.values()), limits, settings.get("xinetd_location")),
        connections=tuple(connections.values()),
        scan=ScanSettings(**scan),
        waivers=tuple(waivers),
    )
    return baseline


_LIMIT_FIELDS = {
    "instances": "instances_max",
    "cps": "cps_max_rate",
    "per_source": "per_source_max",
    "max_load": "max_load_max",
    "only_from": "only_from_required",
    "no_access": "no_access_required",
    "log_on_failure": "log_on_failure_includes",
}
"""`xinetd.limits` key -> `XinetdLimits` field."""


def _merge_limits(earlier: XinetdLimits | None, later: XinetdLimits | None) -> XinetdLimits | None:
    """`xinetd.limits` merged key by key: a child setting `max_load` keeps its parents' `instances`.

    Each limit is a scalar setting, so the last file that sets it wins (a child replacing the
    whole mapping would silently drop limits a parent policy such as builtin:xinetd-hardening
    requires). Each limit keeps the location of the file that set it; `severity`, `reason` and
    `controls` on `limits:` are the last file's, else the earlier one's.
    """
    if earlier is None or later is None:
        return later or earlier
    values = {field_name: getattr(later if key in later.locations else earlier, field_name)
              for key, field_name in _LIMIT_FIELDS.items()}
    meta = later.meta
    if meta is not None and earlier.meta is not None:
        meta = replace(meta, severity=meta.severity or earlier.meta.severity,
                       reason=meta.reason or earlier.meta.reason, controls=meta.controls or earlier.meta.controls)
    return XinetdLimits(**values, locations={**earlier.locations, **later.locations}, meta=meta or earlier.meta)


def _collapse_forbid(forbid: Mapping[tuple[int, int, str], PortForbid]) -> list[PortForbid]:
    """Per-protocol forbid entries back to one entry where both protocols come from one rule."""
    result: list[PortForbid] = []
    seen: set[tuple[int, int, int, str]] = set()
    for (low, high, protocol), rule in forbid.items():
        other = forbid.get((low, high, "udp" if protocol == "tcp" else "tcp"))
        if other is not None and other.meta == rule.meta:
            marker = (low, high, rule.meta.location.line, rule.meta.location.file)
            if marker in seen:
                continue
            seen.add(marker)
            result.append(PortForbid(rule.ports, None, rule.meta))
        else:
            result.append(rule)
    return result


def _sources(files: Sequence[FileRules]) -> tuple[BaselineSource, ...]:
    """Top-level file first, then its parents in merge order; each file once."""
    seen: dict[str, BaselineSource] = {}
    for rules in [files[-1], *files[:-1]]:
        seen.setdefault(rules.doc.real_path, BaselineSource(rules.doc.path, rules.doc.sha256))
    return tuple(seen.values())


def _meta_data(meta: RuleMeta) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if meta.reason:
        data["reason"] = meta.reason
    if meta.severity:
        data["severity"] = meta.severity.value
    if meta.controls:
        data["controls"] = list(meta.controls)
    return data


def resolved_document(baseline: Baseline) -> dict[str, Any]:
    """The merged baseline as baseline YAML data (no `extends`): the evidence bundle's copy."""
    doc: dict[str, Any] = {"version": 1, "name": baseline.name}
    if baseline.description:
        doc["description"] = baseline.description
    if baseline.default_severity:
        doc["defaults"] = {"severity": baseline.default_severity.value}
    if baseline.targets:
        doc["targets"] = list(baseline.targets)
    if baseline.controls:
        doc["controls"] = dict(baseline.controls)
    doc["ports"] = {
        "default": baseline.ports.default.value,
        "allow": [{"port": str(a.ports) if a.ports.low != a.ports.high else a.ports.low,
                   "protocol": a.protocol.value,
                   **({"process": a.process} if a.process else {}), **({"user": a.user} if a.user else {}),
                   **({"bind": list(a.bind)} if a.bind else {}),
                   **({"exposure": a.exposure.value} if a.exposure else {}),
                   **({"required": True} if a.required else {}), **_meta_data(a.meta)}
                  for a in baseline.ports.allow],
        "forbid": [{"port": str(f.ports) if f.ports.low != f.ports.high else f.ports.low,
                    **({"protocol": f.protocol.value} if f.protocol else {}), **_meta_data(f.meta)}
                   for f in baseline.ports.forbid],
    }
    doc["services"] = [{"unit": s.unit, **({"running": s.running} if s.running is not None else {}),
                        **({"enabled": s.enabled} if s.enabled is not None else {}),
                        **({"absent_ok": True} if s.absent_ok else {}), **_meta_data(s.meta)}
                       for s in baseline.services]
    doc["socket_units"] = {
        "default": baseline.socket_units.default.value,
        "allow": [{"unit": s.unit, **({"listen": list(s.listen)} if s.listen is not None else {}),
                   **_meta_data(s.meta)} for s in baseline.socket_units.allow],
        "forbid": [{"unit": u.name, **_meta_data(u.meta)} for u in baseline.socket_units.forbid],
    }
    xinetd: dict[str, Any] = {
        "default": baseline.xinetd.default.value,
        "allow": [{"service": x.name, **_meta_data(x.meta)} for x in baseline.xinetd.allow],
        "forbid": [{"service": u.name, **_meta_data(u.meta)} for u in baseline.xinetd.forbid],
    }
    limits = baseline.xinetd.limits
    if limits:
        xinetd["limits"] = {
            **({"instances": {"max": limits.instances_max}} if limits.instances_max is not None else {}),
            **({"cps": {"max_rate": limits.cps_max_rate}} if limits.cps_max_rate is not None else {}),
            **({"per_source": {"max": limits.per_source_max}} if limits.per_source_max is not None else {}),
            **({"max_load": {"max": limits.max_load_max}} if limits.max_load_max is not None else {}),
            **({"only_from": "required"} if limits.only_from_required else {}),
            **({"no_access": "required"} if limits.no_access_required else {}),
            **({"log_on_failure": {"includes": list(limits.log_on_failure_includes)}}
               if limits.log_on_failure_includes else {}),
            **(_meta_data(limits.meta) if limits.meta else {}),
        }
    doc["xinetd"] = xinetd
    if baseline.connections:
        doc["connections"] = {"max_per_state": {c.state: c.max for c in baseline.connections}}
    scan = baseline.scan
    doc["scan"] = {"tcp_ports": scan.tcp_ports, "udp_ports": scan.udp_ports,
                   "service_detection": scan.service_detection, "timing": scan.timing,
                   "host_timeout": scan.host_timeout}
    doc["waivers"] = [{"check": w.check.value, **({"match": dict(w.match)} if w.match else {}),
                       **({"hosts": list(w.hosts)} if w.hosts else {}), "reason": w.reason,
                       "expires": w.expires.isoformat()} for w in baseline.waivers]
    return doc


# --------------------------------------------------------------------------- public API

DEFAULT_POLICY = "builtin:default"


def load_baseline(path: str | None = None) -> Baseline:
    """Load, validate and resolve a baseline; None = the bundled `policies/default.yaml`.

    Raises `BaselineError` (an `InputError`, exit 2) listing every located problem.
    """
    display = path or DEFAULT_POLICY
    if display.startswith(resources.BUILTIN_PREFIX):
        policy = display[len(resources.BUILTIN_PREFIX):]
        if policy not in resources.builtin_policy_names():
            raise _whole_file(display, f"no built-in policy {policy!r} (available: "
                                       f"{', '.join(resources.builtin_policy_names())})")
        real = str(resources.policy_file(policy))
    else:
        real = display
    files = _first_occurrences(_load_chain(display, os.path.abspath(real), (), None))
    return merge(files, display)


def validate_paths(paths: Sequence[str]) -> list[Problem]:
    """Every problem in every file (empty = all valid), sorted; for `surfacecheck validate`."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_baseline(path)
        except BaselineError as exc:
            problems.extend(exc.problems)
    return sorted(set(problems), key=Problem.sort_key)

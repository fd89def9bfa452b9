"""Convert the frozen dataclasses of `checker.model` to and from JSON-compatible data.

One generic pair of functions instead of a `to_dict`/`from_dict` on every class: the field
types are the schema. `to_data` keeps every field (None included), so JSON outputs have a
fixed shape and golden files stay stable. Keys are sorted by `json.dumps(sort_keys=True)`
at write time, not here.

`from_data` is strict: unknown keys and wrong types raise `ValueError` with the JSON path,
which callers turn into an `InputError` naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Exact types returned as they are (subclasses such as StrEnum take the slower checks)."""


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, None for any other type (cached per type)."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        _FIELD_NAMES[cls] = names
        return names


def to_data(value: Any) -> Any:
    """A dataclass tree -> dicts, lists, strings, numbers, booleans and None.

    Hot path of every JSON output (a 10,000-listener report converts ~1 million values), so
    plain values are taken as they are without a call (most fields and evidence values are
    plain) and dataclass fields are looked up once per type: several times faster than the
    straightforward version, same output (benchmarks/RESULTS.md, benchmark 1).
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _field_names(kind)
    if names is not None:
        fields = {}
        for name in names:
            item = getattr(value, name)
            fields[name] = item if type(item) in _PLAIN else to_data(item)
        return fields
    if isinstance(value, enum.Enum):
        return value._value_  # what `.value` returns, without the descriptor (a third of the enum cost)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else to_data(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [v if type(v) in _PLAIN else to_data(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(cls: type[T], data: Any, path: str = "$") -> T:
    """Build `cls` (a dataclass, enum, or plain type) from `to_data` output."""
    return typing.cast(T, _convert(cls, data, path))


def _convert(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, data, path)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"{path}: unexpected null")
    if tp is Any:
        return data
    if origin is tuple:
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a list")
        (item,) = typing.get_args(tp)[:1]
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(data))
    if origin in (Mapping, dict, typing.Mapping) or tp in (dict, Mapping):
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object")
        args = typing.get_args(tp)
        value_type = args[1] if len(args) == 2 else Any
        return {k: _convert(value_type, v, f"{path}.{k}") for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object for {tp.__name__}")
        hints = _hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"{path}: unknown key {unknown[0]!r}")
        kwargs = {}
        for name, f in fields.items():
            if name in data:
                kwargs[name] = _convert(hints[name], data[name], f"{path}.{name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{path}: missing key {name!r}")
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            raise ValueError(f"{path}: {data!r} is not a valid {tp.__name__}") from None
    if tp is dt.date:
        try:
            return dt.date.fromisoformat(data)
        except (TypeError, ValueError):
            raise ValueError(f"{path}: {data!r} is not a date") from None
    if tp is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        raise ValueError(f"{path}: expected a number")
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise ValueError(f"{path}: expected an integer")
    if tp in (str, bool):
        if type(data) is tp:
            return data
        raise ValueError(f"{path}: expected a {tp.__name__}")
    raise ValueError(f"{path}: cannot convert to {tp!r}")


def dumps_by_line(value: Any, *, depth: int, records: frozenset[str] = frozenset()) -> str:
    """Deterministic JSON laid out one record per line, fast on large documents.

    Containers nested less than `depth` deep are written one member per line (indented by
    two spaces), a list exactly `depth` deep too; anything deeper is written on one line by
    the C encoder. `json.dumps(indent=2)` gives the same data but goes through Python's
    pure-Python encoder (about 40 % of a 10,000-listener audit); a fully compact dump is fast
    but puts a 36 MB report on one line. With the right `depth` each result, listener or unit
    is one line: readable, and friendly to `diff` and `git`. Keys are sorted; non-ASCII is
    escaped (`\\uXXXX`), so control characters and lone surrogates survive.

    `records` names keys whose list holds one record a line however shallow it is (SARIF's
    `results` sit above the depth its notifications and rules need).
    """
    return "".join(iter_dumps_by_line(value, depth=depth, records=records))


class StreamedList:
    """A JSON list whose items are made one at a time while it is written (`iter_dumps_by_line`).

    What a fleet report needs: the results document of 1,000 hosts is written host by host,
    so only one host's plain data exists at a time, never the whole tree.
    """

    def __init__(self, count: int, items: Callable[[], Iterator[Any]]) -> None:
        self.count = count
        """How many items `items()` gives (an empty list is written `[]`)."""
        self.items = items


def iter_dumps_by_line(value: Any, *, depth: int, records: frozenset[str] = frozenset()) -> Iterator[str]:
    """`dumps_by_line` as pieces, in order (a `StreamedList` anywhere is written as a list)."""
    if _expands(value, 0, depth):
        yield from _dump_lines(value, 0, depth, records)
    else:
        yield _COMPACT(value)
    yield "\n"


def _streamed_items(value: Any) -> list[Any]:
    """The C encoder's hook for what it cannot write itself: a `StreamedList` written on one line."""
    if isinstance(value, StreamedList):
        return list(value.items()) if value.count else []
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_COMPACT = json.JSONEncoder(sort_keys=True, separators=(", ", ": "), default=_streamed_items).encode


def _expands(value: Any, level: int, depth: int) -> bool:
    """Whether `value`, `level` deep, is written one member a line (else compact, on one line)."""
    if isinstance(value, StreamedList):
        return value.count > 0 and level <= depth
    return isinstance(value, (dict, list)) and bool(value) and (
        level < depth or (level == depth and isinstance(value, list)))


def _dump_lines(value: Any, level: int, depth: int, records: frozenset[str]) -> Iterator[str]:
    """`value` (which `_expands`) one member a line. Members written compact are gathered and
    given as one piece: a piece per record through nested generators was a third of the time."""
    inner = "\n" + "  " * (level + 1)
    pending: list[str] = []
    if isinstance(value, dict):
        pending.append("{")
        for index, key in enumerate(sorted(value)):
            pending.append(("," if index else "") + inner + _COMPACT(key) + ": ")
            item = value[key]
            if key in records and isinstance(item, list) and item:
                record = inner + "  "
                pending.append("[" + record + ("," + record).join([_COMPACT(v) for v in item]) + inner + "]")
            else:
                yield from _member(item, level + 1, depth, records, pending)
        pending.append("\n" + "  " * level + "}")
    else:
        pending.append("[")
        items: Iterable[Any] = value.items() if isinstance(value, StreamedList) else value
        for index, item in enumerate(items):
            pending.append(("," if index else "") + inner)
            yield from _member(item, level + 1, depth, records, pending)
        pending.append("\n" + "  " * level + "]")
    yield "".join(pending)


def _member(item: Any, level: int, depth: int, records: frozenset[str], pending: list[str]) -> Iterator[str]:
    """One member of an expanded container: kept in `pending` when compact, else `pending` is
    given out first and the member is written one of its own members a line."""
    if not _expands(item, level, depth):
        pending.append(_COMPACT(item))
        return
    yield "".join(pending)
    pending.clear()
    yield from _dump_lines(item, level, depth, records)

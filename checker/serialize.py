"""Convert the frozen dataclasses of `checker.models` to and from JSON-compatible data.

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
import types
import typing
from collections.abc import Mapping
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
    plain values return first and dataclass fields are looked up once per type: 2.3x faster
    than the straightforward version, same output (benchmarks/RESULTS.md, benchmark 1).
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _field_names(kind)
    if names is not None:
        return {name: to_data(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_data(v) for v in value]
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

"""`default`, `allow` and `forbid`: the shape `ports`, `socket_units` and `xinetd` share, read and merged once.

Merging across `extends` is the same for the three sections: entries are keyed (port range
and protocol, socket unit name, xinetd service name); a later file's `allow` entry replaces
an earlier `allow` or `forbid` entry of the same key, a later `forbid` entry likewise, and
`default` is the last file's that sets one. Within one file the sections report a key both
allowed and forbidden instead (across files, overriding is the point of `extends`).

The unit-like names of `socket_units` and `xinetd` (a bare name, or an object with a name
key) are read here too, by `parse_named_allow_forbid`. Ports are read by `ports.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from checker.errors import Problem
from checker.model import DefaultPolicy, Location, RuleMeta, UnitForbid
from checker.policy.sections.interface import later_if_set
from checker.policy.sections.rule_meta import dump_rule_meta, parse_rule_meta
from checker.policy.yaml_positions import Document, Path

Key = TypeVar("Key")
Allowed = TypeVar("Allowed")
Forbidden = TypeVar("Forbidden")


@dataclass(frozen=True)
class AllowForbid(Generic[Key, Allowed, Forbidden]):
    """What one file (or a merge of files) says in an allow/forbid section."""

    default: DefaultPolicy | None
    """None = not set (a resolved baseline then says `allow`)."""
    location: Location | None
    """Where `default:` is written (the section's key when it sets none): `default: deny`
    results point there, at the line that made the listener a problem. None = absent."""
    allow: Mapping[Key, Allowed]
    forbid: Mapping[Key, Forbidden]

    def merged_with(self, later: AllowForbid[Key, Allowed, Forbidden]) -> AllowForbid[Key, Allowed, Forbidden]:
        """`later` layered over this: same key, later wins, whether it allows or forbids."""
        allow = dict(self.allow)
        forbid = dict(self.forbid)
        for key, entry in later.allow.items():
            forbid.pop(key, None)
            allow[key] = entry
        for key, rule in later.forbid.items():
            allow.pop(key, None)
            forbid[key] = rule
        # the location follows the default: a later file that only adds entries keeps the
        # `default: deny` line of the file that set it
        location = later.location if later.default is not None or self.location is None else self.location
        return AllowForbid(later_if_set(self.default, later.default), location, allow, forbid)

    @property
    def resolved_default(self) -> DefaultPolicy:
        return self.default if self.default is not None else DefaultPolicy.ALLOW


def parse_default(doc: Document, section: str) -> tuple[DefaultPolicy | None, Location | None]:
    """`SECTION.default` and where it is written (where `SECTION:` is, when it sets no default),
    each None when the file does not have the section."""
    body = doc.data.get(section, {})
    default = DefaultPolicy(body["default"]) if "default" in body else None
    location = None
    if section in doc.data:
        location = doc.location((section, "default") if default is not None else (section,), key=True)
    return default, location


def _named_entries(items: list[Any], key: str) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """(index, name, entry) of `allow`/`forbid` items: a bare name is an entry without options."""
    for index, item in enumerate(items):
        if isinstance(item, str):
            yield index, item, {}
        else:
            yield index, item[key], item


def parse_named_allow_forbid(
    doc: Document,
    section: str,
    key: str,
    what: str,
    normalise: Callable[[str], str],
    make_allow: Callable[[str, RuleMeta, Mapping[str, Any]], Allowed],
    problems: list[Problem],
) -> AllowForbid[str, Allowed, UnitForbid]:
    """`SECTION.allow` and `SECTION.forbid` of unit-like names (bare or objects with `key`), normalised.

    A duplicate allow, and a name both allowed and forbidden in one file, are problems. A
    repeated forbid is harmless: the last one's meta is kept.
    """
    default, location = parse_default(doc, section)
    body = doc.data.get(section, {})
    allowed_at: dict[str, Path] = {}
    allow: dict[str, Allowed] = {}
    for index, raw_name, entry in _named_entries(body.get("allow", []), key):
        path: Path = (section, "allow", index)
        name = normalise(raw_name)
        if name in allowed_at:
            problems.append(doc.problem(path, f"duplicate {section}.allow entry {name!r}"))
        allowed_at[name] = path
        allow[name] = make_allow(name, parse_rule_meta(doc, path, entry), entry)
    forbid: dict[str, UnitForbid] = {}
    for index, raw_name, entry in _named_entries(body.get("forbid", []), key):
        path = (section, "forbid", index)
        name = normalise(raw_name)
        if name in allowed_at:
            problems.append(doc.problem(path, f"{what} {name!r} is both allowed (line "
                                              f"{doc.location(allowed_at[name]).line}) and forbidden"))
        forbid[name] = UnitForbid(name, parse_rule_meta(doc, path, entry))
    return AllowForbid(default, location, allow, forbid)


def dump_forbidden_names(key: str, forbid: tuple[UnitForbid, ...]) -> list[dict[str, Any]]:
    """`SECTION.forbid` of a resolved baseline, each name as an object with `key`."""
    return [{key: rule.name, **dump_rule_meta(rule.meta)} for rule in forbid]

"""A service entry (or the `defaults` entry) while xinetd's configuration is being read.

What it is for: the one piece of state the parser (checker/collect/xinetd/parser.py) fills
and the effective configuration (checker/collect/xinetd/effective.py) completes. Mutable on
purpose, like xinetd's own service config while it parses; it never leaves the package: the
result is the frozen `XinetdService` of checker/model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.model import Location, XinetdValue


@dataclass
class Entry:
    """A service (or the defaults) while it is being parsed. Mutable on purpose; never escapes."""

    name: str
    location: Location
    values: dict[str, XinetdValue] = field(default_factory=dict)
    specified: set[str] = field(default_factory=set)
    """Attributes the entry itself set successfully (xinetd's SC_SPECIFIED)."""
    disabled_reason: str | None = None
    """Set while the entry is marked disabled (SC_DISABLE); `disable = no` clears it."""
    dropped: str | None = None
    """The entry never reaches the service list (disable = yes, syntax error)."""


def entry_id(entry: Entry) -> str:
    """The service id: the `id` attribute, else the service name."""
    value = entry.values.get("id")
    return value.values[0] if value and value.values else entry.name


def first_value(entry: Entry, key: str) -> str | None:
    """The first value of attribute `key`, or None when it is not set."""
    value = entry.values.get(key)
    return value.values[0] if value and value.values else None

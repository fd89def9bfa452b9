"""One host's ports indexed by (protocol, port), and the governing `allow` entry per port.

What it is for: keeping the ports family linear in rules + listeners. Without it, every
`forbid` and `required` entry scanned every listener, and `default: deny` searched the whole
`allow` list once per listener: 5,000 rules against 11,000 listeners took 17x longer than
50 rules (benchmarks/RESULTS.md). `PortIndex` answers "which listeners / open scanned ports
of this protocol fall in this range" by bisecting the sorted distinct ports; `AllowIndex`
answers "which entry governs this (protocol, port)" from a dict of single-port entries and
the (few) range entries, by the family's matching rule (narrowest range, then first:
`checker.evaluate.ports`), cached per key; `ForbidIndex` whether a `forbid` entry covers a
(protocol, port).

Lists come back in the order of the views (`PortViews.listeners`, `open_ports`), so results
are produced in the same order as by a scan. The rule modules are called once per rule with
the same `PortViews`; `port_index` and `allow_index` keep the index of the last views and
allow list they saw (by identity), so one host's index is built once.

Must not: decide a result, or do I/O.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Generic, TypeVar

from checker.evaluate.ports.views import PortViews
from checker.model import Listener, PortAllow, PortForbid, PortRange, Protocol, ScannedPort

Item = TypeVar("Item", Listener, ScannedPort)


class _ByPort(Generic[Item]):
    """Items having a protocol and a port, found by (protocol, range) in their original order."""

    def __init__(self, items: Sequence[Item]) -> None:
        self._at: dict[tuple[Protocol, int], list[tuple[int, Item]]] = {}
        for position, item in enumerate(items):
            self._at.setdefault((item.protocol, item.port), []).append((position, item))
        self._ports: dict[Protocol, list[int]] = {}
        for protocol, port in self._at:
            self._ports.setdefault(protocol, []).append(port)
        for ports in self._ports.values():
            ports.sort()

    def within(self, protocol: Protocol, ports: PortRange) -> list[Item]:
        known = self._ports.get(protocol, [])
        first = bisect.bisect_left(known, ports.low)
        last = bisect.bisect_right(known, ports.high)
        if first == last:
            return []
        if last - first == 1:
            return [item for _, item in self._at[(protocol, known[first])]]
        found = [entry for port in known[first:last] for entry in self._at[(protocol, port)]]
        found.sort(key=lambda entry: entry[0])
        return [item for _, item in found]


class PortIndex:
    """The listeners and open scanned ports of one host's `PortViews`, by (protocol, port)."""

    def __init__(self, views: PortViews) -> None:
        self._listeners = _ByPort(views.listeners)
        self._open = _ByPort(views.open_ports)

    def listeners_in(self, protocol: Protocol, ports: PortRange) -> list[Listener]:
        return self._listeners.within(protocol, ports)

    def open_ports_in(self, protocol: Protocol, ports: PortRange) -> list[ScannedPort]:
        return self._open.within(protocol, ports)


class AllowIndex:
    """The governing entry of each (protocol, port): the narrowest matching range, then the first."""

    def __init__(self, allow: Sequence[PortAllow]) -> None:
        self._single: dict[tuple[Protocol, int], PortAllow] = {}
        self._ranges: list[PortAllow] = []
        for entry in allow:
            if entry.ports.low == entry.ports.high:
                # Width 0 is the narrowest possible: the first such entry always governs.
                self._single.setdefault((entry.protocol, entry.ports.low), entry)
            else:
                self._ranges.append(entry)
        self._cache: dict[tuple[Protocol, int], PortAllow | None] = {}

    def governing(self, protocol: Protocol, port: int) -> PortAllow | None:
        key = (protocol, port)
        try:
            return self._cache[key]
        except KeyError:
            pass
        best = self._single.get(key)
        if best is None:
            for entry in self._ranges:
                if entry.protocol != protocol or port not in entry.ports:
                    continue
                if best is None or entry.ports.high - entry.ports.low < best.ports.high - best.ports.low:
                    best = entry
        self._cache[key] = best
        return best


class ForbidIndex:
    """Whether some `forbid` entry covers a (protocol, port): single ports by key, the few
    ranges scanned (one finding per problem asks this of every listener and open port)."""

    def __init__(self, forbids: Sequence[PortForbid]) -> None:
        self._single: set[tuple[Protocol, int]] = set()
        self._ranges: list[PortForbid] = []
        for rule in forbids:
            if rule.ports.low == rule.ports.high:
                for protocol in (rule.protocol,) if rule.protocol is not None else tuple(Protocol):
                    self._single.add((protocol, rule.ports.low))
            else:
                self._ranges.append(rule)

    def covers(self, protocol: Protocol, port: int) -> bool:
        return (protocol, port) in self._single or any(
            port in rule.ports and rule.protocol in (None, protocol) for rule in self._ranges)


_last_port_index: tuple[PortViews, PortIndex] | None = None
_last_allow_index: tuple[Sequence[PortAllow], AllowIndex] | None = None
_last_forbid_index: tuple[Sequence[PortForbid], ForbidIndex] | None = None


def port_index(views: PortViews) -> PortIndex:
    """The index of `views`, built once per host (the last views seen are kept)."""
    global _last_port_index
    if _last_port_index is None or _last_port_index[0] is not views:
        _last_port_index = (views, PortIndex(views))
    return _last_port_index[1]


def allow_index(allow: Sequence[PortAllow]) -> AllowIndex:
    """The index of a baseline's `ports.allow`, built once per baseline (the last one is kept)."""
    global _last_allow_index
    if _last_allow_index is None or _last_allow_index[0] is not allow:
        _last_allow_index = (allow, AllowIndex(allow))
    return _last_allow_index[1]


def forbid_index(forbids: Sequence[PortForbid]) -> ForbidIndex:
    """The index of a baseline's `ports.forbid`, built once per baseline (the last one is kept)."""
    global _last_forbid_index
    if _last_forbid_index is None or _last_forbid_index[0] is not forbids:
        _last_forbid_index = (forbids, ForbidIndex(forbids))
    return _last_forbid_index[1]

"""The port-spec language of `scan.tcp_ports`, `scan.udp_ports`, `--tcp-ports` and `--udp-ports`.

A spec is `all`, `top:N`, a list such as `1-1024,8080`, or `none` where the caller allows it.
The baseline loader (`checker/policy/sections/scan.py`) and the nmap command-line builder
(`checker/collect/nmap/args.py`) both read specs through `parse_port_spec`, so a spec that
validates in a baseline is one nmap's argv can be built from.

The parser says *what* is wrong (`PortSpecError.fault`, and the offending list item) and
leaves the wording to its callers: the loader reports a located baseline problem, the nmap
builder a command-line `UsageError`, each with the messages users already know. It is a pure
leaf of `checker.model`: no I/O, no `checker.errors`, nothing from the stages above.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from checker.model.baseline import PortRange

MAX_TOP_PORTS = 65_535
"""Largest N of `top:N` (nmap's services list is shorter, but nmap accepts it)."""

# Every number of a spec has at most five digits: a longer one can only be out of range, and
# `int()` of thousands of digits is slow (and refused beyond 4,300 digits).
_TOP = re.compile(r"top:(\d{1,5})")
_PORT_LIST = re.compile(r"\d{1,5}(?:-\d{1,5})?(?:,\d{1,5}(?:-\d{1,5})?)*")


class PortSpecFault(enum.Enum):
    """Why a text is not a usable port spec."""

    NOT_A_SPEC = "not-a-spec"
    """Not `all`, `top:N`, an allowed `none`, nor a comma-separated list of ports and ranges."""
    TOP_OUT_OF_RANGE = "top-out-of-range"
    """`top:N` with N outside 1..`MAX_TOP_PORTS`."""
    ITEM_OUT_OF_RANGE = "item-out-of-range"
    """A list item whose ports are outside 1..65535 or whose range is descending."""


class PortSpecError(ValueError):
    """A text that is not a port spec; callers turn it into their own error and message."""

    def __init__(self, fault: PortSpecFault, item: str = "") -> None:
        super().__init__(f"{fault.value}: {item}" if item else fault.value)
        self.fault = fault
        """What is wrong."""
        self.item = item
        """The offending list item (`ITEM_OUT_OF_RANGE` only), e.g. `1-99999`."""


@dataclass(frozen=True)
class PortSpec:
    """A parsed port spec."""

    top: int | None = None
    """`top:N`: nmap's N most common ports."""
    ranges: tuple[PortRange, ...] = ()
    """An explicit list, sorted, without repeats (`all` is 1-65535)."""

    @property
    def none(self) -> bool:
        return self.top is None and not self.ranges

    def nmap_list(self) -> str:
        return ",".join(str(r) for r in self.ranges)

    def __str__(self) -> str:
        if self.top is not None:
            return f"top:{self.top}"
        return self.nmap_list() or "none"


def parse_port_spec(text: str, *, allow_none: bool) -> PortSpec:
    """`all` | `top:N` | `1-1024,8080` (| `none` when `allow_none`) -> `PortSpec`.

    Exact text: no case folding and no stripping (a caller that accepts `ALL` lowers it
    first). The whole text must have the list shape before any number is range-checked.
    Raises `PortSpecError`.
    """
    if text == "none" and allow_none:
        return PortSpec()
    if text == "all":
        return PortSpec(ranges=(PortRange(1, 65535),))
    top = _TOP.fullmatch(text)
    if top is not None:
        count = int(top.group(1))
        if not 1 <= count <= MAX_TOP_PORTS:
            raise PortSpecError(PortSpecFault.TOP_OUT_OF_RANGE)
        return PortSpec(top=count)
    if not _PORT_LIST.fullmatch(text):
        raise PortSpecError(PortSpecFault.NOT_A_SPEC)
    ranges = []
    for item in text.split(","):
        low_text, _, high_text = item.partition("-")
        low, high = int(low_text), int(high_text or low_text)
        if not 1 <= low <= high <= 65535:
            raise PortSpecError(PortSpecFault.ITEM_OUT_OF_RANGE, item)
        ranges.append(PortRange(low, high))
    return PortSpec(ranges=tuple(sorted(set(ranges), key=lambda r: (r.low, r.high))))

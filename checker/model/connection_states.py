"""TCP connection states: the one vocabulary of `connections:` rules and the snapshot's counts. Pure.

A state is one of the kernel's TCP states (include/net/tcp_states.h), named as `ss` prints
them in full (`ESTABLISHED`, not its column abbreviation `ESTAB`). The baseline's
`connections.max_per_state` keys, the snapshot's `connection_states` keys and the result
resources (`connections:SYN-RECV`) all go through `parse_tcp_state`, so a rule and a count
can only meet under one name.

Accepted spellings (upper case, exactly; schemas/baseline.schema.json lists them, generated
from `SPELLINGS`):

* the `ss` name (`SYN-RECV`), or the same with `_` for each `-` (`SYN_RECV`, psutil's and
  the kernel's style);
* a few aliases of the same state, each also with `_`: `SYN-RECEIVED` (RFC 793's name),
  `NEW-SYN-RECV` (the kernel's request socket, which `ss` and the collector count as
  SYN-RECV), `FIN-WAIT1` / `FIN-WAIT2` and `CLOSE` (psutil and kernel names), `ESTAB`
  (the abbreviation in `ss`'s State column).

Anything else is not a state: a baseline that names one is an input error with a "did you
mean" (`suggest_tcp_state`), never a rule that silently counts nothing. Must not do I/O.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping


class TcpState(enum.StrEnum):
    """A kernel TCP state, valued as `ss` prints it."""

    ESTABLISHED = "ESTABLISHED"
    SYN_SENT = "SYN-SENT"
    SYN_RECV = "SYN-RECV"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    TIME_WAIT = "TIME-WAIT"
    CLOSED = "CLOSED"
    CLOSE_WAIT = "CLOSE-WAIT"
    LAST_ACK = "LAST-ACK"
    LISTEN = "LISTEN"
    CLOSING = "CLOSING"


KERNEL_TCP_STATES: Mapping[int, TcpState] = {
    1: TcpState.ESTABLISHED, 2: TcpState.SYN_SENT, 3: TcpState.SYN_RECV, 4: TcpState.FIN_WAIT_1,
    5: TcpState.FIN_WAIT_2, 6: TcpState.TIME_WAIT, 7: TcpState.CLOSED, 8: TcpState.CLOSE_WAIT,
    9: TcpState.LAST_ACK, 10: TcpState.LISTEN, 11: TcpState.CLOSING, 12: TcpState.SYN_RECV,
}
"""The kernel's state numbers (tcp_states.h); 12 is TCP_NEW_SYN_RECV, a half-open request
socket, which `ss` shows as SYN-RECV."""

_ALIASES: Mapping[str, TcpState] = {
    "SYN-RECEIVED": TcpState.SYN_RECV,
    "NEW-SYN-RECV": TcpState.SYN_RECV,
    "FIN-WAIT1": TcpState.FIN_WAIT_1,
    "FIN-WAIT2": TcpState.FIN_WAIT_2,
    "CLOSE": TcpState.CLOSED,
    "ESTAB": TcpState.ESTABLISHED,
}


def _spellings() -> dict[str, TcpState]:
    names: dict[str, TcpState] = {state.value: state for state in TcpState}
    names.update(_ALIASES)
    return {variant: state for name, state in names.items() for variant in (name, name.replace("-", "_"))}


SPELLINGS: Mapping[str, TcpState] = dict(sorted(_spellings().items()))
"""Every accepted spelling (see the module docstring) and the state it names."""


def parse_tcp_state(text: str) -> TcpState | None:
    """The state `text` names (`SYN_RECV` -> SYN-RECV), None when it names none.

    Case-insensitive, so that hand-written snapshots are read the way they were meant; the
    baseline schema is stricter and accepts only the upper-case spellings."""
    return SPELLINGS.get(text.strip().upper())


def suggest_tcp_state(text: str) -> TcpState | None:
    """The state closest to a misspelling (`ESTABLISHD` -> ESTABLISHED), None when nothing is close."""
    close = difflib.get_close_matches(text.strip().upper(), list(SPELLINGS), n=1, cutoff=0.6)
    return SPELLINGS[close[0]] if close else None

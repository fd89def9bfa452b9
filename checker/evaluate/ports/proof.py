"""What each nmap scan technique can prove about a port: the "what proves what" table.

A port state proves something only when the technique can tell it apart (nmap(1), "Port
Scanning Techniques"; docs/evaluation.md has the same table for users):

* SYN and connect scans: `open` proves open (a SYN/ACK or a completed handshake), `closed`
  proves closed (a RST), `filtered` proves unreachable (no answer, or an ICMP error).
* UDP, NULL, FIN, Xmas and SCTP INIT scans: `closed` proves closed (a RST or ICMP port
  unreachable), `filtered` proves unreachable (another ICMP unreachable error), `open` proves
  open (an answer, e.g. after `-sV`); `open|filtered` (no answer) proves nothing: a listener
  that ignores the probe looks exactly like a firewall that drops it.
* ACK, Window and Maimon scans map firewall rules, not listeners: nothing they report
  (`unfiltered`, `filtered`, a Window scan's `open`/`closed` from a TCP window field, a
  Maimon scan's `open|filtered`) proves a port open or closed.
* Any other technique, or none known: no proof.

`closed|filtered` (idle scan), `unfiltered` and `open|filtered` prove nothing whatever the
technique. Pure: no I/O.
"""

from __future__ import annotations

import enum


class Proof(enum.StrEnum):
    """What one port state, from one technique, establishes."""

    OPEN = "open"
    """Something answers on the port."""
    CLOSED = "closed"
    """The host answered that nothing listens."""
    UNREACHABLE = "unreachable"
    """The probes do not reach a listener (dropped or refused on the way)."""
    NOTHING = "nothing"
    """The state does not tell open from not open."""


PROVES_NOT_OPEN = frozenset({Proof.CLOSED, Proof.UNREACHABLE})


_DISCRIMINATING = {"open": Proof.OPEN, "closed": Proof.CLOSED, "filtered": Proof.UNREACHABLE}

PROOFS: dict[str, dict[str, Proof]] = {
    "syn": _DISCRIMINATING,
    "connect": _DISCRIMINATING,
    "udp": _DISCRIMINATING,
    "null": _DISCRIMINATING,
    "fin": _DISCRIMINATING,
    "xmas": _DISCRIMINATING,
    "sctpinit": _DISCRIMINATING,
    "ack": {},
    "window": {},
    "maimon": {},
}
"""scan technique (nmap's `scaninfo@type`) -> state -> proof; a state not listed proves nothing."""

FOLDED_STATES: dict[str, tuple[str, ...]] = {
    "syn": ("closed", "filtered"),
    "connect": ("closed", "filtered"),
    "sctpinit": ("closed", "filtered"),
    "udp": ("closed", "filtered", "open|filtered"),
    "null": ("closed", "filtered", "open|filtered"),
    "fin": ("closed", "filtered", "open|filtered"),
    "xmas": ("closed", "filtered", "open|filtered"),
    "maimon": ("closed", "filtered", "open|filtered"),
    "ack": ("unfiltered", "filtered"),
    "window": ("closed", "open", "filtered"),
}
"""The states a scanned-but-unlisted port may have when the XML does not say (an `<extraports>`
without counts, or a snapshot written before `<extraports>` was read): every non-open state the
technique reports. An unknown technique gives `unknown`, which proves nothing."""

SCAN_NAMES = {"syn": "SYN", "connect": "connect", "udp": "UDP", "null": "NULL", "fin": "FIN", "xmas": "Xmas",
              "sctpinit": "SCTP INIT", "ack": "ACK", "window": "Window", "maimon": "Maimon"}


def proof_of(scan_type: str | None, state: str) -> Proof:
    """What `state`, reported by a `scan_type` scan, proves."""
    return PROOFS.get(scan_type or "", {}).get(state, Proof.NOTHING)


def folded_states(scan_type: str | None) -> tuple[str, ...]:
    return FOLDED_STATES.get(scan_type or "", ("unknown",))


def scan_name(scan_type: str | None) -> str:
    """`a SYN scan`, `an ACK scan`, `a scan of unknown type`: for messages."""
    if not scan_type:
        return "a scan of unknown type"
    name = SCAN_NAMES.get(scan_type, f"{scan_type!r}")
    article = "an" if name[0] in "AEIOU" and name != "UDP" else "a"
    return f"{article} {name} scan"

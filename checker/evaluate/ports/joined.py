"""One finding per problem: the inside and outside evidence of one port join, and a forbidden
port is only forbidden (docs/evaluation.md, "One finding per problem").

* A port that a `forbid` entry covers yields `port-forbidden` only; `default: deny` does not
  also report it as `port-unexpected` (the forbid entry decides it, pass or fail).
* An open port the outside view found on a host whose inside view has a listener on the same
  (protocol, port) is not a result of its own: its nmap evidence joins the listener's result
  (`evidence.outside`). Only an open port no listener explains (another namespace, a NAT, an
  inside view not collected) stays a result of its own, resource `tcp/<scanned address>:<port>`.

Check ids and resources stay as they were: a joined result keeps the listener's resource.
Lookups go through `checker.evaluate.ports.index` (by protocol and port), so joining stays
linear in rules + listeners. Pure functions; must not decide a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.evaluate.ports.index import forbid_index, port_index
from checker.evaluate.ports.views import PortViews, listener_evidence, scanned_evidence
from checker.model import Listener, PortForbid, PortRange, Protocol, ScannedPort


def forbidden(forbids: Sequence[PortForbid], protocol: Protocol, port: int) -> bool:
    """Whether a `forbid` entry covers (protocol, port): then only `port-forbidden` speaks of it."""
    return forbid_index(forbids).covers(protocol, port)


def explained_by_listener(views: PortViews, port: ScannedPort) -> bool:
    """Whether an inside listener has the open port's (protocol, port): the two are one finding."""
    return bool(port_index(views).listeners_in(port.protocol, PortRange(port.port, port.port)))


def joined_evidence(views: PortViews, listener: Listener) -> dict[str, Any]:
    """The listener's evidence, plus `outside`: the open port nmap saw for its (protocol, port)."""
    evidence = listener_evidence(listener)
    if views.network is not None:
        seen = port_index(views).open_ports_in(listener.protocol, PortRange(listener.port, listener.port))
        if seen:
            evidence["outside"] = scanned_evidence(views.network, seen[0])
    return evidence

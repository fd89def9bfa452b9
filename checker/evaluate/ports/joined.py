"""One finding per problem: the inside and outside evidence of one port join, and a forbidden
port is only forbidden (docs/evaluation.md, "One finding per problem").

* A port that a `forbid` entry covers yields `port-forbidden` only; `default: deny` does not
  also report it as `port-unexpected` (the forbid entry decides it, pass or fail).
* An open port the outside view found on a host whose inside view has a listener on the same
  (protocol, port) is not a result of its own: its nmap evidence joins the listener's result
  (`evidence.outside`). Only an open port no listener explains (another namespace, a NAT, an
  inside view not collected) stays a result of its own, resource `tcp/<scanned address>:<port>`.

Check ids and resources stay as they were: a joined result keeps the listener's resource.
Pure functions; must not decide a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.evaluate.ports.views import PortViews, listener_evidence, scanned_evidence
from checker.model import Listener, PortForbid, Protocol, ScannedPort


def forbidden(forbids: Sequence[PortForbid], protocol: Protocol, port: int) -> bool:
    """Whether a `forbid` entry covers (protocol, port): then only `port-forbidden` speaks of it."""
    return any(port in rule.ports and rule.protocol in (None, protocol) for rule in forbids)


def explained_by_listener(views: PortViews, port: ScannedPort) -> bool:
    """Whether an inside listener has the open port's (protocol, port): the two are one finding."""
    return any(x.protocol == port.protocol and x.port == port.port for x in views.listeners)


def joined_evidence(views: PortViews, listener: Listener) -> dict[str, Any]:
    """The listener's evidence, plus `outside`: the open port nmap saw for its (protocol, port)."""
    evidence = listener_evidence(listener)
    if views.network is not None:
        for port in views.open_ports:
            if port.protocol == listener.protocol and port.port == listener.port:
                evidence["outside"] = scanned_evidence(views.network, port)
                break
    return evidence

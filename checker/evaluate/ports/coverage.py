"""What an outside view covers: the ports a scan looked at, and the ones it left undecided.

A pass "not open from outside" must rest on every port of the rule's range having been
scanned (`range_covered`), and never on a port nmap could only call `open|filtered`
(`AMBIGUOUS_STATES`: an `error` naming the port instead). `checker.learn` uses the same
predicates so that a drafted `exposure:` is what the audit will accept. Must not do I/O.
"""

from __future__ import annotations

from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.views import scanned_evidence, scanned_resource
from checker.model import CheckId, NetworkView, PortRange, Protocol, Result, RuleMeta, ScannedPort, Status


def scan_covers(network: NetworkView, protocol: Protocol, port: int) -> bool:
    """Whether the scan looked at (protocol, port) (see `range_covered`)."""
    return range_covered(network, protocol, PortRange(port, port))


def range_covered(network: NetworkView, protocol: Protocol, ports: PortRange) -> bool:
    """Whether the scan looked at *every* port of `ports`: a pass about a range needs all of it.

    A port the scan reported counts as looked at. No `scanned` list at all (an nmap XML
    without `<scaninfo>`, e.g. a ping sweep `-sn` that scanned no port) covers nothing else:
    "not open from outside" would rest on no evidence. `top:N` and a spec we cannot read are
    trusted to cover the port (nmap's own XML lists the exact ports it scanned).
    """
    intervals = [(p.port, p.port) for p in network.ports if p.protocol == protocol]
    for spec in network.scanned:
        kind, _, text = spec.partition(":")
        if kind.strip().lower() != protocol.value:
            continue
        text = text.strip().lower()
        if text in ("all", "") or text.startswith("top"):
            return True
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            try:
                intervals.append((int(low), int(high or low)))
            except ValueError:
                return True  # a spec we cannot read: trust the scanner
    reached = ports.low - 1  # every port up to `reached` is covered
    for first, last in sorted(intervals):
        if first > reached + 1:
            break
        reached = max(reached, last)
    return reached >= ports.high


AMBIGUOUS_STATES = frozenset({"open|filtered"})
"""nmap's "no answer" for UDP (and some TCP scans): the port may well be open. Never a pass of
"not open from outside"; an `error` naming the port instead (fail closed)."""


def ambiguous_ports(network: NetworkView, protocol: Protocol, ports: PortRange) -> list[ScannedPort]:
    return [p for p in network.ports if p.protocol == protocol and p.port in ports and p.state in AMBIGUOUS_STATES]


def ambiguous_result(check: CheckId, network: NetworkView, port: ScannedPort, what: str, meta: RuleMeta,
                     ctx: EvaluationContext) -> Result:
    resource = scanned_resource(network, port)
    return ctx.result(check, resource, Status.ERROR,
                      f"{what} {port.protocol.value} port {port.port} may be open from outside on {resource}: "
                      f"nmap says {port.state} (no answer to its probes).",
                      meta=meta, evidence=scanned_evidence(network, port),
                      remediation=f"Check {port.protocol.value} port {port.port} with a service-specific probe "
                      "(nmap -sU -sV), or close it in the firewall so nmap sees it closed.")

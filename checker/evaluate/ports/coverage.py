"""What an outside view shows about a rule's ports, address by address (`outside_findings`).

Coverage is per address, protocol and port. For each scanned address of the host, every port
of the rule's range is one of:

* **open**: some table of that address proves it open (`proof.Proof.OPEN`): a fail for
  `exposure: internal` and forbid, a pass for `required` and `exposure: public`;
* **proven not open**: no table proves it open and one proves it closed or unreachable;
* **unproven**: looked at, but only in states that prove nothing (`open|filtered` from a UDP or
  NULL scan, anything from an ACK scan, the host down at that address...): an `error` for
  every rule that would otherwise pass, naming address, technique and state;
* **not covered**: no table of that address looked at it (a pass needs every port of the range
  looked at on every address; a rule whose range was not fully scanned is `skip`).

Folded ports count like listed ones: a port a table scanned (`PortTable.scanned`) but did not
list has the state of the `<extraports>` group naming it; when nmap did not say which ports a
group holds, every state of the table's groups is possible (plus, when the counts fall short,
every state the technique folds: `proof.folded_states`), and a port proves something only if
all its possible states do. `checker.learn` uses the same findings, so a drafted `exposure:` is
what the audit accepts. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.proof import PROVES_NOT_OPEN, Proof, folded_states, proof_of, scan_name
from checker.model import (
    CheckId,
    Location,
    NetworkView,
    PortRange,
    PortTable,
    Protocol,
    Result,
    RuleMeta,
    ScannedPort,
    Status,
)
from checker.model.network import merge_ranges, parse_port_set
from checker.model.text import address_before_port

Ports = tuple[PortRange, ...]


def _intersect(first: Sequence[PortRange], second: Sequence[PortRange]) -> Ports:
    out = [PortRange(max(a.low, b.low), min(a.high, b.high)) for a in first for b in second
           if max(a.low, b.low) <= min(a.high, b.high)]
    return merge_ranges(out)


def _subtract(ranges: Sequence[PortRange], removed: Sequence[PortRange]) -> Ports:
    out = list(ranges)
    for cut in removed:
        kept: list[PortRange] = []
        for item in out:
            if cut.high < item.low or cut.low > item.high:
                kept.append(item)
                continue
            if item.low < cut.low:
                kept.append(PortRange(item.low, cut.low - 1))
            if cut.high < item.high:
                kept.append(PortRange(cut.high + 1, item.high))
        out = kept
    return merge_ranges(out)


def _size(ranges: Iterable[PortRange]) -> int:
    return sum(r.high - r.low + 1 for r in ranges)


def ports_text(ranges: Sequence[PortRange]) -> str:
    return ",".join(str(r) for r in ranges)


@dataclass(frozen=True)
class PortFinding:
    """What one port table says about some ports of a rule's range on one address."""

    address: str
    protocol: Protocol
    scan_type: str | None
    state: str
    proof: Proof
    ports: Ports
    row: ScannedPort | None = None
    """The listed `<port>`; None for folded (`<extraports>`) or unlisted ports."""
    reason: str | None = None

    @property
    def span(self) -> PortRange:
        """The ports, as one range (`23`, `1-1000`) for resources and messages."""
        return PortRange(self.ports[0].low, self.ports[-1].high)

    @property
    def resource(self) -> str:
        return f"{self.protocol.value}/{address_before_port(self.address)}:{self.span}"

    def describe(self) -> str:
        """`closed to a SYN scan of 127.0.0.2`, `open|filtered (folded in <extraports>) to a NULL scan of ::1`."""
        folded = "" if self.row is not None else " (folded in <extraports>)" if self.reason != "not listed" \
            else " (not listed by nmap)"
        where = "" if self.row is not None else f" for ports {ports_text(self.ports)}"
        return f"{self.state}{folded} to {scan_name(self.scan_type)} of {self.address}{where}"

    def evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": "nmap", "address": self.address, "protocol": self.protocol.value,
            "scan_type": self.scan_type, "state": self.state, "reason": self.reason, "proof": self.proof.value,
        }
        if _size(self.ports) == 1:
            data["port"] = self.ports[0].low
        else:
            data["ports"] = ports_text(self.ports)
        if self.row is not None:
            data.update(service=self.row.service, product=self.row.product, version=self.row.version)
        else:
            data["folded"] = True
        return data


@dataclass(frozen=True)
class OutsideFindings:
    """Every address's findings for one protocol and port range (see the module docstring)."""

    open: tuple[PortFinding, ...]
    unproven: tuple[PortFinding, ...]
    proven: tuple[PortFinding, ...]
    uncovered: tuple[tuple[str, Ports], ...]
    """(address, ports no table of that address looked at)."""

    @property
    def proven_closed_or_unreachable(self) -> bool:
        """Every port of the range, on every address, is proven closed or unreachable."""
        return not self.open and not self.unproven and not self.uncovered and bool(self.proven)

    def proof_text(self) -> str:
        return "; ".join(f.describe() for f in self.proven)

    def uncovered_text(self) -> str:
        return "; ".join(f"{ports_text(ports)} on {address}" for address, ports in self.uncovered)

    def evidence(self) -> dict[str, Any]:
        """Address, technique and state of what decided (for a rule-level result)."""
        decided = self.open or self.unproven or self.proven
        first = decided[0] if decided else None
        return {
            "source": "nmap",
            "address": first.address if first else None,
            "scan_type": first.scan_type if first else None,
            "state": ", ".join(dict.fromkeys(f.state for f in decided)) or None,
            "findings": [f.evidence() for f in decided],
            "not_scanned": [{"address": a, "ports": ports_text(p)} for a, p in self.uncovered],
        }


def _row_finding(view: NetworkView, table: PortTable, row: ScannedPort) -> PortFinding:
    return PortFinding(table.address, table.protocol, table.scan_type, row.state,
                       proof_of(table.scan_type, row.state), (PortRange(row.port, row.port),), row, row.reason)


def _folded_findings(table: PortTable, wanted: Ports, unlisted: Ports) -> list[PortFinding]:
    """Findings for the scanned-but-unlisted ports `wanted` of `table` (`unlisted`: all of them)."""
    findings: list[PortFinding] = []
    rest = wanted
    exact_ports: list[PortRange] = []
    for group in table.folded:
        exact = parse_port_set(group.ports) if group.ports is not None else None
        if exact is None:
            continue
        exact_ports += exact
        part = _intersect(rest, exact)
        if part:
            findings.append(PortFinding(table.address, table.protocol, table.scan_type, group.state,
                                        proof_of(table.scan_type, group.state), part, reason=group.reason))
        rest = _subtract(rest, exact)
    if not rest:
        return findings
    inexact = [g for g in table.folded if g.ports is None]
    states: dict[str, str | None] = {g.state: g.reason for g in inexact}
    if sum(g.count for g in inexact) < _size(_subtract(unlisted, merge_ranges(exact_ports))):
        # nmap accounted for fewer ports than it scanned and did not list: any state the
        # technique folds is possible for the others.
        states.update((state, "not listed") for state in folded_states(table.scan_type) if state not in states)
    proofs = {state: proof_of(table.scan_type, state) for state in states}
    if len(states) > 1 and not all(proof in PROVES_NOT_OPEN for proof in proofs.values()):
        # Each port has one of these states, nobody says which: the ports prove something only
        # if every possible state does. Name the states that do not (they decide the result).
        proofs = {state: Proof.NOTHING for state, proof in proofs.items() if proof not in PROVES_NOT_OPEN}
    findings += [PortFinding(table.address, table.protocol, table.scan_type, state, proof, rest, reason=states[state])
                 for state, proof in proofs.items()]
    return findings


def table_findings(view: NetworkView, table: PortTable, ports: PortRange) -> list[PortFinding]:
    """What `table` says about the ports of `ports` it looked at."""
    rows = view.rows(table)
    if table.state != "up":
        return [PortFinding(table.address, table.protocol, table.scan_type, f"host {table.state}", Proof.NOTHING,
                            (ports,), reason="no port was scanned")]
    findings = [_row_finding(view, table, row) for row in rows if row.port in ports]
    scanned = parse_port_set(table.scanned) if table.scanned is not None else None
    if scanned:
        listed = merge_ranges([PortRange(r.port, r.port) for r in rows])
        wanted = _subtract(_intersect(scanned, (ports,)), listed)
        if wanted:
            findings += _folded_findings(table, wanted, _subtract(scanned, listed))
    return findings


def _resolve(address: str, findings: list[PortFinding], ports: PortRange) -> tuple[
        list[PortFinding], list[PortFinding], list[PortFinding], Ports]:
    """One address: a port proven open by any table is open; else proven not open by any table
    is proven; the rest of what was looked at is unproven; what nothing looked at is uncovered."""
    opened = [f for f in findings if f.proof is Proof.OPEN]
    proven = [f for f in findings if f.proof in PROVES_NOT_OPEN]
    decided = merge_ranges([r for f in opened + proven for r in f.ports])
    unproven = [replace(finding, ports=left) for finding in findings
                if finding.proof is Proof.NOTHING and (left := _subtract(finding.ports, decided))]
    looked = merge_ranges([r for f in findings for r in f.ports])
    return opened, unproven, proven, _subtract((ports,), looked)


def outside_findings(view: NetworkView, protocol: Protocol, ports: PortRange) -> OutsideFindings:
    """What every scanned address of the host shows about `protocol` ports `ports`."""
    tables = view.port_tables()
    opened: list[PortFinding] = []
    unproven: list[PortFinding] = []
    proven: list[PortFinding] = []
    uncovered: list[tuple[str, Ports]] = []
    for address in dict.fromkeys(t.address for t in tables) or (view.address,):
        found = [f for t in tables if t.address == address and t.protocol == protocol
                 for f in table_findings(view, t, ports)]
        o, u, p, gap = _resolve(address, found, ports)
        opened += o
        unproven += u
        proven += p
        if gap:
            uncovered.append((address, gap))
    return OutsideFindings(tuple(opened), tuple(unproven), tuple(proven), tuple(uncovered))


def open_rows(view: NetworkView) -> tuple[ScannedPort, ...]:
    """The listed ports whose state, from their technique, proves them open."""
    return tuple(p for p in view.ports if proof_of(view.row_scan_type(p), p.state) is Proof.OPEN)


def unproven_result(check: CheckId, finding: PortFinding, what: str, meta: RuleMeta | None,
                    ctx: EvaluationContext, *, location: Location | None = None) -> Result:
    """An `error` for ports looked at whose state proves nothing: they may be open. Located at the
    rule's `meta`, or at `location` for a section-wide rule (`ports.default: deny`)."""
    ports = finding.span
    return ctx.result(check, finding.resource, Status.ERROR,
                      f"{what} {finding.protocol.value} port {ports} may be open from outside on {finding.address}: "
                      f"{finding.describe()} does not prove it open or closed.",
                      meta=meta, location=location, evidence=finding.evidence(),
                      remediation=f"Scan {finding.protocol.value} port {ports} with a technique that can prove it "
                      "closed (a SYN or connect scan for TCP; for UDP a service-specific probe, nmap -sU -sV), "
                      "or close it in the firewall so the scan sees it closed.")


def open_result(check: CheckId, finding: PortFinding, what: str, meta: RuleMeta, remediation: str,
                ctx: EvaluationContext) -> Result:
    """A `fail` for ports a scan proved open (`what`: "Internal", "Forbidden (reason)"...)."""
    return ctx.result(check, finding.resource, Status.FAIL,
                      f"{what} {finding.protocol.value} port {finding.span} is open from outside on "
                      f"{finding.address}: {finding.describe()}.",
                      meta=meta, evidence=finding.evidence(), remediation=remediation)

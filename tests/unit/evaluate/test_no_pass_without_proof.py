"""Property: no outside-view rule passes unless the scan proves it, and the exit code never says
compliant while a scanned port is unproven.

Random outside views: one or two addresses (IPv4, IPv6), each with port tables of random
techniques (every nmap technique, an unknown one, none), random listed states, `<extraports>`
groups with and without exact ports, too-small counts, hosts down. Every forbid, `exposure:
internal`, `exposure: public` + `required` and `required` rule is evaluated alone on an
outside-only snapshot and compared with an oracle written here port by port from nmap(1) (no
code shared with checker/evaluate/ports/coverage.py, which works on ranges):

* a port is *open* at an address when a table of a discriminating technique (SYN, connect,
  UDP, NULL, FIN, Xmas, SCTP INIT) has it only `open`; *proven not open* when one has it only
  `closed`/`filtered`; *looked at* when any table covers it; a forbid/internal pass needs
  every (address, port) proven and none open; a public/required pass needs one open;
* when some (address, port) was looked at, is not open anywhere and not proven, the exit code
  is not 0 (`error` or `fail`), whatever else the results say.
"""

from __future__ import annotations

from evaluate_support import INSIDE, baseline, loc, meta, runs, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import ExitCode
from checker.evaluate import evaluate, exit_code_for
from checker.model import (
    CheckId,
    CollectorStatus,
    Exposure,
    FoldedPorts,
    NetworkView,
    PortAllow,
    PortForbid,
    PortRange,
    PortsPolicy,
    PortTable,
    Protocol,
    ScannedPort,
    Status,
)

ADDRESSES = ("127.0.0.2", "::1")
UNIVERSE = (18, 32)
TECHNIQUES = ("syn", "connect", "ack", "window", "maimon", "null", "fin", "xmas", "udp", "sctpinit", "idle", None)
DISCRIMINATING = {"syn", "connect", "udp", "null", "fin", "xmas", "sctpinit"}
STATES = ("open", "closed", "filtered", "open|filtered", "closed|filtered", "unfiltered")
# What nmap folds when an <extraports> count falls short (nmap(1): the states each technique reports).
FOLDS = {"syn": {"closed", "filtered"}, "connect": {"closed", "filtered"}, "sctpinit": {"closed", "filtered"},
         "udp": {"closed", "filtered", "open|filtered"}, "null": {"closed", "filtered", "open|filtered"},
         "fin": {"closed", "filtered", "open|filtered"}, "xmas": {"closed", "filtered", "open|filtered"},
         "maimon": {"closed", "filtered", "open|filtered"}, "ack": {"unfiltered", "filtered"},
         "window": {"closed", "open", "filtered"}}
PROTOCOLS = st.sampled_from([Protocol.TCP, Protocol.UDP])
OUTSIDE_ONLY = runs(dict.fromkeys(INSIDE, CollectorStatus.NOT_RUN), nmap=CollectorStatus.OK)
"""An outside-only host as the join writes it: every inside collector recorded as not run."""


def _ports(spec: str | None) -> set[int]:
    found: set[int] = set()
    for part in (spec or "").split(","):
        if part:
            low, _, high = part.partition("-")
            found.update(range(int(low), int(high or low) + 1))
    return found


@st.composite
def spans(draw: st.DrawFn) -> str:
    low = draw(st.integers(*UNIVERSE))
    high = draw(st.integers(low, UNIVERSE[1]))
    return draw(st.sampled_from([f"{low}-{high}", f"{low},{high}", str(low)]))


@st.composite
def views(draw: st.DrawFn) -> NetworkView:
    tables: list[PortTable] = []
    rows: list[ScannedPort] = []
    for address in draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2, unique=True)):
        kinds = draw(st.lists(st.tuples(PROTOCOLS, st.sampled_from(TECHNIQUES)), min_size=1, max_size=3, unique=True))
        for protocol, technique in kinds:
            listed = draw(st.lists(st.integers(*UNIVERSE), max_size=4, unique=True))
            rows += [ScannedPort(protocol, port, draw(st.sampled_from(STATES)), address=address, scan_type=technique)
                     for port in listed]
            folded = tuple(FoldedPorts(draw(st.sampled_from(STATES)), draw(st.integers(0, 15)),
                                       ports=draw(st.one_of(st.none(), spans())))
                           for _ in range(draw(st.integers(0, 2))))
            tables.append(PortTable(address, protocol, technique, draw(st.one_of(st.none(), spans())),
                                    draw(st.sampled_from(["up", "up", "up", "down"])), folded))
    state = "up" if any(t.state == "up" for t in tables) else "down"
    return NetworkView(address=tables[0].address, state=state, ports=tuple(rows), tables=tuple(tables))


def _possible_states(view: NetworkView, table: PortTable, port: int) -> set[str] | None:
    """What nmap may have seen on `port` in `table` (None: not looked at), port by port."""
    if table.state != "up":
        return {"host down"}
    listed = {p.port: p.state for p in view.ports if (p.address, p.protocol, p.scan_type)
              == (table.address, table.protocol, table.scan_type)}
    if port in listed:
        return {listed[port]}
    scanned = _ports(table.scanned)
    if port not in scanned:
        return None
    exact: set[int] = set()
    for group in table.folded:
        if group.ports is not None and port in _ports(group.ports) - exact:
            return {group.state}
        exact |= _ports(group.ports)
    states = {group.state for group in table.folded if group.ports is None}
    if sum(group.count for group in table.folded if group.ports is None) < len(scanned - set(listed) - exact):
        states |= FOLDS.get(table.scan_type or "", {"unknown"})
    return states


def _oracle(view: NetworkView, protocol: Protocol, ports: PortRange) -> tuple[bool, bool, bool]:
    """(open somewhere, every (address, port) proven not open, some looked-at port unproven)."""
    opened, all_proven, unproven = False, True, False
    for address in dict.fromkeys(t.address for t in view.tables):
        tables = [t for t in view.tables if t.address == address and t.protocol == protocol]
        for port in range(ports.low, ports.high + 1):
            seen = [(t.scan_type, s) for t in tables if (s := _possible_states(view, t, port)) is not None]
            is_open = any(kind in DISCRIMINATING and states == {"open"} for kind, states in seen)
            proven = any(kind in DISCRIMINATING and states and states <= {"closed", "filtered"}
                         for kind, states in seen)
            opened |= is_open
            all_proven &= proven and not is_open
            unproven |= bool(seen) and not is_open and not proven
    return opened, all_proven, unproven


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, PortRange, Protocol]:
    low = draw(st.integers(*UNIVERSE))
    ports = PortRange(low, draw(st.integers(low, min(low + 4, UNIVERSE[1]))))
    return draw(st.sampled_from(["forbid", "internal", "public", "required"])), ports, draw(PROTOCOLS)


def _baseline(kind: str, ports: PortRange, protocol: Protocol) -> object:
    if kind == "forbid":
        return baseline(ports=PortsPolicy(forbid=(PortForbid(ports, protocol, meta(20)),), location=loc(5)))
    entry = PortAllow(ports, protocol, meta(10), exposure={"internal": Exposure.INTERNAL, "public": Exposure.PUBLIC}
                      .get(kind), required=kind in ("public", "required"))
    return baseline(ports=PortsPolicy(allow=(entry,), location=loc(5)))


CHECKS = {"forbid": CheckId.PORT_FORBIDDEN, "internal": CheckId.PORT_EXPOSED, "public": CheckId.PORT_UNREACHABLE,
          "required": CheckId.PORT_REQUIRED_MISSING}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(views(), st.lists(rules(), min_size=1, max_size=3))
def test_no_outside_rule_passes_without_proof(view: NetworkView, drawn: list[tuple[str, PortRange, Protocol]]) -> None:
    snap = snapshot(collectors=OUTSIDE_ONLY, network_view=view)
    for kind, ports, protocol in drawn:
        report = evaluate(_baseline(kind, ports, protocol), [snap])  # type: ignore[arg-type]
        results = [r for r in report.results if r.check is CHECKS[kind]]
        assert results, (kind, ports)
        opened, proven, unproven = _oracle(view, protocol, ports)
        for result in results:
            if result.status is Status.PASS:
                if kind in ("forbid", "internal"):
                    assert proven and not opened, (kind, ports, protocol, result.message)
                else:
                    assert opened, (kind, ports, protocol, result.message)
            evidence = result.evidence
            if result.status is not Status.SKIP and view.state == "up" and (kind != "required" or opened):
                # every decided outside-view result names address, technique and state
                assert "address" in evidence and "scan_type" in evidence and "state" in evidence, result
            if result.status is Status.FAIL and kind in ("forbid", "internal"):
                assert opened, (kind, ports, result.message)
        if unproven and view.state == "up" and (kind in ("forbid", "internal") or not opened):
            assert exit_code_for(report) is not ExitCode.COMPLIANT, (kind, ports, protocol,
                                                                    [r.message for r in results])

"""Property (issue 12): no `pass` without whole evidence, and never exit 0 while evidence is missing.

Random baselines of every rule family (the strategies of test_property.py) against snapshots in
which each collector is, independently, complete (OK), PARTIAL, FAILED, UNAVAILABLE, NOT_RUN
(recorded), or has no record at all (a snapshot that never mentions it). Then:

* no rule whose evidence is partial, failed, unavailable or unrecorded is `pass`: neither the
  check's own collector, nor any collector its family's verdicts rest on
  (`RuleFamily.evidence_collectors`) when that one is PARTIAL. A `fail` found in partial
  evidence stands (and may be `waived`); none comes from evidence that is missing;
* `exit_code_for(report)` is never COMPLIANT while a collector some rule needs is not complete.
"""

from __future__ import annotations

from evaluate_support import baseline, loc, meta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_property import baselines, listeners, needed_collector

from checker.errors import ExitCode
from checker.evaluate import evaluate, exit_code_for
from checker.evaluate.registry import FAMILIES
from checker.model import (
    Baseline,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    NetworkView,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    ScannedPort,
    Snapshot,
    SocketListen,
    SocketUnit,
    Status,
    Unit,
)

NO_RECORD = "no record"
INSIDE_STATES = st.sampled_from([*CollectorStatus, NO_RECORD])
NMAP_STATES = st.sampled_from([CollectorStatus.OK, CollectorStatus.FAILED, CollectorStatus.PARTIAL, NO_RECORD])
GAPS = frozenset({CollectorStatus.PARTIAL, CollectorStatus.FAILED, CollectorStatus.UNAVAILABLE})
NAMES = st.sampled_from(["ssh", "telnet", "xinetd", "cups"])
FAMILY_OF = {check: family for family in FAMILIES for check in family.checks}


@st.composite
def gappy_snapshots(draw: st.DrawFn) -> Snapshot:
    """Some evidence, and a random subset of collectors partial, failed, unavailable or unrecorded."""
    states = {name: draw(NMAP_STATES if name is Collector.NMAP else INSIDE_STATES) for name in Collector}
    runs = tuple(CollectorRun(name, state, None if state is CollectorStatus.OK else f"{state} on purpose")
                 for name, state in states.items() if isinstance(state, CollectorStatus))
    scanned = draw(st.booleans()) and states[Collector.NMAP] is not NO_RECORD
    network = NetworkView(address="192.0.2.7", state="up", scanned=("tcp:1-65535",),
                          ports=tuple(ScannedPort(port.protocol, port.port, draw(st.sampled_from(["open", "closed"])))
                                      for port in draw(st.lists(listeners(), max_size=2)))) if scanned else None
    units = tuple(Unit(f"{draw(NAMES)}.service", enablement=draw(st.sampled_from(["enabled", "disabled"])),
                       active=draw(st.sampled_from(["active", "inactive"])),
                       source=draw(st.sampled_from(["systemd", "sysv-generator"])))
                  for _ in range(draw(st.integers(0, 3))))
    socket_units = tuple(SocketUnit(f"{draw(NAMES)}.socket", enablement=draw(st.sampled_from(["enabled", "disabled"])),
                                    active=draw(st.sampled_from(["active", "inactive"])),
                                    listens=(SocketListen("stream", "22"),))
                         for _ in range(draw(st.integers(0, 2))))
    return Snapshot(
        host=HostInfo(hostname="h", collected_at="2026-11-21T09:00:00Z", tool_version="0", privileged=True),
        collectors=runs, listeners=tuple(draw(st.lists(listeners(), max_size=3))),
        connection_states={"SYN-RECV": draw(st.integers(0, 10))}, units=units, socket_units=socket_units,
        network=network,
    )


def _incomplete(snapshot: Snapshot) -> set[Collector]:
    """Collectors whose evidence is not whole: a gap status, or (inside view) no record at all."""
    return {name for name in Collector if snapshot.collector(name).status in GAPS}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baselines(), gappy_snapshots())
def test_no_pass_and_no_exit_0_without_whole_evidence(base: Baseline, snap: Snapshot) -> None:
    report = evaluate(base, [snap])
    incomplete = _incomplete(snap)
    partial = {name for name in Collector if snap.collector(name).status is CollectorStatus.PARTIAL}
    for result in report.results:
        if result.status is Status.WAIVED:
            # a fail found in partial evidence stands (and may be waived); none without evidence
            assert needed_collector(result) not in incomplete - partial, (result.check, result.message)
        if result.status is not Status.PASS:
            continue
        assert result.check not in (CheckId.COLLECTOR_ERROR, CheckId.WAIVER_EXPIRED, CheckId.WAIVER_UNUSED)
        assert needed_collector(result) not in incomplete, (result.check, result.resource, result.message)
        rests_on = FAMILY_OF[result.check].evidence_collectors(base)
        assert not rests_on & partial, (result.check, result.resource, result.message)
    needed = set().union(*(family.needed_collectors(base) for family in FAMILIES))
    if incomplete & needed:
        assert exit_code_for(report) is not ExitCode.COMPLIANT, [(r.check, r.status) for r in report.results]


def test_a_snapshot_with_no_record_of_a_needed_collector_is_an_error_not_a_skip() -> None:
    """The example behind the property: sockets never mentioned, a forbid rule needs them."""
    snap = Snapshot(host=HostInfo(hostname="h", collected_at="2026-11-21T09:00:00Z", tool_version="0"),
                    collectors=(CollectorRun(Collector.UNIT_FILES, CollectorStatus.OK),))
    rule = PortForbid(PortRange(23, 23), Protocol.TCP, meta(20))
    report = evaluate(baseline(ports=PortsPolicy(forbid=(rule,), location=loc(5))), [snap])
    assert {r.status for r in report.results if r.check is CheckId.PORT_FORBIDDEN} == {Status.ERROR}
    sockets = next(r for r in report.results if r.resource == "collector:sockets")
    assert sockets.status is Status.ERROR and sockets.evidence["recorded"] is False
    assert exit_code_for(report) is ExitCode.INCOMPLETE

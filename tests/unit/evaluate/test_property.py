"""Property: the evaluator never passes a rule whose evidence is missing (fail closed).

Random baselines (every rule family) and random snapshots whose collectors are randomly
OK, FAILED, UNAVAILABLE or NOT_RUN: no `pass` may rest on a FAILED/UNAVAILABLE collector,
and a baseline needing such a collector never gives exit code 0.
"""

from __future__ import annotations

import datetime as dt

from evaluate_support import baseline, loc, meta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import ExitCode
from checker.evaluate import evaluate, exit_code_for
from checker.evaluate.registry import FAMILIES
from checker.model import (
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    ConnectionLimit,
    DefaultPolicy,
    Exposure,
    HostInfo,
    Listener,
    Location,
    NetworkView,
    PortAllow,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    Result,
    ScannedPort,
    ServiceRule,
    Snapshot,
    SocketListen,
    SocketUnit,
    SocketUnitAllow,
    SocketUnitsPolicy,
    Status,
    Unit,
    UnitForbid,
    Waiver,
    XinetdAllow,
    XinetdLimits,
    XinetdPolicy,
    XinetdService,
    XinetdValue,
)

MISSING = (CollectorStatus.FAILED, CollectorStatus.UNAVAILABLE)
PORTS = st.sampled_from([22, 23, 80, 443, 5432, 8080])
PROTOCOLS = st.sampled_from([Protocol.TCP, Protocol.UDP])
NAMES = st.sampled_from(["ssh", "telnet", "echo", "cups", "avahi-daemon"])
STATUSES = st.sampled_from(list(CollectorStatus))


@st.composite
def port_ranges(draw: st.DrawFn) -> PortRange:
    low = draw(PORTS)
    return PortRange(low, low + draw(st.sampled_from([0, 0, 10])))


@st.composite
def listeners(draw: st.DrawFn) -> Listener:
    known = draw(st.booleans())
    return Listener(draw(PROTOCOLS), "ipv4", draw(st.sampled_from(["0.0.0.0", "127.0.0.1", "::", "10.0.0.1"])),
                    draw(PORTS), pid=7 if known else None, process=draw(st.sampled_from(["sshd", "nginx"]))
                    if known else None, user="root" if known else None, dual_stack=draw(st.booleans()))


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    collectors = tuple(CollectorRun(c, s, "broken") for c in Collector if (s := draw(STATUSES)) is not
                       CollectorStatus.NOT_RUN)
    network = None
    if draw(st.booleans()):
        network = NetworkView(address="192.0.2.7", state=draw(st.sampled_from(["up", "up", "down"])),
                              ports=tuple(ScannedPort(draw(PROTOCOLS), draw(PORTS),
                                                      draw(st.sampled_from(["open", "closed", "filtered"])))
                                          for _ in range(draw(st.integers(0, 3)))),
                              scanned=draw(st.sampled_from([(), ("tcp:1-65535", "udp:1-65535"), ("tcp:1-100",)])))
    units = tuple(Unit(f"{draw(NAMES)}.service", enablement=draw(st.sampled_from(["enabled", "disabled", None])),
                       active=draw(st.sampled_from(["active", "inactive", None])))
                  for _ in range(draw(st.integers(0, 3))))
    socket_units = tuple(SocketUnit(f"{draw(NAMES)}.socket",
                                    enablement=draw(st.sampled_from(["enabled", "disabled", None])),
                                    active=draw(st.sampled_from(["active", "inactive", None])),
                                    listens=(SocketListen("stream", str(draw(PORTS))),))
                         for _ in range(draw(st.integers(0, 2))))
    xinetd = tuple(XinetdService(draw(NAMES), draw(NAMES), draw(st.booleans()), Location("/etc/xinetd.d/x", 1),
                                 attributes={"instances": XinetdValue((draw(st.sampled_from(["5", "UNLIMITED", "nan",
                                                                                             "-1"])),),
                                                                      Location("/etc/xinetd.d/x", 2))}
                                 if draw(st.booleans()) else {})
                   for _ in range(draw(st.integers(0, 2))))
    return Snapshot(
        host=HostInfo(hostname="h", collected_at="2026-11-21T09:00:00Z", tool_version="0"),
        collectors=collectors, listeners=tuple(draw(st.lists(listeners(), max_size=4))),
        connection_states={"SYN-RECV": draw(st.integers(0, 10))}, units=units, socket_units=socket_units,
        xinetd_services=xinetd, network=network,
    )


@st.composite
def baselines(draw: st.DrawFn) -> object:
    allow = tuple(
        PortAllow(draw(port_ranges()), draw(PROTOCOLS), meta(10 + i),
                  process=draw(st.sampled_from([None, "sshd", "ngin*"])), user=draw(st.sampled_from([None, "root"])),
                  bind=draw(st.sampled_from([(), ("loopback",), ("any",), ("0.0.0.0",)])),
                  exposure=draw(st.sampled_from([None, Exposure.INTERNAL, Exposure.PUBLIC])),
                  required=draw(st.booleans()))
        for i in range(draw(st.integers(0, 3))))
    forbid = tuple(PortForbid(draw(port_ranges()), draw(st.sampled_from([None, Protocol.TCP, Protocol.UDP])),
                              meta(30 + i)) for i in range(draw(st.integers(0, 2))))
    services = tuple(ServiceRule(draw(NAMES), meta(40 + i), running=draw(st.sampled_from([None, True, False])),
                                 enabled=draw(st.sampled_from([None, True, False])), absent_ok=draw(st.booleans()))
                     for i in range(draw(st.integers(0, 3))))
    socket_units = SocketUnitsPolicy(
        default=draw(st.sampled_from(list(DefaultPolicy))),
        allow=tuple(SocketUnitAllow(draw(NAMES), meta(50), listen=draw(st.sampled_from([None, ("22",)])))
                    for _ in range(draw(st.integers(0, 2)))),
        forbid=tuple(UnitForbid(draw(NAMES), meta(51)) for _ in range(draw(st.integers(0, 2)))), location=loc(49))
    limits = draw(st.sampled_from([None, XinetdLimits(instances_max=10, cps_max_rate=5, per_source_max=2,
                                                      max_load_max=1.0, only_from_required=True,
                                                      no_access_required=True, log_on_failure_includes=("HOST",),
                                                      meta=meta(60))]))
    xinetd = XinetdPolicy(default=draw(st.sampled_from(list(DefaultPolicy))),
                          allow=tuple(XinetdAllow(draw(NAMES), meta(61)) for _ in range(draw(st.integers(0, 1)))),
                          forbid=tuple(UnitForbid(draw(NAMES), meta(62)) for _ in range(draw(st.integers(0, 2)))),
                          limits=limits, location=loc(59))
    connections = (ConnectionLimit("SYN-RECV", 5, meta(70)),) if draw(st.booleans()) else ()
    waivers = tuple(Waiver(draw(st.sampled_from(list(CheckId))), {}, "r", dt.date(2030, 1, 1), loc(80))
                    for _ in range(draw(st.integers(0, 2))))
    return baseline(ports=PortsPolicy(default=draw(st.sampled_from(list(DefaultPolicy))), allow=allow, forbid=forbid,
                                      location=loc(5)),
                    services=services, socket_units=socket_units, xinetd=xinetd, connections=connections,
                    waivers=waivers)


def needed_collector(result: Result) -> Collector | None:
    """The collector whose evidence a result of this check rests on."""
    check = result.check
    if check in (CheckId.PORT_UNEXPECTED, CheckId.PORT_FORBIDDEN, CheckId.PORT_REQUIRED_MISSING):
        from_scan = result.evidence.get("source") == "nmap" or "scanned" in result.evidence
        return Collector.NMAP if from_scan else Collector.SOCKETS
    return {
        CheckId.PORT_BIND: Collector.SOCKETS, CheckId.PORT_PROCESS: Collector.SOCKETS,
        CheckId.PORT_EXPOSED: Collector.NMAP, CheckId.PORT_UNREACHABLE: Collector.NMAP,
        CheckId.SERVICE_STATE: Collector.UNIT_RUNTIME, CheckId.SERVICE_ENABLED: Collector.UNIT_FILES,
        CheckId.SOCKET_UNIT_UNEXPECTED: Collector.SOCKET_UNITS, CheckId.SOCKET_UNIT_FORBIDDEN: Collector.SOCKET_UNITS,
        CheckId.SOCKET_UNIT_LISTEN: Collector.SOCKET_UNITS, CheckId.XINETD_SERVICE_UNEXPECTED: Collector.XINETD,
        CheckId.XINETD_SERVICE_FORBIDDEN: Collector.XINETD, CheckId.XINETD_LIMIT: Collector.XINETD,
        CheckId.XINETD_ACCESS: Collector.XINETD, CheckId.XINETD_LOGGING: Collector.XINETD,
        CheckId.CONNECTIONS_STATE: Collector.SOCKETS,
    }.get(check)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baselines(), snapshots())
def test_never_pass_on_missing_evidence(base: object, snap: Snapshot) -> None:
    report = evaluate(base, [snap])  # type: ignore[arg-type]
    missing = {run.name for run in snap.collectors if run.status in MISSING}
    for result in report.results:
        if result.status in (Status.PASS, Status.WAIVED):
            assert result.check not in (CheckId.COLLECTOR_ERROR, CheckId.WAIVER_EXPIRED, CheckId.WAIVER_UNUSED)
            collector = needed_collector(result)
            assert collector not in missing, (result.check, result.resource, result.message)
            if (result.check is CheckId.SOCKET_UNIT_FORBIDDEN and result.status is Status.PASS
                    and result.evidence.get("present", True)):
                # (a waived result is a fail that a waiver covers: "active" proved it, not "not enabled")
                # "not enabled" needs a known unit-file state, "not active" a known (or impossible) one
                assert result.evidence["enablement"] is not None, result.message
                assert result.evidence["active"] is not None or snap.collector(Collector.UNIT_RUNTIME).status in (
                    CollectorStatus.OK, CollectorStatus.UNAVAILABLE), result.message
            if result.check is CheckId.XINETD_LIMIT and result.status is Status.PASS:
                assert result.evidence["value"] not in ("nan", "-1"), result.message
    needed = set().union(*(family.needed_collectors(base) for family in FAMILIES))  # type: ignore[arg-type]
    if missing & needed:
        assert exit_code_for(report) is not ExitCode.COMPLIANT
        assert exit_code_for(report, fail_on=report.fail_on) in (ExitCode.FAILED, ExitCode.INCOMPLETE)

"""The console names each cause once, says it usefully, and orders groups deterministically
(issue 15's new-user review: an outside-only audit's Skipped list, vague grouped causes, a
root run told to run as root)."""

from __future__ import annotations

from checker.evaluate import evaluate
from checker.formatters.console import render_summary
from checker.formatters.interface import FormatOptions
from checker.model import (
    Baseline,
    BaselineSource,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
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
    PortTable,
    Protocol,
    RuleMeta,
    ServiceRule,
    Snapshot,
    Status,
)

INSIDE = (Collector.SOCKETS, Collector.UNIT_FILES, Collector.SOCKET_UNITS, Collector.XINETD, Collector.FIREWALL)
NO_SYSTEMD = "systemctl: exit 1: System has not been booted with systemd as init system (PID 1). Can't operate."


def _forbid(port: int, line: int, protocol: Protocol = Protocol.TCP) -> PortForbid:
    return PortForbid(PortRange(port, port), protocol, RuleMeta(Location("b.yaml", line, 7)))


def _baseline(*forbid: PortForbid, allow: tuple[PortAllow, ...] = (),
              services: tuple[ServiceRule, ...] = ()) -> Baseline:
    return Baseline("b.yaml", "web", sources=(BaselineSource("b.yaml", "0" * 64),),
                    ports=PortsPolicy(default=DefaultPolicy.ALLOW, allow=allow, forbid=forbid,
                                      location=Location("b.yaml", 5, 1)),
                    services=services)


def _outside_only() -> Snapshot:
    """What `audit --target 127.0.0.1 --tcp-ports 8700-8800 --udp-ports none` records."""
    network = NetworkView(address="127.0.0.1", state="up", scanned=("tcp:8700-8800",), scan_type="connect",
                          tables=(PortTable("127.0.0.1", Protocol.TCP, "connect", "8700-8800"),))
    runs = (*(CollectorRun(c, CollectorStatus.NOT_RUN, "outside view only: no inside view of this host")
              for c in (*INSIDE, Collector.UNIT_RUNTIME)), CollectorRun(Collector.NMAP, CollectorStatus.OK))
    return Snapshot(HostInfo("127.0.0.1", "2026-01-01T00:00:00Z", "0", privileged=True), runs, network=network)


def _local(*listeners: Listener, privileged: bool = True, runtime: str = NO_SYSTEMD,
           nmap: CollectorRun | None = None) -> Snapshot:
    runs = [CollectorRun(c, CollectorStatus.OK) for c in INSIDE]
    runs.append(CollectorRun(Collector.UNIT_RUNTIME, CollectorStatus.UNAVAILABLE, runtime))
    if nmap is not None:
        runs.append(nmap)
    return Snapshot(HostInfo("web-1", "2026-01-01T00:00:00Z", "0", privileged=privileged), tuple(runs), listeners)


def _text(baseline: Baseline, snapshot: Snapshot) -> str:
    return render_summary(evaluate(baseline, [snapshot]), FormatOptions(ports_default="allow"))


def _section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading) + 1
    return lines[start:lines.index("", start)]


def test_ports_the_scan_did_not_look_at_are_one_group_naming_them_in_baseline_order() -> None:
    """Before: one SKIP group per forbid rule, in severity-then-text order (rule 21 before 3)."""
    baseline = _baseline(_forbid(23, 21), _forbid(21, 3), _forbid(69, 12, Protocol.UDP), _forbid(8750, 30))
    text = _text(baseline, _outside_only())
    skipped = _section(text, "Skipped")
    headings = [line for line in skipped if line.startswith("SKIP")]
    assert headings[0] == "SKIP  ports the scan did not look at on 127.0.0.1: 3 results"
    assert not any("port-forbidden (rule" in line for line in headings)
    assert "    ports: tcp/*:21, udp/*:69, tcp/*:23" in skipped  # baseline lines 3, 12, 21
    assert any(line.startswith("    cause: outside the ports the outside view scanned") for line in skipped)
    # The scanned port is decided (no listener seen there from outside: not a skip of this group).
    assert "tcp/*:8750" not in "\n".join(skipped)


def test_rule_groups_are_ordered_by_check_id_then_baseline_line_not_as_text() -> None:
    """Before: `b.yaml:21:7` sorted before `b.yaml:3:7` (the title compared as a string)."""
    listeners = [Listener(Protocol.TCP, "ipv4", "0.0.0.0", port, pid=10, process="inetd", user="root")
                 for port in (23, 21)]
    text = _text(_baseline(_forbid(23, 21), _forbid(21, 3)), _local(*listeners))
    failing = [line for line in _section(text, "Problems") if line.startswith("FAIL")]
    assert failing == ["FAIL  high port-forbidden (rule b.yaml:3:7): 1 result",
                       "FAIL  high port-forbidden (rule b.yaml:21:7): 1 result"]


def test_a_missing_outside_view_says_why_not_just_not_collected() -> None:
    """Before: `cause: not collected` (the placeholder of a collector the snapshot never mentions)."""
    internal = PortAllow(PortRange(5432, 5432), Protocol.TCP, RuleMeta(Location("b.yaml", 8, 7)),
                         exposure=Exposure.INTERNAL)
    text = _text(_baseline(allow=(internal,)), _local())
    skipped = _section(text, "Skipped")
    assert "SKIP  nmap evidence not collected on web-1: 1 result" in skipped
    assert "    cause: no outside view of this host (no --target or --nmap-xml)" in skipped
    assert "    cause: not collected" not in skipped


def test_no_systemd_is_not_told_to_run_with_privileges() -> None:
    """Before: `fix: Run with the privileges and tools this collector needs (root, systemctl, nmap)`,
    to a root user in a container whose systemd is not PID 1."""
    running = ServiceRule("ssh.service", RuleMeta(Location("b.yaml", 40, 5)), running=True)
    report = evaluate(_baseline(services=(running,)), [_local()])
    (error,) = [r for r in report.results if r.check is CheckId.COLLECTOR_ERROR]
    assert error.status is Status.ERROR
    assert error.remediation is not None and "running systemd (PID 1)" in error.remediation
    assert "`running:`" in error.remediation and "privileges" not in error.remediation
    text = render_summary(report, FormatOptions(ports_default="allow"))
    assert "fix: Runtime state needs a running systemd (PID 1)" in text


def test_a_root_run_is_not_told_to_run_as_root() -> None:
    failed = CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "nmap: exit 1: something broke")
    root = evaluate(_baseline(), [_local(nmap=failed)])
    (error,) = [r for r in root.results if r.check is CheckId.COLLECTOR_ERROR and "nmap" in r.resource]
    assert error.remediation is not None and "already ran as root" in error.remediation
    unprivileged = evaluate(_baseline(), [_local(nmap=failed, privileged=False)])
    (error,) = [r for r in unprivileged.results if r.check is CheckId.COLLECTOR_ERROR and "nmap" in r.resource]
    assert error.remediation is not None and error.remediation.startswith("Run with the privileges")


def test_an_owner_unknown_to_root_says_why() -> None:
    """Before: `owner unknown` and nothing else as root (the hint spoke only to non-root runs),
    and port-process said `collected without root?` to root."""
    orphan = Listener(Protocol.TCP, "ipv4", "0.0.0.0", 8080)
    process = PortAllow(PortRange(8080, 8080), Protocol.TCP, RuleMeta(Location("b.yaml", 8, 7)), process="nginx")
    report = evaluate(_baseline(allow=(process,)), [_local(orphan)])
    text = render_summary(report, FormatOptions(ports_default="allow"))
    assert "  owners of 1 listener unknown: no process in this view holds it (another PID namespace?)" in text
    assert "run as root" not in text
    (result,) = [r for r in report.results if r.check is CheckId.PORT_PROCESS]
    assert result.status is Status.ERROR and "without root" not in result.message
    assert "another PID namespace" in result.message and "--netns-pid" in (result.remediation or "")

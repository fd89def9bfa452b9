"""ports: default deny, forbid, required, bind, process/user, exposure; missing evidence."""

from __future__ import annotations

import dataclasses

from evaluate_support import (
    INSIDE,
    baseline,
    listener,
    loc,
    meta,
    network,
    only,
    outcomes,
    run,
    runs,
    snapshot,
)

from checker.model import (
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    Exposure,
    PortAllow,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    ScannedPort,
    Severity,
    SocketListen,
    SocketUnit,
    Status,
)

TCP, UDP = Protocol.TCP, Protocol.UDP


def allow(port: int | tuple[int, int], protocol: Protocol = TCP, line: int = 10, **kw: object) -> PortAllow:
    low, high = (port, port) if isinstance(port, int) else port
    return PortAllow(PortRange(low, high), protocol, meta(line), **kw)  # type: ignore[arg-type]


def forbid(port: int | tuple[int, int], protocol: Protocol | None = TCP, line: int = 20, **kw: object) -> PortForbid:
    low, high = (port, port) if isinstance(port, int) else port
    return PortForbid(PortRange(low, high), protocol, meta(line, **kw))  # type: ignore[arg-type]


def ports(*, default: DefaultPolicy = DefaultPolicy.ALLOW, allow_: tuple[PortAllow, ...] = (),
          forbid_: tuple[PortForbid, ...] = ()) -> PortsPolicy:
    return PortsPolicy(default=default, allow=allow_, forbid=forbid_, location=loc(5))


# --------------------------------------------------------------------------- default: deny


def test_default_deny_fails_each_unallowed_listener_and_passes_allowed_ones() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY, allow_=(allow(22), allow((32768, 60999), UDP))))
    snap = snapshot(listeners=[listener(22), listener(8080), listener(8080, "::"),
                               listener(40000, protocol=UDP), listener(22, protocol=UDP)])
    report = run(base, snap)
    assert outcomes(report, CheckId.PORT_UNEXPECTED) == {
        ("port-unexpected", "tcp/0.0.0.0:22", "pass"),
        ("port-unexpected", "tcp/0.0.0.0:8080", "fail"),
        ("port-unexpected", "tcp/[::]:8080", "fail"),
        ("port-unexpected", "udp/0.0.0.0:40000", "pass"),
        ("port-unexpected", "udp/0.0.0.0:22", "fail"),
    }
    failure = only(report, CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:8080")
    assert failure.location == loc(5)
    assert failure.severity is Severity.HIGH  # the check's default
    assert failure.evidence["pid"] == 100 and failure.evidence["process"] == "nginx"
    assert failure.evidence["user"] == "www-data" and failure.evidence["exe"] == "/usr/sbin/nginx"
    assert "nginx" in failure.message and "8080" in failure.remediation  # type: ignore[operator]
    assert only(report, CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:22").location == loc(10)


def test_default_allow_gives_no_port_unexpected() -> None:
    report = run(baseline(ports=ports(allow_=(allow(22),))), snapshot(listeners=[listener(8080)]))
    assert outcomes(report, CheckId.PORT_UNEXPECTED) == set()


def test_default_deny_with_outside_view_fails_open_unallowed_ports() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY, allow_=(allow(22),)))
    snap = snapshot(listeners=[listener(22)], network_view=network((22, "open"), (8080, "open"), (9090, "closed")))
    report = run(base, snap)
    # 22 is listening inside and open outside: one result carrying both (docs/evaluation.md).
    assert outcomes(report, CheckId.PORT_UNEXPECTED) == {
        ("port-unexpected", "tcp/0.0.0.0:22", "pass"),
        ("port-unexpected", "tcp/192.0.2.7:8080", "fail"),
    }
    assert only(report, CheckId.PORT_UNEXPECTED, "tcp/192.0.2.7:8080").evidence["source"] == "nmap"
    assert only(report, CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:22").evidence["outside"]["state"] == "open"


def test_one_finding_per_problem_a_forbidden_listener_seen_by_both_views() -> None:
    """Issue 15: telnet gave port-forbidden and port-unexpected, once per view: four findings."""
    base = baseline(ports=ports(default=DefaultPolicy.DENY, allow_=(allow(22),), forbid_=(forbid(23),)))
    snap = snapshot(listeners=[listener(23, process="telnetd")], network_view=network((23, "open")))
    report = run(base, snap)
    problems = [r for r in report.results if r.status is Status.FAIL]
    assert [(r.check, r.resource) for r in problems] == [(CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:23")]
    evidence = problems[0].evidence
    assert (evidence["source"], evidence["process"]) == ("sockets", "telnetd")
    assert (evidence["outside"]["source"], evidence["outside"]["address"]) == ("nmap", "192.0.2.7")


def test_a_forbidden_port_only_open_outside_is_one_forbidden_finding() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY, forbid_=(forbid(23),)))
    report = run(base, snapshot(collectors=runs({Collector.SOCKETS: CollectorStatus.NOT_RUN}, nmap=CollectorStatus.OK),
                                network_view=network((23, "open"))))
    assert [(r.check, r.resource) for r in report.results if r.status is Status.FAIL] == [
        (CheckId.PORT_FORBIDDEN, "tcp/192.0.2.7:23")]


def test_remediation_names_the_socket_unit_when_one_listens_on_the_port() -> None:
    unit = SocketUnit("telnet.socket", enablement="enabled",
                      listens=(SocketListen("stream", "23", port=23),))
    base = baseline(ports=ports(forbid_=(forbid(23),)))
    report = run(base, snapshot(listeners=[listener(23, process="inetd")], socket_units=[unit]))
    result = only(report, CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:23")
    assert "systemctl disable --now telnet.socket" in (result.remediation or "")


# --------------------------------------------------------------------------- forbid


def test_forbid_fails_matching_listeners_and_passes_per_protocol_when_none() -> None:
    base = baseline(ports=ports(forbid_=(forbid(23, None, severity=Severity.CRITICAL, controls=("CIS 2.1.16",)),
                                         forbid((6000, 6010), UDP))))
    report = run(base, snapshot(listeners=[listener(23, "127.0.0.1", process="telnetd", user="root")]))
    assert outcomes(report, CheckId.PORT_FORBIDDEN) == {
        ("port-forbidden", "tcp/127.0.0.1:23", "fail"),
        ("port-forbidden", "udp/*:23", "pass"),
        ("port-forbidden", "udp/*:6000-6010", "pass"),
    }
    failure = only(report, CheckId.PORT_FORBIDDEN, "tcp/127.0.0.1:23")
    assert failure.severity is Severity.CRITICAL
    assert failure.controls == ("CIS 2.1.16",)
    assert failure.location == loc(20)


def test_forbid_udp_listener_and_open_scanned_port_fail() -> None:
    base = baseline(ports=ports(forbid_=(forbid(69, None),)))
    snap = snapshot(listeners=[listener(69, protocol=UDP, process="in.tftpd")],
                    network_view=network(ScannedPort(UDP, 69, "open"), scanned=("tcp:1-1024", "udp:1-1024")))
    report = run(base, snap)
    assert outcomes(report, CheckId.PORT_FORBIDDEN) == {  # the open scanned port joins the listener's result
        ("port-forbidden", "udp/0.0.0.0:69", "fail"),
        ("port-forbidden", "tcp/*:69", "pass"),
    }
    assert only(report, CheckId.PORT_FORBIDDEN, "udp/0.0.0.0:69").evidence["outside"]["protocol"] == "udp"


# --------------------------------------------------------------------------- required


def test_required_passes_with_a_listener_in_the_range_and_fails_without() -> None:
    base = baseline(ports=ports(allow_=(allow(443, required=True), allow((8000, 8010), required=True))))
    report = run(base, snapshot(listeners=[listener(8005)]))
    assert outcomes(report, CheckId.PORT_REQUIRED_MISSING) == {
        ("port-required-missing", "tcp/*:443", "fail"),
        ("port-required-missing", "tcp/*:8000-8010", "pass"),
    }
    assert only(report, CheckId.PORT_REQUIRED_MISSING, "tcp/*:443").severity is Severity.MEDIUM


def test_required_udp_is_not_satisfied_by_tcp() -> None:
    base = baseline(ports=ports(allow_=(allow(53, UDP, required=True),)))
    report = run(base, snapshot(listeners=[listener(53)]))
    assert outcomes(report, CheckId.PORT_REQUIRED_MISSING) == {("port-required-missing", "udp/*:53", "fail")}


# --------------------------------------------------------------------------- bind


def test_bind_loopback_passes_loopback_and_fails_all_interfaces() -> None:
    base = baseline(ports=ports(allow_=(allow(5432, bind=("loopback",)),)))
    snap = snapshot(listeners=[listener(5432, "127.0.0.1", process="postgres"),
                               listener(5432, "::1", process="postgres"),
                               listener(5432, "0.0.0.0", process="postgres")])
    report = run(base, snap)
    assert outcomes(report, CheckId.PORT_BIND) == {
        ("port-bind", "tcp/127.0.0.1:5432", "pass"),
        ("port-bind", "tcp/[::1]:5432", "pass"),
        ("port-bind", "tcp/0.0.0.0:5432", "fail"),
    }
    failure = only(report, CheckId.PORT_BIND, "tcp/0.0.0.0:5432")
    assert failure.evidence["allowed_bind"] == ["loopback"]
    assert "all IPv4" in failure.message


def test_bind_dual_stack_listener_counts_as_ipv4_wildcard_too() -> None:
    base = baseline(ports=ports(allow_=(allow(80, bind=("::",)), allow(81, bind=("any",)),
                                        allow(82, bind=("0.0.0.0", "::")))))
    snap = snapshot(listeners=[listener(80, "::", dual_stack=True), listener(81, "::", dual_stack=True),
                               listener(82, "::", dual_stack=True)])
    assert outcomes(run(base, snap), CheckId.PORT_BIND) == {
        ("port-bind", "tcp/[::]:80", "fail"),
        ("port-bind", "tcp/[::]:81", "pass"),
        ("port-bind", "tcp/[::]:82", "pass"),
    }


def test_bind_cidr_and_ipv4_mapped_addresses() -> None:
    base = baseline(ports=ports(allow_=(allow(9000, bind=("10.0.0.0/8",)),)))
    snap = snapshot(listeners=[listener(9000, "::ffff:10.1.2.3"), listener(9000, "192.168.1.1")])
    assert outcomes(run(base, snap), CheckId.PORT_BIND) == {
        ("port-bind", "tcp/[::ffff:10.1.2.3]:9000", "pass"),
        ("port-bind", "tcp/192.168.1.1:9000", "fail"),
    }


def test_most_specific_entry_governs_a_listener() -> None:
    base = baseline(ports=ports(allow_=(allow((8000, 9000), bind=("loopback",)), allow(8080, bind=("any",)))))
    snap = snapshot(listeners=[listener(8080), listener(8081)])
    assert outcomes(run(base, snap), CheckId.PORT_BIND) == {
        ("port-bind", "tcp/0.0.0.0:8080", "pass"),
        ("port-bind", "tcp/0.0.0.0:8081", "fail"),
    }


# --------------------------------------------------------------------------- process / user


def test_process_and_user_globs() -> None:
    base = baseline(ports=ports(allow_=(allow(22, process="sshd", user="root"), allow(8080, process="python3*"))))
    snap = snapshot(listeners=[listener(22, process="sshd", user="root"), listener(22, "::", process="sshd",
                                                                                   user="nobody"),
                               listener(8080, process="python3.11"), listener(8080, "::", process="node")])
    report = run(base, snap)
    assert outcomes(report, CheckId.PORT_PROCESS) == {
        ("port-process", "tcp/0.0.0.0:22", "pass"),
        ("port-process", "tcp/[::]:22", "fail"),
        ("port-process", "tcp/0.0.0.0:8080", "pass"),
        ("port-process", "tcp/[::]:8080", "fail"),
    }
    assert "nobody" in only(report, CheckId.PORT_PROCESS, "tcp/[::]:22").message


def test_process_messages_name_the_real_owner_in_plain_words() -> None:
    """Issue 15: "is owned by the wrong user is `root`"; passes showed the pattern (`python3*`)."""
    base = baseline(ports=ports(allow_=(allow(80, process="nginx", user="www-data"), allow(8080, process="python3*"))))
    snap = snapshot(listeners=[listener(80, process="nginx", user="root", pid=7), listener(8080, process="python3.11")])
    report = run(base, snap)
    assert only(report, CheckId.PORT_PROCESS, "tcp/0.0.0.0:80").message == (
        "tcp/0.0.0.0:80 is owned by process `nginx` (pid 7), user `root`; the baseline expects process `nginx` "
        "and user `www-data` (wrong user).")
    assert only(report, CheckId.PORT_PROCESS, "tcp/0.0.0.0:8080").message == (
        "tcp/0.0.0.0:8080 is owned by process `python3.11` (pid 100), user `www-data`, as the baseline expects "
        "(process `python3*`).")


def test_remediation_names_the_service_of_the_owning_process() -> None:
    """Issue 15: `systemctl disable --now <its unit>` although the pid, so its unit, was known."""
    base = baseline(ports=ports(forbid_=(forbid(21),)))
    owned = dataclasses.replace(listener(21, process="vsftpd"), unit="vsftpd.service")
    report = run(base, snapshot(listeners=[owned, listener(21, "::", process="ftpd")]))
    assert "`systemctl disable --now vsftpd.service`" in (
        only(report, CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:21").remediation or "")
    assert "<its unit>" in (only(report, CheckId.PORT_FORBIDDEN, "tcp/[::]:21").remediation or "")


def test_remediation_has_no_parentheses_inside_parentheses() -> None:
    """Issue 15 review: `(e.g. `systemctl disable --now <its unit>` (find it with `ss -tulnp`))`."""
    base = baseline(ports=ports(default=DefaultPolicy.DENY))
    remediation = only(run(base, snapshot(listeners=[listener(8080)])), CheckId.PORT_UNEXPECTED,
                       "tcp/0.0.0.0:8080").remediation or ""
    assert "<its unit>" in remediation and "))" not in remediation


def test_unknown_owner_is_error_never_pass() -> None:
    base = baseline(ports=ports(allow_=(allow(22, process="sshd", user="root"),)))
    snap = snapshot(listeners=[listener(22, process=None, user=None, pid=None),
                               listener(22, "::", process="nginx", user=None)])
    assert outcomes(run(base, snap), CheckId.PORT_PROCESS) == {
        ("port-process", "tcp/0.0.0.0:22", "error"),
        ("port-process", "tcp/[::]:22", "fail"),  # a known mismatch is a fail even with the user unknown
    }


# --------------------------------------------------------------------------- exposure


def test_internal_port_open_from_outside_fails_and_closed_passes() -> None:
    base = baseline(ports=ports(allow_=(allow(5432, exposure=Exposure.INTERNAL),
                                        allow(6379, exposure=Exposure.INTERNAL))))
    snap = snapshot(network_view=network((5432, "open"), (6379, "filtered")))
    assert outcomes(run(base, snap), CheckId.PORT_EXPOSED) == {
        ("port-exposed", "tcp/192.0.2.7:5432", "fail"),
        ("port-exposed", "tcp/192.0.2.7:6379", "pass"),
    }


def test_public_required_port_closed_filtered_or_absent_is_unreachable() -> None:
    base = baseline(ports=ports(allow_=(allow(443, exposure=Exposure.PUBLIC, required=True),
                                        allow(80, exposure=Exposure.PUBLIC, required=True),
                                        allow(8443, exposure=Exposure.PUBLIC, required=True),
                                        allow(22, exposure=Exposure.PUBLIC, required=True))))
    snap = snapshot(listeners=[listener(443), listener(80), listener(8443), listener(22)],
                    network_view=network((443, "open"), (80, "filtered"), (22, "closed")))
    report = run(base, snap)
    assert outcomes(report, CheckId.PORT_UNREACHABLE) == {
        ("port-unreachable", "tcp/192.0.2.7:443", "pass"),
        ("port-unreachable", "tcp/192.0.2.7:80", "fail"),
        ("port-unreachable", "tcp/192.0.2.7:8443", "fail"),
        ("port-unreachable", "tcp/192.0.2.7:22", "fail"),
    }
    assert "filtered" in only(report, CheckId.PORT_UNREACHABLE, "tcp/192.0.2.7:80").message


def test_exposure_without_outside_view_is_skip_with_reason() -> None:
    base = baseline(ports=ports(allow_=(allow(5432, exposure=Exposure.INTERNAL),
                                        allow(443, exposure=Exposure.PUBLIC, required=True))))
    report = run(base, snapshot(listeners=[listener(443)]))
    assert outcomes(report, CheckId.PORT_EXPOSED, CheckId.PORT_UNREACHABLE) == {
        ("port-exposed", "tcp/*:5432", "skip"),
        ("port-unreachable", "tcp/*:443", "skip"),
    }
    assert "no outside view" in only(report, CheckId.PORT_EXPOSED).message


def test_exposure_with_failed_nmap_or_host_down_is_error() -> None:
    base = baseline(ports=ports(allow_=(allow(5432, exposure=Exposure.INTERNAL),)))
    failed = snapshot(collectors=runs(nmap=CollectorStatus.FAILED, reason="nmap: timed out after 300s"))
    down = snapshot(network_view=network(state="down"))
    assert only(run(base, failed), CheckId.PORT_EXPOSED).status is Status.ERROR
    assert "timed out" in only(run(base, failed), CheckId.PORT_EXPOSED).message
    assert only(run(base, down), CheckId.PORT_EXPOSED).status is Status.ERROR


def test_exposure_of_a_port_outside_the_scanned_range_is_skip() -> None:
    base = baseline(ports=ports(allow_=(allow(5432, exposure=Exposure.INTERNAL),)))
    snap = snapshot(network_view=network((22, "open"), scanned=("tcp:1-1024",)))
    assert outcomes(run(base, snap), CheckId.PORT_EXPOSED) == {("port-exposed", "tcp/192.0.2.7:5432", "skip")}


# --------------------------------------------------------------------------- missing evidence


def test_failed_sockets_collector_makes_inside_rules_error_and_a_collector_error() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY,
                                allow_=(allow(22, process="sshd", bind=("any",), required=True),),
                                forbid_=(forbid(23),)))
    snap = snapshot(collectors=runs({Collector.SOCKETS: CollectorStatus.FAILED}, reason="psutil: access denied"))
    report = run(base, snap)
    assert outcomes(report) == {
        ("port-unexpected", "ports:default-deny", "error"),
        ("port-forbidden", "tcp/*:23", "error"),
        ("port-required-missing", "tcp/*:22", "error"),
        ("port-bind", "tcp/*:22", "error"),
        ("port-process", "tcp/*:22", "error"),
        ("collector-error", "collector:sockets", "error"),
    }
    assert all("psutil: access denied" in r.message for r in report.results)


def test_outside_only_snapshot_evaluates_scanned_ports_and_skips_inside_checks() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY,
                                allow_=(allow(22, process="sshd", bind=("any",)), allow(443, required=True),
                                        allow(80, required=True)),
                                forbid_=(forbid(23), forbid(3306))))
    snap = snapshot(hostname="", collectors=runs(dict.fromkeys(INSIDE, CollectorStatus.NOT_RUN),
        nmap=CollectorStatus.OK), network_view=network((22, "open"), (23, "open"), (443, "open")))
    report = run(base, snap)
    assert {h.name for h in report.hosts} == {"192.0.2.7"}
    assert outcomes(report) == {
        ("port-unexpected", "tcp/192.0.2.7:22", "pass"),
        ("port-unexpected", "tcp/192.0.2.7:443", "pass"),
        ("port-forbidden", "tcp/192.0.2.7:23", "fail"),  # forbidden: not also port-unexpected
        ("port-forbidden", "tcp/*:3306", "pass"),
        ("port-required-missing", "tcp/*:443", "pass"),
        ("port-required-missing", "tcp/*:80", "error"),
        ("port-bind", "tcp/*:22", "skip"),
        ("port-process", "tcp/*:22", "skip"),
    }


def test_no_view_at_all_skips_deny_and_forbid_but_required_is_error() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY, allow_=(allow(443, required=True),),
                                forbid_=(forbid(23),)))
    snap = snapshot(collectors=runs(dict.fromkeys(INSIDE, CollectorStatus.NOT_RUN)))
    assert outcomes(run(base, snap)) == {
        ("collector-error", "collector:*", "error"),  # no evidence at all: never exit 0
        ("port-unexpected", "ports:default-deny", "skip"),
        ("port-forbidden", "tcp/*:23", "skip"),
        ("port-required-missing", "tcp/*:443", "error"),
    }


def test_severity_comes_from_rule_then_defaults_then_check() -> None:
    base = baseline(default_severity=Severity.LOW,
                    ports=ports(forbid_=(forbid(23, severity=Severity.CRITICAL), forbid(21))))
    report = run(base, snapshot(listeners=[listener(23), listener(21)]))
    assert only(report, CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:23").severity is Severity.CRITICAL
    assert only(report, CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:21").severity is Severity.LOW


def test_a_range_the_scan_covered_only_in_part_is_never_a_pass() -> None:
    """`tcp:1-1024` says nothing about 1025-2000: "not open from outside" needs every port scanned."""
    base = baseline(ports=ports(allow_=(allow((1000, 2000), exposure=Exposure.INTERNAL),
                                        allow((900, 1100), exposure=Exposure.PUBLIC, required=True, line=11)),
                                forbid_=(forbid((1000, 1030)),)))
    outside_only = runs(dict.fromkeys((Collector.SOCKETS,), CollectorStatus.NOT_RUN), nmap=CollectorStatus.OK)
    snap = snapshot(collectors=outside_only, network_view=network(scanned=("tcp:1-1024",)))
    assert outcomes(run(base, snap), CheckId.PORT_EXPOSED, CheckId.PORT_UNREACHABLE, CheckId.PORT_FORBIDDEN) == {
        ("port-exposed", "tcp/192.0.2.7:1000-2000", "skip"),
        ("port-unreachable", "tcp/192.0.2.7:900-1100", "skip"),
        ("port-forbidden", "tcp/*:1000-1030", "skip"),
    }
    # Gaps inside a range count too; adjacent and overlapping specs join up.
    gappy = snapshot(collectors=outside_only, network_view=network(scanned=("tcp:1-10,20-30",)))
    assert only(run(baseline(ports=ports(forbid_=(forbid((5, 25)),))), gappy),
                CheckId.PORT_FORBIDDEN).status is Status.SKIP
    joined = snapshot(collectors=outside_only, network_view=network(scanned=("tcp:1-10,11-19", "tcp:15-65535")))
    assert only(run(baseline(ports=ports(forbid_=(forbid((5, 25)),))), joined),
                CheckId.PORT_FORBIDDEN).status is Status.PASS


def test_ports_at_both_ends_of_the_range() -> None:
    base = baseline(ports=ports(default=DefaultPolicy.DENY, allow_=(allow((1, 65535), bind=("0.0.0.0",)),),
                                forbid_=(forbid(1, protocol=UDP), forbid(65535, protocol=UDP, line=21))))
    snap = snapshot(listeners=[listener(1), listener(65535), listener(1, "::", dual_stack=True),
                               listener(65535, protocol=UDP)])
    assert outcomes(run(base, snap), CheckId.PORT_BIND, CheckId.PORT_FORBIDDEN) == {
        ("port-bind", "tcp/0.0.0.0:1", "pass"),
        ("port-bind", "tcp/0.0.0.0:65535", "pass"),
        ("port-bind", "tcp/[::]:1", "fail"),  # dual-stack: IPv6 wildcard too, not only 0.0.0.0
        ("port-forbidden", "udp/*:1", "pass"),
        ("port-forbidden", "udp/0.0.0.0:65535", "fail"),
    }


def test_open_filtered_from_outside_is_never_not_open() -> None:
    """nmap's `open|filtered` (a UDP port that did not answer) may be open: no pass "not open from outside"."""
    snmp = ScannedPort(UDP, 161, "open|filtered", reason="no-response")
    base = baseline(ports=ports(allow_=(allow(161, UDP, exposure=Exposure.INTERNAL),), forbid_=(forbid(161, UDP),)))
    outside_only = runs({Collector.SOCKETS: CollectorStatus.NOT_RUN}, nmap=CollectorStatus.OK)
    view = network(snmp, scanned=("tcp:1-65535", "udp:1-1024"))
    report = run(base, snapshot(collectors=outside_only, network_view=view))
    assert outcomes(report, CheckId.PORT_EXPOSED, CheckId.PORT_FORBIDDEN) == {
        ("port-exposed", "udp/192.0.2.7:161", "error"),
        ("port-forbidden", "udp/192.0.2.7:161", "error"),
    }
    assert "open|filtered" in only(report, CheckId.PORT_EXPOSED).message
    # A closed answer is evidence: then it passes.
    closed = network(ScannedPort(UDP, 161, "closed"), scanned=("tcp:1-65535", "udp:1-1024"))
    assert outcomes(run(base, snapshot(collectors=outside_only, network_view=closed)),
                    CheckId.PORT_EXPOSED, CheckId.PORT_FORBIDDEN) == {
        ("port-exposed", "udp/192.0.2.7:161", "pass"),
        ("port-forbidden", "udp/*:161", "pass"),
    }


def test_a_scan_that_scanned_no_port_shows_nothing_closed() -> None:
    """A ping sweep (`nmap -sn`) has no `<scaninfo>`: "not open from outside" would rest on nothing."""
    base = baseline(ports=ports(allow_=(allow(5432, exposure=Exposure.INTERNAL),), forbid_=(forbid(23),)))
    outside_only = runs({Collector.SOCKETS: CollectorStatus.NOT_RUN}, nmap=CollectorStatus.OK)
    ping_sweep = network(scanned=())
    assert outcomes(run(base, snapshot(collectors=outside_only, network_view=ping_sweep)),
                    CheckId.PORT_EXPOSED, CheckId.PORT_FORBIDDEN) == {
        ("port-exposed", "tcp/192.0.2.7:5432", "skip"),
        ("port-forbidden", "tcp/*:23", "skip"),
    }
    # A port the scan did report is known, whatever the scaninfo says.
    seen = network(ScannedPort(TCP, 5432, "closed"), scanned=())
    assert only(run(base, snapshot(collectors=outside_only, network_view=seen)),
                CheckId.PORT_EXPOSED).status is Status.PASS

"""`checker.learn.draft_baseline` on hand-built snapshots: content, comments, risks, validity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from checker.learn import draft_baseline
from checker.learn.ports import bind_word
from checker.learn.render import comment_text, glob_literal, yaml_scalar
from checker.learn.xinetd import xinetd_limits
from checker.model import (
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    Listener,
    Location,
    NetworkView,
    Protocol,
    ScannedPort,
    Snapshot,
    SocketListen,
    SocketUnit,
    Unit,
    XinetdService,
    XinetdValue,
)
from checker.model.ports import is_ephemeral_client_port

# the firewall collector is left out: these snapshots carry no ruleset (its own tests are in
# tests/unit/evaluate/test_firewall_rules.py)
ALL_OK = (*(CollectorRun(c, CollectorStatus.OK) for c in Collector if c not in (Collector.NMAP, Collector.FIREWALL)),
          CollectorRun(Collector.FIREWALL, CollectorStatus.NOT_RUN))


def tcp(address: str, port: int, process: str | None = "sshd", pid: int | None = 100, user: str | None = "root",
        dual_stack: bool = False) -> Listener:
    family = "ipv6" if ":" in address else "ipv4"
    return Listener(Protocol.TCP, family, address, port, pid, process, None, user, dual_stack)


def udp(address: str, port: int, process: str | None = "chronyd", pid: int | None = 200,
        user: str | None = "_chrony") -> Listener:
    family = "ipv6" if ":" in address else "ipv4"
    return Listener(Protocol.UDP, family, address, port, pid, process, None, user)


def xinetd_service(name: str, service_id: str | None = None, enabled: bool = True, **attributes: str) -> XinetdService:
    path = f"/etc/xinetd.d/{name}"
    values = {
        key: XinetdValue(tuple(value.split()), Location(path, line))
        for line, (key, value) in enumerate(sorted(attributes.items()), start=3)
    }
    return XinetdService(name, service_id or name, enabled, Location(path, 1), attributes=values)


def snapshot(hostname: str = "web-1", *, collectors: tuple[CollectorRun, ...] = ALL_OK, privileged: bool = True,
             **parts: object) -> Snapshot:
    host = HostInfo(hostname, "2026-11-21T09:40:54Z", "0.1.0", privileged=privileged, euid=0 if privileged else 1000)
    return Snapshot(host=host, collectors=collectors, **parts)  # type: ignore[arg-type]


def learned(*snapshots: Snapshot, **kwargs: object) -> tuple[str, dict[str, object]]:
    text = draft_baseline(snapshots, **kwargs)  # type: ignore[arg-type]
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return text, data


def port_entries(data: dict[str, object]) -> dict[tuple[str, object], dict[str, object]]:
    ports = data["ports"]
    assert isinstance(ports, dict)
    return {(entry.get("protocol", "tcp"), entry["port"]): entry for entry in ports["allow"]}


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("value", ["sshd", "nginx: worker", "yes", "no", "null", "123", "a\nb", "-x", "x#y",
                                   "tab\there", "\x1b[31mred", "名前", "emoji 😀", ".inf", "\u202eRTL", "nul\x00", "@at", "...", "-", "a: b", "x,y", "{z}", "'quote\"", "[x]", "*", ""])
def test_yaml_scalar_round_trips(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}")["key"] == value


def test_comment_text_has_no_line_breaks_and_is_bounded() -> None:
    text = comment_text("a\nb\rc\x00d" + "x" * 500)
    assert "\n" not in text and "\r" not in text and "\x00" not in text
    assert len(text) <= 160


def test_glob_literal_escapes_glob_characters() -> None:
    from fnmatch import fnmatchcase

    for name in ("kworker/0:1", "a*b", "x?y", "[weird]"):
        assert fnmatchcase(name, glob_literal(name))
    assert not fnmatchcase("aXb", glob_literal("a*b"))


@pytest.mark.parametrize(("address", "dual", "word"), [
    ("0.0.0.0", False, "any"), ("::", False, "any"), ("::", True, "any"), ("127.0.0.1", False, "loopback"),
    ("127.0.0.53", False, "loopback"), ("::1", False, "loopback"), ("10.1.2.3", False, "10.1.2.3"),
    ("fe80::1%eth0", False, "fe80::1"), ("::ffff:127.0.0.1", False, "loopback"),
])
def test_bind_word(address: str, dual: bool, word: str) -> None:
    assert bind_word(tcp(address, 22, dual_stack=dual)) == word


def test_ephemeral_client_ports() -> None:
    assert is_ephemeral_client_port(udp("0.0.0.0", 45678))
    assert not is_ephemeral_client_port(udp("0.0.0.0", 51820))  # WireGuard: a server
    assert not is_ephemeral_client_port(udp("0.0.0.0", 123))
    assert not is_ephemeral_client_port(tcp("0.0.0.0", 45678))
    assert is_ephemeral_client_port(udp("0.0.0.0", 20000), (10000, 30000))


# --------------------------------------------------------------------------- ports


def test_header_modeline_version_and_name() -> None:
    text, data = learned(snapshot(listeners=(tcp("0.0.0.0", 22),)), schema_ref="../schemas/baseline.schema.json")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/baseline.schema.json"
    assert data["version"] == 1
    assert data["name"] == "learned-web-1"
    assert "review" in text.lower()


def test_ipv4_and_ipv6_duplicates_merge_into_one_entry() -> None:
    _, data = learned(snapshot(listeners=(tcp("0.0.0.0", 22), tcp("::", 22))))
    assert port_entries(data) == {
        ("tcp", 22): {"port": 22, "protocol": "tcp", "process": "sshd", "user": "root", "bind": ["any"]}}


def test_dual_stack_listener_is_bind_any() -> None:
    _, data = learned(snapshot(listeners=(tcp("::", 443, "nginx", 7, "www-data", dual_stack=True),)))
    assert port_entries(data)[("tcp", 443)]["bind"] == ["any"]


def test_loopback_pair_is_bind_loopback() -> None:
    _, data = learned(snapshot(listeners=(tcp("127.0.0.1", 5432, "postgres", 9, "postgres"),
                                          tcp("::1", 5432, "postgres", 9, "postgres"))))
    entry = port_entries(data)[("tcp", 5432)]
    assert entry["bind"] == ["loopback"]
    assert entry["process"] == "postgres" and entry["user"] == "postgres"


def test_specific_and_mixed_binds() -> None:
    _, data = learned(snapshot(listeners=(udp("10.0.0.5", 53, "named", 3, "bind"), udp("127.0.0.1", 53, "named", 3,
                                                                                         "bind"),
                                          udp("0.0.0.0", 67, "dnsmasq", 4, "dnsmasq"))))
    entries = port_entries(data)
    assert entries[("udp", 53)]["bind"] == ["loopback", "10.0.0.5"]
    assert entries[("udp", 67)]["bind"] == ["any"]


def test_comment_names_process_pid_and_first_seen() -> None:
    text, _ = learned(snapshot(listeners=(tcp("0.0.0.0", 22, "sshd", 612, "root"),)))
    comment = next(line for line in text.splitlines() if "sshd (pid 612" in line)
    assert "user root" in comment and "first seen 2026-11-21T09:40:54Z on web-1" in comment
    assert "SSH" in comment


def test_several_processes_are_not_pinned() -> None:
    text, data = learned(snapshot(listeners=(udp("127.0.0.1", 514, "rsyslogd", 5, "root"),
                                             udp("::1", 514, "syslog-ng", 6, "root"))))
    entry = port_entries(data)[("udp", 514)]
    assert "process" not in entry and entry["user"] == "root"
    assert "several processes" in text


def test_unknown_owner_is_not_pinned_and_noted() -> None:
    text, data = learned(snapshot(privileged=False, listeners=(tcp("0.0.0.0", 25, None, None, None),)))
    entry = port_entries(data)[("tcp", 25)]
    assert "process" not in entry and "user" not in entry
    assert "collected without root" in text and "process unknown" in text


def test_hostile_process_name_stays_valid_yaml_and_exact() -> None:
    name = "evil\n- {port: 1}\x1b[0m|<script>"
    text, data = learned(snapshot(listeners=(tcp("0.0.0.0", 8080, name, 5, "nobody"),)))
    entries = port_entries(data)
    assert list(entries) == [("tcp", 8080)]
    assert entries[("tcp", 8080)]["process"] == glob_literal(name)
    assert all(line.startswith(("#", " ", "version", "name", "description", "ports", "services", "socket_units",
                                "xinetd")) or not line for line in text.splitlines())


@pytest.mark.parametrize(("listener", "risk"), [
    (tcp("0.0.0.0", 23, "inetd"), "telnet is a cleartext protocol"),
    (tcp("0.0.0.0", 21, "vsftpd"), "FTP is a cleartext protocol"),
    (udp("0.0.0.0", 69, "in.tftpd"), "TFTP is a cleartext protocol"),
    (tcp("0.0.0.0", 6379, "redis-server"), "Redis listens on all interfaces"),
    (tcp("::", 3306, "mariadbd", dual_stack=True), "MySQL/MariaDB listens on all interfaces"),
    (tcp("10.0.0.8", 27017, "mongod"), "MongoDB listens on 10.0.0.8"),
    (udp("0.0.0.0", 11211, "memcached"), "memcached listens on all interfaces"),
    (tcp("0.0.0.0", 9200, "java"), "Elasticsearch listens on all interfaces"),
    (tcp("0.0.0.0", 5432, "postgres"), "PostgreSQL listens on all interfaces"),
    (udp("0.0.0.0", 19, "xinetd"), "legacy diagnostic service"),
    (tcp("0.0.0.0", 6000, "Xorg"), "X11 display :0 over TCP is a cleartext protocol"),
    (tcp("::", 6010, "sshd"), "X11 display :10 over TCP"),
])
def test_risky_listeners_are_flagged(listener: Listener, risk: str) -> None:
    text, _ = learned(snapshot(listeners=(listener,)))
    assert any(line.strip().startswith("# RISK:") and risk in line for line in text.splitlines()), text


def test_server_port_in_the_ephemeral_range_gets_a_note() -> None:
    text, data = learned(snapshot(listeners=(tcp("0.0.0.0", 44123, "rpc.statd", 9, "statd"),
                                             tcp("0.0.0.0", 22))))
    assert port_entries(data)[("tcp", 44123)]["process"] == "rpc.statd"
    notes = [line for line in text.splitlines() if "ephemeral range" in line]
    assert len(notes) == 1 and "44123 is in the ephemeral range 32768-60999" in notes[0]


def test_database_on_loopback_is_not_flagged() -> None:
    text, _ = learned(snapshot(listeners=(tcp("127.0.0.1", 6379, "redis-server"),)))
    assert "# RISK:" not in text


def test_ephemeral_udp_becomes_one_range_entry_not_rules() -> None:
    text, data = learned(snapshot(listeners=(udp("0.0.0.0", 40001), udp("0.0.0.0", 45002), udp("::", 59999),
                                             udp("127.0.0.1", 323), udp("0.0.0.0", 51820, "wg", None, "root"))))
    entries = port_entries(data)
    assert ("udp", 40001) not in entries and ("udp", 45002) not in entries
    assert entries[("udp", "32768-60999")] == {"port": "32768-60999", "protocol": "udp", "process": "chronyd"}
    assert ("udp", 323) in entries and ("udp", 51820) in entries
    assert "client sockets" in text
    # The range comes after the specific entries (the evaluator prefers the narrowest anyway).
    assert list(entries)[-1] == ("udp", "32768-60999")


def test_ephemeral_range_of_several_processes_pins_none() -> None:
    _, data = learned(snapshot(listeners=(udp("0.0.0.0", 40001, "chronyd"), udp("0.0.0.0", 40002, "systemd-resolve"))),
                      ephemeral_range=(40000, 41000))
    assert port_entries(data)[("udp", "40000-41000")] == {"port": "40000-41000", "protocol": "udp"}


def test_no_listeners_gives_empty_allow() -> None:
    _, data = learned(snapshot())
    assert data["ports"] == {"default": "deny", "allow": []}


def test_failed_sockets_collector_leaves_ports_out() -> None:
    collectors = tuple(replace(run, status=CollectorStatus.FAILED, reason="psutil: access denied")
                       if run.name == Collector.SOCKETS else run for run in ALL_OK)
    text, data = learned(snapshot(collectors=collectors, listeners=(tcp("0.0.0.0", 22),)))
    assert "ports" not in data
    assert "psutil: access denied" in text


def test_listeners_of_several_hosts_are_united() -> None:
    _, data = learned(snapshot("a", listeners=(tcp("0.0.0.0", 22),)),
                      snapshot("b", listeners=(tcp("0.0.0.0", 22), tcp("0.0.0.0", 80, "nginx", 5, "www-data"))))
    assert set(port_entries(data)) == {("tcp", 22), ("tcp", 80)}
    assert data["name"] == "learned-fleet"


def test_outside_view_sets_exposure_and_adds_open_ports_without_listener() -> None:
    network = NetworkView("192.0.2.10", "up", ports=(
        ScannedPort(Protocol.TCP, 22, "open", service="ssh", product="OpenSSH"),
        ScannedPort(Protocol.TCP, 5432, "filtered"),
        ScannedPort(Protocol.TCP, 8443, "open")), scanned=("tcp:1-10000",), scan_type="syn")
    with_nmap = ALL_OK + (CollectorRun(Collector.NMAP, CollectorStatus.OK),)
    text, data = learned(snapshot(network=network, collectors=with_nmap, listeners=(
        tcp("0.0.0.0", 22), tcp("0.0.0.0", 5432, "postgres", 5, "postgres"), udp("0.0.0.0", 161, "snmpd"))))
    entries = port_entries(data)
    assert entries[("tcp", 22)]["exposure"] == "public"
    assert entries[("tcp", 5432)]["exposure"] == "internal"
    assert "exposure" not in entries[("udp", 161)]  # the scan did not cover UDP
    assert entries[("tcp", 8443)] == {"port": 8443, "protocol": "tcp", "exposure": "public"}
    assert "no local listener" in text and "web-1 (ssh OpenSSH)" in text


def test_port_nmap_calls_open_filtered_gets_no_exposure(tmp_path: Path) -> None:
    # A UDP scan cannot tell open from filtered when nothing answers. `exposure: internal`
    # would make the audit of this very snapshot an `error` (exit 3): the round trip breaks.
    from checker.evaluate import evaluate
    from checker.model import Status
    from checker.policy import load_baseline

    network = NetworkView("192.0.2.10", "up", ports=(ScannedPort(Protocol.UDP, 161, "open|filtered"),),
                          scanned=("tcp:1-1024", "udp:1-1024"), scan_type="syn+udp")
    with_nmap = ALL_OK + (CollectorRun(Collector.NMAP, CollectorStatus.OK),)
    observed = snapshot(network=network, collectors=with_nmap, listeners=(
        tcp("0.0.0.0", 22), udp("0.0.0.0", 161, "snmpd", 7, "Debian-snmp")))
    text, data = learned(observed)
    entries = port_entries(data)
    assert "exposure" not in entries[("udp", 161)]
    assert entries[("tcp", 22)]["exposure"] == "internal"
    assert "open|filtered" in text
    path = tmp_path / "learned.yaml"
    path.write_text(text, encoding="utf-8")
    report = evaluate(load_baseline(str(path)), [observed])
    # ALL_OK records the firewall as not run, which the learned `exposure: internal` needs: that
    # gap is a collector-error of its own (a needed collector not run beside an inside view).
    assert [r for host in report.hosts for r in host.results if r.status in (Status.FAIL, Status.ERROR)
            and r.resource != "collector:firewall"] == []


def test_loopback_listener_seen_by_a_loopback_scan_is_not_public() -> None:
    with_nmap = ALL_OK + (CollectorRun(Collector.NMAP, CollectorStatus.OK),)
    network = NetworkView("127.0.0.1", "up", ports=(ScannedPort(Protocol.TCP, 23555, "open"),),
                          scan_type="syn")
    _, data = learned(snapshot(network=network, collectors=with_nmap, listeners=(tcp("127.0.0.1", 23555),)))
    assert "exposure" not in port_entries(data)[("tcp", 23555)]


def test_outside_only_snapshot_drafts_ports_from_the_scan() -> None:
    collectors = (CollectorRun(Collector.NMAP, CollectorStatus.OK),)
    network = NetworkView("192.0.2.10", "up", ports=(ScannedPort(Protocol.TCP, 23, "open"),), scan_type="syn")
    text, data = learned(snapshot(collectors=collectors, network=network))
    assert port_entries(data) == {("tcp", 23): {"port": 23, "protocol": "tcp", "exposure": "public"}}
    assert "RISK: telnet is a cleartext protocol" in text


def test_many_addresses_are_summarised() -> None:
    text, _ = learned(snapshot(listeners=tuple(tcp(f"127.0.0.{i}", 9000, "app") for i in range(2, 12))))
    assert "and 6 more" in text


# --------------------------------------------------------------------------- units


UNITS = (
    Unit("nginx.service", "enabled", "active", "running"),
    Unit("ssh.service", "enabled", "active", "running"),
    Unit("cron.service", "enabled", "active", "running"),                      # plumbing
    Unit("systemd-journald.service", "static", "active", "running"),           # plumbing, static
    Unit("getty@tty1.service", "enabled", "active", "running"),                # plumbing
    Unit("apt-daily.service", "static", "inactive", "dead"),
    Unit("postgresql.service", "enabled", "active", "exited"),                 # oneshot wrapper: no daemon
    Unit("cups.service", "disabled", "inactive", "dead"),
    Unit("remote-fs.target", "enabled", "active", "active"),
)


def test_running_enabled_units_of_interest_only() -> None:
    text, data = learned(snapshot(units=UNITS))
    assert data["services"] == [{"unit": "nginx.service", "running": True, "enabled": True},
                                {"unit": "ssh.service", "running": True, "enabled": True}]
    assert "plumbing" in text


def test_without_runtime_state_running_is_left_out() -> None:
    collectors = tuple(replace(run, status=CollectorStatus.UNAVAILABLE, reason="systemd is not PID 1")
                       if run.name == Collector.UNIT_RUNTIME else run for run in ALL_OK)
    units = tuple(replace(u, active=None, sub=None) for u in UNITS)
    text, data = learned(snapshot(collectors=collectors, units=units))
    services = data["services"]
    assert isinstance(services, list)
    assert {"unit": "postgresql.service", "enabled": True} in services
    assert all("running" not in s for s in services)
    assert not any(s["unit"].startswith(("cron", "getty", "systemd-")) for s in services)
    assert "systemd is not PID 1" in text


def test_a_long_runtime_reason_does_not_cut_off_why_running_is_left_out() -> None:
    reason = ("systemctl: exit 1: System has not been booted with systemd as init system (PID 1). "
              "Can't operate. Failed to connect to bus: Host is down")
    collectors = tuple(replace(run, status=CollectorStatus.UNAVAILABLE, reason=reason)
                       if run.name == Collector.UNIT_RUNTIME else run for run in ALL_OK)
    text, _ = learned(snapshot(collectors=collectors, units=tuple(replace(u, active=None, sub=None) for u in UNITS)))
    assert "# `running:` is left out (it could only be an error)" in text
    assert "System has not been booted with systemd" in text


def test_services_of_some_hosts_only_are_comments() -> None:
    text, data = learned(snapshot("a", units=UNITS), snapshot("b", units=UNITS[1:]))
    assert data["services"] == [{"unit": "ssh.service", "running": True, "enabled": True}]
    assert "nginx.service is enabled on some hosts only" in text


# --------------------------------------------------------------------------- socket units


def test_socket_units_enabled_or_active_with_listen() -> None:
    sockets = (
        SocketUnit("ssh.socket", "/lib/systemd/system/ssh.socket", "enabled", "active",
                   (SocketListen("stream", "22", None, 22),), service="ssh.service"),
        SocketUnit("telnet.socket", None, "enabled", None, (SocketListen("stream", "23", None, 23),)),
        SocketUnit("cups.socket", None, "disabled", "inactive", (SocketListen("stream", "/run/cups/cups.sock",
                                                                              path="/run/cups/cups.sock"),)),
        SocketUnit("systemd-journald.socket", None, "static", "active",
                   (SocketListen("datagram", "/run/systemd/journal/socket", path="/run/systemd/journal/socket"),)),
        SocketUnit("dbus.socket", None, "static", None, ()),
    )
    text, data = learned(snapshot(socket_units=sockets))
    assert data["socket_units"] == {"default": "deny", "allow": [
        {"unit": "ssh.socket", "listen": ["22"]},
        {"unit": "telnet.socket", "listen": ["23"]},
        "dbus.socket",
        "systemd-journald.socket",
    ]}
    assert "RISK: listens on 23 (telnet)" in text


# --------------------------------------------------------------------------- xinetd


def test_xinetd_shared_limits_become_limits() -> None:
    common = {"instances": "10", "per_source": "5", "cps": "10 5", "only_from": "127.0.0.1",
              "log_on_failure": "HOST", "max_load": "2.5"}
    services = (xinetd_service("echo", "echo-stream", **common, type="INTERNAL", port="7", protocol="tcp"),
                xinetd_service("echo", "echo-dgram", **common, type="INTERNAL", port="7", protocol="udp"),
                xinetd_service("daytime", enabled=False, **common))
    text, data = learned(snapshot(xinetd_services=services))
    assert data["xinetd"] == {"default": "deny", "allow": ["echo"], "limits": {
        "instances": {"max": 10}, "cps": {"max_rate": 10}, "per_source": {"max": 5}, "max_load": {"max": 2.5},
        "only_from": "required", "log_on_failure": {"includes": ["HOST"]}}}
    assert "/etc/xinetd.d/echo:1" in text
    assert "legacy" in text  # echo is a legacy small service


def test_xinetd_without_limits_is_flagged_and_differing_limits_are_comments() -> None:
    services = (xinetd_service("svc-a", instances="10", cps="25 30", server="/usr/bin/a"),
                xinetd_service("svc-b", instances="20", cps="25 30", server="/usr/bin/b"))
    text, data = learned(snapshot(xinetd_services=services))
    xinetd = data["xinetd"]
    assert isinstance(xinetd, dict)
    assert xinetd["allow"] == ["svc-a", "svc-b"]
    assert xinetd["limits"] == {"cps": {"max_rate": 25}}
    assert "instances differs between services (svc-a=10, svc-b=20)" in text
    assert "RISK: svc-a has no per_source, only_from limit" in text


def test_xinetd_builtin_defaults() -> None:
    limits = xinetd_limits(xinetd_service("x"))
    assert limits == {"instances": None, "cps": None, "per_source": None, "max_load": None, "only_from": None,
                      "log_on_failure": None}
    assert xinetd_limits(xinetd_service("x", instances="UNLIMITED", max_load="0"))["instances"] is None


def test_services_without_cps_round_trip_through_the_evaluator(tmp_path: Path) -> None:
    # xinetd applies `cps 50 10` when nothing sets cps, but the evaluator fails a `cps`
    # limit on a service that does not set it: the draft must not pin `cps: {max_rate: 50}`.
    from checker.evaluate import evaluate
    from checker.model import Status
    from checker.policy import load_baseline

    observed = snapshot(privileged=False, listeners=(tcp("0.0.0.0", 7, "xinetd", None, None),),
                        xinetd_services=(xinetd_service("echo", "echo-stream", instances="5", type="INTERNAL"),
                                         xinetd_service("daytime", instances="5", type="INTERNAL")))
    text, data = learned(observed)
    xinetd = data["xinetd"]
    assert isinstance(xinetd, dict) and xinetd["limits"] == {"instances": {"max": 5}}
    path = tmp_path / "learned.yaml"
    path.write_text(text, encoding="utf-8")
    report = evaluate(load_baseline(str(path)), [observed])
    bad = [(r.check.value, r.resource, r.message) for host in report.hosts for r in host.results
           if r.status in (Status.FAIL, Status.ERROR)]
    assert bad == []


def test_no_enabled_xinetd_service() -> None:
    _, data = learned(snapshot(xinetd_services=(xinetd_service("echo", enabled=False),)))
    assert data["xinetd"] == {"default": "deny", "allow": []}


def test_unavailable_collectors_leave_sections_out() -> None:
    collectors = tuple(CollectorRun(c, CollectorStatus.UNAVAILABLE, "not here") for c in Collector)
    text, data = learned(snapshot(collectors=collectors))
    assert set(data) == {"version", "name", "description"}
    assert text.count("not drafted") == 5  # ports, services, socket units, xinetd, firewall


# --------------------------------------------------------------------------- validity


def full_snapshot() -> Snapshot:
    return snapshot(
        listeners=(tcp("0.0.0.0", 22), tcp("::", 22), tcp("0.0.0.0", 6379, "redis-server", 8, "redis"),
                   udp("0.0.0.0", 40000), tcp("fe80::1%eth0", 8080, "python3", 9, "app")),
        units=UNITS,
        socket_units=(SocketUnit("ssh.socket", None, "enabled", "active", (SocketListen("stream", "22", None, 22),)),),
        xinetd_services=(xinetd_service("echo", "echo-stream", instances="5", type="INTERNAL"),),
    )


def test_draft_validates_with_the_baseline_loader(tmp_path: Path) -> None:
    from checker.policy import load as baseline_module

    path = tmp_path / "learned.yaml"
    path.write_text(draft_baseline([full_snapshot()]), encoding="utf-8")
    assert baseline_module.validate_paths([str(path)]) == []
    baseline = baseline_module.load_baseline(str(path))
    assert len(baseline.ports.allow) == 4


def test_draft_is_deterministic() -> None:
    assert draft_baseline([full_snapshot()]) == draft_baseline([full_snapshot()])


def test_draft_needs_a_snapshot() -> None:
    with pytest.raises(ValueError, match="at least one"):
        draft_baseline([])


# --------------------------------------------------------------------------- the command


def test_read_ephemeral_range(tmp_path: Path) -> None:
    from checker.commands.learn import read_ephemeral_range

    good = tmp_path / "range"
    good.write_text("40000\t50000\n")
    assert read_ephemeral_range(str(good)) == (40000, 50000)
    good.write_text("garbage\n")
    assert read_ephemeral_range(str(good)) == (32768, 60999)
    assert read_ephemeral_range(str(tmp_path / "missing")) == (32768, 60999)


def test_schema_reference_is_a_committed_schema_or_none(tmp_path: Path) -> None:
    """Issue 15: learn wrote `$schema=../venv/lib/python3.11/site-packages/...`, wrong once committed."""
    from checker.commands.learn import schema_reference

    repo = tmp_path / "repo"
    out = repo / "baselines" / "deep" / "learned.yaml"
    out.parent.mkdir(parents=True)
    (repo / ".git").mkdir()
    assert schema_reference(str(out)) is None  # no schema in the repository: a hint, not a path
    (tmp_path / "baseline.schema.json").write_text("{}")  # outside the repository: not used
    assert schema_reference(str(out)) is None
    (repo / "schemas").mkdir()
    (repo / "schemas" / "baseline.schema.json").write_text("{}")
    assert schema_reference(str(out)) == "../../schemas/baseline.schema.json"
    (out.parent / "baseline.schema.json").write_text("{}")
    assert schema_reference(str(out)) == "baseline.schema.json"


def test_without_a_schema_the_draft_has_a_one_line_hint() -> None:
    text, _ = learned(snapshot(listeners=(tcp("0.0.0.0", 22),)), schema_ref=None)
    assert text.splitlines()[0].startswith("# Editor help: `surfacecheck schema > baseline.schema.json`")
    assert "site-packages" not in text and not text.startswith("# yaml-language-server")


def test_learn_command_on_a_saved_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checker._cli import main
    from checker.storage.snapshots import snapshot_to_json

    saved = tmp_path / "snapshot.json"
    saved.write_text(snapshot_to_json(full_snapshot()), encoding="utf-8")
    out = tmp_path / "learned.yaml"
    assert main(["learn", "--snapshot", str(saved), "-o", str(out)]) == 0
    assert "3 `# RISK:` notes to review" in capsys.readouterr().err
    first = out.read_text(encoding="utf-8").splitlines()[0]
    reference = first.split("=", 1)[1] if first.startswith("# yaml-language-server") else None
    assert out.read_text(encoding="utf-8") == draft_baseline([full_snapshot()], schema_ref=reference)
    assert main(["validate", str(out)]) == 0
    capsys.readouterr()
    assert main(["-q", "learn", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out.startswith(("# yaml-language-server: $schema=", "# Editor help: "))

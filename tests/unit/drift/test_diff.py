"""`checker.drift`: every kind of drift, the renderings, and `surfacecheck diff`'s exit codes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from checker._cli import main
from checker.drift import (
    Drift,
    DriftKind,
    diff_reports,
    diff_snapshots,
    markdown_cell,
    render_json,
    render_markdown,
    render_text,
)
from checker.errors import InputError
from checker.model import (
    BaselineSource,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    HostReport,
    Listener,
    Location,
    NetworkView,
    Protocol,
    Report,
    Result,
    ScannedPort,
    Severity,
    Snapshot,
    SocketListen,
    SocketUnit,
    Status,
    Unit,
    XinetdService,
    XinetdValue,
)
from checker.model.serialize import to_data

OK = tuple(CollectorRun(c, CollectorStatus.OK) for c in Collector)


def listener(address: str, port: int, process: str = "sshd", user: str = "root", protocol: Protocol = Protocol.TCP,
             pid: int = 10) -> Listener:
    return Listener(protocol, "ipv6" if ":" in address else "ipv4", address, port, pid, process, None, user)


def xinetd(service_id: str = "echo-stream", enabled: bool = True, **attributes: tuple[str, int]) -> XinetdService:
    values = {key: XinetdValue(tuple(value.split()), Location("/etc/xinetd.d/echo", line))
              for key, (value, line) in attributes.items()}
    return XinetdService("echo", service_id, enabled, Location("/etc/xinetd.d/echo", 1),
                         None if enabled else "disable = yes", values)


BASE = Snapshot(
    host=HostInfo("web-1", "2026-11-21T09:00:00Z", "0.1.0", privileged=True),
    collectors=OK,
    listeners=(listener("0.0.0.0", 22), listener("::", 22), listener("127.0.0.1", 5432, "postgres", "postgres"),
               listener("0.0.0.0", 41234, "chronyd", "_chrony", Protocol.UDP)),
    connection_states={"ESTABLISHED": 3},
    units=(Unit("ssh.service", "enabled", "active", "running"), Unit("cups.service", "disabled", "inactive", "dead")),
    socket_units=(SocketUnit("ssh.socket", None, "enabled", "active", (SocketListen("stream", "22", None, 22),)),),
    xinetd_services=(xinetd(instances=("10", 5), cps=("25 30", 6)),),
    network=NetworkView("127.0.0.1", "up", ports=(ScannedPort(Protocol.TCP, 22, "open"),)),
)


def kinds(drifts: Sequence[Drift]) -> list[tuple[str, str, str | None]]:
    return [(d.kind.value, d.resource, d.attribute) for d in drifts]


def changed(**parts: object) -> Snapshot:
    return replace(BASE, **parts)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- snapshots


def test_identical_snapshots_have_no_drift() -> None:
    later = changed(host=replace(BASE.host, collected_at="2026-11-22T09:00:00Z"), connection_states={"ESTABLISHED": 9},
                    listeners=tuple(replace(x, pid=(x.pid or 0) + 1) for x in BASE.listeners))
    assert diff_snapshots([BASE], [later]) == []


def test_listener_added_and_removed() -> None:
    new = changed(listeners=BASE.listeners[:2] + (listener("0.0.0.0", 8080, "python3", "app"),) + BASE.listeners[3:])
    drifts = diff_snapshots([BASE], [new])
    assert kinds(drifts) == [("listener-removed", "tcp/5432", None), ("listener-added", "tcp/8080", None)]
    assert "0.0.0.0 by python3 (user app)" in (drifts[1].new or "")
    assert drifts[0].message.startswith("tcp/5432 disappeared")


@pytest.mark.parametrize(("new_listener", "attribute", "old", "new"), [
    (listener("0.0.0.0", 5432, "postgres", "postgres"), "bind", "127.0.0.1", "0.0.0.0"),
    (listener("127.0.0.1", 5432, "pgbouncer", "postgres"), "process", "postgres", "pgbouncer"),
    (listener("127.0.0.1", 5432, "postgres", "root"), "user", "postgres", "root"),
])
def test_listener_changes(new_listener: Listener, attribute: str, old: str, new: str) -> None:
    snapshot = changed(listeners=BASE.listeners[:2] + (new_listener,) + BASE.listeners[3:])
    (drift,) = diff_snapshots([BASE], [snapshot])
    assert (drift.kind, drift.resource, drift.attribute, drift.old, drift.new) == (
        DriftKind.LISTENER_CHANGED, "tcp/5432", attribute, old, new)
    assert f"tcp/5432 {attribute} changed: {old} -> {new}" == drift.message


def test_same_process_name_from_another_executable_is_drift() -> None:
    with_exe = changed(listeners=tuple(replace(x, exe="/usr/sbin/sshd") if x.port == 22 else x
                                       for x in BASE.listeners))
    moved = changed(listeners=tuple(replace(x, exe="/tmp/.x/sshd") if x.port == 22 else x
                                    for x in BASE.listeners))
    (drift,) = diff_snapshots([with_exe], [moved])
    assert (drift.kind, drift.resource, drift.attribute, drift.old, drift.new) == (
        DriftKind.LISTENER_CHANGED, "tcp/22", "exe", "/usr/sbin/sshd", "/tmp/.x/sshd")


def test_ipv6_side_disappearing_is_a_bind_change() -> None:
    (drift,) = diff_snapshots([BASE], [changed(listeners=BASE.listeners[:1] + BASE.listeners[2:])])
    assert (drift.attribute, drift.old, drift.new) == ("bind", "0.0.0.0, [::]", "0.0.0.0")


def test_ephemeral_client_ports_moving_is_not_drift() -> None:
    moved = replace(BASE.listeners[3], port=52345)
    assert diff_snapshots([BASE], [changed(listeners=BASE.listeners[:3] + (moved,))]) == []
    drifts = diff_snapshots([BASE], [changed(listeners=BASE.listeners[:3])])
    assert kinds(drifts) == [("listener-removed", "udp/ephemeral:chronyd", None)]


def test_unit_changes() -> None:
    units = (Unit("ssh.service", "disabled", "inactive", "dead"), Unit("telnet.socket", "enabled", "active", "listening"))
    drifts = diff_snapshots([BASE], [changed(units=units)])
    assert kinds(drifts) == [
        ("unit-removed", "unit:cups.service", None),
        ("unit-changed", "unit:ssh.service", "enablement"),
        ("unit-changed", "unit:ssh.service", "state"),
        ("unit-added", "unit:telnet.socket", None),
    ]
    assert drifts[2].old == "active/running" and drifts[2].new == "inactive/dead"
    assert drifts[3].new == "enablement enabled, state active/listening"


def test_socket_unit_changes() -> None:
    unit = replace(BASE.socket_units[0], enablement="disabled", accept=True,
                   listens=(SocketListen("stream", "0.0.0.0:2222", "0.0.0.0", 2222),))
    extra = SocketUnit("telnet.socket", None, "enabled", None, (SocketListen("stream", "23", None, 23),))
    drifts = diff_snapshots([BASE], [changed(socket_units=(unit, extra))])
    assert kinds(drifts) == [
        ("socket-unit-changed", "socket:ssh.socket", "accept"),
        ("socket-unit-changed", "socket:ssh.socket", "enablement"),
        ("socket-unit-changed", "socket:ssh.socket", "listen"),
        ("socket-unit-added", "socket:telnet.socket", None),
    ]
    assert drifts[2].old == "stream:22" and drifts[2].new == "stream:0.0.0.0:2222"
    removed = diff_snapshots([BASE], [changed(socket_units=())])
    assert kinds(removed) == [("socket-unit-removed", "socket:ssh.socket", None)]


def test_xinetd_attribute_changes_carry_file_and_line() -> None:
    service = xinetd(instances=("UNLIMITED", 7), cps=("25 30", 6), only_from=("10.0.0.0/8", 9))
    drifts = diff_snapshots([BASE], [changed(xinetd_services=(service,))])
    assert kinds(drifts) == [("xinetd-service-changed", "xinetd:echo-stream", "instances"),
                             ("xinetd-service-changed", "xinetd:echo-stream", "only_from")]
    assert drifts[0].old == "10" and drifts[0].new == "UNLIMITED"
    assert str(drifts[0].location) == "/etc/xinetd.d/echo:7"
    assert drifts[0].message == "xinetd:echo-stream instances changed: 10 -> UNLIMITED (/etc/xinetd.d/echo:7)"
    removed_attribute = diff_snapshots([changed(xinetd_services=(service,))], [BASE])
    only_from = next(d for d in removed_attribute if d.attribute == "only_from")
    assert only_from.new is None and str(only_from.location) == "/etc/xinetd.d/echo:9"


def test_xinetd_enabled_added_removed() -> None:
    disabled = xinetd(enabled=False, instances=("10", 5), cps=("25 30", 6))
    (drift,) = diff_snapshots([BASE], [changed(xinetd_services=(disabled,))])
    assert (drift.attribute, drift.old, drift.new) == ("enabled", "yes", "no (disable = yes)")
    drifts = diff_snapshots([BASE], [changed(xinetd_services=(xinetd("echo-dgram"),))])
    assert kinds(drifts) == [("xinetd-service-added", "xinetd:echo-dgram", None),
                             ("xinetd-service-removed", "xinetd:echo-stream", None)]
    assert str(drifts[0].location) == "/etc/xinetd.d/echo:1"


def test_collector_and_outside_view_changes() -> None:
    collectors = tuple(replace(run, status=CollectorStatus.FAILED, reason="xinetd.d unreadable")
                       if run.name == Collector.XINETD else run for run in OK)
    network = NetworkView("127.0.0.1", "up", ports=(ScannedPort(Protocol.TCP, 22, "filtered"),
                                                   ScannedPort(Protocol.TCP, 80, "open")))
    drifts = diff_snapshots([BASE], [changed(collectors=collectors, network=network, xinetd_services=())])
    assert kinds(drifts) == [
        ("collector-changed", "collector:xinetd", "status"),
        ("network-port-changed", "outside:tcp/22", "state"),
        ("network-port-changed", "outside:tcp/80", "state"),
        ("xinetd-service-removed", "xinetd:echo-stream", None),
    ]
    assert drifts[0].new == "failed (xinetd.d unreadable)"


def test_hosts_pair_by_name_and_single_hosts_pair_anyway() -> None:
    other = replace(BASE, host=replace(BASE.host, hostname="db-1"))
    assert kinds(diff_snapshots([BASE], [BASE, other])) == [("host-added", "host:db-1", None)]
    assert kinds(diff_snapshots([BASE, other], [other])) == [("host-removed", "host:web-1", None)]
    assert diff_snapshots([BASE], [other]) == []  # one host each side: a renamed host


def test_a_host_name_twice_on_one_side_is_an_input_error_not_no_drift() -> None:
    # Cloned machines that all call themselves the same: pairing by name would compare one
    # of them and silently drop the other (this used to report "no drift").
    twin = changed(listeners=BASE.listeners[:2])
    other = replace(BASE, host=replace(BASE.host, hostname="db-1"))
    with pytest.raises(InputError, match=r"NEW: host 'web-1' appears more than once"):
        diff_snapshots([BASE, other], [twin, twin])
    with pytest.raises(InputError, match=r"old.json: host 'web-1'"):
        diff_snapshots([BASE, twin], [BASE], names=("old.json", "new.json"))
    with pytest.raises(InputError, match="appears more than once"):
        diff_reports(report(hosts=("web-1", "web-1")), report(hosts=("web-1", "web-2")))


# --------------------------------------------------------------------------- results


def result(check: CheckId, resource: str, status: Status, line: int = 5) -> Result:
    return Result("web-1", check, resource, status, Severity.HIGH, f"{check} on {resource}",
                  Location("baseline.yaml", line))


def report(*results: Result, sha: str = "a" * 64, hosts: tuple[str, ...] = ("web-1",)) -> Report:
    return Report("0.1.0", "baseline.yaml", "web", (BaselineSource("baseline.yaml", sha),),
                  tuple(HostReport(name, BASE, results) for name in hosts))


def test_results_started_and_stopped_failing() -> None:
    old = report(result(CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:8080", Status.FAIL),
                 result(CheckId.PORT_BIND, "tcp/0.0.0.0:5432", Status.PASS),
                 result(CheckId.SERVICE_STATE, "unit:ssh.service", Status.PASS),
                 result(CheckId.XINETD_LIMIT, "xinetd:echo/instances", Status.FAIL),
                 result(CheckId.PORT_PROCESS, "tcp/0.0.0.0:22", Status.PASS))
    new = report(result(CheckId.PORT_BIND, "tcp/0.0.0.0:5432", Status.FAIL, 9),
                 result(CheckId.SERVICE_STATE, "unit:ssh.service", Status.ERROR),
                 result(CheckId.XINETD_LIMIT, "xinetd:echo/instances", Status.WAIVED),
                 result(CheckId.PORT_PROCESS, "tcp/0.0.0.0:22", Status.PASS),
                 result(CheckId.PORT_FORBIDDEN, "tcp/0.0.0.0:23", Status.FAIL))
    drifts = diff_reports(old, new)
    assert kinds(drifts) == [
        ("check-started-failing", "port-bind tcp/0.0.0.0:5432", "status"),
        ("check-started-failing", "port-forbidden tcp/0.0.0.0:23", "status"),
        ("check-stopped-failing", "port-unexpected tcp/0.0.0.0:8080", "status"),
        ("check-status-changed", "service-state unit:ssh.service", "status"),
        ("check-stopped-failing", "xinetd-limit xinetd:echo/instances", "status"),
    ]
    assert str(drifts[0].location) == "baseline.yaml:9"
    assert drifts[1].old is None and drifts[4].new == "waived"
    assert diff_reports(old, old) == []


def test_results_baseline_and_hosts_changes() -> None:
    drifts = diff_reports(report(), report(sha="b" * 64, hosts=("web-1", "web-2")))
    assert kinds(drifts) == [("baseline-changed", "baseline:baseline.yaml", "sha256"),
                             ("host-added", "host:web-2", None)]


# --------------------------------------------------------------------------- rendering


HOSTILE = Drift(DriftKind.LISTENER_ADDED, "web-1", "tcp/8080", new="a|b <script>\n`x` \\ *y* [l](u) \x1b")


def test_markdown_escapes_cells_and_keeps_columns() -> None:
    text = render_markdown([HOSTILE], "old.json", "new.json")
    row = next(line for line in text.splitlines() if line.startswith("| web-1"))
    assert "<script>" not in text and "&lt;script&gt;" in row
    assert row.replace("\\|", "").count("|") == 8  # 7 columns
    assert "\x1b" not in text
    assert markdown_cell("a\nb") == "a<br>b"


def test_markdown_renders_as_a_table_with_one_row_per_drift() -> None:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is in the test extra")
    drifts = [HOSTILE, Drift(DriftKind.UNIT_CHANGED, "web-1", "unit:a|b.service", "state", "x", "y")]
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(render_markdown(drifts, "o", "n"))
    assert html.count("<tr>") == 3  # header + 2
    assert all(row.count("<td>") == 7 for row in html.split("<tr>")[2:])


def test_text_and_json_renderings() -> None:
    text = render_text([HOSTILE], "old.json", "new.json")
    assert text.splitlines()[:3] == ["--- old.json", "+++ new.json", "web-1:"]
    assert "\x1b" not in text and text.rstrip().endswith("1 difference")
    assert render_text([], "a", "b") == "no drift between a and b\n"
    data = json.loads(render_json([HOSTILE], "old.json", "new.json", "snapshots"))
    assert data["identical"] is False and data["inputs"] == "snapshots"
    assert data["drifts"][0]["kind"] == "listener-added" and data["drifts"][0]["message"].startswith("tcp/8080")


# --------------------------------------------------------------------------- the command


def write_snapshots(path: Path, *snapshots: Snapshot) -> str:
    path.write_text(json.dumps([to_data(s) for s in snapshots], sort_keys=True), encoding="utf-8")
    return str(path)


def test_command_exit_codes_on_snapshot_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_snapshots(tmp_path / "old.json", BASE)
    same = write_snapshots(tmp_path / "same.json", BASE)
    new = write_snapshots(tmp_path / "new.json", changed(listeners=BASE.listeners[:2]))
    assert main(["diff", old, same]) == 0
    assert "no drift" in capsys.readouterr().out
    md, js = tmp_path / "d.md", tmp_path / "d.json"
    assert main(["diff", old, new, "--markdown", str(md), "--json", str(js)]) == 1
    out = capsys.readouterr().out
    assert "- tcp/5432 disappeared" in out
    assert "| web-1 | listener-removed | tcp/5432 |" in md.read_text()
    assert json.loads(js.read_text())["identical"] is False


def test_command_json_to_stdout_moves_text_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_snapshots(tmp_path / "old.json", BASE)
    new = write_snapshots(tmp_path / "new.json", changed(units=()))
    assert main(["diff", old, new, "--json", "-"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["drifts"]
    assert "unit:ssh.service disappeared" in captured.err


def test_command_single_snapshot_files(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(to_data(BASE)), encoding="utf-8")
    new.write_text(json.dumps(to_data(changed(units=BASE.units[:1]))), encoding="utf-8")
    assert main(["diff", str(old), str(old)]) == 0
    assert main(["diff", str(old), str(new)]) == 1


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"x": 1}', "\xff\xfe"])
def test_command_bad_input_exits_2(tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("latin-1"))
    good = write_snapshots(tmp_path / "good.json", BASE)
    assert main(["diff", str(bad), good]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


def test_command_twin_hosts_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    twin = changed(listeners=BASE.listeners[:2])
    old = write_snapshots(tmp_path / "old.json", BASE, replace(BASE, host=replace(BASE.host, hostname="db-1")))
    new = write_snapshots(tmp_path / "new.json", twin, twin)
    assert main(["diff", old, new]) == 2
    err = capsys.readouterr().err
    assert f"{new}: host 'web-1' appears more than once" in err and "Traceback" not in err


def test_command_missing_file_and_mixed_kinds_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_snapshots(tmp_path / "good.json", BASE)
    assert main(["diff", str(tmp_path / "missing.json"), good]) == 2
    assert main(["diff", str(tmp_path), good]) == 2
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"format": "surfacecheck-results", "hosts": []}), encoding="utf-8")
    assert main(["diff", str(results), good]) == 2
    assert "cannot compare results" in capsys.readouterr().err


def test_command_on_results_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checker.formatters import json as formatters
    from checker.formatters.interface import FormatOptions

    old_report = report(result(CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:8080", Status.FAIL))
    new_report = report(result(CheckId.PORT_UNEXPECTED, "tcp/0.0.0.0:8080", Status.PASS))
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(formatters.FORMATTER.format(old_report, FormatOptions()), encoding="utf-8")
    new.write_text(formatters.FORMATTER.format(new_report, FormatOptions()), encoding="utf-8")
    assert main(["diff", str(old), str(old)]) == 0
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 1
    assert "port-unexpected tcp/0.0.0.0:8080 stopped failing (fail -> pass)" in capsys.readouterr().out


def test_drifts_sort_ports_in_natural_order() -> None:
    new = changed(listeners=BASE.listeners + (listener("0.0.0.0", 110, "dovecot"), listener("0.0.0.0", 25, "exim4")))
    assert [d.resource for d in diff_snapshots([BASE], [new])] == ["tcp/25", "tcp/110"]


def test_firewall_ruleset_drift_is_per_rule() -> None:
    from dataclasses import replace

    from checker.collect.firewall.nft_json import parse_nft_json
    from checker.drift import diff_snapshots
    from checker.model import Collector, CollectorRun, CollectorStatus, HostInfo, Snapshot
    from checker.model.firewall import FirewallEvidence
    from support import ASSETS

    def ruleset(name: str) -> FirewallEvidence:
        return FirewallEvidence((parse_nft_json((ASSETS / "firewall" / name).read_text(), name),))

    base = Snapshot(HostInfo("fw-1", "2026-11-21T09:00:00Z", "0.1.0"),
                    collectors=(CollectorRun(Collector.FIREWALL, CollectorStatus.OK),))
    old = replace(base, firewall=ruleset("policy_drop_port.nft.json"))
    new = replace(base, firewall=ruleset("accept_policy_without_drop.nft.json"))
    found = {(d.kind.value, d.resource, d.attribute) for d in diff_snapshots([old], [new])}
    assert found == {
        ("firewall-chain-changed", "firewall:nftables inet filter input", "base chain"),
        ("firewall-rule-added", "firewall:nftables inet filter input: tcp dport 22 counter accept", None),
        ("firewall-rule-removed", "firewall:nftables inet filter input: tcp dport 22 accept", None),
    }
    assert diff_snapshots([old], [replace(old)]) == []

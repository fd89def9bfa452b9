"""The console summary (checker/formatters/console/): policy, inventory, problems grouped by
cause, skips, -v, -q, colour, natural host order, the next step (issue 15)."""

from __future__ import annotations

import io

from checker.evaluate import evaluate
from checker.formatters.console import render_summary
from checker.formatters.console.problems import split_causes
from checker.formatters.console.style import wants_color
from checker.formatters.interface import FormatOptions
from checker.model import (
    Baseline,
    BaselineSource,
    Collector,
    CollectorRun,
    CollectorStatus,
    DefaultPolicy,
    HostInfo,
    Listener,
    Location,
    NetworkView,
    PortForbid,
    PortRange,
    PortsPolicy,
    Protocol,
    RuleMeta,
    Snapshot,
)

INSIDE = (Collector.SOCKETS, Collector.UNIT_FILES, Collector.SOCKET_UNITS, Collector.XINETD)
TELNET = PortForbid(PortRange(23, 23), Protocol.TCP, RuleMeta(Location("b.yaml", 9, 7), reason="telnet"))


def _baseline(default: DefaultPolicy = DefaultPolicy.ALLOW) -> Baseline:
    return Baseline("b.yaml", "web", sources=(BaselineSource("b.yaml", "0" * 64),),
                    ports=PortsPolicy(default=default, forbid=(TELNET,), location=Location("b.yaml", 5, 1)))


def _snapshot(hostname: str, *listeners: Listener, privileged: bool = True,
              nmap: CollectorRun | None = None, network: NetworkView | None = None) -> Snapshot:
    collectors = [CollectorRun(c, CollectorStatus.OK) for c in INSIDE]
    collectors.append(CollectorRun(Collector.UNIT_RUNTIME, CollectorStatus.UNAVAILABLE,
                                   "systemctl: exit 1: System has not been booted with systemd as init system (PID 1)."))
    if nmap is not None:
        collectors.append(nmap)
    return Snapshot(HostInfo(hostname, "2026-01-01T00:00:00Z", "0", privileged=privileged),
                    tuple(collectors), listeners, network=network)


def _listener(port: int, address: str, process: str | None = "sshd", user: str | None = "root") -> Listener:
    return Listener(Protocol.TCP, "ipv6" if ":" in address else "ipv4", address, port,
                    pid=10 if process else None, process=process, user=user)


def _options(**kw: object) -> FormatOptions:
    return FormatOptions(ports_default="allow", **kw)  # type: ignore[arg-type]


def test_first_screen_names_the_policy_the_inventory_the_skip_and_the_next_step() -> None:
    snap = _snapshot("web-1", _listener(22, "0.0.0.0"), _listener(5432, "127.0.0.1", "postgres", "postgres"),
                     _listener(8080, "192.0.2.7", "python3", "www-data"))
    text = render_summary(evaluate(_baseline(), [snap]), _options())
    lines = text.splitlines()
    assert lines[0].startswith("surfacecheck: 1 host, ")
    assert "policy: web (b.yaml, permissive: ports.default allow)" in lines
    assert "web-1: 3 listeners" in lines
    assert "  all interfaces (1): tcp/0.0.0.0:22 sshd (root)" in lines
    assert "  specific (1): tcp/192.0.2.7:8080 python3 (www-data)" in lines
    assert "  loopback (1): tcp/127.0.0.1:5432 postgres (postgres)" in lines
    assert "  reachable beyond loopback: tcp 22, 8080" in lines
    assert any(line.startswith("SKIP  unit-runtime unavailable on web-1") for line in lines)
    assert any("(PID 1)" in line for line in lines)
    assert lines[-2].startswith("next: draft your own baseline") and "surfacecheck learn" in lines[-2]
    assert "see the reports" not in text and "run as root" not in text


def test_unprivileged_run_says_run_as_root_to_see_owners() -> None:
    snap = _snapshot("web-1", _listener(22, "0.0.0.0", None, None), privileged=False)
    text = render_summary(evaluate(_baseline(), [snap]), _options())
    assert "tcp/0.0.0.0:22 owner unknown" in text
    assert "owners of 1 listener unknown: run as root to see owners" in text


def test_one_nmap_failure_is_one_group_with_its_causes_split() -> None:
    reason = ("nmap: exit 1: You requested a scan type which requires root privileges.; "
              "nmap: web-2.invalid: nmap reported no host (could not resolve it?)")
    failed = CollectorRun(Collector.NMAP, CollectorStatus.FAILED, reason)
    not_run = tuple(CollectorRun(c, CollectorStatus.NOT_RUN) for c in Collector if c is not Collector.NMAP)
    snap = Snapshot(HostInfo("scanner", "2026-01-01T00:00:00Z", "0"), (*not_run, failed))  # outside view only
    report = evaluate(_baseline(DefaultPolicy.DENY), [snap])
    errors = [r for r in report.results if r.status.value == "error"]
    assert len(errors) == 3  # collector-error, port-unexpected, port-forbidden: three lines before
    text = render_summary(report, _options())
    problem_lines = [line for line in text.splitlines() if line.startswith("ERROR")]
    assert problem_lines == [f"ERROR high nmap failed on scanner: {len(errors)} results"]
    causes = [line for line in text.splitlines() if line.startswith("    cause: ")]
    assert len(causes) == 2
    assert causes[0].startswith("    cause: needs root:") and causes[1].startswith("    cause: name resolution:")


def test_split_causes_names_each_known_cause_once() -> None:
    assert split_causes("a; a; nmap: x: Failed to resolve \"x\".") == [
        "a", "name resolution: nmap could not resolve the name; check it, or give an address "
             "[nmap: x: Failed to resolve \"x\".]"]


def test_problems_are_grouped_by_rule_with_the_remediation_and_hosts_in_natural_order() -> None:
    snaps = [_snapshot(f"127.0.0.{n}", _listener(23, "0.0.0.0", "telnetd")) for n in (10, 2, 9)]
    report = evaluate(_baseline(), snaps)
    assert [h.name for h in report.hosts] == ["127.0.0.2", "127.0.0.9", "127.0.0.10"]
    text = render_summary(report, _options(reports_requested=True))
    lines = text.splitlines()
    group = lines.index("FAIL  high port-forbidden (rule b.yaml:9:7): 3 results")
    assert [line.split()[0] for line in lines[group + 1:group + 4]] == ["127.0.0.2", "127.0.0.9", "127.0.0.10"]
    assert lines[group + 4].startswith("    fix: Stop and disable `telnetd`")
    assert "every result and its evidence are in the reports" in text


def test_quiet_is_the_summary_line_and_verbose_lists_every_result() -> None:
    report = evaluate(_baseline(), [_snapshot("web-1", _listener(22, "0.0.0.0"))])
    quiet = render_summary(report, _options(quiet=True))
    assert quiet.count("\n") == 1 and quiet.startswith("surfacecheck: 1 host, ")
    verbose = render_summary(report, _options(verbose=True)).splitlines()
    every = verbose[verbose.index("Every result") + 1:]
    assert sum(line.startswith(("PASS", "SKIP", "FAIL", "ERROR")) for line in every) == len(report.results)


def test_colour_only_when_asked_and_never_inside_hostile_text() -> None:
    snap = _snapshot("web-1", _listener(23, "0.0.0.0", "telnetd\x1b[2J"))
    report = evaluate(_baseline(), [snap])
    plain = render_summary(report, _options())
    assert "\x1b" not in plain and "\\x1b[2J" in plain
    coloured = render_summary(report, _options(color=True))
    assert "\x1b[31;1mFAIL" in coloured and "\x1b[2J" not in coloured


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wants_color_on_a_tty_without_no_color_or_the_flag() -> None:
    assert wants_color(_Tty(), no_color_flag=False, environ={})
    assert not wants_color(_Tty(), no_color_flag=True, environ={})
    assert not wants_color(_Tty(), no_color_flag=False, environ={"NO_COLOR": "1"})
    assert not wants_color(io.StringIO(), no_color_flag=False, environ={})

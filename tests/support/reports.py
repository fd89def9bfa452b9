"""Shared by the report tests: a fixed Report covering every status, every check id and every waiver case, plus validators
that run the real consumers of each format (schemas, XSD, junitparser, cmark-gfm, GitHub lint).

`from support.reports import ...`; golden files live in tests/assets/golden.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from checker.model import (
    Baseline,
    BaselineSource,
    CheckId,
    Collector,
    CollectorRun,
    CollectorStatus,
    DefaultPolicy,
    HostInfo,
    HostReport,
    Listener,
    Location,
    NetworkView,
    PortAllow,
    PortRange,
    PortsPolicy,
    Protocol,
    Report,
    Result,
    RuleMeta,
    Severity,
    Snapshot,
    SocketListen,
    SocketUnit,
    Status,
    Unit,
    Waiver,
    WaiverApplied,
    XinetdService,
    XinetdValue,
)
from support import ASSETS, SHARED

SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"
JUNIT_XSD = SHARED / "reference" / "junit-10.xsd"
GITHUB_SARIF_LINT = SHARED / "tools" / "check_github_sarif.py"
GOLDEN = ASSETS / "golden"
UPDATE_GOLDEN = os.environ.get("SURFACECHECK_UPDATE_GOLDEN") == "1"

BASELINE_PATH = "policies/web.yaml"
SHA_TOP = "a" * 64
SHA_COMMON = "b" * 64


def loc(line: int, file: str = BASELINE_PATH) -> Location:
    return Location(file, line, 5)


def _result(host: str, check: CheckId, resource: str, status: Status, severity: Severity, message: str,
            **kwargs: Any) -> Result:
    return Result(host=host, check=check, resource=resource, status=status, severity=severity,
                  message=message, **kwargs)


def _web_snapshot() -> Snapshot:
    return Snapshot(
        host=HostInfo(hostname="web-1", collected_at="2026-11-21T09:40:54Z", tool_version="0.1.0",
                      addresses=("10.0.0.5", "127.0.0.1"), os_release="Debian GNU/Linux 12 (bookworm)",
                      kernel="6.1.0-26-amd64", euid=0, privileged=True, finished_at="2026-11-21T09:41:03Z"),
        collectors=(
            CollectorRun(Collector.SOCKETS, CollectorStatus.OK),
            CollectorRun(Collector.UNIT_FILES, CollectorStatus.OK),
            CollectorRun(Collector.UNIT_RUNTIME, CollectorStatus.OK),
            CollectorRun(Collector.SOCKET_UNITS, CollectorStatus.OK),
            CollectorRun(Collector.XINETD, CollectorStatus.OK),
            CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "nmap: exit 1: Failed to resolve target"),
        ),
        listeners=(
            Listener(Protocol.TCP, "ipv4", "0.0.0.0", 22, 612, "sshd", "/usr/sbin/sshd", "root"),
            Listener(Protocol.TCP, "ipv4", "0.0.0.0", 8080, 4242, "python3", "/usr/bin/python3.11", "www-data"),
            Listener(Protocol.TCP, "ipv6", "::", 5432, 900, "postgres", None, "postgres", dual_stack=True),
        ),
        connection_states={"ESTABLISHED": 12, "SYN-RECV": 3},
        units=(Unit("ssh.service", "enabled", "active", "running", path="/lib/systemd/system/ssh.service"),
               Unit("avahi-daemon.service", "enabled", "active", "running")),
        socket_units=(SocketUnit("ssh.socket", enablement="enabled", active="active",
                                 listens=(SocketListen("stream", "22", port=22),), service="ssh.service"),),
        xinetd_services=(
            XinetdService("echo", "echo-stream", True, Location("/etc/xinetd.d/echo", 1),
                          attributes={"instances": XinetdValue(("UNLIMITED",), Location("<xinetd built-in>", 0)),
                                      "port": XinetdValue(("7",), Location("/etc/xinetd.d/echo", 4))}),
        ),
        network=NetworkView("10.0.0.5", "unknown", scanned=("tcp:1-65535",), arguments=("nmap", "-sT"),
                            source="scan"),
    )


def _db_snapshot() -> Snapshot:
    return Snapshot(
        host=HostInfo(hostname="db-2", collected_at="2026-11-21T09:40:50Z", tool_version="0.1.0",
                      euid=1000, privileged=False),
        collectors=(
            CollectorRun(Collector.SOCKETS, CollectorStatus.OK),
            CollectorRun(Collector.UNIT_FILES, CollectorStatus.OK),
            CollectorRun(Collector.UNIT_RUNTIME, CollectorStatus.UNAVAILABLE, "systemd is not PID 1"),
            CollectorRun(Collector.NMAP, CollectorStatus.NOT_RUN, "no outside view requested"),
        ),
        listeners=(Listener(Protocol.TCP, "ipv4", "127.0.0.1", 5432),
                   Listener(Protocol.UDP, "ipv6", "::", 5353, 77, "avahi-daemon", None, "avahi")),
        network=None,
    )


def _edge_snapshot() -> Snapshot:
    return Snapshot(host=HostInfo(hostname="edge-3", collected_at="2026-11-21T09:40:58Z", tool_version="0.1.0"))


def build_report() -> Report:
    W, D = "web-1", "db-2"
    S, C = Status, CheckId
    valid_waiver = WaiverApplied("temporary debug server, ticket OPS-123", dt.date(2026, 12, 31), loc(60))
    expired_waiver = WaiverApplied("migration window, ticket OPS-99", dt.date(2026, 1, 31), loc(66), expired=True)
    access_waiver = WaiverApplied("legacy monitoring, ticket SEC-7", dt.date(2027, 3, 1), loc(72))
    web = (
        _result(W, C.PORT_UNEXPECTED, "tcp/0.0.0.0:8080", S.FAIL, Severity.HIGH,
                "tcp/0.0.0.0:8080 (python3, user www-data) is not allowed by the baseline",
                location=loc(12), evidence={"pid": 4242, "process": "python3", "user": "www-data", "port": 8080},
                remediation="Stop or reconfigure the service, or add a reviewed `ports.allow` entry."),
        _result(W, C.PORT_UNEXPECTED, "tcp/0.0.0.0:9090", S.WAIVED, Severity.HIGH,
                "tcp/0.0.0.0:9090 (node) is not allowed by the baseline", location=loc(12),
                evidence={"process": "node", "port": 9090}, waiver=valid_waiver),
        _result(W, C.PORT_UNEXPECTED, "tcp/0.0.0.0:8443", S.FAIL, Severity.HIGH,
                "tcp/0.0.0.0:8443 (java) is not allowed by the baseline", location=loc(12),
                evidence={"process": "java", "port": 8443}, waiver=expired_waiver),
        _result(W, C.PORT_FORBIDDEN, "tcp/0.0.0.0:23", S.FAIL, Severity.CRITICAL,
                "forbidden port 23/tcp is listening (inetutils-telnetd): telnet is cleartext",
                location=loc(30), evidence={"process": "inetutils-telnetd", "port": 23},
                remediation="systemctl disable --now telnet.socket", controls=("CIS 2.1.16",)),
        _result(W, C.PORT_REQUIRED_MISSING, "tcp/443", S.PASS, Severity.MEDIUM,
                "443/tcp is listening (nginx)", location=loc(18)),
        _result(W, C.PORT_BIND, "tcp/[::]:5432", S.FAIL, Severity.HIGH,
                "tcp/[::]:5432 is bound to all addresses; allowed: loopback", location=loc(20),
                evidence={"address": "::", "dual_stack": True, "allowed": ["loopback"]}),
        _result(W, C.PORT_PROCESS, "tcp/0.0.0.0:22", S.PASS, Severity.HIGH,
                "tcp/0.0.0.0:22 belongs to sshd (root)", location=loc(16)),
        _result(W, C.PORT_EXPOSED, "tcp/5432", S.ERROR, Severity.HIGH,
                "no outside view: the nmap scan failed", location=loc(20),
                evidence={"collector": "nmap", "reason": "nmap: exit 1: Failed to resolve target"}),
        _result(W, C.PORT_UNREACHABLE, "tcp/443", S.ERROR, Severity.MEDIUM,
                "no outside view: the nmap scan failed", location=loc(18),
                evidence={"collector": "nmap", "reason": "nmap: exit 1: Failed to resolve target"}),
        _result(W, C.SERVICE_STATE, "unit:ssh.service", S.PASS, Severity.MEDIUM,
                "ssh.service is active (running)", location=loc(40)),
        _result(W, C.SERVICE_ENABLED, "unit:avahi-daemon.service", S.FAIL, Severity.MEDIUM,
                "avahi-daemon.service is enabled; the baseline wants it disabled", location=loc(41),
                evidence={"unit": "avahi-daemon.service", "enablement": "enabled"},
                remediation="systemctl disable avahi-daemon.service"),
        _result(W, C.SOCKET_UNIT_UNEXPECTED, "unit:cups.socket", S.FAIL, Severity.MEDIUM,
                "cups.socket is enabled but not allowed", location=loc(44),
                evidence={"unit": "cups.socket", "enablement": "enabled"}),
        _result(W, C.SOCKET_UNIT_FORBIDDEN, "unit:telnet.socket", S.PASS, Severity.HIGH,
                "telnet.socket is absent", location=loc(47)),
        _result(W, C.SOCKET_UNIT_LISTEN, "unit:ssh.socket", S.PASS, Severity.MEDIUM,
                "ssh.socket listens on 22 as approved", location=loc(46)),
        _result(W, C.XINETD_SERVICE_UNEXPECTED, "xinetd:daytime-stream", S.FAIL, Severity.MEDIUM,
                "xinetd service daytime-stream is enabled but not allowed", location=loc(50),
                evidence={"service": "daytime-stream", "file": "/etc/xinetd.d/daytime", "line": 3}),
        _result(W, C.XINETD_SERVICE_FORBIDDEN, "xinetd:telnet", S.PASS, Severity.HIGH,
                "xinetd service telnet is not enabled", location=loc(52)),
        _result(W, C.XINETD_LIMIT, "xinetd:echo-stream/instances", S.FAIL, Severity.MEDIUM,
                "echo-stream: instances is UNLIMITED (max 50)", location=loc(54),
                evidence={"attribute": "instances", "value": "UNLIMITED", "file": "<xinetd built-in>"}),
        _result(W, C.XINETD_ACCESS, "xinetd:echo-stream/only_from", S.WAIVED, Severity.MEDIUM,
                "echo-stream has no only_from", location=loc(58), waiver=access_waiver),
        _result(W, C.XINETD_LOGGING, "xinetd:echo-stream/log_on_failure", S.FAIL, Severity.LOW,
                "echo-stream: log_on_failure lacks HOST", location=loc(59),
                evidence={"attribute": "log_on_failure", "value": ["USERID"]}),
        _result(W, C.CONNECTIONS_STATE, "connections:SYN-RECV", S.PASS, Severity.MEDIUM,
                "3 connections in SYN-RECV (max 256)", location=loc(62)),
        _result(W, C.FIREWALL_MISSING, "firewall:ipv6", S.FAIL, Severity.HIGH,
                "Inbound ipv6 traffic is not filtered: no filter chain on the input hook.", location=loc(64),
                evidence={"source": "firewall", "family": "ipv6", "base_chains": []},
                remediation="Load a ruleset with an input chain and enable it at boot."),
        _result(W, C.FIREWALL_PORT_UNCOVERED, "tcp/0.0.0.0:9443", S.FAIL, Severity.MEDIUM,
                "No firewall rule names tcp port 9443: only chain policies decide it", location=loc(64)),
        _result(W, C.FIREWALL_PORT_OPEN, "tcp/[::]:5432", S.FAIL, Severity.HIGH,
                "The firewall accepts new connections to tcp/[::]:5432 from anywhere", location=loc(20),
                evidence={"firewall": [{"decided_by": {"chain": "inet filter input", "rule": "tcp dport 5432 accept"}}]}),
        _result(W, C.FIREWALL_BYPASS, "firewall:dnat", S.PASS, Severity.HIGH,
                "No DNAT rule publishes a port.", location=loc(64)),
        _result(W, C.EXPOSURE_MISMATCH, "tcp/5432", S.SKIP, Severity.MEDIUM,
                "no outside view to compare the ruleset with", location=loc(20)),
        _result(W, C.COLLECTOR_ERROR, "collector:nmap", S.ERROR, Severity.HIGH,
                "the nmap collector failed: nmap: exit 1: Failed to resolve target", location=None,
                evidence={"collector": "nmap", "status": "failed"}),
        _result(W, C.WAIVER_EXPIRED, f"waiver:{BASELINE_PATH}:66", S.FAIL, Severity.MEDIUM,
                "the waiver for port-unexpected expired on 2026-01-31", location=loc(66),
                evidence={"expires": "2026-01-31"}),
        _result(W, C.WAIVER_UNUSED, "waiver:policies/common.yaml:9", S.FAIL, Severity.LOW,
                "the waiver matched no failing result", location=loc(9, "policies/common.yaml")),
    )
    db = (
        _result(D, C.PORT_UNEXPECTED, "udp/[::]:5353", S.FAIL, Severity.MEDIUM,
                "udp/[::]:5353 (avahi-daemon) is not allowed by the baseline", location=loc(10),
                evidence={"process": "avahi-daemon", "port": 5353}, controls=("CIS 2.2.3",)),
        _result(D, C.PORT_PROCESS, "tcp/127.0.0.1:5432", S.ERROR, Severity.HIGH,
                "owner of tcp/127.0.0.1:5432 unknown: collected without root", location=loc(20)),
        _result(D, C.PORT_EXPOSED, "tcp/5432", S.SKIP, Severity.HIGH,
                "no outside view requested", location=loc(20)),
        _result(D, C.PORT_UNREACHABLE, "tcp/443", S.SKIP, Severity.MEDIUM,
                "no outside view requested", location=loc(18)),
        _result(D, C.SERVICE_STATE, "unit:ssh.service", S.ERROR, Severity.MEDIUM,
                "runtime state unknown: systemd is not PID 1", location=loc(40)),
        _result(D, C.SERVICE_ENABLED, "unit:ssh.service", S.PASS, Severity.MEDIUM,
                "ssh.service is enabled", location=loc(40)),
        _result(D, C.COLLECTOR_ERROR, "collector:unit-runtime", S.ERROR, Severity.HIGH,
                "the unit-runtime collector is unavailable: systemd is not PID 1"),
    )
    return Report(
        tool_version="0.1.0",
        baseline_path=BASELINE_PATH,
        baseline_name="web-frontend",
        baseline_sources=(BaselineSource(BASELINE_PATH, SHA_TOP), BaselineSource("policies/common.yaml", SHA_COMMON)),
        hosts=(HostReport("web-1", _web_snapshot(), web), HostReport("db-2", _db_snapshot(), db),
               HostReport("edge-3", _edge_snapshot(), ())),
        controls={"framework": "CIS Debian 12 v1.1.0"},
    )


def build_baseline() -> Baseline:
    return Baseline(
        path=BASELINE_PATH,
        name="web-frontend",
        sources=(BaselineSource(BASELINE_PATH, SHA_TOP), BaselineSource("policies/common.yaml", SHA_COMMON)),
        ports=PortsPolicy(DefaultPolicy.DENY, allow=(
            PortAllow(PortRange(22, 22), Protocol.TCP, RuleMeta(Location(BASELINE_PATH, 12, 7)), process="sshd"),)),
        waivers=(Waiver(CheckId.PORT_UNEXPECTED, {"port": "9090"}, "ticket OPS-123", dt.date(2026, 12, 31),
                        Location(BASELINE_PATH, 40, 5)),),
    )



# --------------------------------------------------------------------------- golden files


def check_golden(name: str, text: str) -> None:
    """Compare with tests/assets/golden/NAME; SURFACECHECK_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} missing: run with SURFACECHECK_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from its golden file"



# --------------------------------------------------------------------------- real consumers


def expected_counts(report: Report) -> dict[str, int]:
    """What a JUnit reader should count: waived results are passing testcases."""
    counts = report.counts()
    return {"passed": counts["pass"] + counts["waived"], "failures": counts["fail"], "errors": counts["error"],
            "skipped": counts["skip"]}


def validate_sarif(text: str, tmp_path: Path) -> dict[str, Any]:
    import jsonschema

    log = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[0].message
    path = tmp_path / "lint.sarif"
    path.write_text(text, "utf-8")
    lint = subprocess.run([sys.executable, str(GITHUB_SARIF_LINT), str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert lint.returncode == 0, lint.stdout
    assert " 0 error(s)" in lint.stdout or lint.stdout.startswith("0 error(s)"), lint.stdout
    assert "WARN" not in lint.stdout, lint.stdout
    return dict(log)


def validate_junit(text: str, *, file_attrs: bool = False) -> dict[str, int]:
    """XSD-validate with xmlschema, then count like CI reporters do (junitparser)."""
    import xmlschema
    from junitparser import Error, Failure, JUnitXml, Skipped

    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    errors = list(schema.iter_errors(text))
    if file_attrs:
        # junit-10.xsd does not declare testcase file/line; everything else must be valid.
        unexpected = [e for e in errors
                      if not (e.reason and e.reason.startswith(("'file' attribute not allowed",
                                                                "'line' attribute not allowed")))]
        assert not unexpected, unexpected[0].reason
    else:
        assert not errors, errors[0].reason
    counts = {"passed": 0, "failures": 0, "errors": 0, "skipped": 0}
    with tempfile.TemporaryDirectory() as tmp:  # read from a file, as CI reporters do
        path = Path(tmp) / "results.junit.xml"
        path.write_bytes(text.encode("utf-8"))
        xml = JUnitXml.fromfile(str(path))
    suites = [xml] if xml._tag == "testsuite" else list(xml)
    total = 0
    for suite in suites:
        for case in suite:
            total += 1
            kinds = {type(r) for r in case.result}
            if Failure in kinds:
                counts["failures"] += 1
            elif Error in kinds:
                counts["errors"] += 1
            elif Skipped in kinds:
                counts["skipped"] += 1
            else:
                counts["passed"] += 1
    assert total >= 1
    return counts


class _HtmlTables(html.parser.HTMLParser):
    """Collects tags used, and each table (after which heading) as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.tables: list[tuple[str, list[list[str]], list[list[str]]]] = []
        self._heading: list[str] | None = None
        self._last_heading = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._section = "tbody"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in ("h1", "h2", "summary"):
            self._heading = []
        elif tag == "table":
            self.tables.append((self._last_heading, [], []))
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "summary") and self._heading is not None:
            self._last_heading = "".join(self._heading)
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            _, head, body = self.tables[-1]
            (head if self._section == "thead" else body).append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


ALLOWED_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "br", "details", "summary", "a",
                "strong", "em"}


def render_markdown(text: str) -> _HtmlTables:
    """Render with cmark-gfm (GitHub's renderer) with raw HTML let through, so injected HTML would show."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    assert len(text.encode("utf-8")) <= 1024 * 1024
    rendered = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    parser = _HtmlTables()
    parser.feed(rendered)
    parser.close()
    assert parser.tags <= ALLOWED_TAGS, parser.tags - ALLOWED_TAGS
    return parser


def table_after(parsed: _HtmlTables, heading_prefix: str) -> tuple[list[list[str]], list[list[str]]]:
    matches = [(head, body) for heading, head, body in parsed.tables if heading.startswith(heading_prefix)]
    assert len(matches) == 1, [t[0] for t in parsed.tables]
    return matches[0]


def validate_markdown(text: str, report: Report) -> _HtmlTables:
    """One failure-table row per fail, eight columns in every row; also checked with markdown-it."""
    from markdown_it import MarkdownIt

    parsed = render_markdown(text)
    failures = report.counts()["fail"]
    if failures:
        head, body = table_after(parsed, "Failures")
        assert len(head) == 1 and len(head[0]) == 8
        assert len(body) == failures
        assert all(len(row) == 8 for row in body)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows = 0
    in_failures = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            in_failures = tokens[index + 1].content.startswith("Failures")
        if in_failures and token.type == "tr_open":
            rows += 1
    assert rows == (failures + 1 if failures else 0)
    return parsed

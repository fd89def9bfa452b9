"""Input files for tests that drive the real CLI: snapshot JSON, baselines, nmap XML, an xinetd
echo service, and the results a `--json -` run printed. One copy, shared by the trust suites
(tests/integration/test_trust_*.py, test_adversarial_trust.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from support import run_cli

SNAPSHOT_TIME = "2026-11-21T09:40:54Z"
NMAP_HEAD = ('<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap {args}" start="1764000000" version="7.93" '
             'xmloutputversion="1.05">\n')
NMAP_TAIL = ('<runstats><finished time="1764000010" timestr="x" elapsed="10" summary="x" exit="success"/>'
             '<hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n')
ALL_INSIDE = ("sockets", "unit-files", "unit-runtime", "socket-units", "xinetd")


def snapshot_file(path: Path, *, hostname: str = "web-1", listeners: list[dict[str, Any]] | None = None,
                  collectors: tuple[str, ...] = ALL_INSIDE, states: dict[str, int] | None = None,
                  xinetd: list[dict[str, Any]] | None = None, addresses: list[str] | None = None) -> str:
    """A snapshot file as `collect` writes it, every named collector `ok`; its path."""
    document = {
        "schema_version": 1,
        "host": {"hostname": hostname, "collected_at": SNAPSHOT_TIME, "finished_at": SNAPSHOT_TIME,
                 "tool_version": "0.1.0", "privileged": True, "euid": 0, "root": None, "kernel": "6",
                 "os_release": "Debian GNU/Linux 12 (bookworm)", "addresses": addresses or ["127.0.0.1"]},
        "collectors": [{"name": name, "status": "ok", "reason": None} for name in collectors],
        "listeners": listeners or [],
        "connection_states": states or {},
        "units": [], "socket_units": [], "xinetd_services": xinetd or [], "network": None,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def baseline_file(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def results_of(completed: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Every result of a `--json -` run, all hosts."""
    data = json.loads(completed.stdout)
    return [result for host in data["hosts"] for result in host["results"]]


def nmap_xml_file(path: Path, scaninfo: str, ports: str, *, address: str = "127.0.0.2", extra: str = "",
                  args: str = "x") -> str:
    """An nmap XML file of one host that is up: SCANINFO elements, then EXTRA (e.g. `<hostnames>`)
    and PORTS inside the host; its path."""
    path.write_text(NMAP_HEAD.format(args=args) + scaninfo + '<host starttime="1764000000" endtime="1764000010">'
                    '<status state="up" reason="user-set"/>'
                    f'<address addr="{address}" addrtype="{"ipv6" if ":" in address else "ipv4"}"/>{extra}'
                    f"<ports>{ports}</ports></host>\n" + NMAP_TAIL, encoding="utf-8")
    return str(path)


def xinetd_echo_conf(path: Path, only_from: str, port: int | None = None) -> Path:
    """An xinetd.conf enabling the internal TCP echo service with ONLY_FROM (at line 12 without PORT);
    with PORT, an unlisted echo on that port."""
    where = f"\ttype = INTERNAL UNLISTED\n\tport = {port}\n" if port is not None else "\ttype = INTERNAL\n"
    path.write_text(f"defaults\n{{\n}}\nservice echo\n{{\n{where}\tid = echo-stream\n"
                    "\tsocket_type = stream\n\tprotocol = tcp\n\tuser = root\n\twait = no\n"
                    f"\tonly_from = {only_from}\n\tdisable = no\n}}\n", encoding="utf-8")
    return path


def only_from_verdicts(tmp_path: Path, only_from: str) -> list[dict[str, Any]]:
    """The `xinetd-access` results of auditing that echo service against `only_from: required`."""
    conf = xinetd_echo_conf(tmp_path / "xinetd.conf", only_from)
    baseline = baseline_file(tmp_path / "b.yaml", "version: 1\nxinetd:\n  allow: [echo]\n  limits:\n"
                             "    only_from: required\n")
    completed = run_cli("audit", baseline, "--xinetd-conf", str(conf), "--json", "-")
    return [r for r in results_of(completed) if r["check"] == "xinetd-access"]

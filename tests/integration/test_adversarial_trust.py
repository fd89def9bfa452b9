"""Issue 12, adversarial review of the trust fixes: inputs a user could give the CLI that made
the new code say `pass` (or exit 0) without the evidence for it. One test per finding; each
failed before its fix (see the commit messages)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.ports import bound_socket, port_of
from support.unprivileged import Unprivileged

NMAP_HEAD = ('<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap x" start="1764000000" version="7.93" '
             'xmloutputversion="1.05">\n')
NMAP_TAIL = ('<runstats><finished time="1764000010" timestr="x" elapsed="10" summary="x" exit="success"/>'
             '<hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n')


def _nmap_xml(path: Path, scaninfo: str, ports: str, *, address: str = "127.0.0.2", extra: str = "") -> str:
    path.write_text(NMAP_HEAD + scaninfo + '<host starttime="1764000000" endtime="1764000010">'
                    '<status state="up" reason="user-set"/>'
                    f'<address addr="{address}" addrtype="{"ipv6" if ":" in address else "ipv4"}"/>{extra}'
                    f"<ports>{ports}</ports></host>\n" + NMAP_TAIL, encoding="utf-8")
    return str(path)


def _baseline(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def _results(completed: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(completed.stdout)
    return [result for host in data["hosts"] for result in host["results"]]


def _statuses(completed: subprocess.CompletedProcess[str], check: str, suffix: str) -> set[str]:
    return {r["status"] for r in _results(completed) if r["check"] == check and r["resource"].endswith(suffix)}


FORBID_80 = "version: 1\nports:\n  allow:\n    - {port: 81, exposure: internal}\n  forbid:\n    - {port: 80}\n"


# ------------------------------------------------------ two TCP techniques named by one nmap file


def test_a_second_tcp_scaninfo_does_not_hide_a_listed_open_port(tmp_path: Path) -> None:
    """nmap runs one TCP technique per scan. A file naming two (syn and window) cannot say which
    found a listed port; the reader gave every row the last one, so the SYN table saw port 80
    as unlisted, folded it as closed, and `forbid: 80` passed while the row says open (syn-ack)."""
    scaninfo = ('<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>'
                '<scaninfo type="window" protocol="tcp" numservices="1000" services="1-1000"/>')
    xml = _nmap_xml(tmp_path / "two.xml", scaninfo,
                    '<extraports state="closed" count="999"><extrareasons reason="reset" count="999"/></extraports>'
                    '<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/></port>')
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", FORBID_80), "--nmap-xml", xml, "--json", "-")
    assert completed.returncode == 2, completed.stdout
    assert completed.stderr.startswith(f"surfacecheck: {xml}: two TCP scan techniques"), completed.stderr
    assert "Traceback" not in completed.stderr


# ------------------------------------------------------ protocol names in another case


def test_an_upper_case_protocol_does_not_drop_the_open_port(tmp_path: Path) -> None:
    """`protocol="TCP"`: the reader dropped the row as "outside the model" (like sctp), while the
    legacy `scanned` summary read the scaninfo case-insensitively, so the view had a SYN table
    of 1-1000 and no rows: every port, 80 (listed open) included, "proven not open"."""
    xml = _nmap_xml(tmp_path / "upper.xml", '<scaninfo type="syn" protocol="TCP" numservices="1000" services="1-1000"/>',
                    '<extraports state="closed" count="999"/>'
                    '<port protocol="TCP" portid="80"><state state="open" reason="syn-ack"/></port>')
    completed = run_cli("audit", _baseline(tmp_path / "b.yaml", FORBID_80), "--nmap-xml", xml, "--json", "-")
    assert completed.returncode == 1, completed.stdout
    assert _statuses(completed, "port-forbidden", "tcp/127.0.0.2:80") == {"fail"}, completed.stdout

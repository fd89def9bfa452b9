"""Final adversarial review of the merged seams: ways the CLI said `pass`/exit 0 without
evidence, or failed badly, where separately built features meet. Each test failed on 4c62d96."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import REPO_ROOT, run_cli
from support.cli_inputs import baseline_file, results_of, snapshot_file

NMAP_ACK_SCAN = (
    '<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap -sA" start="1764000000" version="7.93" '
    'xmloutputversion="1.05">\n<scaninfo type="ack" protocol="tcp" numservices="1000" services="1-1000"/>\n'
    '<host starttime="1764000000" endtime="1764000010"><status state="up" reason="user-set"/>'
    '<address addr="198.51.100.9" addrtype="ipv4"/><hostnames></hostnames><ports>'
    '<extraports state="unfiltered" count="1000"><extrareasons reason="reset" count="1000"/></extraports>'
    '</ports></host>\n<runstats><finished time="1764000010" timestr="x" elapsed="10" summary="x" '
    'exit="success"/><hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n')

SSH = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 22, "pid": 1, "process": "sshd",
       "exe": None, "user": "root", "dual_stack": False, "unit": None}


def test_a_fleet_host_with_no_evidence_is_not_compliant(tmp_path: Path) -> None:
    """web-1 passes; 198.51.100.9 was only ACK-scanned, which proves no port open or closed, so
    `default: deny` says nothing about it. The run exited 0 ("compliant") for both hosts."""
    snapshot = snapshot_file(tmp_path / "web-1.json", listeners=[SSH])
    xml = tmp_path / "ack.xml"
    xml.write_text(NMAP_ACK_SCAN, encoding="utf-8")
    baseline = baseline_file(tmp_path / "b.yaml", "version: 1\nports:\n  default: deny\n  allow:\n    - {port: 22}\n")
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--nmap-xml", str(xml), "--json", "-")
    hosts = {r["host"] for r in results_of(completed) if r["status"] in ("pass", "fail", "waived")}
    assert hosts == {"web-1"}, hosts  # the scanned host has no result resting on evidence
    assert completed.returncode == 3, completed.stderr
    assert "198.51.100.9" in completed.stderr, completed.stderr


def test_audit_dash_with_stdin_closed_is_a_usage_error(tmp_path: Path) -> None:
    """`surfacecheck audit - <&-` (cron, a service with no stdin) was an internal error."""
    snapshot = snapshot_file(tmp_path / "s.json")
    completed = subprocess.run([sys.executable, "-m", "checker", "audit", "-", "--snapshot", snapshot],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
                               env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                               preexec_fn=lambda: __import__("os").close(0))
    assert completed.returncode == 2, completed.stderr
    assert "internal error" not in completed.stderr and "standard input" in completed.stderr, completed.stderr

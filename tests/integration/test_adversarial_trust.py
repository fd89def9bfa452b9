"""Issue 12, adversarial review of the trust fixes: inputs a user could give the CLI that made
the new code say `pass` (or exit 0) without the evidence for it. One test per finding; each
failed before its fix (see the commit messages)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.cli_inputs import nmap_xml_file, only_from_verdicts
from support.ports import bound_socket, port_of
from support.unprivileged import Unprivileged


def _audit(tmp_path: Path, baseline: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`audit` of BASELINE (YAML text) with ARGS, JSON report on stdout."""
    (tmp_path / "b.yaml").write_text(baseline, encoding="utf-8")
    return run_cli("audit", str(tmp_path / "b.yaml"), *args, "--json", "-")


def _statuses(completed: subprocess.CompletedProcess[str], check: str, suffix: str = "") -> set[str]:
    """The statuses of CHECK's results whose resource ends with SUFFIX."""
    hosts: list[dict[str, Any]] = json.loads(completed.stdout)["hosts"]
    return {r["status"] for host in hosts for r in host["results"]
            if r["check"] == check and r["resource"].endswith(suffix)}


FORBID_80 = "version: 1\nports:\n  allow:\n    - {port: 81, exposure: internal}\n  forbid:\n    - {port: 80}\n"


# ------------------------------------------------------ two TCP techniques named by one nmap file


def test_a_second_tcp_scaninfo_does_not_hide_a_listed_open_port(tmp_path: Path) -> None:
    """nmap runs one TCP technique per scan. A file naming two (syn and window) cannot say which
    found a listed port; the reader gave every row the last one, so the SYN table saw port 80
    as unlisted, folded it as closed, and `forbid: 80` passed while the row says open (syn-ack)."""
    scaninfo = ('<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>'
                '<scaninfo type="window" protocol="tcp" numservices="1000" services="1-1000"/>')
    xml = nmap_xml_file(tmp_path / "two.xml", scaninfo,
                    '<extraports state="closed" count="999"><extrareasons reason="reset" count="999"/></extraports>'
                    '<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/></port>')
    completed = _audit(tmp_path, FORBID_80, "--nmap-xml", xml)
    assert completed.returncode == 2, completed.stdout
    assert completed.stderr.startswith(f"surfacecheck: {xml}: two TCP scan techniques"), completed.stderr
    assert "Traceback" not in completed.stderr


# ------------------------------------------------------ protocol names in another case


def test_an_upper_case_protocol_does_not_drop_the_open_port(tmp_path: Path) -> None:
    """`protocol="TCP"`: the reader dropped the row as "outside the model" (like sctp), while the
    legacy `scanned` summary read the scaninfo case-insensitively, so the view had a SYN table
    of 1-1000 and no rows: every port, 80 (listed open) included, "proven not open"."""
    xml = nmap_xml_file(tmp_path / "upper.xml", '<scaninfo type="syn" protocol="TCP" numservices="1000" services="1-1000"/>',
                    '<extraports state="closed" count="999"/>'
                    '<port protocol="TCP" portid="80"><state state="open" reason="syn-ack"/></port>')
    completed = _audit(tmp_path, FORBID_80, "--nmap-xml", xml)
    assert completed.returncode == 1, completed.stdout
    assert _statuses(completed, "port-forbidden", "tcp/127.0.0.2:80") == {"fail"}, completed.stdout


# ------------------------------------------------------ unprivileged: a root socket shared with nobody


@pytest.fixture
def root_socket_shared_with_nobody() -> Iterator[int]:
    """A listener created by root (this process) whose descriptor a `nobody` child also holds:
    a root master with unprivileged workers, seen from an unprivileged run."""
    prefix = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    with bound_socket("127.0.0.5") as sock:
        sock.listen()
        child = subprocess.Popen([*prefix, "sleep", "300"], pass_fds=(sock.fileno(),))
        try:
            yield port_of(sock)
        finally:
            child.kill()
            child.wait()


@pytest.mark.integration
def test_unprivileged_run_does_not_name_a_visible_worker_the_owner(
        nobody: Unprivileged, root_socket_shared_with_nobody: int, tmp_path: Path) -> None:
    """Without root, /proc/PID/fd of the root holder is unreadable and only the `nobody` child
    is seen: it became the owner, so `user: nobody` passed for a socket root created (the
    kernel's socket uid says 0). The owner is unknown then: `error`, never pass."""
    port = root_socket_shared_with_nobody
    collected = nobody.run("collect", "-o", "-")
    assert collected.returncode == 0, collected.stderr
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(collected.stdout, encoding="utf-8")
    listener = next(x for x in json.loads(collected.stdout)["listeners"] if x["port"] == port)
    assert listener["socket_uid"] == 0
    completed = _audit(tmp_path, f"version: 1\nports:\n  allow:\n    - {{port: {port}, user: nobody, process: sleep}}\n",
                       "--snapshot", str(snapshot))
    assert _statuses(completed, "port-process", f":{port}") == {"error"}, completed.stdout
    assert completed.returncode == 3


# ------------------------------------------------------ a hand-edited snapshot without the evidence


def test_a_snapshot_whose_sockets_ran_but_has_no_listeners_is_refused(tmp_path: Path) -> None:
    """`sockets: ok` but no `listeners` / `connection_states` keys (deleted by hand, or a
    truncated producer): read as "nothing listens, 0 connections", so `forbid: 23` and
    `ESTABLISHED: 0` passed, rc 0. `collect` always writes the fields: their absence is bad input."""
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps({
        "schema_version": 1,
        "host": {"hostname": "web-1", "collected_at": "2026-11-21T09:40:54Z", "tool_version": "0.1.0"},
        "collectors": [{"name": name, "status": "ok"} for name in
                       ("sockets", "unit-files", "unit-runtime", "socket-units", "xinetd")],
        "units": [], "socket_units": [], "xinetd_services": []}), encoding="utf-8")
    completed = _audit(tmp_path, "version: 1\nports:\n  forbid:\n    - {port: 23}\n"
                       "connections:\n  max_per_state: {ESTABLISHED: 0}\n", "--snapshot", str(snapshot))
    assert completed.returncode == 2, completed.stdout
    assert completed.stderr.strip() == (f"surfacecheck: {snapshot}: collector 'sockets' ran but the snapshot has no "
                                        "'listeners', 'connection_states' (hand-edited or truncated?)")


# ------------------------------------------------------ xinetd only_from in inet_aton / atoi forms


def _only_from_statuses(tmp_path: Path, only_from: str) -> set[str]:
    return {r["status"] for r in only_from_verdicts(tmp_path, only_from)}


# The real xinetd 2.3.15.3 dumps each of these as an entry admitting every IPv4 (or every) client:
# `0.0.0.0(NUMERIC)` for 00.00.00.00 and 0x0 (inet_aton forms), `0.0.0.0/0.0.0.0(NET)` for 0/0 and
# 0.0.0.0/0junk (the prefix is read with atoi), `::/::(NET)` for ::/0x1. The collector skipped
# them as unparsable or kept them as names, so beside a real restriction they passed `required`.
@pytest.mark.parametrize("only_from", ["127.0.0.1 0/0", "00.00.00.00", "0x0", "127.0.0.1 0.0.0.0/0junk",
                                       "127.0.0.1 ::/0x1"])
def test_only_from_everyone_in_the_forms_xinetd_reads_does_not_satisfy_required(
        tmp_path: Path, only_from: str) -> None:
    assert _only_from_statuses(tmp_path, only_from) == {"fail"}


@pytest.mark.parametrize("only_from", ["10.0.0.0/8", "127.1", "010.0.0.1", "10.0.0.0/255.0.0.0"])
def test_only_from_that_restricts_in_those_forms_still_passes(tmp_path: Path, only_from: str) -> None:
    assert _only_from_statuses(tmp_path, only_from) == {"pass"}

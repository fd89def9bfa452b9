"""Issue 12, identities and rule semantics: one name per thing, and verdicts that agree with the
real programs. Each test runs the real CLI on inputs the test writes.

On 23b4c71 (before the fix) the misspelt-state, alias and only_from tests failed; the dotted
socket-unit test already passed there (fixed while splitting the model in issue 11) and stays
as a guard. The last test measures the real xinetd 2.3.15.3: which only_from entries admit
every client (the evaluator must agree with it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.evaluate.xinetd_access import admits_every_client
from support import run_cli
from support.cli_inputs import baseline_file as _baseline
from support.cli_inputs import only_from_verdicts, xinetd_echo_conf
from support.cli_inputs import results_of as _results
from support.cli_inputs import snapshot_file as _snapshot
from support.ports import held_port, port_of

XINETD = "/usr/sbin/xinetd"


# ---------------------------------------------------------------------- 7. connection states


def test_a_misspelt_connection_state_is_an_input_error_with_a_suggestion(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nconnections:\n  max_per_state: {ESTABLISHD: 0}\n")
    completed = run_cli("validate", baseline)
    assert completed.returncode == 2
    assert "ESTABLISHED" in completed.stdout + completed.stderr
    assert f"{baseline}:3:" in completed.stdout + completed.stderr


def test_connection_state_aliases_are_accepted(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nconnections:\n  max_per_state: {SYN_RECV: 5}\n")
    snapshot = _snapshot(tmp_path / "s.json", states={"SYN-RECV": 9})
    completed = run_cli("audit", baseline, "--snapshot", snapshot, "--json", "-")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (result,) = [r for r in _results(completed) if r["check"] == "connections-state"]
    assert (result["resource"], result["status"]) == ("connections:SYN-RECV", "fail")
    assert result["evidence"]["collector"] == "sockets" and result["evidence"]["counts"] == {"SYN-RECV": 9}


# ---------------------------------------------------------------------- 8. socket-unit names with dots


def test_a_dotted_socket_unit_name_matches_its_unit(tmp_path: Path) -> None:
    root = tmp_path / "image"
    lib = root / "usr/lib/systemd/system"
    lib.mkdir(parents=True)
    (lib / "snap.lxd.daemon.unix.socket").write_text("[Socket]\nListenStream=/run/lxd.socket\n"
                                                      "[Install]\nWantedBy=sockets.target\n")
    (lib / "snap.lxd.daemon.service").write_text("[Service]\nExecStart=/bin/true\n")
    wants = root / "etc/systemd/system/sockets.target.wants"
    wants.mkdir(parents=True)
    (wants / "snap.lxd.daemon.unix.socket").symlink_to("/usr/lib/systemd/system/snap.lxd.daemon.unix.socket")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nsocket_units:\n  forbid: [snap.lxd.daemon.unix]\n")
    completed = run_cli("audit", baseline, "--root", str(root), "--json", "-")
    forbidden = [r for r in _results(completed) if r["check"] == "socket-unit-forbidden"]
    assert [r["status"] for r in forbidden] == ["fail"], forbidden
    assert forbidden[0]["evidence"]["collector"] == "socket-units"
    assert forbidden[0]["evidence"]["source"] == "/usr/lib/systemd/system/snap.lxd.daemon.unix.socket"
    assert completed.returncode == 1


# ---------------------------------------------------------------------- 10. only_from: required


# `::` is not here although the issue listed it: the real xinetd matches it as the one
# address `::`, refusing every client (see the last test), so it *is* a restriction.
@pytest.mark.parametrize("everyone", ["0.0.0.0", "0.0.0.0/0", "::/0", "0", "10.0.0.0/0", "::ffff:0.0.0.0/96"])
def test_only_from_everyone_does_not_satisfy_required(tmp_path: Path, everyone: str) -> None:
    access = only_from_verdicts(tmp_path, everyone)
    assert access and {r["status"] for r in access} == {"fail"}, access
    assert access[0]["evidence"]["set_at"].endswith("xinetd.conf:12"), access


@pytest.mark.parametrize("restricted", ["::", "10.0.0.0/8", "127.0.0.1 ::1"])
def test_only_from_that_restricts_satisfies_required(tmp_path: Path, restricted: str) -> None:
    access = only_from_verdicts(tmp_path, restricted)
    assert access and {r["status"] for r in access} == {"pass"}, access


PROBE = """
import socket, sys, time
port = int(sys.argv[1])
deadline = time.monotonic() + 10
while True:
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.settimeout(5)
    try:
        client.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        client.close()
        if time.monotonic() > deadline:
            print("NOT-LISTENING")
            break
        time.sleep(0.05)
        continue
    try:
        client.sendall(b"ping\\n")
        print("ACCEPTED" if client.recv(16) == b"ping\\n" else "REFUSED")
    except OSError:
        print("REFUSED")
    break
"""


@pytest.mark.integration
@pytest.mark.parametrize("entry", ["0.0.0.0", "::/0", "10.0.0.0/0", "::", "0.0.0.0/32", "10.0.0.0"])
def test_the_real_xinetd_admits_loopback_exactly_when_we_say_it_admits_everyone(tmp_path: Path, entry: str) -> None:
    """The real xinetd in its own network namespace (`unshare -n`: nothing to clean up), one
    IPv4 client on 127.0.0.1: each entry here either admits every IPv4 client or excludes 127/8."""
    if not os.access(XINETD, os.X_OK):
        pytest.fail("xinetd is not installed; `make test` installs it")
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("a network namespace needs root and unshare")
    with held_port() as reservation:
        port = port_of(reservation)
    conf = xinetd_echo_conf(tmp_path / "xinetd.conf", entry, port)
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    script = (f"ip link set lo up && {{ timeout 20 {XINETD} -dontfork -filelog {tmp_path}/log -f {conf} "
              f"-pidfile {tmp_path}/pid & }} && {sys.executable} {tmp_path}/probe.py {port}; kill $! 2>/dev/null; wait")
    completed = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, timeout=30,
                               check=False)
    seen = completed.stdout.strip()
    assert seen in ("ACCEPTED", "REFUSED"), (completed.stdout, completed.stderr)
    assert (seen == "ACCEPTED") == (admits_every_client((entry,)) is not None), entry

"""`--netns NAME` and `--netns-pid PID`: each network namespace audited as its own host.

The test creates its namespaces (`ip netns add sc-netns-<random>-a`/`-b`, or `unshare --net
--mount` for the container-like case) and deletes every one of them in `finally`. Listeners
inside are opened on kernel-chosen ports (binding port 0) by helpers the test starts there:

* named namespaces: `collect --netns a --netns b` gives two hosts, each with exactly the
  sockets its helper opened, owned by the helper's pid (a forked child that moved back to this
  machine's namespace still holds them but is not an owner: not a process of the namespace),
  with its own connection states; the test's own listener never leaks in;
* a container-like process (new net + mount namespaces, a private /etc bind-mounted over the
  machine's) audited with `--netns-pid`: its xinetd.conf and os-release are the container's;
* the outside view: the CLI, run in namespace a, scans namespace b's veth address
  (198.18.0.0/24) and that scan joins b's inside view;
* fail closed: a missing namespace, a process that exited, a namespace deleted during
  collection and an unprivileged user (`nobody`) give failed collectors and exit 3.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import run_cli
from support.outputs import by_host, open_ports, snapshots_of
from support.unprivileged import Unprivileged

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="creating network namespaces needs root"),
    pytest.mark.skipif(not all(shutil.which(tool) for tool in ("ip", "unshare", "mount")),
                       reason="needs iproute2 (ip) and util-linux (unshare, mount)"),
]

LISTENER = r'''
import ctypes, json, os, socket, sys
address, outside_ns = sys.argv[1], sys.argv[2]
tcp = socket.socket(); tcp.bind((address, 0)); tcp.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
client = socket.create_connection(("127.0.0.1" if address == "0.0.0.0" else address, tcp.getsockname()[1]))
server, _ = tcp.accept()
ready_r, ready_w = os.pipe()
child = os.fork()
if child == 0:  # keeps every socket but lives in another network namespace
    fd = os.open(outside_ns, os.O_RDONLY)
    assert ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) == 0, ctypes.get_errno()
    os.write(ready_w, b"x")
    os.read(0, 1)
    os._exit(0)
os.read(ready_r, 1)
print(json.dumps({"pid": os.getpid(), "child": child, "tcp": tcp.getsockname()[1],
                  "udp": udp.getsockname()[1]}), flush=True)
sys.stdin.read()
'''

CONTAINER = r'''
import json, os, socket, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen()
# The container's own /etc, in its private mount namespace only (unshare makes mounts private).
subprocess.run(["mount", "--bind", sys.argv[1], "/etc"], check=True)
print(json.dumps({"pid": os.getpid(), "tcp": tcp.getsockname()[1]}), flush=True)
sys.stdin.read()
'''

XINETD_CONF = """defaults
{{
    instances = 10
}}
service sc-container-svc
{{
    type        = UNLISTED
    socket_type = stream
    protocol    = tcp
    port        = {port}
    wait        = no
    user        = nobody
    server      = /bin/true
}}
"""


@dataclass
class Helper:
    process: subprocess.Popen[str]
    info: dict[str, Any]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def _start(argv: list[str]) -> Helper:
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        process.wait(timeout=10)
        pytest.fail(f"helper {argv[:4]} did not start")
    return Helper(process, json.loads(line))


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@dataclass
class Namespaces:
    names: tuple[str, str]
    helpers: dict[str, Helper]


@pytest.fixture
def namespaces() -> Iterator[Namespaces]:
    """Two named namespaces, a veth pair between them (198.18.0.1 in a, .2 in b), a helper in each."""
    prefix = f"sc-netns-{secrets.token_hex(3)}"
    names = (f"{prefix}-a", f"{prefix}-b")
    created: list[str] = []
    helpers: dict[str, Helper] = {}
    try:
        for name in names:
            _ip("netns", "add", name)
            created.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", names[0], "link", "add", "sc-veth-a", "type", "veth", "peer", "name", "sc-veth-b",
            "netns", names[1])
        for name, side, address in ((names[0], "a", "198.18.0.1/24"), (names[1], "b", "198.18.0.2/24")):
            _ip("-n", name, "addr", "add", address, "dev", f"sc-veth-{side}")
            _ip("-n", name, "link", "set", f"sc-veth-{side}", "up")
        here = f"/proc/{os.getpid()}/ns/net"
        helpers[names[0]] = _start(["ip", "netns", "exec", names[0], sys.executable, "-c", LISTENER,
                                    "127.0.0.1", here])
        helpers[names[1]] = _start(["ip", "netns", "exec", names[1], sys.executable, "-c", LISTENER,
                                    "0.0.0.0", here])
        yield Namespaces(names, helpers)
    finally:
        for helper in helpers.values():
            helper.stop()
        for name in created:
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30, check=False)


def _rows(snapshot: dict[str, Any]) -> set[tuple[str, str, int, tuple[int, ...]]]:
    return {(row["protocol"], row["address"], row["port"], tuple(row["pids"])) for row in snapshot["listeners"]}


def _statuses(snapshot: dict[str, Any]) -> dict[str, str]:
    return {run["name"]: run["status"] for run in snapshot["collectors"]}


def test_each_namespace_is_a_host_with_exactly_its_own_sockets(namespaces: Namespaces) -> None:
    host_listener = socket.socket()
    host_listener.bind(("127.0.0.1", 0))
    host_listener.listen()
    with host_listener:
        done = run_cli("collect", "--netns", namespaces.names[0], "--netns", namespaces.names[1])
    assert done.returncode == 0, done.stderr
    hosts = by_host(snapshots_of(done.stdout))
    assert sorted(hosts) == sorted(namespaces.names)  # no --local implied
    for name, address in zip(namespaces.names, ("127.0.0.1", "0.0.0.0"), strict=True):
        snapshot, info = hosts[name], namespaces.helpers[name].info
        pid = info["pid"]
        # Exactly the helper's sockets; the child that moved to this machine's namespace holds
        # them too, but only the namespace's own processes are owners.
        assert _rows(snapshot) == {("tcp", address, info["tcp"], (pid,)), ("udp", "127.0.0.1", info["udp"], (pid,))}
        assert {row["process"] for row in snapshot["listeners"]} == {Path(sys.executable).name}
        assert all(os.getpid() not in row["pids"] for row in snapshot["listeners"])
        assert snapshot["connection_states"] == {"ESTABLISHED": 2, "LISTEN": 1}
        sockets_run = next(run for run in snapshot["collectors"] if run["name"] == "sockets")
        assert sockets_run["status"] == "ok" and name in sockets_run["reason"]
    for name, address in zip(namespaces.names, ("198.18.0.1", "198.18.0.2"), strict=True):
        addresses = hosts[name]["host"]["addresses"]
        # its own veth address (and link-local); never its loopback: 127.0.0.1 from here is this machine
        assert address in addresses and "127.0.0.1" not in addresses and "::1" not in addresses


def test_host_name_names_the_one_namespace_and_is_refused_for_several(namespaces: Namespaces) -> None:
    named = run_cli("collect", "--netns", namespaces.names[0], "--host-name", "web-ns")
    assert named.returncode == 0, named.stderr
    assert [s["host"]["hostname"] for s in snapshots_of(named.stdout)] == ["web-ns"]
    refused = run_cli("collect", "--netns", namespaces.names[0], "--netns", namespaces.names[1],
                      "--host-name", "web-ns")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--host-name" in refused.stderr


def test_host_name_is_refused_when_it_could_name_the_local_host_or_the_namespace(namespaces: Namespaces) -> None:
    """One `--host-name` (issues 15 and 17) names the one host collected from the inside: with
    both this host (`--local`) and a namespace it would be ambiguous."""
    refused = run_cli("collect", "--local", "--netns", namespaces.names[0], "--host-name", "web-ns")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--host-name" in refused.stderr and "local host" in refused.stderr


def _tables(snapshot: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(ruleset["backend"], chain["table"], chain["name"])
            for ruleset in snapshot["firewall"]["rulesets"] for chain in ruleset["chains"]}


@pytest.mark.skipif(not (shutil.which("nft") and shutil.which("iptables-legacy")),
                    reason="needs nftables and iptables (installed by `make test`)")
def test_each_namespace_firewall_is_read_inside_it(namespaces: Namespaces) -> None:
    """Issue 17 asks for the namespace's own ruleset: nft and the legacy tables of namespace a,
    none of them in namespace b (nor this machine's, which the test leaves alone)."""
    a, b = namespaces.names
    table = f"sc_{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "exec", a, "nft", "-f", "-"], check=True, capture_output=True, timeout=30,
                   text=True, input=f"table inet {table} {{\n chain input {{ type filter hook input priority 0; "
                   "policy drop;\n }\n}\n")
    subprocess.run(["ip", "netns", "exec", a, "iptables-legacy", "-A", "INPUT", "-p", "tcp", "--dport", "9",
                    "-j", "DROP"], check=True, capture_output=True, timeout=30)
    done = run_cli("collect", "--netns", a, "--netns", b)
    assert done.returncode == 0, done.stderr
    hosts = by_host(snapshots_of(done.stdout))
    assert _statuses(hosts[a])["firewall"] == _statuses(hosts[b])["firewall"] == "ok"
    assert ("nftables", table, "input") in _tables(hosts[a])
    assert ("iptables-legacy", "filter", "INPUT") in _tables(hosts[a])
    assert hosts[a]["firewall"]["notes"] == ["legacy iptables rules present, not visible to nft"]
    assert not any(name == table for _, name, _ in _tables(hosts[b])) and not hosts[b]["firewall"]["notes"]


@pytest.mark.parametrize("option", [("--netns", "../etc"), ("--netns", "a/b"), ("--netns-pid", "0"),
                                    ("--netns-pid", "x")])
def test_bad_namespace_options_are_usage_errors(option: tuple[str, str]) -> None:
    done = run_cli("collect", *option)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_outside_view_of_a_namespace_is_a_scan_of_its_address(namespaces: Namespaces, tmp_path: Path) -> None:
    """From namespace a (where the CLI runs), b's veth address is scanned and joins b's inside view."""
    if shutil.which("nmap") is None:
        pytest.fail("nmap is required (make test installs it)")
    a, b = namespaces.names
    port = namespaces.helpers[b].info["tcp"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(["ip", "netns", "exec", a, sys.executable, "-m", "checker", "collect", "--netns", b,
                           "--target", "198.18.0.2", "--tcp-ports", str(port), "--host-timeout", "60"],
                          capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr
    (snapshot,) = snapshots_of(done.stdout)
    assert snapshot["host"]["hostname"] == b
    assert open_ports(snapshot) == {("tcp", port)}
    assert ("tcp", "0.0.0.0", port, (namespaces.helpers[b].info["pid"],)) in _rows(snapshot)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Helper]:
    """A process in new network and mount namespaces whose /etc is a private directory."""
    etc = tmp_path / "container-etc"
    etc.mkdir()
    for name in ("passwd", "group", "services", "protocols", "hosts"):
        if Path("/etc", name).exists():
            shutil.copy(Path("/etc", name), etc / name)
    (etc / "os-release").write_text('PRETTY_NAME="sc container"\n', encoding="utf-8")
    helper = _start(["unshare", "--net", "--mount", "--fork", sys.executable, "-c", CONTAINER, str(etc)])
    try:
        # Written after the bind mount: the container sees the directory itself.
        (etc / "xinetd.conf").write_text(XINETD_CONF.format(port=helper.info["tcp"]), encoding="utf-8")
        yield helper
    finally:
        helper.stop()


def test_netns_pid_reads_the_container_sockets_and_files(container: Helper, tmp_path: Path) -> None:
    pid = container.info["pid"]
    done = run_cli("collect", "--netns-pid", str(pid))
    assert done.returncode == 0, done.stderr
    (snapshot,) = snapshots_of(done.stdout)
    assert snapshot["host"]["hostname"] == f"pid:{pid}"
    assert snapshot["host"]["os_release"] == "sc container"
    assert _rows(snapshot) == {("tcp", "127.0.0.1", container.info["tcp"], (pid,))}
    assert [(s["name"], s["enabled"], s["location"]["file"]) for s in snapshot["xinetd_services"]] == [
        ("sc-container-svc", True, "/etc/xinetd.conf")]
    statuses = _statuses(snapshot)
    assert statuses["sockets"] == statuses["xinetd"] == statuses["unit-files"] == "ok"
    assert statuses["unit-runtime"] == "unavailable"
    if shutil.which("nft"):  # the container's own ruleset, read inside it although files come from its root
        assert statuses["firewall"] == "ok", snapshot["collectors"]

    baseline = tmp_path / "container.yaml"
    baseline.write_text("version: 1\nname: container\nxinetd:\n  default: deny\n  forbid: [sc-container-svc]\n",
                        encoding="utf-8")
    report = tmp_path / "results.json"
    audit = run_cli("audit", str(baseline), "--netns-pid", str(pid), "--host-name", "container-1",
                    "--json", str(report), "-q")
    assert audit.returncode == 1, audit.stderr
    (host,) = json.loads(report.read_text(encoding="utf-8"))["hosts"]
    assert host["name"] == "container-1"
    failed = [(r["check"], r["resource"]) for r in host["results"] if r["status"] == "fail"]
    # Only the container's /etc/xinetd.conf has this service: the machine's own is not read.
    assert "xinetd-service-forbidden" in [check for check, resource in failed if "sc-container-svc" in resource]


def _audit_errors(done: subprocess.CompletedProcess[str], report: Path) -> list[dict[str, Any]]:
    assert done.returncode == 3, done.stdout + done.stderr
    (host,) = json.loads(report.read_text(encoding="utf-8"))["hosts"]
    runs = host["snapshot"]["collectors"]
    assert all(run["status"] == "failed" for run in runs if run["name"] != "nmap"), runs
    assert not any(result["status"] == "pass" for result in host["results"])
    return runs


def test_missing_namespace_and_exited_process_fail_closed(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait(timeout=10)
    for option, expected in ((("--netns", f"sc-netns-{secrets.token_hex(3)}-missing"), "no network namespace"),
                             (("--netns-pid", str(gone.pid)), f"no process {gone.pid}")):
        report = tmp_path / f"{option[0]}.json"
        runs = _audit_errors(run_cli("audit", *option, "--json", str(report), "-q"), report)
        assert all(expected in run["reason"] for run in runs if run["name"] != "nmap")


def test_unprivileged_user_gets_errors_not_an_empty_view(namespaces: Namespaces, container: Helper,
                                                         nobody: Unprivileged) -> None:
    shared = nobody.world_dir("netns", 0o777)
    for option, reason in ((("--netns", namespaces.names[0]), "CAP_SYS_ADMIN"),
                           (("--netns-pid", str(container.info["pid"])), "ptrace access")):
        report = shared / f"{option[0].strip('-')}.json"
        runs = _audit_errors(nobody.run("audit", *option, "--json", str(report), "-q"), report)
        assert any(reason in (run["reason"] or "") for run in runs), runs


def _collect_in_process_then(monkeypatch: pytest.MonkeyPatch, spec: Any, disturb: Any) -> dict[str, Any]:
    """Collect `spec` in this process, calling `disturb()` once every collector has run."""
    from checker.collect import namespace_host
    from checker.model.serialize import to_data

    collect = namespace_host.collect_inside_evidence

    def collect_then_disturb(*args: Any, **kwargs: Any) -> Any:
        outcome = collect(*args, **kwargs)
        disturb()
        return outcome

    monkeypatch.setattr(namespace_host, "collect_inside_evidence", collect_then_disturb)
    before = os.readlink("/proc/thread-self/ns/net")
    snapshot: dict[str, Any] = to_data(namespace_host.collect_namespace_host(spec))
    assert os.readlink("/proc/thread-self/ns/net") == before  # only the helper thread entered it
    return snapshot


def test_a_namespace_deleted_during_collection_fails_every_collector(namespaces: Namespaces,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.collect.netns import NamespaceSpec

    name = namespaces.names[0]
    snapshot = _collect_in_process_then(monkeypatch, NamespaceSpec(name=name), lambda: _ip("netns", "delete", name))
    assert snapshot["listeners"]  # what was seen is kept, but nothing it proves can pass
    assert {run["status"] for run in snapshot["collectors"]} == {"failed"}
    assert all("deleted during collection" in run["reason"] for run in snapshot["collectors"])


def test_a_process_that_exits_during_collection_fails_every_collector(container: Helper,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.collect.netns import NamespaceSpec

    pid = container.info["pid"]

    def kill() -> None:
        os.kill(pid, 9)
        container.process.wait(timeout=10)  # unshare reaps its child, then exits

    snapshot = _collect_in_process_then(monkeypatch, NamespaceSpec(pid=pid), kill)
    assert {run["status"] for run in snapshot["collectors"]} == {"failed"}
    assert all(f"process {pid} exited during collection" in run["reason"] for run in snapshot["collectors"])

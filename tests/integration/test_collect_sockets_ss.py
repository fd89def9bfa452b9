"""`surfacecheck collect` against `ss -tulnpeH`, row for row, in network namespaces the test creates.

Each case runs a helper (`unshare --net`, so `[::]` wildcard sockets are reachable from nowhere
but the namespace's own loopback) that sets net.ipv6.bindv6only, opens sockets on kernel-chosen
ports and keeps them open: IPv4, IPv6, dual-stack `[::]` (IPV6_V6ONLY=0), v6-only `[::]`
(IPV6_V6ONLY=1), `[::]` with the sysctl's default, UDP over both families, a listening socket
shared by a root parent and a forked child that dropped to `nobody`, and sockets created by
`nobody`. The collector (the real CLI, through `nsenter --net`) and `ss` then describe the same
namespace; rows are compared on protocol, address, port, v6-only (`ss` prints a dual-stack
wildcard as `*:P`, a v6-only one as `[::]:P`) and every pid in `users:(...)`, restricted to the
ports the helper opened.

Regression cases (failed on fc969c9, which inferred dual stack from the sysctl and kept
psutil's one pid per socket, the highest): a v6-only `[::]` socket under bindv6only=0 is not
dual-stack; IPV6_V6ONLY=0 under bindv6only=1 is; the shared socket's owner is the root parent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces and setuid need root"),
    pytest.mark.skipif(not all(shutil.which(tool) for tool in ("ss", "unshare", "nsenter", "ip")),
                       reason="needs iproute2 (ss, ip) and util-linux (unshare, nsenter)"),
]

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534

HELPER = r'''
import json, os, socket, subprocess, sys
bindv6only = sys.argv[1]
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
with open("/proc/sys/net/ipv6/bindv6only", "w") as handle:
    handle.write(bindv6only)
alive_r, alive_w = os.pipe()  # children exit when the parent's end closes
report_r, report_w = os.pipe()
opened, rows = [], []

def open_socket(name, family, kind, address, v6only=None):
    sock = socket.socket(family, kind)
    if v6only is not None:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    sock.bind((address, 0))
    if kind == socket.SOCK_STREAM:
        sock.listen()
    opened.append(sock)
    effective = sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) if family == socket.AF_INET6 else 1
    return sock, {"name": name, "protocol": "tcp" if kind == socket.SOCK_STREAM else "udp",
                  "address": address, "port": sock.getsockname()[1],
                  "dual_stack": address == "::" and effective == 0}

def wait_for_parent():
    os.close(alive_w)
    os.read(alive_r, 1)
    os._exit(0)

shared, shared_row = open_socket("shared", socket.AF_INET, socket.SOCK_STREAM, "127.0.0.2")
shared_child = os.fork()
if shared_child == 0:
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    wait_for_parent()
nobody_child = os.fork()
if nobody_child == 0:
    shared.close()
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    found = [open_socket("nobody-tcp", socket.AF_INET, socket.SOCK_STREAM, "127.0.0.3")[1],
             open_socket("nobody-udp6", socket.AF_INET6, socket.SOCK_DGRAM, "::1")[1]]
    os.write(report_w, json.dumps(found).encode() + b"\n")
    wait_for_parent()
os.close(alive_r)
nobody_rows = json.loads(os.fdopen(report_r).readline())
rows.append(dict(shared_row, pids=sorted([os.getpid(), shared_child]), uid=0))
rows.extend(dict(row, pids=[nobody_child], uid=65534) for row in nobody_rows)
specs = [
    ("tcp4", socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1", None),
    ("tcp6", socket.AF_INET6, socket.SOCK_STREAM, "::1", None),
    ("tcp6-any-dual", socket.AF_INET6, socket.SOCK_STREAM, "::", 0),
    ("tcp6-any-v6only", socket.AF_INET6, socket.SOCK_STREAM, "::", 1),
    ("tcp6-any-default", socket.AF_INET6, socket.SOCK_STREAM, "::", None),
    ("udp4", socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1", None),
    ("udp6", socket.AF_INET6, socket.SOCK_DGRAM, "::1", None),
    ("udp6-any-dual", socket.AF_INET6, socket.SOCK_DGRAM, "::", 0),
    ("udp6-any-v6only", socket.AF_INET6, socket.SOCK_DGRAM, "::", 1),
]
for spec in specs:
    rows.append(dict(open_socket(*spec)[1], pids=[os.getpid()], uid=0))
print(json.dumps({"pid": os.getpid(), "shared_child": shared_child, "nobody_child": nobody_child,
                  "rows": rows}), flush=True)
sys.stdin.read()
'''

Row = tuple[str, str, int, bool, tuple[int, ...]]
"""protocol, address, port, dual-stack, every holding pid (sorted)."""


@dataclass(frozen=True)
class Namespace:
    bindv6only: int
    helper: dict[str, Any]
    snapshot: dict[str, Any]
    ss_text: str

    @property
    def ports(self) -> set[int]:
        return {row["port"] for row in self.helper["rows"]}

    def expected(self) -> set[Row]:
        return {(row["protocol"], row["address"], row["port"], row["dual_stack"], tuple(row["pids"]))
                for row in self.helper["rows"]}

    def collected(self) -> set[Row]:
        return {row for row in map(collected_row, self.snapshot["listeners"]) if row[2] in self.ports}

    def listener(self, name: str) -> dict[str, Any]:
        row = next(row for row in self.helper["rows"] if row["name"] == name)
        (found,) = [item for item in self.snapshot["listeners"]
                    if (item["protocol"], item["address"], item["port"]) == (row["protocol"], row["address"], row["port"])]
        return dict(found)


def collected_row(listener: dict[str, Any]) -> Row:
    # Snapshots before `pids` existed carried only the owner pid.
    pids = listener.get("pids") or ([listener["pid"]] if listener["pid"] is not None else [])
    return (listener["protocol"], listener["address"], listener["port"], listener["dual_stack"], tuple(pids))


def parse_ss(text: str) -> set[Row]:
    """`ss -tulnpeH` lines -> rows. `*:P` is a dual-stack wildcard, `[::]:P` a v6-only one."""
    rows: set[Row] = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        host, _, port = fields[4].rpartition(":")
        dual_stack = host == "*"
        address = "::" if dual_stack else host.strip("[]").split("%", 1)[0]
        v6only = re.search(r"\bv6only:(\d)", line)
        if address == "::":  # the printed form and the v6only field must agree
            assert v6only is not None and (v6only.group(1) == "0") == dual_stack, line
        pids = tuple(sorted({int(pid) for pid in re.findall(r"pid=(\d+)", line)}))
        rows.add((fields[0], address, int(port), dual_stack, pids))
    return rows


def in_namespace(pid: int, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", "--", *argv], capture_output=True,
                          text=True, timeout=120, check=False, env=env, cwd="/")


@pytest.fixture(scope="module", params=[0, 1], ids=["bindv6only=0", "bindv6only=1"])
def namespace(request: pytest.FixtureRequest) -> Iterator[Namespace]:
    helper = subprocess.Popen(["unshare", "--net", "--", sys.executable, "-c", HELPER, str(request.param)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert helper.stdout is not None
        line = helper.stdout.readline()
        assert line, "the socket helper failed to start"
        described = json.loads(line)
        collect = in_namespace(described["pid"], sys.executable, "-m", "checker", "collect", "-q", "-o", "-")
        assert collect.returncode == 0, collect.stderr
        ss = in_namespace(described["pid"], "ss", "-tulnpeH")
        assert ss.returncode == 0, ss.stderr
        yield Namespace(request.param, described, json.loads(collect.stdout), ss.stdout)
    finally:
        helper.communicate(timeout=30)  # closes stdin: the helper and its children exit


def test_collect_equals_ss_row_for_row(namespace: Namespace) -> None:
    from_ss = {row for row in parse_ss(namespace.ss_text) if row[2] in namespace.ports}
    collected = namespace.collected()
    assert collected == from_ss, f"only ours: {collected - from_ss}; only ss: {from_ss - collected}"
    assert collected == namespace.expected()


def test_dual_stack_is_the_sockets_own_flag_not_the_sysctl(namespace: Namespace) -> None:
    for name in ("tcp6-any-dual", "udp6-any-dual"):
        assert namespace.listener(name)["dual_stack"] is True, name
    for name in ("tcp6-any-v6only", "udp6-any-v6only", "tcp6", "udp6"):
        assert namespace.listener(name)["dual_stack"] is False, name
    # A socket that never set IPV6_V6ONLY inherits the sysctl when it is created.
    assert namespace.listener("tcp6-any-default")["dual_stack"] is (namespace.bindv6only == 0)


def test_a_shared_socket_is_owned_by_the_root_parent(namespace: Namespace) -> None:
    parent, child = namespace.helper["pid"], namespace.helper["shared_child"]
    shared = namespace.listener("shared")
    assert (shared["pid"], shared["user"]) == (min(parent, child), "root" if parent < child else "nobody")
    assert shared.get("pids") == sorted([parent, child])
    assert shared.get("socket_uid") == 0


def test_an_unprivileged_users_sockets(namespace: Namespace) -> None:
    for name in ("nobody-tcp", "nobody-udp6"):
        found = namespace.listener(name)
        assert (found["pid"], found["user"], found.get("socket_uid")) == (
            namespace.helper["nobody_child"], "nobody", NOBODY), name

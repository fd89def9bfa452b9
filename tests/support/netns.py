"""Network namespaces for the firewall tests: a server and a client joined by a veth pair.

Network safety: the two addresses (198.18.0.2 server, 198.18.0.1 client, from the benchmarking
range 198.18.0.0/15) exist only inside the namespaces this module creates; nothing is routed
out of them, and every namespace is deleted when the context ends (also on failure). Names
carry a random part (`sc-fw-<rand>-srv/-cli`) so parallel runs never collide.

Rulesets are loaded with the real programs (`nft -f`, `iptables-legacy-restore`), and the
saved forms the unit tests read (`nft -j list ruleset`, `iptables-legacy-save`) come from them.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SERVER_ADDRESS = "198.18.0.2"
CLIENT_ADDRESS = "198.18.0.1"
TIMEOUT = 30


def run(argv: Sequence[str], *, stdin: str | None = None, check: bool = True,
        timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: exit {result.returncode}: {result.stderr.strip()}\n{stdin or ''}")
    return result


@dataclass(frozen=True)
class NamespacePair:
    server: str
    client: str

    def in_server(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.server, *argv]

    def in_client(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.client, *argv]

    def load_nft(self, ruleset: str) -> None:
        """Replace the server's whole nftables ruleset (and empty its legacy tables)."""
        run(self.in_server("nft", "-f", "-"), stdin="flush ruleset\n" + ruleset)

    def load_iptables(self, save_text: str, *, ipv6: bool = False) -> None:
        """Replace the server's legacy tables with `iptables-legacy-save` text."""
        run(self.in_server("ip6tables-legacy-restore" if ipv6 else "iptables-legacy-restore"), stdin=save_text)

    def nft_json(self) -> str:
        return run(self.in_server("nft", "-j", "list", "ruleset")).stdout

    def iptables_save(self, *, ipv6: bool = False) -> str:
        return run(self.in_server("ip6tables-legacy-save" if ipv6 else "iptables-legacy-save")).stdout

    def reset_firewall(self) -> None:
        run(self.in_server("nft", "flush", "ruleset"))
        for program in ("iptables-legacy", "ip6tables-legacy"):
            for table in ("filter", "nat", "mangle", "raw"):
                run(self.in_server(program, "-t", table, "-F"), check=False)
                run(self.in_server(program, "-t", table, "-X"), check=False)
            for chain in ("INPUT", "FORWARD", "OUTPUT"):
                run(self.in_server(program, "-P", chain, "ACCEPT"), check=False)


@contextlib.contextmanager
def namespace_pair() -> Iterator[NamespacePair]:
    """Two fresh namespaces joined by a veth pair; both deleted at the end, whatever happens."""
    prefix = f"sc-fw-{secrets.token_hex(3)}"
    pair = NamespacePair(f"{prefix}-srv", f"{prefix}-cli")
    created: list[str] = []
    try:
        for name in (pair.server, pair.client):
            run(["ip", "netns", "add", name])
            created.append(name)
        veth_srv, veth_cli = f"{prefix[-6:]}s", f"{prefix[-6:]}c"
        run(["ip", "link", "add", veth_srv, "netns", pair.server, "type", "veth", "peer", "name", veth_cli,
             "netns", pair.client])
        for ns, dev, address in ((pair.server, veth_srv, SERVER_ADDRESS), (pair.client, veth_cli, CLIENT_ADDRESS)):
            run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        yield pair
    finally:
        for name in created:
            run(["ip", "netns", "delete", name], check=False)


_LISTEN = """
import socket, sys, time
sockets = []
for kind in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    if kind == "tcp":
        s.listen(64)
    sockets.append(s)
print(" ".join(str(s.getsockname()[1]) for s in sockets), flush=True)
time.sleep(600)
"""


@contextlib.contextmanager
def server_listeners(pair: NamespacePair, count: int) -> Iterator[list[int]]:
    """`count` TCP listeners on 0.0.0.0 in the server namespace, ports allocated by binding 0."""
    process = subprocess.Popen(pair.in_server(sys.executable, "-c", _LISTEN, *["tcp"] * count),
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ports = [int(p) for p in process.stdout.readline().split()]
        assert len(ports) == count, "the listener process did not start"
        yield ports
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)


_CONNECT = """
import concurrent.futures, json, socket, sys
def attempt(port):
    s = socket.socket()
    s.settimeout(float(sys.argv[2]))
    try:
        s.connect((sys.argv[1], port))
        return "accept"
    except ConnectionRefusedError:
        return "reject"
    except (TimeoutError, socket.timeout):
        return "drop"
    except OSError as exc:
        return "reject" if exc.errno in (111, 113) else f"error {exc.errno}"
    finally:
        s.close()
ports = [int(p) for p in sys.argv[3:]]
with concurrent.futures.ThreadPoolExecutor(len(ports)) as pool:
    print(json.dumps(dict(zip(map(str, ports), pool.map(attempt, ports)))))
"""


def connect_outcomes(pair: NamespacePair, ports: Sequence[int], timeout: float = 1.0) -> dict[int, str]:
    """What a real TCP connection from the client sees per port: accept, reject (refused) or drop (timeout)."""
    result = run(pair.in_client(sys.executable, "-c", _CONNECT, SERVER_ADDRESS, str(timeout), *map(str, ports)))
    return {int(port): outcome for port, outcome in json.loads(result.stdout).items()}


FIREWALL_ASSETS = "tests/assets/firewall"
"""Ruleset sources (`*.nft`, `*.iptables`, `*.ip6tables`) and their saved forms (`.json`, `.save`)."""


def saved_form(pair: NamespacePair, source_name: str, text: str) -> str:
    """Load one ruleset source in the server namespace and read it back as the collector does."""
    pair.reset_firewall()
    if source_name.endswith(".nft"):
        pair.load_nft(text)
        # counters count whatever the veth pair carried (IPv6 neighbour discovery...): not the ruleset
        return re.sub(r'"counter": \{"packets": \d+, "bytes": \d+\}', '"counter": {"packets": 0, "bytes": 0}',
                      pair.nft_json())
    ipv6 = source_name.endswith(".ip6tables")
    pair.load_iptables(text, ipv6=ipv6)
    # the "# Generated/Completed ... on <date>" lines and the chains' packet counters
    # ([packets:bytes]) would make every regeneration differ
    return "".join(re.sub(r"\[\d+:\d+\]$", "[0:0]", line) + "\n" for line in pair.iptables_save(ipv6=ipv6).splitlines()
                   if not line.startswith("# Completed") and not line.startswith("# Generated"))


def saved_name(source_name: str) -> str:
    return source_name + (".json" if source_name.endswith(".nft") else ".save")


def regenerate_firewall_assets() -> None:
    """`python3 -m support.netns` (as root, from tests/): rewrite every saved form."""
    from pathlib import Path

    from support import REPO_ROOT

    directory = REPO_ROOT / FIREWALL_ASSETS
    with namespace_pair() as pair:
        for source in sorted(directory.iterdir()):
            if source.suffix in (".nft", ".iptables", ".ip6tables"):
                Path(directory / saved_name(source.name)).write_text(saved_form(pair, source.name, source.read_text()))


if __name__ == "__main__":
    regenerate_firewall_assets()

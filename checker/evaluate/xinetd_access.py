"""Which clients an xinetd `only_from` list admits, as xinetd 2.3.15.3 matches it. Pure.

What it is for: `only_from: required` means access is *restricted*, so a list that admits
every client of an address family is no restriction (checker/evaluate/xinetd.py fails it).
The semantics were measured on the real binary (clients on 127.0.0.1 and ::1 against
`only_from = X` in a private network namespace; docs/evaluation.md "what proves what"):

* a numeric IPv4 address without a prefix has its trailing zero octets as wildcards
  (addr.c, and the man page): `0.0.0.0` (and `0`, `0.0`, `0x0`, `00.00.00.00`, which the
  collector already wrote as `0.0.0.0`, as xinetd reads them) admits every IPv4 client, `127.0.0.0` is 127.0.0.0/8;
* `ADDRESS/PREFIX` and `ADDRESS/MASK` are networks: `0.0.0.0/0` and any IPv4 `X/0` admit
  every IPv4 client, `::/0` every client of both families (IPv4 clients of a dual-stack
  socket arrive as `::ffff:a.b.c.d`, so `::ffff:0.0.0.0/96` and `::/1` admit every IPv4 client);
* a numeric IPv6 address without a prefix is that one address: `::` admits nobody;
* `0.0.0.0/32` is that one address; host, domain and network names and factorized
  `a.b.c.{x,y}` entries name specific clients (xinetd does not read /etc/networks for them).

Several entries together can admit everyone (`0.0.0.0/1 128.0.0.0/1`): the union counts.
Must not do I/O or resolve names.
"""

from __future__ import annotations

import ipaddress
import re

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

EVERY_IPV4 = ipaddress.IPv4Network("0.0.0.0/0")
EVERY_IPV6 = ipaddress.IPv6Network("::/0")
_MAPPED_IPV4 = ipaddress.IPv6Network("::ffff:0:0/96")
_DOTTED_QUAD = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def xinetd_network(entry: str) -> Network | None:
    """The addresses one `only_from` entry matches, None for names and factorized entries."""
    text = entry.strip()
    if "/" not in text and _DOTTED_QUAD.fullmatch(text):
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            return None
        octets = address.packed
        wildcard = len(octets) - len(octets.rstrip(b"\0"))
        return ipaddress.IPv4Network((address, 32 - 8 * wildcard))
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _ipv4_part(network: ipaddress.IPv6Network) -> ipaddress.IPv4Network | None:
    """The IPv4 clients an IPv6 network admits through IPv4-mapped addresses."""
    if network.supernet_of(_MAPPED_IPV4):
        return EVERY_IPV4
    if network.subnet_of(_MAPPED_IPV4):
        mapped = network.network_address.ipv4_mapped
        return ipaddress.IPv4Network((mapped, network.prefixlen - 96)) if mapped is not None else None
    return None


def admits_every_client(entries: tuple[str, ...] | list[str]) -> str | None:
    """The families an `only_from` list admits every client of (`IPv4`, `IPv4 and IPv6`), None if none."""
    ipv4: list[ipaddress.IPv4Network] = []
    ipv6: list[ipaddress.IPv6Network] = []
    for entry in entries:
        network = xinetd_network(entry)
        if isinstance(network, ipaddress.IPv4Network):
            ipv4.append(network)
        elif isinstance(network, ipaddress.IPv6Network):
            ipv6.append(network)
            mapped = _ipv4_part(network)
            if mapped is not None:
                ipv4.append(mapped)
    if EVERY_IPV6 in ipaddress.collapse_addresses(ipv6):
        return "IPv4 and IPv6"  # ::/0 holds the IPv4-mapped clients too
    if EVERY_IPV4 in ipaddress.collapse_addresses(ipv4):
        return "IPv4"
    return None

"""IP address reading shared by every stage: what an address string from a socket, a scan or a
baseline means. Pure functions on strings; must not resolve names or touch the network.

One reading for everyone: a zone (`fe80::1%eth0`) is ignored, brackets (`[::1]`) are
dropped, and an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is the IPv4 address, so the
collector joining scans, the evaluator and `learn` agree on which addresses are loopback.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a socket, scan or baseline string; None when it is not one."""
    value = text.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    value = value.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback(text: str) -> bool:
    """Whether the string is a loopback address (127.0.0.0/8 or ::1, also mapped or zoned)."""
    address = parse_address(text)
    return address is not None and address.is_loopback


def host_sort_key(name: str) -> tuple[int, int, int, str]:
    """The natural order of host names in every report: IPv4 addresses numerically
    (127.0.0.2 before 127.0.0.10), then IPv6 numerically, then names alphabetically."""
    address = parse_address(name)
    if address is None:
        return (2, 0, 0, name)
    return (0 if address.version == 4 else 1, int(address), 0, name)

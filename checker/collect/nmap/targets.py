"""Scan targets: validate what the user wrote before anything reaches nmap.

A target is an IPv4 or IPv6 address, a hostname, a CIDR (`127.0.0.0/29`, `::1/128`) or an
nmap-style IPv4 octet range (`127.0.0.2-5`, `10.0-1.0.1-9`). Everything else is refused
with a `TargetError` (exit 2) that names the target: a leading `-` (it would be read as an
nmap option), whitespace, shell or nmap metacharacters (`;`, `$`, `*`, `,`, quotes...),
NUL, and networks larger than /16 (IPv4) or /112 (IPv6), i.e. more than 65,536 addresses,
unless `--allow-large-scan`.

This module is pure: it never resolves a name and never touches the network. It must not
accept anything it cannot classify: a string that is not provably an address, network,
range or RFC 1123 hostname is an error, so the argument builder never has to escape.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from checker.errors import TargetError

LARGE_SCAN_ADDRESSES = 65_536
"""More addresses than this (a /16 of IPv4, a /112 of IPv6) needs --allow-large-scan."""

_MAX_LENGTH = 253
_ALLOWED = re.compile(r"[A-Za-z0-9.:/-]+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_OCTET_RANGE = re.compile(r"(\d{1,3})(?:-(\d{1,3}))?")


class TargetKind(enum.StrEnum):
    ADDRESS = "address"
    HOSTNAME = "hostname"
    NETWORK = "network"
    """A CIDR."""
    RANGE = "range"
    """An nmap octet range such as 127.0.0.2-5."""


@dataclass(frozen=True)
class Target:
    """One validated scan target."""

    spec: str
    """The target as handed to nmap (addresses and networks in canonical form)."""
    kind: TargetKind
    family: str
    """`ipv4` or `ipv6` (hostnames: `ipv4`, the family nmap resolves them in without -6)."""
    size: int
    """Number of addresses it covers (1 for an address or hostname)."""

    @property
    def explicit(self) -> bool:
        """A single named host (address or hostname), scanned even if it ignores pings."""
        return self.kind in (TargetKind.ADDRESS, TargetKind.HOSTNAME)

    def addresses(self) -> Iterator[str]:
        """Every address the target covers; nothing for a hostname (this module never resolves)."""
        if self.kind is TargetKind.ADDRESS:
            yield self.spec
        elif self.kind is TargetKind.NETWORK:
            network = ipaddress.ip_network(self.spec)
            if network.num_addresses == 1:
                yield str(network.network_address)
            else:
                yield from (str(a) for a in network)
        elif self.kind is TargetKind.RANGE:
            yield from _range_addresses(self.spec)

    def __contains__(self, address: object) -> bool:
        """Whether `address` (a string) is covered by this target (hostnames: by name)."""
        if not isinstance(address, str):
            return False
        if self.kind is TargetKind.HOSTNAME:
            return address.rstrip(".").lower() == self.spec.rstrip(".").lower()
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if self.kind is TargetKind.ADDRESS:
            return ip == ipaddress.ip_address(self.spec)
        if self.kind is TargetKind.NETWORK:
            return ip in ipaddress.ip_network(self.spec)
        if ip.version != 4:
            return False
        octets = str(ip).split(".")
        return all(low <= int(octet) <= high
                   for octet, (low, high) in zip(octets, _range_octets(self.spec), strict=True))


def _fail(text: str, reason: str) -> TargetError:
    return TargetError(f"target {text!r}: {reason}")


def _range_octets(spec: str) -> list[tuple[int, int]]:
    octets = []
    for part in spec.split("."):
        match = _OCTET_RANGE.fullmatch(part)
        if match is None:
            raise ValueError(part)
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        octets.append((low, high))
    return octets


def _range_addresses(spec: str) -> Iterator[str]:
    (a1, a2), (b1, b2), (c1, c2), (d1, d2) = _range_octets(spec)
    for a in range(a1, a2 + 1):
        for b in range(b1, b2 + 1):
            for c in range(c1, c2 + 1):
                for d in range(d1, d2 + 1):
                    yield f"{a}.{b}.{c}.{d}"


def parse_target(text: str, *, allow_large_scan: bool = False) -> Target:
    """Validate and classify one target; raise `TargetError` naming it when unusable."""
    if not isinstance(text, str):
        raise TargetError(f"target {text!r}: not a string")
    if not text:
        raise _fail(text, "empty")
    if len(text) > _MAX_LENGTH:
        raise _fail(text[:40] + "...", f"longer than {_MAX_LENGTH} characters")
    if text.startswith("-"):
        raise _fail(text, "starts with '-' (would be read as an nmap option)")
    if not _ALLOWED.fullmatch(text):
        bad = next(c for c in text if not _ALLOWED.fullmatch(c))
        what = "whitespace" if bad.isspace() else "a control character" if not bad.isprintable() else repr(bad)
        raise _fail(text, f"contains {what}; only letters, digits, '.', ':', '/' and '-' are allowed")

    if "/" in text:
        return _parse_network(text, allow_large_scan)
    if ":" in text:
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise _fail(text, "not a valid IPv6 address") from None
        return Target(str(address), TargetKind.ADDRESS, "ipv6", 1)
    labels = text.rstrip(".").split(".")
    if all(re.fullmatch(r"[\d-]+", label) for label in labels):
        return _parse_ipv4_or_range(text, allow_large_scan)
    if not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise _fail(text, "not an IP address, CIDR, range (127.0.0.2-5) or valid hostname")
    if _is_numeric_for_resolver(text):
        # getaddrinfo (so nmap) reads 0x7f000001 or 0x7f.0x1 as 127.0.0.1 without any lookup:
        # an address disguised as a hostname, which would be named, counted and joined as one.
        raise _fail(text, "a hexadecimal/octal IPv4 address; write it in dotted decimal (e.g. 127.0.0.1)")
    return Target(text, TargetKind.HOSTNAME, "ipv4", 1)


def _is_numeric_for_resolver(text: str) -> bool:
    """What inet_aton(3) accepts: 1 to 4 parts, each decimal, octal (0...) or hex (0x...)."""
    parts = text.split(".")
    return 1 <= len(parts) <= 4 and all(re.fullmatch(r"0[xX][0-9A-Fa-f]*|\d+", part) for part in parts)


def _parse_network(text: str, allow_large_scan: bool) -> Target:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _fail(text, "not a valid CIDR") from None
    family = f"ipv{network.version}"
    if network.num_addresses > LARGE_SCAN_ADDRESSES and not allow_large_scan:
        limit = "/16" if network.version == 4 else "/112"
        raise _fail(text, f"larger than {limit} ({network.num_addresses} addresses); "
                          "pass --allow-large-scan to scan it")
    return Target(str(network), TargetKind.NETWORK, family, network.num_addresses)


def _parse_ipv4_or_range(text: str, allow_large_scan: bool) -> Target:
    if "-" not in text:
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            raise _fail(text, "not a valid IPv4 address") from None
        return Target(str(address), TargetKind.ADDRESS, "ipv4", 1)
    try:
        octets = _range_octets(text)
    except ValueError:
        raise _fail(text, "not a valid IPv4 range (expected e.g. 127.0.0.2-5)") from None
    if len(octets) != 4:
        raise _fail(text, "an IPv4 range needs four octets (e.g. 127.0.0.2-5)")
    size = 1
    for low, high in octets:
        if not 0 <= low <= high <= 255:
            raise _fail(text, "octet ranges must be 0-255 and ascending")
        size *= high - low + 1
    if size > LARGE_SCAN_ADDRESSES and not allow_large_scan:
        raise _fail(text, f"covers {size} addresses (more than a /16); pass --allow-large-scan to scan it")
    # Canonical spelling: no leading zeros (nmap would read 010 as decimal 10, others as octal).
    spec = ".".join(str(low) if low == high else f"{low}-{high}" for low, high in octets)
    return Target(spec, TargetKind.RANGE, "ipv4", size)


def parse_targets(texts: Iterable[str], *, allow_large_scan: bool = False) -> tuple[Target, ...]:
    """Validate every target (all of them, before anything runs); duplicates are dropped."""
    targets: dict[str, Target] = {}
    for text in texts:
        target = parse_target(text, allow_large_scan=allow_large_scan)
        targets.setdefault(target.spec, target)
    return tuple(targets.values())

"""Bind-address semantics of `ports.allow[].bind`: which addresses a listener really uses.

Pure functions on strings, used by `checker.evaluate.ports`. Must not resolve names or
touch the network.

The rules (../shared/DESIGN.md section 4), pinned down by tests/unit/evaluate/test_addresses.py:

* A listener is bound to a set of *faces*: `127.0.0.1` -> {127.0.0.1}; `0.0.0.0` -> {all
  IPv4}; `::` -> {all IPv6}; a dual-stack `::` (IPV6_V6ONLY=0) -> {all IPv6, all IPv4};
  `*` (as `ss` prints an unknown wildcard) -> {all IPv6, all IPv4}. An IPv4-mapped IPv6
  address (`::ffff:10.0.0.1`) is the IPv4 address; a zone (`fe80::1%eth0`) is ignored.
* A `bind` entry allows faces: `any` = both wildcards (0.0.0.0 and ::); `0.0.0.0` = the
  IPv4 wildcard; `::` = the IPv6 wildcard; `loopback` = any address in 127.0.0.0/8 or ::1;
  an IP = that address; a CIDR = the specific addresses inside it. A wildcard face ("all
  interfaces") is only allowed by `any`, `0.0.0.0` or `::` (never by a CIDR such as
  0.0.0.0/0, never by `loopback`).
* A listener satisfies a `bind` list when *every* face is allowed by some entry. So a
  dual-stack `::` listener needs `any`, or both `0.0.0.0` and `::`: it counts as an IPv4
  `0.0.0.0` listener too, which is exactly what an admin who wrote `bind: ["::"]` missed.
"""

from __future__ import annotations

import ipaddress

from checker.model.addresses import IPAddress, parse_address

IPV4_ANY = ipaddress.IPv4Address("0.0.0.0")
IPV6_ANY = ipaddress.IPv6Address("::")


def listener_faces(address: str, *, dual_stack: bool = False) -> frozenset[IPAddress] | None:
    """The addresses a socket bound to `address` accepts on; None when unparsable."""
    if address.strip() in ("*", ""):
        return frozenset({IPV4_ANY, IPV6_ANY})
    parsed = parse_address(address)
    if parsed is None:
        return None
    if parsed == IPV6_ANY and dual_stack:
        return frozenset({IPV6_ANY, IPV4_ANY})
    return frozenset({parsed})


def bind_entry_allows(entry: str, face: IPAddress) -> bool:
    """Whether one `bind` entry (`loopback`, `any`, IP, CIDR) allows one listener face."""
    word = entry.strip().lower()
    if word == "any":
        return face.is_unspecified
    if word == "loopback":
        return face.is_loopback and not face.is_unspecified
    address = parse_address(word)
    if address is not None:
        return face == address
    try:
        network = ipaddress.ip_network(word.strip("[]"), strict=False)
    except ValueError:
        return False  # not an address: the baseline validator reports it; never a match
    if face.is_unspecified or face.version != network.version:
        return False
    return face in network


def bind_allows(bind: tuple[str, ...], address: str, *, dual_stack: bool = False) -> bool | None:
    """Whether a listener on `address` satisfies the `bind` list (None: unparsable address)."""
    faces = listener_faces(address, dual_stack=dual_stack)
    if faces is None:
        return None
    return all(any(bind_entry_allows(entry, face) for entry in bind) for face in faces)


def describe_faces(address: str, *, dual_stack: bool = False) -> list[str]:
    """Human-readable faces for evidence: `0.0.0.0 (all IPv4)`, `:: (all IPv6)`, `127.0.0.1`."""
    faces = listener_faces(address, dual_stack=dual_stack)
    if faces is None:
        return [address]
    names = []
    for face in sorted(faces, key=lambda f: (f.version, int(f))):
        if face == IPV4_ANY:
            names.append("0.0.0.0 (all IPv4 interfaces)")
        elif face == IPV6_ANY:
            names.append(":: (all IPv6 interfaces)")
        else:
            names.append(str(face))
    return names

"""Bind-address semantics (checker.evaluate.addresses)."""

from __future__ import annotations

import pytest

from checker.evaluate.addresses import bind_allows, describe_faces
from checker.model.addresses import parse_address


@pytest.mark.parametrize(("bind", "address", "dual", "allowed"), [
    (("loopback",), "127.0.0.1", False, True),
    (("loopback",), "127.8.9.10", False, True),
    (("loopback",), "::1", False, True),
    (("loopback",), "0.0.0.0", False, False),
    (("loopback",), "10.0.0.1", False, False),
    (("any",), "0.0.0.0", False, True),
    (("any",), "::", True, True),
    (("any",), "10.0.0.1", False, False),
    (("0.0.0.0",), "0.0.0.0", False, True),
    (("0.0.0.0",), "::", False, False),
    (("0.0.0.0",), "::", True, False),     # dual-stack: all IPv6 too
    (("::",), "::", False, True),
    (("::",), "::", True, False),          # dual-stack: counts as 0.0.0.0 too
    (("0.0.0.0", "::"), "::", True, True),
    (("0.0.0.0/0",), "0.0.0.0", False, False),  # a CIDR never allows "all interfaces"
    (("10.0.0.0/8",), "10.2.3.4", False, True),
    (("10.0.0.0/8",), "::ffff:10.2.3.4", False, True),  # IPv4-mapped counts as IPv4
    (("fe80::/10",), "fe80::1%eth0", False, True),
    (("192.0.2.1",), "192.0.2.1", False, True),
    (("192.0.2.1",), "192.0.2.2", False, False),
    (("loopback", "192.0.2.1"), "192.0.2.1", False, True),
    (("any",), "*", False, True),
    (("0.0.0.0",), "*", False, False),
])
def test_bind_allows(bind: tuple[str, ...], address: str, dual: bool, allowed: bool) -> None:
    assert bind_allows(bind, address, dual_stack=dual) is allowed


def test_unreadable_address_is_none() -> None:
    assert bind_allows(("any",), "not-an-ip") is None
    assert parse_address("[::1]") is not None


def test_describe_faces() -> None:
    assert describe_faces("::", dual_stack=True) == ["0.0.0.0 (all IPv4 interfaces)", ":: (all IPv6 interfaces)"]

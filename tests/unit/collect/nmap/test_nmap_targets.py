"""Target validation: what may reach nmap as a target, and what is refused (exit 2, named)."""

from __future__ import annotations

import pytest

from checker.collect.nmap.targets import Target, TargetKind, parse_target, parse_targets
from checker.errors import ExitCode, TargetError


@pytest.mark.parametrize("text, spec, kind, family, size", [
    ("127.0.0.2", "127.0.0.2", TargetKind.ADDRESS, "ipv4", 1),
    ("::1", "::1", TargetKind.ADDRESS, "ipv6", 1),
    ("0:0:0:0:0:0:0:1", "::1", TargetKind.ADDRESS, "ipv6", 1),
    ("localhost", "localhost", TargetKind.HOSTNAME, "ipv4", 1),
    ("web-1.example.internal", "web-1.example.internal", TargetKind.HOSTNAME, "ipv4", 1),
    ("web-1.example.internal.", "web-1.example.internal.", TargetKind.HOSTNAME, "ipv4", 1),
    ("0xdb.example", "0xdb.example", TargetKind.HOSTNAME, "ipv4", 1),
    ("cafe0x1", "cafe0x1", TargetKind.HOSTNAME, "ipv4", 1),
    ("127.0.0.0/30", "127.0.0.0/30", TargetKind.NETWORK, "ipv4", 4),
    ("127.0.0.5/30", "127.0.0.4/30", TargetKind.NETWORK, "ipv4", 4),
    ("::1/128", "::1/128", TargetKind.NETWORK, "ipv6", 1),
    ("10.0.0.0/16", "10.0.0.0/16", TargetKind.NETWORK, "ipv4", 65536),
    ("fd00::/112", "fd00::/112", TargetKind.NETWORK, "ipv6", 65536),
    ("127.0.0.2-5", "127.0.0.2-5", TargetKind.RANGE, "ipv4", 4),
    ("127.0.1-2.2-5", "127.0.1-2.2-5", TargetKind.RANGE, "ipv4", 8),
])
def test_valid_targets(text: str, spec: str, kind: TargetKind, family: str, size: int) -> None:
    assert parse_target(text) == Target(spec, kind, family, size)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("-sV", "starts with '-'"),
    ("--script=http-exec", "starts with '-'"),
    ("-oN /tmp/x", "starts with '-'"),
    ("-iL /etc/shadow", "starts with '-'"),
    ("127.0.0.2 -oN /tmp/x", "whitespace"),
    ("127.0.0.2\n-oN", "whitespace"),
    ("127.0.0.2\t", "whitespace"),
    ("127.0.0.2\x00", "control character"),
    ("127.0.0.2;id", "';'"),
    ("$(id)", "'$'"),
    ("`id`", "'`'"),
    ("127.0.0.2|cat", "'|'"),
    ("127.0.0.2&", "'&'"),
    ("127.0.0.*", "'*'"),
    ("127.0.0.2,3", "','"),
    ("host'", '"\'"'),
    ("a>b", "'>'"),
    ("127.0.0.256", "not a valid IPv4 address"),
    ("127.0.0.02", "not a valid IPv4 address"),
    ("127.0.0.5-2", "ascending"),
    ("127.0.0.2-300", "0-255"),
    ("127.0.2-5", "four octets"),
    ("127.0.0.0/33", "not a valid CIDR"),
    ("::g", "not a valid IPv6 address"),
    ("10.0.0.0/15", "--allow-large-scan"),
    ("fd00::/111", "--allow-large-scan"),
    ("10.0-1.0-255.0-255", "--allow-large-scan"),
    ("host..name", "valid hostname"),
    ("-host", "starts with '-'"),
    ("host-.example", "valid hostname"),
    ("a" * 300, "longer than"),
    ("ex\u00e4mple.com", "letters, digits"),
    # getaddrinfo reads these as 127.0.0.1 without a lookup: addresses posing as hostnames.
    ("0x7f000001", "hexadecimal/octal IPv4 address"),
    ("0x7f.0x1", "hexadecimal/octal IPv4 address"),
    ("0X7F.0.0.0x1", "hexadecimal/octal IPv4 address"),
])
def test_bad_targets_are_refused_naming_them(text: str, reason: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_target(text)
    message = str(info.value)
    assert message.startswith("target ") and reason in message
    assert info.value.exit_code == ExitCode.INPUT_ERROR
    assert "\n" not in message and "\x00" not in message


def test_large_networks_pass_with_allow_large_scan() -> None:
    assert parse_target("10.0.0.0/8", allow_large_scan=True).size == 2**24
    assert parse_target("fd00::/64", allow_large_scan=True).family == "ipv6"


def test_non_strings_are_refused() -> None:
    with pytest.raises(TargetError):
        parse_target(None)  # type: ignore[arg-type]


def test_parse_targets_validates_all_and_dedupes() -> None:
    targets = parse_targets(["127.0.0.2", "127.0.0.2", "::1"])
    assert [t.spec for t in targets] == ["127.0.0.2", "::1"]
    with pytest.raises(TargetError, match="';'"):
        parse_targets(["127.0.0.2", "127.0.0.3;id"])


def test_addresses_and_membership() -> None:
    assert list(parse_target("127.0.0.2-5").addresses()) == ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
    assert list(parse_target("127.0.0.4/31").addresses()) == ["127.0.0.4", "127.0.0.5"]
    assert list(parse_target("::1/128").addresses()) == ["::1"]
    assert list(parse_target("localhost").addresses()) == []
    assert "127.0.0.3" in parse_target("127.0.0.2-5")
    assert "127.0.0.6" not in parse_target("127.0.0.2-5")
    assert "127.0.0.5" in parse_target("127.0.0.4/30")
    assert "LOCALHOST" in parse_target("localhost")
    assert "::1" in parse_target("0::1")
    assert parse_target("127.0.0.2").explicit and not parse_target("127.0.0.2-3").explicit

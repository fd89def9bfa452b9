"""The sock_diag wire parser on netlink messages built here with `struct` (no kernel needed):
inet_diag_msg fields, the INET_DIAG_SKV6ONLY attribute, multipart datagrams, NLMSG_DONE,
NLMSG_ERROR, foreign sequence numbers, interrupted dumps and malformed lengths."""

from __future__ import annotations

import errno
import socket
import struct

import pytest

from checker.collect.sock_diag import (
    ALL_TCP_STATES,
    INET_DIAG_SKV6ONLY,
    NLM_F_DUMP,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    SOCK_DIAG_BY_FAMILY,
    SockDiagError,
    build_request,
    parse_datagram,
    parse_diag_msg,
)

TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
SEQ = 7


def pad4(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def attribute(kind: int, value: bytes) -> bytes:
    return pad4(struct.pack("=HH", 4 + len(value), kind) + value)


def diag_msg(family: int, state: int, address: str, port: int, inode: int, uid: int,
             attributes: bytes = b"") -> bytes:
    packed = socket.inet_pton(family, address).ljust(16, b"\0")
    sockid = struct.pack("!HH", port, 0) + packed + bytes(16) + struct.pack("=I", 0) + bytes(8)
    return struct.pack("=BBBB", family, state, 0, 0) + sockid + struct.pack("=IIIII", 0, 0, 0, uid, inode) + attributes


def message(kind: int, payload: bytes, seq: int = SEQ, flags: int = NLM_F_MULTI) -> bytes:
    return pad4(struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, 0) + payload)


def test_request_is_a_sock_diag_dump_of_one_family_and_protocol() -> None:
    request = build_request(socket.AF_INET6, TCP, ALL_TCP_STATES, SEQ)
    length, kind, flags, seq, port = struct.unpack_from("=IHHII", request)
    assert (length, kind, flags, seq, port) == (len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, SEQ, 0)
    family, protocol, ext, _pad, states = struct.unpack_from("=BBBBI", request, 16)
    assert (family, protocol, ext, states) == (socket.AF_INET6, TCP, 0, ALL_TCP_STATES)
    assert len(request) == 16 + 56  # nlmsghdr + inet_diag_req_v2
    assert ALL_TCP_STATES == 0b1_1111_1111_1110  # states 1..12, not 13 (bound-inactive)


def test_ipv4_message_fields() -> None:
    parsed = parse_diag_msg(diag_msg(socket.AF_INET, 10, "127.0.0.2", 8080, inode=4242, uid=33), TCP)
    assert (parsed.family, parsed.protocol, parsed.state, parsed.address, parsed.port, parsed.inode,
            parsed.uid, parsed.v6only) == (socket.AF_INET, TCP, 10, "127.0.0.2", 8080, 4242, 33, None)


@pytest.mark.parametrize(("flag", "expected"), [(b"\x00", False), (b"\x01", True)])
def test_ipv6_v6only_attribute(flag: bytes, expected: bool) -> None:
    attrs = attribute(5, b"\x10") + attribute(INET_DIAG_SKV6ONLY, flag)  # an unrelated attribute first
    parsed = parse_diag_msg(diag_msg(socket.AF_INET6, 7, "::", 53, 1, 0, attrs), UDP)
    assert (parsed.address, parsed.port, parsed.v6only) == ("::", 53, expected)


def test_ipv6_without_the_attribute_has_unknown_v6only() -> None:
    assert parse_diag_msg(diag_msg(socket.AF_INET6, 1, "::1", 22, 1, 0), TCP).v6only is None


def test_multipart_datagram_then_done() -> None:
    first = message(SOCK_DIAG_BY_FAMILY, diag_msg(socket.AF_INET, 10, "0.0.0.0", 22, 1, 0))
    second = message(SOCK_DIAG_BY_FAMILY, diag_msg(socket.AF_INET, 1, "10.0.0.1", 22, 0, 0))
    part = parse_datagram(first + second, TCP, SEQ)
    assert [(s.address, s.state) for s in part.sockets] == [("0.0.0.0", 10), ("10.0.0.1", 1)]
    assert not part.done and not part.interrupted
    done = parse_datagram(message(NLMSG_DONE, struct.pack("=i", 0)), TCP, SEQ)
    assert done.done and done.sockets == ()


def test_messages_of_another_sequence_are_ignored() -> None:
    foreign = message(SOCK_DIAG_BY_FAMILY, diag_msg(socket.AF_INET, 10, "0.0.0.0", 1, 1, 0), seq=SEQ + 1)
    assert parse_datagram(foreign, TCP, SEQ).sockets == ()


def test_error_message_raises_with_the_kernel_errno() -> None:
    error = message(NLMSG_ERROR, struct.pack("=i", -errno.ENOENT) + bytes(16))
    with pytest.raises(SockDiagError) as caught:
        parse_datagram(error, UDP, SEQ)
    assert caught.value.errno == errno.ENOENT


def test_interrupted_dump_is_reported() -> None:
    part = parse_datagram(message(NLMSG_DONE, struct.pack("=i", 0), flags=NLM_F_MULTI | NLM_F_DUMP_INTR), TCP, SEQ)
    assert part.done and part.interrupted


@pytest.mark.parametrize("data", [
    struct.pack("=IHHII", 8, SOCK_DIAG_BY_FAMILY, 0, SEQ, 0),  # length below the header size
    struct.pack("=IHHII", 400, SOCK_DIAG_BY_FAMILY, 0, SEQ, 0) + bytes(20),  # longer than the datagram
    message(SOCK_DIAG_BY_FAMILY, bytes(30)),  # inet_diag_msg too short
    message(SOCK_DIAG_BY_FAMILY, diag_msg(socket.AF_INET, 10, "0.0.0.0", 1, 1, 0) + struct.pack("=HH", 40, 11)),
    message(SOCK_DIAG_BY_FAMILY, diag_msg(socket.AF_INET, 10, "0.0.0.0", 1, 1, 0).replace(b"\x02", b"\x07", 1)),
])
def test_malformed_input_raises(data: bytes) -> None:
    with pytest.raises(SockDiagError):
        parse_datagram(data, TCP, SEQ)

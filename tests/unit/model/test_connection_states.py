"""The TCP-state vocabulary: ss names, the documented aliases, suggestions, one kernel table."""

from __future__ import annotations

import json

import pytest

from checker import resources
from checker.collect.sock_diag import TCP_STATE_NAMES
from checker.model.connection_states import (
    KERNEL_TCP_STATES,
    SPELLINGS,
    TcpState,
    parse_tcp_state,
    suggest_tcp_state,
)

SS_NAMES = ["ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED", "CLOSE-WAIT",
            "LAST-ACK", "LISTEN", "CLOSING"]


def test_the_states_are_the_names_ss_prints() -> None:
    assert [state.value for state in TcpState] == SS_NAMES
    assert all(parse_tcp_state(name) is TcpState(name) for name in SS_NAMES)


@pytest.mark.parametrize(("alias", "state"), [
    ("SYN_RECV", "SYN-RECV"), ("TIME_WAIT", "TIME-WAIT"), ("FIN_WAIT_1", "FIN-WAIT-1"),
    ("FIN_WAIT1", "FIN-WAIT-1"), ("FIN-WAIT2", "FIN-WAIT-2"), ("CLOSE", "CLOSED"), ("ESTAB", "ESTABLISHED"),
    ("SYN-RECEIVED", "SYN-RECV"), ("SYN_RECEIVED", "SYN-RECV"), ("NEW_SYN_RECV", "SYN-RECV"),
    ("syn_recv", "SYN-RECV"), (" Time-Wait ", "TIME-WAIT"),
])
def test_aliases_normalise_to_the_ss_name(alias: str, state: str) -> None:
    assert parse_tcp_state(alias) == TcpState(state)


@pytest.mark.parametrize("text", ["ESTABLISHD", "SYN-RCVD", "FIN_WAIT-1", "UNCONN", "NONE", "", "*"])
def test_anything_else_is_not_a_state(text: str) -> None:
    assert parse_tcp_state(text) is None


def test_a_misspelling_gets_the_closest_state() -> None:
    assert suggest_tcp_state("ESTABLISHD") is TcpState.ESTABLISHED
    assert suggest_tcp_state("syn-recieved") is TcpState.SYN_RECV
    assert suggest_tcp_state("XYZ") is None


def test_the_collector_and_the_baseline_schema_share_the_one_table() -> None:
    assert {number: state.value for number, state in KERNEL_TCP_STATES.items()} == TCP_STATE_NAMES
    assert set(KERNEL_TCP_STATES.values()) == set(TcpState)
    schema = json.loads(json.dumps(resources.load_schema("baseline")))
    names = schema["properties"]["connections"]["properties"]["max_per_state"]["propertyNames"]["enum"]
    assert names == list(SPELLINGS)

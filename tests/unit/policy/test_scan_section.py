"""`scan` port specs: a spec the baseline accepts is one nmap's argv can be built from, and back."""

from __future__ import annotations

import pytest

from checker.collect.nmap.args import parse_port_spec
from checker.errors import UsageError
from checker.policy.sections.scan import port_spec_problem

SPECS = ["all", "none", "top:1", "top:65535", "top:0", "top:65536", "top:100000", "top:000100", "22", "1-1024,8080",
         "8080,22", "0", "65536", "5-1", "1-99999", "22,", ",22", "1-2-3", "0,abc", "22 ", "x", ""]


@pytest.mark.parametrize("spec", SPECS)
def test_baseline_and_nmap_accept_the_same_specs(spec: str) -> None:
    try:
        parse_port_spec(spec, field="scan.udp_ports", allow_none=True)
        nmap_accepts = True
    except UsageError:
        nmap_accepts = False
    assert (port_spec_problem(spec, allow_none=True) is None) == nmap_accepts


@pytest.mark.parametrize("spec, message", [
    ("top:0", "top:N needs 1 <= N <= 65535"),
    ("1-99999", "'1-99999' is not a port range within 1-65535"),
    ("none", "'none' is not `all`, `top:N` or a list like 1-1024,8080"),
])
def test_tcp_port_spec_messages(spec: str, message: str) -> None:
    assert port_spec_problem(spec, allow_none=False) == message

"""The one port-spec grammar, shared by the baseline loader and the nmap argv builder."""

from __future__ import annotations

import pytest

from checker.model import PortRange
from checker.model.port_spec import PortSpec, PortSpecError, PortSpecFault, parse_port_spec


@pytest.mark.parametrize("text, expected", [
    ("all", PortSpec(ranges=(PortRange(1, 65535),))),
    ("top:100", PortSpec(top=100)),
    ("8080,22,1-1024,22", PortSpec(ranges=(PortRange(1, 1024), PortRange(22, 22), PortRange(8080, 8080)))),
    ("65535", PortSpec(ranges=(PortRange(65535, 65535),))),
])
def test_specs(text: str, expected: PortSpec) -> None:
    assert parse_port_spec(text, allow_none=False) == expected


def test_none_only_where_allowed() -> None:
    assert parse_port_spec("none", allow_none=True).none
    with pytest.raises(PortSpecError) as info:
        parse_port_spec("none", allow_none=False)
    assert info.value.fault is PortSpecFault.NOT_A_SPEC


@pytest.mark.parametrize("text, fault, item", [
    ("top:0", PortSpecFault.TOP_OUT_OF_RANGE, ""),
    ("top:65536", PortSpecFault.TOP_OUT_OF_RANGE, ""),
    ("top:100000", PortSpecFault.NOT_A_SPEC, ""),  # every number of a spec has at most five digits
    ("top:" + "9" * 5000, PortSpecFault.NOT_A_SPEC, ""),  # no int() of thousands of digits
    ("22,1-99999", PortSpecFault.ITEM_OUT_OF_RANGE, "1-99999"),
    ("5-1", PortSpecFault.ITEM_OUT_OF_RANGE, "5-1"),
    ("0,abc", PortSpecFault.NOT_A_SPEC, ""),  # the shape is checked before any range
    ("ALL", PortSpecFault.NOT_A_SPEC, ""),  # exact text: case folding is the caller's choice
    (" 22", PortSpecFault.NOT_A_SPEC, ""),
    ("22,", PortSpecFault.NOT_A_SPEC, ""),
    ("", PortSpecFault.NOT_A_SPEC, ""),
])
def test_faults(text: str, fault: PortSpecFault, item: str) -> None:
    with pytest.raises(PortSpecError) as info:
        parse_port_spec(text, allow_none=True)
    assert (info.value.fault, info.value.item) == (fault, item)

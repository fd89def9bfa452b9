"""The rule families, in evaluation order. A new family is one module plus one line here.

A family too large for one module becomes a package whose `__init__` holds the family
(`checker.evaluate.ports`: its rules split by the evidence they rest on).

`tests/unit/evaluate/test_registry.py` checks that every `CheckId` is produced by a family
here or by the waiver stage (`checker.evaluate.waivers.WAIVER_CHECKS`).
"""

from __future__ import annotations

from checker.evaluate.collector_errors import CollectorErrorsFamily
from checker.evaluate.connections import ConnectionsFamily
from checker.evaluate.firewall import FirewallFamily
from checker.evaluate.interface import RuleFamily
from checker.evaluate.ports import PortsFamily
from checker.evaluate.services import ServicesFamily
from checker.evaluate.socket_units import SocketUnitsFamily
from checker.evaluate.xinetd import XinetdFamily

FAMILIES: tuple[RuleFamily, ...] = (
    PortsFamily(),
    ServicesFamily(),
    SocketUnitsFamily(),
    XinetdFamily(),
    ConnectionsFamily(),
    FirewallFamily(),
    CollectorErrorsFamily(),
)

"""The registry of baseline sections: one module per section, one line here per module.

`SECTIONS` is the only list of sections. The loader parses, merges and applies them in this
order, and `resolved_document` writes them back in this order, so the resolved copy reads
like a hand-written baseline (header first). A new section is a module implementing
`BaselineSection` (interface.py) plus one line below; tests/unit/policy/test_sections.py checks
that the sections' keys and the loader's own keys cover schemas/baseline.schema.json exactly.
"""

from __future__ import annotations

from typing import Any

from checker.policy.sections.connections import ConnectionsSection
from checker.policy.sections.firewall import FirewallSection
from checker.policy.sections.interface import BaselineSection
from checker.policy.sections.metadata import MetadataSection
from checker.policy.sections.ports import PortsSection
from checker.policy.sections.scan import ScanSection
from checker.policy.sections.services import ServicesSection
from checker.policy.sections.socket_units import SocketUnitsSection
from checker.policy.sections.waivers import WaiversSection
from checker.policy.sections.xinetd import XinetdSection

SECTIONS: tuple[BaselineSection[Any], ...] = (
    MetadataSection(),
    PortsSection(),
    ServicesSection(),
    SocketUnitsSection(),
    XinetdSection(),
    ConnectionsSection(),
    FirewallSection(),
    ScanSection(),
    WaiversSection(),
)
"""Every baseline section, in the order they are applied and dumped."""

__all__ = ["SECTIONS", "BaselineSection"]

"""The one table of inside-view collectors, in the order they run.

A new inside collector is its module plus one line here (and its name in
`checker.model.Collector`, its fields in `Snapshot` and schemas/snapshot.schema.json):
`checker.collect.local` assembles the snapshot from this table, and
tests/unit/collect/test_registry.py checks that every `Collector` member is here (or is the
outside view), that the schema covers every name and field, and that the evaluator's
`INSIDE_COLLECTORS` agrees.

Order matters: a collector may read what the ones before it collected
(`CollectionContext.earlier`): the unit runtime completes the unit files' units, and the
socket units take their enablement and ActiveState from both.

The outside view (`Collector.NMAP`) is not here: it is per scanned host, not per snapshot,
and `checker.collect.gather` joins it (checker.collect.nmap).
"""

from __future__ import annotations

from checker.collect.firewall.collector import FirewallCollector
from checker.collect.interface import EvidenceCollector
from checker.collect.socket_units import SocketUnitsCollector
from checker.collect.sockets import SocketsCollector
from checker.collect.systemd import UnitFilesCollector, UnitRuntimeCollector
from checker.collect.xinetd_collector import XinetdCollector
from checker.model import Collector

INSIDE_COLLECTORS: tuple[EvidenceCollector, ...] = (
    SocketsCollector(),
    UnitFilesCollector(),
    UnitRuntimeCollector(),
    SocketUnitsCollector(),
    XinetdCollector(),
    FirewallCollector(),
)

OUTSIDE_VIEW = Collector.NMAP
"""The one collector that is not an `EvidenceCollector`: nmap, run or imported by `gather`."""

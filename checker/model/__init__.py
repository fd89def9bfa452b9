"""The data model: frozen dataclasses and enums shared by the three stages. No I/O here.

Three families live here:

* the **baseline** (what is approved), built by `checker.policy.load` from YAML;
* the **snapshot** (what was observed on one host), built by `checker.collect`
  and serialised to JSON (schemas/snapshot.schema.json);
* the **results** (what the evaluator decided), built by `checker.evaluate` and
  rendered by `checker.formatters` (schemas/results.schema.json).

Small pure modules sit beside them and are imported by path, not re-exported: `units`
(the one systemd unit-name normaliser), `ports` (well-known ports, the ephemeral range) and
`connection_states` (the TCP states as `ss` names them, with their aliases), facts that
several stages must agree on without importing each other.

Everything is immutable; derive new values with `dataclasses.replace`. Every class has
`slots=True`: an audit of 1,000 hosts holds ~300,000 `Result`s, and dropping the per-instance
`__dict__` keeps that evaluation under the 300 MB of ../shared/DESIGN.md section 9 (benchmarks/RESULTS.md,
benchmark 4: 294 -> 270 MiB). Converting to and
from JSON-compatible dicts is `checker.model.serialize`'s job.
"""

from __future__ import annotations

from checker.model.baseline import (
    Baseline,
    BaselineSource,
    ConnectionLimit,
    FirewallPolicy,
    Location,
    PortAllow,
    PortForbid,
    PortRange,
    PortsPolicy,
    RuleMeta,
    ScanSettings,
    ServiceRule,
    SocketUnitAllow,
    SocketUnitsPolicy,
    UnitForbid,
    Waiver,
    XinetdAllow,
    XinetdLimits,
    XinetdPolicy,
)
from checker.model.network import FoldedPorts, PortTable
from checker.model.results import (
    RESULTS_FORMAT,
    RESULTS_VERSION,
    HostReport,
    Report,
    Result,
    WaiverApplied,
)
from checker.model.snapshot import (
    COLLECTED_FIELDS,
    CollectorRun,
    HostInfo,
    Listener,
    NetworkView,
    ScannedPort,
    Snapshot,
    SocketListen,
    SocketUnit,
    Unit,
    XinetdService,
    XinetdValue,
)
from checker.model.vocabulary import (
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    Exposure,
    Protocol,
    Severity,
    Status,
)

__all__ = [
    "COLLECTED_FIELDS",
    "RESULTS_FORMAT",
    "RESULTS_VERSION",
    "Baseline",
    "BaselineSource",
    "CheckId",
    "Collector",
    "CollectorRun",
    "CollectorStatus",
    "ConnectionLimit",
    "DefaultPolicy",
    "Exposure",
    "FirewallPolicy",
    "FoldedPorts",
    "HostInfo",
    "HostReport",
    "Listener",
    "Location",
    "NetworkView",
    "PortAllow",
    "PortForbid",
    "PortTable",
    "PortRange",
    "PortsPolicy",
    "Protocol",
    "Report",
    "Result",
    "RuleMeta",
    "ScanSettings",
    "ScannedPort",
    "ServiceRule",
    "Severity",
    "Snapshot",
    "SocketListen",
    "SocketUnit",
    "SocketUnitAllow",
    "SocketUnitsPolicy",
    "Status",
    "Unit",
    "UnitForbid",
    "Waiver",
    "WaiverApplied",
    "XinetdAllow",
    "XinetdLimits",
    "XinetdPolicy",
    "XinetdService",
    "XinetdValue",
]

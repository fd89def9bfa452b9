"""What `surfacecheck diff` reports: one `Drift` per difference, of a stable `DriftKind`.

The kinds are the `kind` strings of the JSON output: stable once released. Must not compare
anything (`checker.drift.compare` does) or render anything beyond the one-sentence message.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from checker.model import Location


class DriftKind(enum.StrEnum):
    """What changed. Stable strings: they are the `kind` of the JSON output."""

    HOST_ADDED = "host-added"
    HOST_REMOVED = "host-removed"
    COLLECTOR_CHANGED = "collector-changed"
    LISTENER_ADDED = "listener-added"
    LISTENER_REMOVED = "listener-removed"
    LISTENER_CHANGED = "listener-changed"
    UNIT_ADDED = "unit-added"
    UNIT_REMOVED = "unit-removed"
    UNIT_CHANGED = "unit-changed"
    SOCKET_UNIT_ADDED = "socket-unit-added"
    SOCKET_UNIT_REMOVED = "socket-unit-removed"
    SOCKET_UNIT_CHANGED = "socket-unit-changed"
    XINETD_SERVICE_ADDED = "xinetd-service-added"
    XINETD_SERVICE_REMOVED = "xinetd-service-removed"
    XINETD_SERVICE_CHANGED = "xinetd-service-changed"
    NETWORK_PORT_CHANGED = "network-port-changed"
    FIREWALL_CHAIN_ADDED = "firewall-chain-added"
    FIREWALL_CHAIN_REMOVED = "firewall-chain-removed"
    FIREWALL_CHAIN_CHANGED = "firewall-chain-changed"
    FIREWALL_RULE_ADDED = "firewall-rule-added"
    FIREWALL_RULE_REMOVED = "firewall-rule-removed"
    BASELINE_CHANGED = "baseline-changed"
    CHECK_STARTED_FAILING = "check-started-failing"
    CHECK_STOPPED_FAILING = "check-stopped-failing"
    CHECK_STATUS_CHANGED = "check-status-changed"


@dataclass(frozen=True)
class Drift:
    """One difference between OLD and NEW."""

    kind: DriftKind
    host: str
    """The host (its NEW name when both sides have one host under different names)."""
    resource: str
    """What changed: `tcp/5432`, `unit:nginx.service`, `socket:ssh.socket`,
    `xinetd:echo-stream`, `port-unexpected tcp/0.0.0.0:8080`..."""
    attribute: str | None = None
    """Which property changed (process, user, bind, enablement, state, listen, instances...)."""
    old: str | None = None
    """The old value, readable; None when the resource was added."""
    new: str | None = None
    """The new value, readable; None when the resource was removed."""
    location: Location | None = None
    """Where the new value is set (xinetd file:line; the baseline line of a result)."""

    def sort_key(self) -> tuple[str, tuple[str | int, ...], str, str]:
        """Host, then resource in natural order (`tcp/22` before `tcp/110`), kind, attribute."""
        return (self.host, _natural(self.resource), self.kind.value, self.attribute or "")

    @property
    def message(self) -> str:
        """One human sentence."""
        what = f"{self.resource} {self.attribute}" if self.attribute else self.resource
        where = f" ({self.location})" if self.location else ""
        if self.kind in ADDED_KINDS:
            return f"{self.resource} appeared" + (f": {self.new}" if self.new else "") + where
        if self.kind in REMOVED_KINDS:
            return f"{self.resource} disappeared" + (f" (was {self.old})" if self.old else "") + where
        if self.kind == DriftKind.CHECK_STARTED_FAILING:
            return f"{self.resource} started failing ({self.old or 'absent'} -> fail): {self.new}{where}"
        if self.kind == DriftKind.CHECK_STOPPED_FAILING:
            return f"{self.resource} stopped failing (fail -> {self.new or 'absent'}){where}"
        return f"{what} changed: {self.old if self.old is not None else '(unset)'} -> " \
               f"{self.new if self.new is not None else '(unset)'}{where}"


def _natural(text: str) -> tuple[str | int, ...]:
    # re.split with a group alternates text and digits, so equal positions compare equal types.
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


ADDED_KINDS = frozenset({DriftKind.HOST_ADDED, DriftKind.LISTENER_ADDED, DriftKind.UNIT_ADDED,
                          DriftKind.SOCKET_UNIT_ADDED, DriftKind.XINETD_SERVICE_ADDED,
                          DriftKind.FIREWALL_CHAIN_ADDED, DriftKind.FIREWALL_RULE_ADDED})
REMOVED_KINDS = frozenset({DriftKind.HOST_REMOVED, DriftKind.LISTENER_REMOVED, DriftKind.UNIT_REMOVED,
                            DriftKind.SOCKET_UNIT_REMOVED, DriftKind.XINETD_SERVICE_REMOVED,
                            DriftKind.FIREWALL_CHAIN_REMOVED, DriftKind.FIREWALL_RULE_REMOVED})

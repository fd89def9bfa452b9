"""The inside-view snapshot is assembled from the registry: order, earlier evidence, fields a
collector provides, failures recorded per collector (never raised)."""

from __future__ import annotations

import dataclasses
import inspect
import threading
from pathlib import Path

import pytest

from checker.collect import local, socket_units, systemd
from checker.collect.interface import (
    EVIDENCE_FIELDS,
    CollectedEvidence,
    CollectionContext,
    EvidenceCollector,
    InsideEvidence,
)
from checker.collect.registry import INSIDE_COLLECTORS
from checker.collect.socket_units import SocketUnitsCollector
from checker.collect.sockets import ROOT_SOCKETS_REASON
from checker.collect.systemd import ROOT_RUNTIME_REASON, RuntimeState, UnitRuntimeCollector
from checker.model import (
    Collector,
    CollectorStatus,
    HostInfo,
    Listener,
    Location,
    Protocol,
    SocketUnit,
    Unit,
    XinetdService,
)
from checker.model.firewall import FirewallEvidence


class _Units(EvidenceCollector):
    name = Collector.UNIT_FILES
    provides = ("units",)

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        # Fills a field it does not provide too: the assembly must ignore it.
        return self.ok(InsideEvidence(units=(Unit("a.service", "enabled"),), xinetd_services=()))


class _SeesEarlier(EvidenceCollector):
    name = Collector.UNIT_RUNTIME
    provides = ("units",)
    seen: tuple[Unit, ...] = ()

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        type(self).seen = context.earlier.units
        return self.failed("systemctl: exit 1\nsecond line")  # nothing collected: units stay


class _Broken(EvidenceCollector):
    name = Collector.SOCKETS
    provides = ("listeners",)

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        raise RuntimeError("a bug")


def test_collectors_run_in_order_see_earlier_evidence_and_fill_only_what_they_provide() -> None:
    evidence, runs = local.collect_inside_evidence(CollectionContext(), (_Broken(), _Units(), _SeesEarlier()))
    assert [run.name for run in runs] == [Collector.SOCKETS, Collector.UNIT_FILES, Collector.UNIT_RUNTIME]
    assert runs[0].status is CollectorStatus.FAILED and runs[0].reason == "RuntimeError: a bug"
    assert runs[1].status is CollectorStatus.OK and runs[1].reason is None
    assert runs[2].status is CollectorStatus.FAILED and runs[2].reason == "systemctl: exit 1"
    assert _SeesEarlier.seen == (Unit("a.service", "enabled"),)
    assert evidence.units == (Unit("a.service", "enabled"),)
    assert evidence.listeners == ()


OVERLAP_WAIT_SECONDS = 20
"""How long the fake sockets collector waits for the fake systemctl (a bound, never a measurement)."""


def test_sockets_are_read_while_systemctl_runs() -> None:
    """Issue 14: `systemctl list-unit-files` (0.2 s without systemd as PID 1) ran only after the
    sockets were read. Now the sockets collector runs meanwhile: the fake one below can only
    finish once the fake unit-files collector has started, which one-by-one never allowed."""
    unit_files_started = threading.Event()

    class Sockets(EvidenceCollector):
        name = Collector.SOCKETS
        provides = ("listeners",)

        def collect(self, context: CollectionContext) -> CollectedEvidence:
            if not unit_files_started.wait(OVERLAP_WAIT_SECONDS):
                return self.failed("ran alone: systemctl did not run meanwhile")
            return self.ok(InsideEvidence())

    class UnitFiles(EvidenceCollector):
        name = Collector.UNIT_FILES
        provides = ("units",)

        def collect(self, context: CollectionContext) -> CollectedEvidence:
            unit_files_started.set()
            return self.ok(InsideEvidence(units=(Unit("a.service", "enabled"),)))

    evidence, runs = local.collect_inside_evidence(CollectionContext(), (Sockets(), UnitFiles(), _SeesEarlier()))
    assert [(run.name, run.status) for run in runs] == [
        (Collector.SOCKETS, CollectorStatus.OK), (Collector.UNIT_FILES, CollectorStatus.OK),
        (Collector.UNIT_RUNTIME, CollectorStatus.FAILED)]
    assert _SeesEarlier.seen == (Unit("a.service", "enabled"),) and evidence.units == _SeesEarlier.seen


def test_collectors_run_apart_read_and_provide_nothing_the_others_read() -> None:
    """`local.RUN_APART` runs beside the chain, so none of them may read `context.earlier`, and no
    collector may read from `earlier` a field one of them provides."""
    apart = [c for c in INSIDE_COLLECTORS if c.name in local.RUN_APART]
    assert {c.name for c in apart} == local.RUN_APART
    for collector in apart:
        assert "earlier" not in inspect.getsource(type(collector)), collector.name
    provided_apart = {field for c in apart for field in c.provides}
    for collector in INSIDE_COLLECTORS:
        source = inspect.getsource(inspect.getmodule(type(collector)))  # type: ignore[arg-type]
        assert not [f for f in provided_apart if f"earlier.{f}" in source], collector.name


def test_a_root_image_snapshot_has_a_run_for_every_registered_collector(tmp_path: Path) -> None:
    snapshot = local.collect_local(root=str(tmp_path))
    assert [run.name for run in snapshot.collectors] == [collector.name for collector in INSIDE_COLLECTORS]
    assert snapshot.collector(Collector.SOCKETS).reason == ROOT_SOCKETS_REASON
    assert snapshot.collector(Collector.UNIT_RUNTIME).reason == ROOT_RUNTIME_REASON
    assert snapshot.collector(Collector.SOCKETS).status is CollectorStatus.UNAVAILABLE
    assert snapshot.collector(Collector.XINETD).status is CollectorStatus.OK
    assert snapshot.collector(Collector.SOCKET_UNITS).status is CollectorStatus.OK
    assert snapshot.host.root == str(tmp_path) and snapshot.listeners == ()


def test_unit_runtime_completes_the_units_of_the_unit_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(systemd, "read_runtime", lambda: {"b.service": RuntimeState("active", "running")})
    earlier = InsideEvidence(units=(Unit("a.service", "enabled"),))
    outcome = UnitRuntimeCollector().collect(CollectionContext(earlier=earlier))
    assert outcome.run.status is CollectorStatus.OK
    assert outcome.evidence is not None
    assert outcome.evidence.units == (Unit("a.service", "enabled"), Unit("b.service", active="active", sub="running"))


def test_socket_units_take_enablement_from_systemd_units_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake(root: str | None, enablement: dict[str, str] | None = None) -> list[object]:
        seen.update(root=root, enablement=enablement)
        return []

    monkeypatch.setattr(socket_units, "collect_socket_units", fake)
    earlier = InsideEvidence(units=(Unit("a.socket", "enabled", active="active"), Unit("a.service", None),
                                    Unit("b.socket", "enabled", source="sysv")))
    outcome = SocketUnitsCollector().collect(CollectionContext(root="/img", earlier=earlier))
    assert outcome.run.status is CollectorStatus.OK
    assert seen == {"root": "/img", "enablement": {"a.socket": "enabled"}}


@pytest.mark.parametrize("field_name", EVIDENCE_FIELDS)
def test_every_evidence_field_reaches_the_snapshot(field_name: str) -> None:
    """A collector's field is copied by the registry-driven assembly, never dropped for want of wiring."""
    sample = InsideEvidence(
        listeners=(Listener(Protocol.TCP, "ipv4", "127.0.0.1", 22),),
        connection_states={"LISTEN": 1},
        units=(Unit("a.service", "enabled"),),
        socket_units=(SocketUnit("a.socket", "/usr/lib/systemd/system/a.socket"),),
        xinetd_services=(XinetdService("echo", "echo", True, Location("/etc/xinetd.d/echo", 1, 0)),),
        firewall=FirewallEvidence(notes=("legacy iptables rules present, not visible to nft",)),
    )
    assert set(EVIDENCE_FIELDS) == {f.name for f in dataclasses.fields(sample)}
    value = getattr(sample, field_name)
    assert value, f"give {field_name} a sample value in this test"
    only_that = InsideEvidence(**{field_name: value})
    snapshot = local.snapshot_from_evidence(HostInfo("h", "2026-11-21T09:40:54Z", "0"), only_that, ())
    assert getattr(snapshot, field_name) == value

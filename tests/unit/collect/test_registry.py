"""The collector registry is complete: every collector name has an implementation (or is the
outside view), the snapshot schema covers every name and evidence field, and the evaluator's
list of inside collectors agrees with the registry."""

from __future__ import annotations

import dataclasses
import json
import typing

from checker.collect.interface import EVIDENCE_FIELDS, EvidenceCollector, InsideEvidence
from checker.collect.registry import INSIDE_COLLECTORS, OUTSIDE_VIEW
from checker.evaluate import INSIDE_COLLECTORS as EVALUATED_INSIDE
from checker.model import COLLECTED_FIELDS, Collector, CollectorStatus, Snapshot
from support import REPO_ROOT

SCHEMA = json.loads((REPO_ROOT / "schemas" / "snapshot.schema.json").read_text())


def test_every_collector_member_is_registered_or_is_the_outside_view() -> None:
    registered = [collector.name for collector in INSIDE_COLLECTORS]
    assert len(registered) == len(set(registered)), "a collector is registered twice"
    assert set(registered) | {OUTSIDE_VIEW} == set(Collector)
    assert OUTSIDE_VIEW not in registered
    assert all(isinstance(collector, EvidenceCollector) for collector in INSIDE_COLLECTORS)
    # What a snapshot file is checked against (checker/storage/snapshots.py) is the same set.
    assert list(COLLECTED_FIELDS) == registered


def test_the_evaluator_knows_the_same_inside_collectors_in_the_same_order() -> None:
    assert tuple(collector.name for collector in INSIDE_COLLECTORS) == EVALUATED_INSIDE


def test_every_evidence_field_is_a_snapshot_field_of_the_same_type() -> None:
    snapshot_types = typing.get_type_hints(Snapshot)
    evidence_types = typing.get_type_hints(InsideEvidence)
    assert set(EVIDENCE_FIELDS) <= {f.name for f in dataclasses.fields(Snapshot)}
    for name in EVIDENCE_FIELDS:
        assert evidence_types[name] == snapshot_types[name], name


def test_every_evidence_field_is_provided_and_only_evidence_fields_are() -> None:
    provided = [name for collector in INSIDE_COLLECTORS for name in collector.provides]
    assert set(provided) <= set(EVIDENCE_FIELDS)
    assert set(provided) == set(EVIDENCE_FIELDS), "an evidence field no collector fills"


def test_the_snapshot_schema_covers_every_collector_name_status_and_evidence_field() -> None:
    run = SCHEMA["$defs"]["collectorRun"]["properties"]
    assert set(run["name"]["enum"]) == {member.value for member in Collector}
    assert set(run["status"]["enum"]) == {member.value for member in CollectorStatus}
    declared = {name for collector in INSIDE_COLLECTORS for name in collector.provides}
    assert declared <= set(SCHEMA["properties"])
    assert "network" in SCHEMA["properties"]  # the outside view's field

"""Snapshot JSON: deterministic writing, strict reading with one-line errors, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checker.errors import InputError
from checker.model import (
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    Listener,
    Location,
    NetworkView,
    Protocol,
    ScannedPort,
    Snapshot,
    SocketListen,
    SocketUnit,
    Unit,
    XinetdService,
    XinetdValue,
)
from checker.model.serialize import to_data
from checker.resources import load_schema
from checker.storage.snapshots import load_snapshot, load_snapshot_list, snapshot_to_json, snapshots_to_json

FULL = Snapshot(
    host=HostInfo(hostname="web-1", collected_at="2026-11-21T09:40:54Z", tool_version="0.1.0",
                  addresses=("127.0.0.1", "::1"), os_release="Debian GNU/Linux 12 (bookworm)", kernel="6.1",
                  euid=0, privileged=True, finished_at="2026-11-21T09:40:55Z"),
    collectors=(CollectorRun(Collector.SOCKETS, CollectorStatus.OK),
                CollectorRun(Collector.UNIT_RUNTIME, CollectorStatus.UNAVAILABLE, "no systemd")),
    listeners=(Listener(Protocol.TCP, "ipv6", "::", 22, 1, "sshd", "/usr/sbin/sshd", "root", True),
               Listener(Protocol.UDP, "ipv4", "0.0.0.0", 53)),
    connection_states={"ESTABLISHED": 3, "SYN-RECV": 0},
    units=(Unit("ssh.service", "enabled", "active", "running"), Unit("xinetd.service", "enabled", source="sysv")),
    socket_units=(SocketUnit("kresd.socket", "/usr/lib/systemd/system/kresd.socket", "enabled",
                             listens=(SocketListen("stream", "53", port=53, location=Location("/x", 3)),
                                      SocketListen("fifo", "/run/initctl", path="/run/initctl")),
                             bind_ipv6_only="both", service="kresd@1.service", dropins=("/etc/d.conf",)),),
    xinetd_services=(XinetdService("echo", "echo-stream", True, Location("/etc/xinetd.d/echo", 5),
                                   attributes={"cps": XinetdValue(("50", "10"), Location("<xinetd built-in>", 0))}),),
    network=NetworkView("127.0.0.1", "up", ports=(ScannedPort(Protocol.TCP, 22, "open", "syn-ack"),)),
)


def test_schema_accepts_what_to_data_produces() -> None:
    schema = load_schema("snapshot")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(to_data(FULL), schema, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(to_data(Snapshot(host=FULL.host)), schema, cls=jsonschema.Draft202012Validator)


def test_every_schema_property_has_a_description() -> None:
    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                assert "description" in prop or "$ref" in prop, f"{path}.{name}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
    walk(load_schema("snapshot"), "$")


def test_round_trip_and_determinism(tmp_path: Path) -> None:
    text = snapshot_to_json(FULL)
    assert text == snapshot_to_json(FULL) and text.endswith("}\n")
    path = tmp_path / "snap.json"
    path.write_text(text)
    assert load_snapshot(str(path)) == FULL


def test_a_list_of_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(snapshots_to_json([FULL, Snapshot(host=FULL.host)]))
    assert len(load_snapshot_list(str(path))) == 2
    with pytest.raises(InputError, match="holds 2 snapshots"):
        load_snapshot(str(path))
    single = tmp_path / "one.json"
    single.write_text(json.dumps([to_data(FULL)]))
    assert load_snapshot(str(single)) == FULL


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("{", "not valid JSON"),
    ("[]", "empty list"),
    ('"x"', "must be a JSON object"),
    ('{"schema_version": 2, "host": {}}', "unsupported snapshot schema_version 2"),
    ('{"schema_version": 1}', "'host' is a required property"),
    ('{"schema_version": 1, "host": {"hostname": "h", "collected_at": "2026-11-21T09:40:54Z", '
     '"tool_version": "0"}, "listeners": [{"protocol": "sctp", "family": "ipv4", "address": "x", "port": 1}]}',
     "listeners[0].protocol"),
])
def test_bad_files_are_one_line_input_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "snap.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as caught:
        load_snapshot(str(path))
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_directory_and_binary_garbage(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        load_snapshot(str(tmp_path))
    garbage = tmp_path / "g.json"
    garbage.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        load_snapshot(str(garbage))

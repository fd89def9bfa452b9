"""`surfacecheck collect` run as an unprivileged user (`nobody`, through setpriv or runuser).

* Sockets of other users have no owner: the snapshot says `privileged: false` and leaves
  pid/process/user null for them, never inventing one.
* An xinetd include directory only root can read makes the xinetd collector FAILED with the
  reason, while the other collectors still run.

The CLI runs through the session's `nobody` fixture (tests/conftest.py, support.unprivileged):
an interpreter nobody can execute and a world-readable copy of the packages the CLI imports.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from checker.resources import load_schema
from support.ports import bound_socket, port_of
from support.unprivileged import Unprivileged

pytestmark = pytest.mark.integration


@pytest.fixture
def root_owned_listener() -> Iterator[int]:
    with bound_socket("127.0.0.4") as sock:
        sock.listen()
        yield port_of(sock)


def test_unprivileged_snapshot_leaves_other_users_sockets_ownerless(
        nobody: Unprivileged, root_owned_listener: int) -> None:
    result = nobody.run("collect", "-o", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, load_schema("snapshot"), cls=jsonschema.Draft202012Validator)
    assert data["host"]["privileged"] is False and data["host"]["euid"] != 0
    sockets = next(run for run in data["collectors"] if run["name"] == "sockets")
    assert sockets["status"] == "ok"
    mine = [item for item in data["listeners"] if item["port"] == root_owned_listener]
    assert len(mine) == 1
    assert mine[0]["address"] == "127.0.0.4"
    assert (mine[0]["pid"], mine[0]["process"], mine[0]["exe"], mine[0]["user"]) == (None, None, None, None)


def test_unreadable_xinetd_dir_is_a_collector_failure(nobody: Unprivileged) -> None:
    base = nobody.world_dir("xinetd-private")
    private = base / "xinetd.d"
    private.mkdir(mode=0o700)
    (private / "echo").write_text("service echo\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\twait = no\n}\n")
    conf = base / "xinetd.conf"
    conf.write_text(f"defaults\n{{\n}}\nincludedir {private}\n")
    conf.chmod(0o644)
    result = nobody.run("collect", "-o", "-", "--xinetd-conf", str(conf))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    runs = {run["name"]: run for run in data["collectors"]}
    assert runs["xinetd"]["status"] == "failed"
    assert str(private) in runs["xinetd"]["reason"] and "Permission denied" in runs["xinetd"]["reason"]
    assert runs["sockets"]["status"] == "ok"
    assert runs["unit-files"]["status"] == "ok", runs["unit-files"]

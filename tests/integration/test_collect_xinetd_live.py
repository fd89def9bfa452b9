"""The real xinetd started with a config written here: an INTERNAL echo on a loopback port.

The snapshot must show the listener owned by the `xinetd` process and the parsed service
with the same port. The service is `type = INTERNAL UNLISTED`: xinetd refuses a listed
internal service on any port but its /etc/services one ("Service echo expects port 7").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.collect.local import collect_local
from checker.collect.sockets import collect_sockets
from checker.model import Collector, CollectorStatus, Protocol
from support.ports import port_of, reserved_for_program

pytestmark = pytest.mark.integration

XINETD = shutil.which("xinetd") or "/usr/sbin/xinetd"

CONFIG = """defaults
{{
\tinstances = 10
\tcps = 25 30
\tonly_from = 127.0.0.1
}}
includedir {confdir}
"""
SERVICE = """# written by surfacecheck's test
service echo
{{
\ttype        = INTERNAL UNLISTED
\tid          = echo-stream
\tsocket_type = stream
\tprotocol    = tcp
\twait        = no
\tbind        = 127.0.0.1
\tport        = {port}
\tper_source  = 3
}}
"""


@pytest.fixture
def running_xinetd(tmp_path: Path) -> Iterator[tuple[Path, int, subprocess.Popen[bytes]]]:
    if not os.access(XINETD, os.X_OK):
        pytest.fail(f"xinetd is not installed ({XINETD}); `make test` installs it")
    reservation = reserved_for_program("127.0.0.1")  # held until xinetd listens on it
    port = port_of(reservation)
    confdir = tmp_path / "xinetd.d"
    confdir.mkdir()
    (confdir / "echo").write_text(SERVICE.format(port=port))
    conf = tmp_path / "xinetd.conf"
    conf.write_text(CONFIG.format(confdir=confdir))
    process = subprocess.Popen([XINETD, "-dontfork", "-f", str(conf), "-pidfile", str(tmp_path / "xinetd.pid")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10  # a hang guard, not a speed assertion
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"xinetd exited: {process.stderr.read().decode() if process.stderr else ''}")
            listeners, _ = collect_sockets()
            if any(item.port == port and item.pid == process.pid for item in listeners):
                break
            time.sleep(0.1)
        else:
            pytest.fail("xinetd did not start listening within 10 s")
        reservation.close()
        yield conf, port, process
    finally:
        reservation.close()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_snapshot_shows_xinetd_listener_and_parsed_service(
        running_xinetd: tuple[Path, int, subprocess.Popen[bytes]]) -> None:
    conf, port, process = running_xinetd
    snapshot = collect_local(xinetd_conf=str(conf))
    assert snapshot.collector(Collector.XINETD).status == CollectorStatus.OK
    listeners = [item for item in snapshot.listeners if item.port == port]
    assert len(listeners) == 1
    listener = listeners[0]
    assert (listener.protocol, listener.address) == (Protocol.TCP, "127.0.0.1")
    assert listener.pid == process.pid
    assert listener.process == "xinetd"
    assert listener.user == "root"
    services = [service for service in snapshot.xinetd_services if service.id == "echo-stream"]
    assert len(services) == 1
    service = services[0]
    assert service.enabled, service.disabled_reason
    assert service.port == port and service.protocol == "tcp"
    assert service.attributes["bind"].values == ("127.0.0.1",)
    assert service.attributes["instances"].values == ("10",)
    assert service.attributes["instances"].location.file == str(conf)
    assert service.attributes["cps"].values == ("25", "30")
    assert service.attributes["per_source"].values == ("3",)
    assert service.attributes["only_from"].values == ("127.0.0.1",)
    assert service.attributes["port"].location.file == str(conf.parent / "xinetd.d" / "echo")

"""The nmap XML reader on every file of ../shared/testdata/nmap-xml and on hostile inputs.

Through the real entry points: `parse_nmap_run` (what scans and imports parse with) and
`import_nmap_xml` (`--nmap-xml FILE`, which refuses a document carrying nmap's own error)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from checker.collect.gather import import_nmap_xml
from checker.collect.nmap.xml import parse_nmap_run
from checker.errors import InputError
from checker.model import CollectorStatus, NetworkView, Protocol
from support import ASSETS, TESTDATA

NMAP_XML = TESTDATA / "nmap-xml"
SHARED_FILES = sorted(p for p in NMAP_XML.rglob("*.xml"))
HOSTILE = ASSETS / "nmap-xml"

# Files of the shared testdata that must be refused, with a word the message must contain.
REFUSED = {
    "_generated-locally/truncated-killed-7.93.xml": "truncated",
    "nmap/zenmap/test/nmap-output-error.xml": "control character",
    "Ullaakut-nmap/scan_error_other.xml": "Unsupported error",
    "Ullaakut-nmap/scan_error_resolving_name.xml": "Error resolving name",
    "Ullaakut-nmap/scan_invalid_services.xml": "no protocol",
}


def test_the_shared_testdata_is_there() -> None:
    assert len(SHARED_FILES) >= 30


def _views(data: bytes, source: str) -> list[NetworkView]:
    """The outside views of the hosts nmap finished (a timed-out host's view would read as closed)."""
    return [host.view for host in parse_nmap_run(data, source).hosts if not host.timed_out]


@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: str(p.relative_to(NMAP_XML)))
def test_every_shared_file_is_parsed_or_refused_with_a_message(path: Path) -> None:
    name = str(path.relative_to(NMAP_XML))
    data = path.read_bytes()
    if name in REFUSED:
        with pytest.raises(InputError) as info:
            import_nmap_xml(str(path))
        message = str(info.value)
        assert message.startswith(f"{path}: ")
        assert REFUSED[name] in message
        assert "\n" not in message and len(message) - len(str(path)) < 400
        return
    run = parse_nmap_run(data, name)
    assert run.error is None
    for host in run.hosts:
        view = host.view
        assert view.address
        assert view.source == name
        assert view.scanner_version == run.scanner_version
        for port in view.ports:
            assert port.protocol in (Protocol.TCP, Protocol.UDP)
            assert 0 <= port.port <= 65535 and port.state


def test_versions_3_75_to_7_9x_are_read() -> None:
    versions = set()
    for path in SHARED_FILES:
        name = str(path.relative_to(NMAP_XML))
        if name not in REFUSED:
            versions.add(parse_nmap_run(path.read_bytes(), name).scanner_version)
    assert {"3.75", "4.53", "4.90RC2", "5.51SVN", "5.59BETA1", "7.93"} <= versions


def test_a_7_93_loopback_scan_in_detail() -> None:
    data = (NMAP_XML / "_generated-locally/loopback-7.93-tcp.xml").read_bytes()
    run = parse_nmap_run(data, "x.xml")
    assert run.complete and run.error is None
    (view,) = _views(data, "x.xml")
    assert view.address == "127.0.0.1" and view.state == "up" and view.hostnames == ("localhost",)
    assert view.scan_type == "connect"
    assert view.scanned == ("tcp:1-1024,8000-9000",)
    assert view.arguments[:3] == ("nmap", "-sT", "-p")
    assert view.started_at == "2026-11-21T09:17:45Z" and view.finished_at == "2026-11-21T09:17:45Z"


def test_service_fields_and_udp() -> None:
    data = (NMAP_XML / "nmap/ndiff/test-scans/complex.xml").read_bytes()
    (view,) = _views(data, "complex.xml")
    assert view.scan_type == "syn+udp"
    assert {p.protocol for p in view.ports} == {Protocol.TCP, Protocol.UDP}
    ssh = next(p for p in view.ports if p.port == 22)
    assert ssh.service == "ssh" and ssh.reason


def test_iso_8859_1_declared_files_are_read() -> None:
    data = (NMAP_XML / "nmap/zenmap/test/xml_test16.xml").read_bytes()
    assert b"iso-8859-1" in data[:60]
    assert _views(data, "t16.xml")


def test_timed_out_hosts_are_flagged_not_reported_as_closed() -> None:
    data = (NMAP_XML / "Ullaakut-nmap/scan_base.xml").read_bytes()
    run = parse_nmap_run(data, "base.xml")
    timed_out = [h.view.address for h in run.hosts if h.timed_out]
    assert timed_out == ["66.35.250.168"]
    path = NMAP_XML / "Ullaakut-nmap/scan_base.xml"
    (lost,) = [scan for scan in import_nmap_xml(str(path)) if scan.address == "66.35.250.168"]
    assert lost.view is None and lost.run.status is CollectorStatus.FAILED and "host timeout" in (lost.run.reason or "")


REFUSED_HOSTILE = {
    "xxe-external-file.xml": "DOCTYPE with an internal subset or an external DTD is refused",
    "xxe-external-dtd.xml": "DOCTYPE with an internal subset or an external DTD is refused",
    "xxe-parameter-entity.xml": "DOCTYPE with an internal subset or an external DTD is refused",
    "billion-laughs.xml": "DOCTYPE with an internal subset or an external DTD is refused",
    "internal-entity.xml": "DOCTYPE with an internal subset or an external DTD is refused",
    "not-nmap-html.xml": "not an nmap XML report (root element <html>",
    "not-xml.xml": "malformed XML",
    "empty.xml": "empty file",
    "non-utf8-latin1-undeclared.xml": "byte 0xe9 is not valid UTF-8",
    "utf16.xml": "UTF-16",
    "truncated-mid-host.xml": "truncated",
}


@pytest.mark.parametrize("name", sorted(REFUSED_HOSTILE))
def test_hostile_documents_are_refused_with_a_clear_message(name: str) -> None:
    with pytest.raises(InputError) as info:
        parse_nmap_run((HOSTILE / name).read_bytes(), name)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and REFUSED_HOSTILE[name] in message
    assert "\n" not in message and len(message) < 300


def test_every_hostile_asset_is_covered() -> None:
    names = {p.name for p in HOSTILE.glob("*.xml")}
    assert names == set(REFUSED_HOSTILE) | {"hostile-banner.xml"}


def test_no_external_entity_or_dtd_is_fetched() -> None:
    """A listener on the DTD's loopback port sees no connection while the reader refuses it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))  # the asset's DTD URL is pointed at this port below
    server.listen(1)
    dtd_asset = (HOSTILE / "xxe-external-dtd.xml").read_bytes()
    assert b"http://127.0.0.1:22999/" in dtd_asset
    dtd_document = dtd_asset.replace(b":22999/", f":{server.getsockname()[1]}/".encode())
    server.settimeout(0.3)
    connected = threading.Event()

    def watch() -> None:
        try:
            server.accept()[0].close()
            connected.set()
        except OSError:
            pass

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        with pytest.raises(InputError):
            parse_nmap_run(dtd_document, "dtd.xml")
        with pytest.raises(InputError) as info:
            parse_nmap_run((HOSTILE / "xxe-external-file.xml").read_bytes(), "file.xml")
        assert socket.gethostname() not in str(info.value)
    finally:
        thread.join()
        server.close()
    assert not connected.is_set()


def test_hostile_banner_is_carried_verbatim() -> None:
    run = parse_nmap_run((HOSTILE / "hostile-banner.xml").read_bytes(), "banner.xml")
    first, second = run.hosts
    port = first.view.ports[0]
    assert port.product == "<script>alert(1)</script> | x | " + "B" * 3000
    assert port.version == "1.0\\x07\\x1b[31m\n| --- |\r</td>"
    assert port.extrainfo is not None and len(port.extrainfo) > 5000 and "\n" in port.extrainfo
    assert first.view.hostnames == ("web-1",)
    assert second.timed_out and not first.timed_out


@pytest.mark.parametrize("document, message", [
    (b'<nmaprun><host><status state="up"/></host><runstats><finished time="1"/></runstats></nmaprun>',
     "without an IPv4 or IPv6 address"),
    (b'<nmaprun><host><address addr="127.0.0.2" addrtype="ipv4"/><ports><port protocol="tcp" portid="x">'
     b'<state state="open"/></port></ports></host></nmaprun>', "invalid portid"),
    (b'<nmaprun><host><address addr="127.0.0.2" addrtype="ipv4"/><ports><port protocol="tcp" portid="1">'
     b'</port></ports></host></nmaprun>', "has no state"),
    (b'<nmaprun', "malformed XML"),
    (b"\x00\x01\x02", "malformed XML"),
])
def test_structural_problems_are_input_errors_not_crashes(document: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_nmap_run(document, "doc.xml")
    assert message in str(info.value)


def test_an_unfinished_but_well_formed_document_is_marked_incomplete() -> None:
    run = parse_nmap_run(b'<nmaprun scanner="nmap"><host><address addr="::1" addrtype="ipv6"/></host></nmaprun>', "x")
    assert not run.complete and run.hosts[0].view.address == "::1" and run.hosts[0].view.state == "unknown"


def test_sctp_ports_are_left_out() -> None:
    run = parse_nmap_run(b'<nmaprun><host><address addr="127.0.0.2" addrtype="ipv4"/><ports>'
                         b'<port protocol="sctp" portid="9"><state state="open"/></port></ports></host>'
                         b'<runstats><finished time="1"/></runstats></nmaprun>', "x")
    assert run.hosts[0].view.ports == ()


def test_skipped_targets_are_reported() -> None:
    run = parse_nmap_run(b'<nmaprun><target specification="::1" status="skipped" reason="invalid"/>'
                         b'<runstats><finished time="1"/></runstats></nmaprun>', "x")
    assert run.skipped_targets == {"::1": "invalid"}

"""Why surfacecheck reads nmap XML itself: python-nmap 0.7.1's analyser on hostile inputs.

These tests pin what docs/outside-view.md reports, so a python-nmap upgrade that fixes (or
changes) a finding shows up here. Our reader's behaviour on the same inputs is tested in
test_nmap_xml_reader.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from support import ASSETS, TESTDATA

nmap = pytest.importorskip("nmap")

NMAP_XML = TESTDATA / "nmap-xml"


def _analyser() -> Any:
    # PortScanner() itself runs `nmap -V` and raises without an nmap binary: a parser that
    # needs the scanner installed cannot serve `--nmap-xml` on a machine without nmap.
    scanner = nmap.PortScanner.__new__(nmap.PortScanner)
    scanner._nmap_last_output = ""
    scanner._scan_result = {}
    return scanner


def test_version_is_the_one_examined() -> None:
    assert nmap.__version__ == "0.7.1"


def test_internal_entities_are_expanded_into_values() -> None:
    data = (ASSETS / "nmap-xml/internal-entity.xml").read_bytes()
    result = _analyser().analyse_nmap_xml_scan(data)
    assert result["nmap"]["command_line"] == "nmap -oN /tmp/owned"


@pytest.mark.parametrize("name", ["Ullaakut-nmap/scan_error_other.xml", "Ullaakut-nmap/scan_invalid_services.xml"])
def test_missing_runstats_crash_with_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError):
        _analyser().analyse_nmap_xml_scan((NMAP_XML / name).read_bytes())


def test_port_without_portid_crashes_with_type_error() -> None:
    data = (b'<nmaprun><runstats><finished/><hosts/></runstats><host><address addr="1.1.1.1" addrtype="ipv4"/>'
            b'<ports><port protocol="tcp"><state state="open"/></port></ports></host></nmaprun>')
    with pytest.raises(TypeError):
        _analyser().analyse_nmap_xml_scan(data)


def test_errors_carry_the_whole_document() -> None:
    data = (NMAP_XML / "_generated-locally/truncated-killed-7.93.xml").read_bytes()
    with pytest.raises(nmap.PortScannerError) as info:
        _analyser().analyse_nmap_xml_scan(data)
    assert len(str(info.value)) > len(data)


def test_a_second_host_with_the_same_address_replaces_the_first() -> None:
    hosts = b"".join(b'<host><address addr="1.1.1.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="%d">'
                     b'<state state="open"/></port></ports></host>' % port for port in (22, 80))
    result = _analyser().analyse_nmap_xml_scan(b"<nmaprun><runstats><finished/><hosts/></runstats>" + hosts
                                                + b"</nmaprun>")
    assert list(result["scan"]["1.1.1.1"]["tcp"]) == [80]


def test_timed_out_hosts_look_like_hosts_without_open_ports() -> None:
    result = _analyser().analyse_nmap_xml_scan((NMAP_XML / "Ullaakut-nmap/scan_base.xml").read_bytes())
    host = result["scan"]["66.35.250.168"]
    assert "timedout" not in str(host)

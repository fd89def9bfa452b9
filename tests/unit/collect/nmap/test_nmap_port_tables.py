"""Port tables: `<extraports>` read like `<port>` rows, one table per address and technique,
merged without first-wins, and host identity without reverse DNS (pure: XML text in)."""

from __future__ import annotations

import pytest

from checker.collect.nmap.merge import merge_views
from checker.collect.nmap.xml import parse_nmap_run
from checker.evaluate.ports.coverage import outside_findings
from checker.model import FoldedPorts, NetworkView, PortRange, PortTable, Protocol, ScannedPort

HEAD = '<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap" start="1764000000" version="7.93">\n'
TAIL = '<runstats><finished time="1764000010" exit="success"/></runstats>\n</nmaprun>\n'


def _document(scaninfos: str, ports: str, *, address: str = "127.0.0.2", hostnames: str = "") -> bytes:
    family = "ipv6" if ":" in address else "ipv4"
    return (HEAD + scaninfos + f'<host><status state="up"/><address addr="{address}" addrtype="{family}"/>'
            f"<hostnames>{hostnames}</hostnames><ports>{ports}</ports></host>\n" + TAIL).encode()


def _view(scaninfos: str, ports: str, **kwargs: str) -> NetworkView:
    (host,) = parse_nmap_run(_document(scaninfos, ports, **kwargs), "scan.xml").hosts
    return host.view


def _verdict(view: NetworkView, protocol: Protocol, low: int, high: int | None = None) -> str:
    findings = outside_findings(view, protocol, PortRange(low, high or low))
    if findings.open:
        return "open"
    if findings.unproven:
        return "unproven"
    return "uncovered" if findings.uncovered else "proven"


def test_extraports_with_exact_ports_become_folded_groups_of_their_protocol() -> None:
    view = _view('<scaninfo type="syn" protocol="tcp" services="1-40"/>'
                 '<scaninfo type="udp" protocol="udp" services="1-30"/>',
                 '<extraports state="closed" count="69">'
                 '<extrareasons reason="reset" count="39" proto="tcp" ports="1-21,23-40"/>'
                 '<extrareasons reason="port-unreach" count="30" proto="udp" ports="1-30"/></extraports>'
                 '<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/></port>')
    assert view.tables == (
        PortTable("127.0.0.2", Protocol.TCP, "syn", "1-40", "up", (FoldedPorts("closed", 39, "reset", "1-21,23-40"),)),
        PortTable("127.0.0.2", Protocol.UDP, "udp", "1-30", "up",
                  (FoldedPorts("closed", 30, "port-unreach", "1-30"),)),
    )
    assert view.ports == (ScannedPort(Protocol.TCP, 22, "open", "syn-ack", address="127.0.0.2", scan_type="syn"),)
    assert _verdict(view, Protocol.TCP, 22) == "open"
    assert _verdict(view, Protocol.TCP, 23) == _verdict(view, Protocol.UDP, 30) == "proven"
    assert _verdict(view, Protocol.UDP, 31) == "uncovered"


@pytest.mark.parametrize(("technique", "state", "verdict"), [
    ("syn", "filtered", "proven"), ("syn", "closed", "proven"), ("null", "open|filtered", "unproven"),
    ("udp", "open|filtered", "unproven"), ("ack", "unfiltered", "unproven"), ("window", "closed", "unproven"),
    ("maimon", "closed", "unproven"), ("udp", "closed", "proven"), ("idle", "closed|filtered", "unproven"),
])
def test_a_folded_port_proves_what_a_listed_one_would(technique: str, state: str, verdict: str) -> None:
    protocol = "udp" if technique == "udp" else "tcp"
    info = f'<scaninfo type="{technique}" protocol="{protocol}" services="1-1000"/>'
    folded = _view(info, f'<extraports state="{state}" count="1000"><extrareasons reason="r" count="1000"/>'
                         "</extraports>")
    listed = _view(info.replace("1-1000", "23"),
                   f'<port protocol="{protocol}" portid="23"><state state="{state}" reason="r"/></port>')
    assert _verdict(folded, Protocol(protocol), 23) == _verdict(listed, Protocol(protocol), 23) == verdict


def test_older_extraports_without_ports_allow_every_state_of_their_groups() -> None:
    """nmap before 7.92 gives counts only: a folded port may be in any group, so two groups
    prove "not open" only when both states do."""
    info = '<scaninfo type="syn" protocol="tcp" services="1-100"/>'
    both_proving = _view(info, '<extraports state="closed" count="60"/><extraports state="filtered" count="40"/>')
    assert _verdict(both_proving, Protocol.TCP, 1, 100) == "proven"
    info = '<scaninfo type="udp" protocol="udp" services="1-100"/>'
    mixed = _view(info, '<extraports state="closed" count="60"/><extraports state="open|filtered" count="40"/>')
    assert _verdict(mixed, Protocol.UDP, 7) == "unproven"


def test_counts_short_of_the_scanned_ports_add_every_state_the_technique_folds() -> None:
    info = '<scaninfo type="null" protocol="tcp" services="1-100"/>'
    short = _view(info, '<extraports state="closed" count="10"/>')
    assert _verdict(short, Protocol.TCP, 50) == "unproven"
    info = '<scaninfo type="syn" protocol="tcp" services="1-100"/>'
    assert _verdict(_view(info, '<extraports state="closed" count="nonsense"/>'), Protocol.TCP, 50) == "proven"


def test_a_port_without_a_known_technique_proves_nothing() -> None:
    view = _view("", '<port protocol="tcp" portid="23"><state state="closed" reason="reset"/></port>'
                     '<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/></port>')
    assert view.tables == (PortTable("127.0.0.2", Protocol.TCP, None, None, "up"),)
    assert _verdict(view, Protocol.TCP, 23) == _verdict(view, Protocol.TCP, 80) == "unproven"


def test_ipv4_and_ipv6_views_merge_without_first_wins() -> None:
    info = '<scaninfo type="syn" protocol="tcp" services="8080"/>'
    v4 = _view(info, '<port protocol="tcp" portid="8080"><state state="closed" reason="reset"/></port>')
    v6 = _view(info, '<port protocol="tcp" portid="8080"><state state="open" reason="syn-ack"/></port>',
               address="::1")
    for merged in (merge_views(v4, v6), merge_views(v6, v4)):
        assert {(p.address, p.state) for p in merged.ports} == {("127.0.0.2", "closed"), ("::1", "open")}
        assert [f.address for f in outside_findings(merged, Protocol.TCP, PortRange(8080, 8080)).open] == ["::1"]
    proven_v4_only = merge_views(v4, _view('<scaninfo type="syn" protocol="tcp" services="22"/>', "", address="::1"))
    assert _verdict(proven_v4_only, Protocol.TCP, 8080) == "uncovered"  # ::1 never looked at it


def test_an_older_single_address_view_merges_into_tables() -> None:
    legacy = NetworkView("127.0.0.1", "up", ports=(ScannedPort(Protocol.TCP, 22, "open"),),
                         scanned=("tcp:1-1024",), scan_type="syn")
    assert _verdict(legacy, Protocol.TCP, 23) == "proven"  # a SYN scan folds only closed/filtered
    merged = merge_views(legacy, _view('<scaninfo type="syn" protocol="tcp" services="1-1024"/>',
                                       '<extraports state="filtered" count="1024"/>', address="::1"))
    assert {t.address for t in merged.tables} == {"127.0.0.1", "::1"}
    assert merged.ports[0].address == "127.0.0.1" and merged.ports[0].scan_type == "syn"
    assert _verdict(merged, Protocol.TCP, 22) == "open" and _verdict(merged, Protocol.TCP, 23) == "proven"


def test_only_names_the_user_gave_identify_the_host() -> None:
    view = _view('<scaninfo type="syn" protocol="tcp" services="22"/>', "",
                 hostnames='<hostname name="web-1" type="user"/><hostname name="trusted-db.example" type="PTR"/>')
    assert view.hostnames == ("web-1", "trusted-db.example")
    assert view.named == ("web-1",)
    assert view.identities() == ("127.0.0.2", "web-1")

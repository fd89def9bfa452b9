"""Per-host outcomes of an nmap run, and joining outside views with inside views (pure)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from checker.collect.gather import gather_snapshots, import_nmap_xml, outside_targets
from checker.collect.nmap.args import build_nmap_argv
from checker.collect.nmap.merge import HostScan, join_outside_views, merge_host_scans
from checker.collect.nmap.scan import results_of_run
from checker.collect.nmap.targets import parse_targets
from checker.collect.nmap.xml import parse_nmap_run
from checker.errors import InputError, TargetError, UsageError
from checker.model import (
    Baseline,
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    NetworkView,
    Protocol,
    ScannedPort,
    ScanSettings,
    Snapshot,
)
from support import ASSETS, TESTDATA

OK = CollectorRun(Collector.NMAP, CollectorStatus.OK)


def _invocation(*targets: str) -> object:
    return build_nmap_argv(ScanSettings(tcp_ports="22001"), parse_targets(targets), protocol=Protocol.TCP,
                           privileged=True)


def _view(address: str, *ports: int, protocol: Protocol = Protocol.TCP, hostnames: tuple[str, ...] = ()) -> NetworkView:
    return NetworkView(address=address, state="up", hostnames=hostnames,
                       ports=tuple(ScannedPort(protocol, p, "open") for p in ports),
                       scanned=(f"{protocol}:1-65535",), arguments=("nmap",), scan_type="syn",
                       started_at="2026-11-21T10:00:00Z")


def _scan(address: str, *ports: int, name: str | None = None) -> HostScan:
    return HostScan(name or address, address, _view(address, *ports), OK, "2026-11-21T10:00:00Z")


def _local(*addresses: str, hostname: str = "box") -> Snapshot:
    return Snapshot(host=HostInfo(hostname, "2026-11-21T09:59:00Z", "0.1.0", addresses=addresses),
                    collectors=(CollectorRun(Collector.SOCKETS, CollectorStatus.OK),))


def test_results_of_a_run_with_a_timed_out_host() -> None:
    run = parse_nmap_run((ASSETS / "nmap-xml/hostile-banner.xml").read_bytes(), "nmap output")
    invocation = _invocation("127.0.0.2", "127.0.0.3")
    first, second = results_of_run(run, invocation, "2026-11-21T10:00:00Z")  # type: ignore[arg-type]
    assert first.run.status is CollectorStatus.OK and first.view is not None
    assert first.view.arguments == invocation.argv and first.view.source == "scan"  # type: ignore[attr-defined]
    assert second.address == "127.0.0.3" and second.view is None
    assert second.run.status is CollectorStatus.FAILED and "host-timeout 300s" in (second.run.reason or "")


@pytest.mark.parametrize("document, reason", [
    (TESTDATA / "nmap-xml/Ullaakut-nmap/scan_error_resolving_name.xml", "Error resolving name"),
    (b'<nmaprun scanner="nmap"></nmaprun>', "before <runstats>"),
    (b'<nmaprun scanner="nmap"><runstats><finished time="1"/></runstats></nmaprun>', "nmap reported no host"),
    (b'<nmaprun scanner="nmap"><target specification="127.0.0.2" status="skipped" reason="invalid"/>'
     b'<runstats><finished time="1"/></runstats></nmaprun>', "nmap skipped it: invalid"),
])
def test_failed_runs_fail_every_target_never_an_empty_view(document: object, reason: str) -> None:
    data = document.read_bytes() if hasattr(document, "read_bytes") else document
    run = parse_nmap_run(data, "nmap output")  # type: ignore[arg-type]
    (scan,) = results_of_run(run, _invocation("127.0.0.2"), "t")  # type: ignore[arg-type]
    assert scan.view is None and scan.name == "127.0.0.2"
    assert scan.run.status is CollectorStatus.FAILED and reason in (scan.run.reason or "")


def test_a_range_where_no_host_answered_is_an_error_not_silence() -> None:
    run = parse_nmap_run(b'<nmaprun scanner="nmap"><runstats><finished time="1"/></runstats></nmaprun>', "x")
    (scan,) = results_of_run(run, _invocation("127.0.0.2-5"), "t")  # type: ignore[arg-type]
    assert scan.name == "127.0.0.2-5" and scan.run.status is CollectorStatus.FAILED
    assert "no host in 127.0.0.2-5 answered" in (scan.run.reason or "")
    data = (TESTDATA / "nmap-xml/_generated-locally/loopback-7.93-tcp.xml").read_bytes()
    (scan,) = results_of_run(parse_nmap_run(data, "x"), _invocation("127.0.0.0/30"), "t")  # type: ignore[arg-type]
    assert scan.address == "127.0.0.1" and scan.run.status is CollectorStatus.OK


def test_tcp_and_udp_runs_merge_into_one_host() -> None:
    udp = HostScan("127.0.0.2", "127.0.0.2", _view("127.0.0.2", 53, protocol=Protocol.UDP), OK, "t")
    (merged,) = merge_host_scans([_scan("127.0.0.2", 22001), udp])
    assert merged.view is not None
    assert [(p.protocol, p.port) for p in merged.view.ports] == [(Protocol.TCP, 22001), (Protocol.UDP, 53)]
    assert merged.view.scanned == ("tcp:1-65535", "udp:1-65535")
    failed = HostScan("127.0.0.2", "127.0.0.2", None, CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "boom"), "t")
    (merged,) = merge_host_scans([_scan("127.0.0.2", 22001), failed])
    assert merged.run.status is CollectorStatus.FAILED and merged.run.reason == "boom"


def test_a_target_that_is_one_of_this_hosts_addresses_joins_the_local_view() -> None:
    local = _local("127.0.0.1", "::1", "192.0.2.10")
    joined = join_outside_views([local], [_scan("127.0.0.1", 22001), _scan("127.0.0.2", 22002)])
    assert len(joined) == 2
    assert joined[0].host.hostname == "box" and joined[0].network is not None
    assert joined[0].network.address == "127.0.0.1"
    assert joined[0].collector(Collector.NMAP).status is CollectorStatus.OK
    assert joined[0].collector(Collector.SOCKETS).status is CollectorStatus.OK
    outside = joined[1]
    assert outside.host.hostname == "127.0.0.2" and outside.host.addresses == ("127.0.0.2",)
    assert outside.host.collected_at == "2026-11-21T10:00:00Z"
    assert outside.collector(Collector.SOCKETS).status is CollectorStatus.NOT_RUN
    assert outside.collector(Collector.NMAP).status is CollectorStatus.OK


def test_a_failed_scan_of_this_hosts_address_joins_the_local_view() -> None:
    """Fail closed: the local host's exposure rules must see the failure (error), not NOT_RUN (skip)."""
    run = parse_nmap_run(b'<nmaprun scanner="nmap"></nmaprun>', "nmap output")
    (failed,) = results_of_run(run, _invocation("127.0.0.1"), "t")  # type: ignore[arg-type]
    assert failed.address == "127.0.0.1" and failed.view is None
    (joined,) = join_outside_views([_local("127.0.0.1", "::1")], [failed])
    assert joined.host.hostname == "box" and joined.network is None
    assert joined.collector(Collector.NMAP).status is CollectorStatus.FAILED


def test_loopback_neighbours_are_separate_hosts() -> None:
    joined = join_outside_views([_local("127.0.0.1")], [_scan("127.0.0.3"), _scan("127.0.0.2")])
    assert [s.host.hostname for s in joined] == ["box", "127.0.0.2", "127.0.0.3"]
    assert joined[0].network is None


def test_joining_by_hostname_and_a_failed_scan_leaves_no_view() -> None:
    saved = Snapshot(host=HostInfo("web-1", "t", "0.1.0", addresses=("192.0.2.7",)),
                     network=_view("192.0.2.7", 80))
    failed = HostScan("web-1", None, None, CollectorRun(Collector.NMAP, CollectorStatus.FAILED, "nmap: timed out"), "t")
    (joined,) = join_outside_views([saved], [failed])
    assert joined.network is None
    assert joined.collector(Collector.NMAP) == failed.run


def test_a_scan_replaces_a_saved_view_and_a_second_scan_merges() -> None:
    saved = Snapshot(host=HostInfo("box", "t", "0.1.0", addresses=("127.0.0.1",)), network=_view("127.0.0.1", 1))
    (joined,) = join_outside_views([saved], [_scan("127.0.0.1", 22001), _scan("127.0.0.1", 22002, name="localhost")])
    assert joined.network is not None and [p.port for p in joined.network.ports] == [22001, 22002]


def _args(**kwargs: object) -> argparse.Namespace:
    base: dict[str, object] = {"target": [], "snapshot": [], "nmap_xml": [], "local": False, "root": None, "xinetd_conf": None,
                                   "tcp_ports": None, "udp_ports": None, "service_detection": None, "timing": None,
                                   "host_timeout": None, "allow_large_scan": False, "jobs": 4, "progress": False}
    base.update(kwargs)
    return argparse.Namespace(**base)


def test_baseline_targets_are_the_default_and_target_overrides() -> None:
    baseline = Baseline(path="b.yaml", name="b", targets=("127.0.0.9",))
    assert [t.spec for t in outside_targets(_args(), baseline)] == ["127.0.0.9"]
    assert [t.spec for t in outside_targets(_args(target=["127.0.0.2"]), baseline)] == ["127.0.0.2"]
    assert outside_targets(_args(nmap_xml=["x.xml"]), baseline) == ()
    assert outside_targets(_args(), None) == ()


@pytest.mark.parametrize("kwargs, error", [
    ({"target": ["-oN/tmp/x"]}, TargetError),
    ({"target": ["127.0.0.2", "127.0.0.3;id"]}, TargetError),
    ({"target": ["10.0.0.0/8"]}, TargetError),
    ({"target": ["127.0.0.2"], "tcp_ports": "1-10 --script x"}, UsageError),
    ({"target": ["127.0.0.2"], "jobs": 0}, UsageError),
    ({"nmap_xml": [str(TESTDATA / "nmap-xml/_generated-locally/truncated-killed-7.93.xml")]}, InputError),
    ({"nmap_xml": ["/nonexistent/scan.xml"]}, InputError),
])
def test_bad_outside_view_inputs_fail_before_anything_is_collected(kwargs: dict[str, object],
                                                                     error: type[Exception]) -> None:
    with pytest.raises(error):
        gather_snapshots(_args(**kwargs), None)


def test_nmap_xml_import_becomes_outside_only_hosts() -> None:
    scans = import_nmap_xml(str(TESTDATA / "nmap-xml/Ullaakut-nmap/scan_base.xml"))
    failed = [s for s in scans if s.run.status is CollectorStatus.FAILED]
    assert [s.address for s in failed] == ["66.35.250.168"]
    (snapshot,) = join_outside_views([], scans)
    assert snapshot.network is None and snapshot.host.hostname == "66.35.250.168"
    assert snapshot.collector(Collector.NMAP).status is CollectorStatus.FAILED
    path = str(TESTDATA / "nmap-xml/nmap/zenmap/radialnet/share/sample/nmap_example.xml")
    snapshots = join_outside_views([], import_nmap_xml(path))
    assert len(snapshots) == 8
    assert all(s.network is not None and s.network.source == path for s in snapshots)
    with pytest.raises(InputError, match="nmap reported an error: Unsupported error"):
        import_nmap_xml(str(TESTDATA / "nmap-xml/Ullaakut-nmap/scan_error_other.xml"))


def test_a_loopback_scan_never_joins_a_saved_snapshot_of_another_machine(tmp_path: Path) -> None:
    """Every host lists 127.0.0.1 and ::1: in a saved snapshot they name the machine it came
    from, while a scan of 127.0.0.1 reached the machine that ran nmap."""
    from checker.storage.snapshots import snapshot_to_json

    remote = _local("127.0.0.1", "::1", "192.0.2.7", hostname="web-1")
    path = tmp_path / "web-1.json"
    path.write_text(snapshot_to_json(remote))
    scan = str(TESTDATA / "nmap-xml/_generated-locally/loopback-7.93-tcp.xml")
    web1, outside = gather_snapshots(_args(snapshot=[str(path)], nmap_xml=[scan]), None)
    assert web1.host.hostname == "web-1" and web1.network is None
    assert web1.collector(Collector.NMAP).status is CollectorStatus.NOT_RUN
    assert outside.host.hostname == "127.0.0.1" and outside.network is not None
    # Its non-loopback addresses still join, and a snapshot collected here keeps joining by 127.0.0.1.
    (joined,) = join_outside_views([remote], [_scan("192.0.2.7", 80)], saved=1)
    assert joined.network is not None and joined.network.address == "192.0.2.7"
    saved, here = join_outside_views([remote, _local("127.0.0.1")], [_scan("127.0.0.1", 22)], saved=1)
    assert saved.network is None and here.network is not None
    # A snapshot saved on this very machine (same hostname) still joins a loopback scan.
    import socket

    (mine,) = join_outside_views([_local("127.0.0.1", hostname=socket.gethostname())], [_scan("127.0.0.1", 22)],
                                 saved=1)
    assert mine.network is not None


def test_a_reverse_dns_name_never_joins_a_snapshot(tmp_path: Path) -> None:
    """A PTR name is chosen by whoever controls the address's reverse zone: 192.0.2.66 answering
    "web-1" must not become web-1's outside view. A name the scan was asked for still joins."""
    xml = (b'<nmaprun scanner="nmap" start="1"><host><status state="up"/>'
           b'<address addr="192.0.2.66" addrtype="ipv4"/>'
           b'<hostnames><hostname name="web-1" type="PTR"/></hostnames>'
           b'<ports><port protocol="tcp" portid="23"><state state="open"/></port></ports></host>'
           b'<host><status state="up"/><address addr="198.51.100.9" addrtype="ipv4"/>'
           b'<hostnames><hostname name="db-1" type="user"/><hostname name="web-1" type="PTR"/></hostnames>'
           b'<ports><port protocol="tcp" portid="5432"><state state="open"/></port></ports></host>'
           b'<runstats><finished time="2"/></runstats></nmaprun>')
    path = tmp_path / "scan.xml"
    path.write_bytes(xml)
    web1 = _local("192.0.2.7", hostname="web-1")
    db1 = _local("10.0.0.9", hostname="db-1")
    web, db, outside = join_outside_views([web1, db1], import_nmap_xml(str(path)))
    assert web.network is None
    assert db.network is not None and db.network.address == "198.51.100.9"
    assert outside.host.hostname == "192.0.2.66" and outside.network is not None


def test_an_endless_nmap_xml_is_refused_after_the_size_limit(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    """`--nmap-xml /dev/zero` was read whole (memory without bound) before the size check; now a
    device is refused unread, and a regular file one byte over the limit is refused."""
    from checker.collect.nmap import xml as nmap_xml

    monkeypatch.setattr(nmap_xml, "MAX_DOCUMENT_BYTES", 1 << 20)
    with pytest.raises(InputError, match="is a character device, not an nmap XML file"):
        import_nmap_xml("/dev/zero")
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * ((1 << 20) + 1))
    with pytest.raises(InputError, match="larger than 1 MiB"):
        import_nmap_xml(str(big))


def test_an_image_read_with_root_never_gets_the_collecting_machines_outside_view() -> None:
    """`collect --root /mnt/img --target vm`: the snapshot carries the collecting machine's
    hostname, but nmap reached that machine, not the image."""
    image = Snapshot(host=HostInfo("vm", "t", "0.1.0", root="/mnt/img"))
    joined = join_outside_views([image], [_scan("192.0.2.9", 22, name="vm")])
    assert [(s.host.hostname, s.host.root, s.network is not None) for s in joined] == [
        ("vm", "/mnt/img", False), ("vm", None, True)]

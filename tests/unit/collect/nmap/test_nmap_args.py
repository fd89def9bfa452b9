"""The one nmap argument builder: every option it emits is known; no user string becomes an option."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from checker.collect.nmap.args import (
    EMITTED_OPTIONS,
    build_nmap_argv,
    effective_scan_settings,
    parse_port_spec,
    validate_scan_settings,
)
from checker.collect.nmap.scan import plan_groups, plan_invocations, process_timeout
from checker.collect.nmap.targets import parse_target, parse_targets
from checker.errors import ExitCode, UsageError
from checker.model import PortRange, Protocol, ScanSettings

LOOPBACK = parse_targets(["127.0.0.2", "127.0.0.3"])


def _options(argv: tuple[str, ...]) -> list[str]:
    """Every argv element between the program and `--` that is not a value of an option."""
    end = argv.index("--")
    options, skip = [], False
    for arg in argv[1:end]:
        if skip:
            skip = False
            continue
        options.append(arg)
        skip = arg in ("-oX", "-p", "--top-ports", "--host-timeout", "--datadir")
    return options


def test_default_tcp_scan_as_root() -> None:
    inv = build_nmap_argv(ScanSettings(tcp_ports="22000-22999"), LOOPBACK, protocol=Protocol.TCP, privileged=True)
    assert inv.argv == ("nmap", "-oX", "-", "-n", "-Pn", "-sS", "-p", "22000-22999", "-T4",
                        "--host-timeout", "300s", "--", "127.0.0.2", "127.0.0.3")
    assert inv.scan_type == "syn"


def test_unprivileged_uses_connect_scan_and_service_detection_only_when_asked() -> None:
    settings = ScanSettings(tcp_ports="top:100", service_detection=True, timing=3, host_timeout=20)
    inv = build_nmap_argv(settings, LOOPBACK, protocol=Protocol.TCP, privileged=False)
    assert "-sT" in inv.argv and "-sS" not in inv.argv and "-sV" in inv.argv
    assert inv.argv[inv.argv.index("--top-ports") + 1] == "100"
    assert "-T3" in inv.argv and inv.argv[inv.argv.index("--host-timeout") + 1] == "20s"
    assert inv.scan_type == "connect"
    assert "-sV" not in build_nmap_argv(ScanSettings(), LOOPBACK, protocol=Protocol.TCP, privileged=False).argv


def test_udp_is_its_own_run() -> None:
    settings = ScanSettings(tcp_ports="22000-22010", udp_ports="top:20")
    tcp, udp = plan_invocations(LOOPBACK, settings, privileged=True)
    assert "-sU" not in tcp.argv and "-sU" in udp.argv and "-sS" not in udp.argv
    assert udp.argv[udp.argv.index("--top-ports") + 1] == "20" and udp.scan_type == "udp"
    assert [i.protocol for i in plan_invocations(LOOPBACK, ScanSettings(), privileged=True)] == [Protocol.TCP]


def test_ipv6_and_networks() -> None:
    inv = build_nmap_argv(ScanSettings(), parse_targets(["::1"]), protocol=Protocol.TCP, privileged=True)
    assert "-6" in inv.argv and "-Pn" in inv.argv
    inv = build_nmap_argv(ScanSettings(), parse_targets(["127.0.0.2-5"]), protocol=Protocol.TCP, privileged=True)
    assert "-Pn" not in inv.argv and "-6" not in inv.argv


def test_all_ports() -> None:
    inv = build_nmap_argv(ScanSettings(tcp_ports="all"), LOOPBACK, protocol=Protocol.TCP, privileged=True)
    assert inv.argv[inv.argv.index("-p") + 1] == "1-65535"


@pytest.mark.parametrize("settings", [
    ScanSettings(),
    ScanSettings(tcp_ports="all", udp_ports="top:100", service_detection=True, timing=0, host_timeout=1),
    ScanSettings(tcp_ports="1-1024,8080", udp_ports="53,123", timing=5),
])
@pytest.mark.parametrize("targets", [["127.0.0.2"], ["::1"], ["127.0.0.2-5"], ["localhost", "127.0.0.9"]])
@pytest.mark.parametrize("privileged", [True, False])
def test_every_emitted_option_is_known(settings: ScanSettings, targets: list[str], privileged: bool) -> None:
    for inv in plan_invocations(parse_targets(targets), settings, privileged=privileged):
        assert set(_options(inv.argv)) <= EMITTED_OPTIONS
        assert inv.argv[inv.argv.index("--") + 1:] == tuple(t.spec for t in inv.targets)
        assert not any(a.startswith(("--script", "-o", "-iL", "-iR", "--datadir", "--resume"))
                       for a in inv.argv if a not in ("-oX",))


@pytest.mark.parametrize("spec, expected", [
    ("all", (PortRange(1, 65535),)),
    ("22000-22999", (PortRange(22000, 22999),)),
    ("8080,22,1-1024", (PortRange(1, 1024), PortRange(22, 22), PortRange(8080, 8080))),
    ("ALL", (PortRange(1, 65535),)),
])
def test_port_lists(spec: str, expected: tuple[PortRange, ...]) -> None:
    assert parse_port_spec(spec, field="f", allow_none=False).ranges == expected


def test_top_and_none() -> None:
    assert parse_port_spec("top:100", field="f", allow_none=False).top == 100
    assert parse_port_spec("none", field="f", allow_none=True).none


@pytest.mark.parametrize("spec", [
    "", "none", "top:0", "top:70000", "top:", "0", "65536", "5-1", "1-1024;id", "22 -oN /tmp/x",
    "--script=x", "-p-", "T:22", "22,", ",22", "1-2-3", "22\n", " 22", "$(id)", "top:10 --script x", None, 22,
])
def test_bad_port_specs_are_usage_errors(spec: object) -> None:
    with pytest.raises(UsageError) as info:
        parse_port_spec(spec, field="--tcp-ports", allow_none=False)
    assert str(info.value).startswith("--tcp-ports: ")
    assert info.value.exit_code == ExitCode.INPUT_ERROR


@pytest.mark.parametrize("field, value", [
    ("tcp_ports", "1-100 --script=http-exec"),
    ("tcp_ports", "-oN /tmp/x"),
    ("udp_ports", "-iL /etc/shadow"),
    ("udp_ports", "top:10;id"),
    ("timing", "4 --script x"),
    ("timing", 9),
    ("timing", True),
    ("host_timeout", "300s --datadir /tmp"),
    ("host_timeout", 0),
    ("host_timeout", -5),
    ("service_detection", "yes --script=x"),
])
def test_hostile_scan_settings_are_refused(field: str, value: object) -> None:
    settings = replace(ScanSettings(), **{field: value})
    with pytest.raises(UsageError) as info:
        validate_scan_settings(settings)
    assert str(info.value).startswith(f"scan.{field}: ")
    with pytest.raises(UsageError):
        build_nmap_argv(settings, LOOPBACK, protocol=Protocol.TCP, privileged=True)


def test_nothing_to_scan_is_refused() -> None:
    with pytest.raises(UsageError, match="nothing to scan"):
        validate_scan_settings(ScanSettings(tcp_ports="none", udp_ports="none"))


def test_cli_flags_override_the_baseline() -> None:
    base = ScanSettings(tcp_ports="all", udp_ports="top:100", timing=2, host_timeout=100)
    args = argparse.Namespace(tcp_ports="22000-22010", udp_ports="none", service_detection=True,
                              timing=5, host_timeout=7)
    assert effective_scan_settings(base, args) == ScanSettings("22000-22010", "none", True, 5, 7)
    unset = argparse.Namespace(tcp_ports=None, udp_ports=None, service_detection=None, timing=None,
                               host_timeout=None)
    assert effective_scan_settings(base, unset) == base
    assert effective_scan_settings(None, unset) == ScanSettings()
    with pytest.raises(UsageError, match="^--tcp-ports: "):
        effective_scan_settings(base, argparse.Namespace(tcp_ports="-oN /tmp/x"))


def test_unvalidated_targets_are_refused_by_the_builder() -> None:
    from checker.collect.nmap.targets import Target, TargetKind

    forged = Target("-oN/tmp/x", TargetKind.HOSTNAME, "ipv4", 1)
    with pytest.raises(ValueError):
        build_nmap_argv(ScanSettings(), [forged], protocol=Protocol.TCP, privileged=True)


def test_one_group_per_family_and_kind() -> None:
    targets = parse_targets(["127.0.0.2", "::1", "127.0.0.3", "127.0.0.8-9", "localhost", "127.0.1.0/30"])
    specs = [[t.spec for t in g] for g in plan_groups(targets)]
    assert specs == [["127.0.0.8-9", "127.0.1.0/30"], ["127.0.0.2", "127.0.0.3", "localhost"], ["::1"]]


def test_process_timeout_scales_with_hosts_and_service_detection() -> None:
    small = build_nmap_argv(ScanSettings(host_timeout=10), LOOPBACK, protocol=Protocol.TCP, privileged=True)
    assert process_timeout(small, ScanSettings(host_timeout=10)) == 25
    assert process_timeout(small, ScanSettings(host_timeout=10, service_detection=True)) == 35
    big = build_nmap_argv(ScanSettings(host_timeout=10), [parse_target("127.0.0.0/24")],
                          protocol=Protocol.TCP, privileged=True)
    assert process_timeout(big, ScanSettings(host_timeout=10)) == 4 * 20 + 5


def test_datadir_is_the_system_directory_given_and_nothing_else() -> None:
    inv = build_nmap_argv(ScanSettings(), LOOPBACK, protocol=Protocol.TCP, privileged=True,
                          nmap="/usr/bin/nmap", datadir="/usr/share/nmap")
    assert inv.argv[:6] == ("/usr/bin/nmap", "-oX", "-", "-n", "--datadir", "/usr/share/nmap")
    assert set(_options(inv.argv)) <= EMITTED_OPTIONS
    for bad in ("relative/dir", "/usr/share/nmap\0-oN"):
        with pytest.raises(ValueError):
            build_nmap_argv(ScanSettings(), LOOPBACK, protocol=Protocol.TCP, privileged=True, datadir=bad)


def test_nmap_data_dir_prefers_the_binarys_own_prefix(tmp_path: Path) -> None:
    from checker.collect.nmap.scan import nmap_data_dir

    (tmp_path / "bin").mkdir()
    (tmp_path / "share" / "nmap").mkdir(parents=True)
    assert nmap_data_dir(str(tmp_path / "bin" / "nmap")) != str(tmp_path / "share" / "nmap")  # no nmap-services
    (tmp_path / "share" / "nmap" / "nmap-services").write_text("")
    assert nmap_data_dir(str(tmp_path / "bin" / "nmap")) == str(tmp_path / "share" / "nmap")

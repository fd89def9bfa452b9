"""Socket units: the pure unit-file parser and the drop-in merge, on real unit files from
../shared/testdata/systemd (copies of the small ones are in tests/assets/collectors/systemd)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.collect.socket_units import (
    collect_socket_units,
    dropin_dir_names,
    parse_listen_value,
    parse_unit_file,
    socket_unit_from_files,
)
from checker.model import Location, SocketListen

SYSTEMD_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata" / "systemd"
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "collectors" / "systemd"


def listens(unit_listens: tuple[SocketListen, ...]) -> list[tuple[str, str]]:
    return [(listen.kind, listen.value) for listen in unit_listens]


def test_parse_unit_file_keeps_sections_order_and_lines() -> None:
    text = (ASSETS / "kresd.socket").read_text()
    items = parse_unit_file(text, "/usr/lib/systemd/system/kresd.socket")
    socket_items = [(item.key, item.value) for item in items if item.section == "Socket"]
    assert socket_items[:3] == [("FreeBind", "true"), ("BindIPv6Only", "both"), ("FileDescriptorName", "dns")]
    listen = next(item for item in items if item.key == "ListenDatagram")
    assert listen.location == Location("/usr/lib/systemd/system/kresd.socket", 11)


def test_continuation_lines_and_comments() -> None:
    items = parse_unit_file("[Socket]\n; comment\nListenStream=\\\n# skipped\n  127.0.0.1:80\n", "x.socket")
    assert [(item.key, item.value, item.location.line) for item in items] == [("ListenStream", "127.0.0.1:80", 3)]


@pytest.mark.parametrize(("value", "address", "port", "path"), [
    ("53", None, 53, None),
    ("127.0.0.1:53", "127.0.0.1", 53, None),
    ("[::1]:53", "::1", 53, None),
    ("[::]:143", "::", 143, None),
    ("/run/dbus/system_bus_socket", None, None, "/run/dbus/system_bus_socket"),
    ("@abstract", None, None, "@abstract"),
])
def test_listen_values(value: str, address: str | None, port: int | None, path: str | None) -> None:
    listen = parse_listen_value("stream", value)
    assert (listen.address, listen.port, listen.path) == (address, port, path)


def test_kresd_main_file_alone() -> None:
    unit = socket_unit_from_files("kresd.socket", ("/usr/lib/systemd/system/kresd.socket",
                                                   (ASSETS / "kresd.socket").read_text()))
    assert listens(unit.listens) == [("datagram", "[::1]:53"), ("stream", "[::1]:53"),
                                     ("datagram", "127.0.0.1:53"), ("stream", "127.0.0.1:53")]
    assert unit.bind_ipv6_only == "both" and unit.service == "kresd@1.service" and not unit.accept


def test_empty_assignment_in_a_dropin_resets_every_listen() -> None:
    dropin = ASSETS / "kresd.socket.d" / "all-interfaces.conf"
    unit = socket_unit_from_files(
        "kresd.socket", ("/usr/lib/systemd/system/kresd.socket", (ASSETS / "kresd.socket").read_text()),
        [("/etc/systemd/system/kresd.socket.d/override.conf", dropin.read_text())])
    assert listens(unit.listens) == [("datagram", "53"), ("stream", "53")]
    assert unit.listens[0].location == Location("/etc/systemd/system/kresd.socket.d/override.conf", 12)
    assert unit.dropins == ("/etc/systemd/system/kresd.socket.d/override.conf",)


def test_accept_yes_triggers_a_template_service() -> None:
    unit = socket_unit_from_files("sshd.socket", ("/x/sshd.socket", "[Socket]\nListenStream=22\nAccept=yes\n"))
    assert unit.accept and unit.service == "sshd@.service"
    plain = socket_unit_from_files("rsync.socket", ("/x/rsync.socket", "[Socket]\nListenStream=873\n"))
    assert plain.service == "rsync.service"


def test_dropin_directory_names() -> None:
    assert dropin_dir_names("a-b.socket") == ["socket.d", "a-.socket.d", "a-b.socket.d"]
    assert dropin_dir_names("foo@1.socket") == ["socket.d", "foo@.socket.d", "foo@1.socket.d"]


def build_root(root: Path) -> None:
    vendor = root / "usr/lib/systemd/system"
    admin = root / "etc/systemd/system"
    vendor.mkdir(parents=True)
    admin.mkdir(parents=True)
    shutil.copy(ASSETS / "kresd.socket", vendor / "kresd.socket")
    (vendor / "kresd.socket.d").mkdir()
    (vendor / "kresd.socket.d" / "override.conf").write_text("[Socket]\nListenStream=9999\n")
    (admin / "kresd.socket.d").mkdir()
    # Same drop-in name in /etc wins over /usr/lib; applied in lexical order of names.
    shutil.copy(ASSETS / "kresd.socket.d" / "all-interfaces.conf", admin / "kresd.socket.d" / "override.conf")
    shutil.copy(ASSETS / "kresd.socket.d" / "specific-interfaces.conf", admin / "kresd.socket.d" / "zz.conf")
    shutil.copy(ASSETS / "dovecot.socket", vendor / "dovecot.socket")
    (vendor / "cups-lpd.socket").write_text("[Socket]\nListenStream=515\n")
    (admin / "cups-lpd.socket").symlink_to("/dev/null")
    (admin / "rsync-alias.socket").symlink_to("/usr/lib/systemd/system/dovecot.socket")


def test_collect_socket_units_under_a_root(tmp_path: Path) -> None:
    build_root(tmp_path)
    units = {unit.name: unit for unit in collect_socket_units(str(tmp_path), {"kresd.socket": "enabled"})}
    kresd = units["kresd.socket"]
    assert kresd.path == "/usr/lib/systemd/system/kresd.socket" and kresd.enablement == "enabled"
    assert kresd.dropins == ("/etc/systemd/system/kresd.socket.d/override.conf",
                             "/etc/systemd/system/kresd.socket.d/zz.conf")
    assert [(item.kind, item.port, item.address) for item in kresd.listens] == [
        ("datagram", 53, None), ("stream", 53, None),
        ("datagram", 53, "192.0.2.115"), ("stream", 53, "192.0.2.115"),
        ("datagram", 53, "2001:db8::115"), ("stream", 53, "2001:db8::115")]
    assert units["cups-lpd.socket"].enablement == "masked" and units["cups-lpd.socket"].listens == ()
    assert listens(units["rsync-alias.socket"].listens) == listens(units["dovecot.socket"].listens)
    assert units["dovecot.socket"].bind_ipv6_only == "ipv6-only"


def test_every_debian_bookworm_socket_parses() -> None:
    units = {unit.name: unit for unit in collect_socket_units(str(SYSTEMD_DATA / "debian-bookworm-installed"),
                                                              search_path=["/"])}
    assert listens(units["dbus.socket"].listens) == [("stream", "/run/dbus/system_bus_socket")]
    assert listens(units["systemd-initctl.socket"].listens) == [("fifo", "/run/initctl")]
    assert units["systemd-journald-audit.socket"].listens[0].kind == "netlink"
    assert units["systemd-journald-dev-log.socket"].service == "systemd-journald.service"
    assert all(listen.port is None for unit in units.values() for listen in unit.listens)


def test_knot_resolver_tree_in_shared_testdata() -> None:
    units = {unit.name: unit for unit in collect_socket_units(str(SYSTEMD_DATA / "knot-resolver"),
                                                              search_path=["/systemd"])}
    assert set(units) >= {"kresd.socket", "kresd-tls.socket", "kresd-doh.socket", "kresd-webmgmt.socket"}
    assert [listen.port for listen in units["kresd-webmgmt.socket"].listens] == [8453, 8453]


def test_a_units_own_dropin_overrides_a_type_wide_one_of_the_same_name(tmp_path: Path) -> None:
    """systemd (dropin.c) looks at every search-path directory's `NAME.socket.d` and prefix
    directories before any `socket.d`: the type-wide one is "the most generic"."""
    vendor = tmp_path / "usr/lib/systemd/system"
    (vendor / "a-b.socket.d").mkdir(parents=True)
    (vendor / "a-b.socket").write_text("[Socket]\nListenStream=1000\n")
    (vendor / "a-b.socket.d" / "50-listen.conf").write_text("[Socket]\nListenStream=\nListenStream=2000\n")
    (tmp_path / "etc/systemd/system/socket.d").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/socket.d/50-listen.conf").write_text("[Socket]\nListenStream=\n")
    (tmp_path / "etc/systemd/system/a-.socket.d").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/a-.socket.d/60-more.conf").write_text("[Socket]\nListenStream=3000\n")
    (unit,) = collect_socket_units(str(tmp_path))
    assert unit.dropins == ("/usr/lib/systemd/system/a-b.socket.d/50-listen.conf",
                            "/etc/systemd/system/a-.socket.d/60-more.conf")
    assert [listen.port for listen in unit.listens] == [2000, 3000]


def test_an_empty_unit_file_is_masked_and_its_dropins_are_not_applied(tmp_path: Path) -> None:
    admin = tmp_path / "etc/systemd/system"
    (admin / "telnet.socket.d").mkdir(parents=True)
    (admin / "telnet.socket").write_text("")
    (admin / "telnet.socket.d" / "port.conf").write_text("[Socket]\nListenStream=23\n")
    (unit,) = collect_socket_units(str(tmp_path))
    assert unit.enablement == "masked" and unit.listens == () and unit.dropins == ()


def test_keys_are_case_sensitive_like_systemd() -> None:
    """`systemd-analyze verify`: "Unknown key 'listenstream' in section [Socket], ignoring"."""
    unit = socket_unit_from_files("x.socket", ("/x/x.socket", "[Socket]\nlistenstream=23\nListenStream=2323\n"
                                                              "LISTENDATAGRAM=69\naccept=yes\n"))
    assert listens(unit.listens) == [("stream", "2323")] and not unit.accept


def test_an_unreadable_dropin_directory_fails_the_collector_not_silently_empty(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As an unprivileged user a 0700 `NAME.socket.d` cannot be listed: treating it as empty
    reported the vendor Listen* lines as the truth (fail open). Absent directories, a file
    where a directory is expected and symlink loops still read as empty, as for systemd."""
    import os

    admin = tmp_path / "etc/systemd/system"
    (admin / "kresd.socket.d").mkdir(parents=True)
    shutil.copy(ASSETS / "kresd.socket", admin / "kresd.socket")
    (tmp_path / "run/systemd/system").parent.mkdir(parents=True)
    (tmp_path / "run/systemd/system").write_text("a file where a directory is expected")
    (tmp_path / "usr/lib/systemd").mkdir(parents=True)
    (tmp_path / "usr/lib/systemd/system").symlink_to(tmp_path / "usr/lib/systemd/system")
    assert [unit.name for unit in collect_socket_units(str(tmp_path))] == ["kresd.socket"]
    real_listdir = os.listdir

    def denied(path: str) -> list[str]:
        if str(path).endswith("kresd.socket.d"):
            raise PermissionError(13, "Permission denied", path)
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", denied)
    with pytest.raises(PermissionError):
        collect_socket_units(str(tmp_path))

"""The one rooted file resolver (checker/collect/rooted.py) and the two collectors that read
through it: socket_units and xinetd.

The two collectors had resolvers of their own. socket_units followed only the last
component's links itself and let the kernel follow directory links, so a directory link with
an absolute target read this machine's files instead of the image's; xinetd walked every
component inside the root but, past 40 links, handed the link to the kernel, and took a
relative path from the current directory. The shared resolver keeps the strict walk everywhere.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from checker.collect.rooted import MAX_SYMLINK_HOPS, RootedFiles
from checker.collect.socket_units import collect_socket_units
from checker.collect.xinetd import read_xinetd

SOCKET = "[Socket]\nListenStream={port}\n"
ECHO = ("service echo\n{{\n\ttype = INTERNAL UNLISTED\n\tid = {id}\n\tsocket_type = stream\n"
        "\tprotocol = tcp\n\tport = 20007\n\twait = no\n}}\n")


def image_and_host(tmp_path: Path) -> tuple[Path, Path]:
    """An image directory and a directory of this machine outside it."""
    image, host = tmp_path / "image", tmp_path / "host"
    image.mkdir()
    host.mkdir()
    return image, host


def inside(image: Path, host_path: Path) -> Path:
    """Where the absolute path `host_path` lands inside the image."""
    return image / str(host_path).lstrip("/")


def test_absolute_link_targets_stay_inside_the_root(tmp_path: Path) -> None:
    image, host = image_and_host(tmp_path)
    (host / "secret").write_text("this machine's file")
    inside(image, host).mkdir(parents=True)
    (inside(image, host) / "secret").write_text("the image's file")
    (image / "etc").mkdir()
    (image / "etc" / "link").symlink_to(host)  # a directory link on the way
    files = RootedFiles(str(image))
    assert files.resolve("/etc/link/secret") == f"{host}/secret"
    assert files.host_path("/etc/link/secret") == str(inside(image, host) / "secret")
    assert files.read_text("/etc/link/secret") == "the image's file"


def test_dot_dot_never_climbs_above_the_root(tmp_path: Path) -> None:
    image, host = image_and_host(tmp_path)
    (host / "secret").write_text("this machine's file")
    (image / "etc").mkdir()
    climb = "../" * (len(image.parts) + 2) + str(host).lstrip("/") + "/secret"
    (image / "etc" / "link").symlink_to(climb)
    files = RootedFiles(str(image))
    assert files.host_path("/etc/link") == str(inside(image, host) / "secret")
    assert files.host_path("/../../etc/./link") == str(inside(image, host) / "secret")
    assert files.resolve("/etc/link") is None  # absent inside the image


def test_a_relative_path_is_taken_from_the_roots_slash_not_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image, host = image_and_host(tmp_path)
    (host / "extra.conf").write_text("this machine's file")
    monkeypatch.chdir(host)
    assert RootedFiles(str(image)).host_path("extra.conf") == str(image / "extra.conf")
    assert RootedFiles(None).host_path("extra.conf") == "extra.conf"  # no root: the host itself


def test_a_link_loop_is_eloop_never_handed_to_the_kernel(tmp_path: Path) -> None:
    image, _ = image_and_host(tmp_path)
    (image / "a").symlink_to("/b")
    (image / "b").symlink_to("/a")
    files = RootedFiles(str(image))
    assert files.resolve("/a") is None
    with pytest.raises(OSError) as raised:
        files.host_path("/a/file")
    assert raised.value.errno == errno.ELOOP


def test_a_chain_of_max_hops_links_resolves(tmp_path: Path) -> None:
    image, _ = image_and_host(tmp_path)
    (image / "target").write_text("end")
    for index in range(MAX_SYMLINK_HOPS):
        (image / f"link{index}").symlink_to(f"/link{index + 1}" if index + 1 < MAX_SYMLINK_HOPS else "/target")
    files = RootedFiles(str(image))
    assert files.read_text("/link0") == "end"
    (image / "link-1").symlink_to("/link0")
    assert files.resolve("/link-1") is None


def test_a_link_to_dev_null_is_a_mask_even_without_dev_in_the_image(tmp_path: Path) -> None:
    image, _ = image_and_host(tmp_path)
    (image / "unit.socket").symlink_to("/dev/null")
    (image / "dangling.socket").symlink_to("/usr/lib/missing.socket")
    files = RootedFiles(str(image))
    assert files.resolve("/unit.socket") == "/dev/null"
    assert files.resolve("/dangling.socket") is None


def test_socket_units_under_a_root_do_not_follow_a_directory_link_out_of_it(tmp_path: Path) -> None:
    """Before the shared resolver, `etc/systemd/system -> /absolute/dir` listed this
    machine's directory: its units were reported as the image's."""
    image, host = image_and_host(tmp_path)
    (host / "host-only.socket").write_text(SOCKET.format(port=2323))
    inside(image, host).mkdir(parents=True)
    (inside(image, host) / "image.socket").write_text(SOCKET.format(port=2424))
    (image / "etc/systemd").mkdir(parents=True)
    (image / "etc/systemd/system").symlink_to(host)
    units = collect_socket_units(str(image))
    assert [(unit.name, unit.listens[0].port) for unit in units] == [("image.socket", 2424)]


def test_xinetd_under_a_root_does_not_follow_an_includedir_link_out_of_it(tmp_path: Path) -> None:
    image, host = image_and_host(tmp_path)
    (host / "hostonly").write_text(ECHO.format(id="host-only"))
    inside(image, host).mkdir(parents=True)
    (inside(image, host) / "imageonly").write_text(ECHO.format(id="image-only"))
    (image / "etc").mkdir()
    (image / "etc/xinetd.d").symlink_to(host)
    (image / "etc/xinetd.conf").write_text("includedir /etc/xinetd.d\n")
    config = read_xinetd("/etc/xinetd.conf", str(image))
    assert config is not None
    assert [service.id for service in config.services] == ["image-only"]
    assert config.files == ("/etc/xinetd.conf", "/etc/xinetd.d/imageonly")


def test_xinetd_under_a_root_reads_a_relative_include_inside_the_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the shared resolver a relative `include` under --root was read from the
    checker's current directory."""
    image, host = image_and_host(tmp_path)
    (host / "extra.conf").write_text(ECHO.format(id="host-only"))
    (image / "extra.conf").write_text(ECHO.format(id="image-only"))
    (image / "etc").mkdir()
    (image / "etc/xinetd.conf").write_text("include extra.conf\n")
    monkeypatch.chdir(host)
    config = read_xinetd("/etc/xinetd.conf", str(image))
    assert config is not None
    assert [service.id for service in config.services] == ["image-only"]


def test_xinetd_under_a_root_skips_a_looping_include_like_xinetd(tmp_path: Path) -> None:
    """A link loop is the image's real state (xinetd's stat fails with ELOOP too), not
    evidence we could not read."""
    image, _ = image_and_host(tmp_path)
    (image / "etc/xinetd.d").mkdir(parents=True)
    (image / "etc/xinetd.d/loop").symlink_to("/etc/xinetd.d/loop")
    (image / "etc/xinetd.d/echo").write_text(ECHO.format(id="echo"))
    (image / "etc/xinetd.conf").write_text("includedir /etc/xinetd.d\n")
    config = read_xinetd("/etc/xinetd.conf", str(image))
    assert config is not None
    assert [service.id for service in config.services] == ["echo"]
    assert [(p.io_error, p.message.split(":")[0]) for p in config.problems] == [
        (False, "Unable to stat includedir file /etc/xinetd.d/loop")]
    assert os.path.islink(image / "etc/xinetd.d/loop")

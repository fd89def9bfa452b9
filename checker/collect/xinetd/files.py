"""The xinetd collector's file access: the configuration and the host tables, read from
this machine or from a host image through `--root`.

What it is for: `read_xinetd(conf_path, root)` reads the main file, gives the parser
(checker/collect/xinetd/parser.py) a `RootedXinetdFiles` for its includes, and the lookups
xinetd would make on that host (`host_lookups`). Paths and symlinks are resolved inside the
root by checker/collect/rooted.py. The only place of the package that opens files; it does no
parsing of its own. Every read is bounded and never blocks (checker/storage/inputs.py): a FIFO,
a device (`include /dev/zero`) or an oversized file or set is an unreadable include, so the
xinetd collector reports `failed`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping

from checker.collect.rooted import RootedFiles
from checker.collect.xinetd.attributes import DEFAULT_PROTOCOLS
from checker.collect.xinetd.etc_tables import (
    parse_account_names,
    parse_etc_hosts,
    parse_etc_services,
    parse_name_table,
)
from checker.collect.xinetd.model import XinetdConfig, XinetdHost
from checker.collect.xinetd.parser import parse_xinetd
from checker.storage.inputs import UnusableFile, read_bounded, size_text

MAX_XINETD_FILE_BYTES = 1024 * 1024
"""Largest xinetd file read (xinetd.conf or one include): real ones are a few KiB."""
MAX_XINETD_CONFIG_BYTES = 16 * 1024 * 1024
"""Largest configuration set read in all (main file and every include)."""
MAX_HOST_TABLE_BYTES = 64 * 1024 * 1024
"""Largest /etc table read for xinetd's lookups (passwd, group, services, hosts, protocols, rpc)."""


class RootedXinetdFiles(RootedFiles):
    """`XinetdFiles` on the real filesystem, paths taken inside an optional root.

    `redirect` maps a directory as written in the config to another one on this machine
    (tests use it to replace `/etc/xinetd.d` the way run-real-xinetd.sh does); a redirected
    path is used as it is, not looked up inside the root.
    """

    def __init__(self, root: str | None = None, redirect: Mapping[str, str] | None = None) -> None:
        super().__init__(root)
        self.redirect = dict(redirect or {})
        self.config_bytes_left = MAX_XINETD_CONFIG_BYTES
        """What the configuration set (main file and every include) may still add."""

    def read_text(self, path: str, limit: int = MAX_XINETD_FILE_BYTES) -> str:
        """One file of the configuration: at most `MAX_XINETD_FILE_BYTES`, and the whole set at
        most `MAX_XINETD_CONFIG_BYTES`; raises OSError (`UnusableFile` past a bound, a FIFO or a
        device), which the parser records as an unreadable include: the evidence is incomplete.

        Decoded from bytes, so line ends stay as written: Python's universal newlines would turn a
        CRLF file into a clean one, but xinetd ends lines at `\n` only (`stream\r` is a bad socket
        type and a CRLF file runs nothing; the parser's `Lines` keeps the CR for exactly that)."""
        bound = min(limit, self.config_bytes_left)
        try:
            data = read_bounded(self.host_path(path), bound, "a configuration file")
        except UnusableFile as exc:
            if exc.errno == errno.EFBIG and bound < limit:
                raise UnusableFile(errno.EFBIG, f"the xinetd configuration set is larger than "
                                                f"{size_text(MAX_XINETD_CONFIG_BYTES)} in all", path) from None
            raise
        self.config_bytes_left -= len(data)
        return data.decode("utf-8", "replace")

    def read_table(self, path: str) -> str:
        """A lookup table of the host (/etc/services, /etc/passwd...): at most `MAX_HOST_TABLE_BYTES`."""
        return super().read_text(path, MAX_HOST_TABLE_BYTES)

    def host_path(self, path: str) -> str:
        for source, target in self.redirect.items():
            if path == source or path.startswith(source.rstrip("/") + "/"):
                return target + path[len(source):]
        return super().host_path(path)


    def list_dir(self, path: str) -> list[str]:
        """Entry names of a directory; raises OSError (the parser says what it means)."""
        return os.listdir(self.host_path(path))

    def is_regular_file(self, path: str) -> bool:
        """True for a regular file after following symlinks (xinetd uses stat, not lstat)."""
        return stat.S_ISREG(os.stat(self.host_path(path)).st_mode)


def host_lookups(files: RootedXinetdFiles, *, check_accounts: bool = True) -> XinetdHost:
    """The lookups of the host (or --root image) whose config is read, from its /etc files."""

    def read(path: str) -> str:
        try:
            return files.read_table(path)
        except OSError:
            return ""

    protocols_text = read("/etc/protocols")
    rpc_text = read("/etc/rpc")
    protocols = frozenset(parse_name_table(protocols_text)) or DEFAULT_PROTOCOLS
    users = parse_account_names(read("/etc/passwd")) if check_accounts else None
    groups = parse_account_names(read("/etc/group")) if check_accounts else None

    def executable(server: str) -> bool:
        try:
            real = files.host_path(server)
        except OSError:  # a symlink loop inside the root: xinetd's stat fails too
            return False
        return os.access(real, os.X_OK) and os.path.isfile(real)

    return XinetdHost(
        services=parse_etc_services(read("/etc/services")),
        protocols=protocols,
        hosts=parse_etc_hosts(read("/etc/hosts")),
        rpc_programs=parse_name_table(rpc_text) if rpc_text else None,
        users=users or None,
        groups=groups or None,
        # The live host: xinetd's own getpwnam/getgrnam. An image (--root) has only its files.
        account_lookup=_nss_account_exists if check_accounts and files.root is None else None,
        server_is_executable=executable if check_accounts else None,
    )


def _nss_account_exists(kind: str, name: str) -> bool:
    import grp
    import pwd

    try:
        if kind == "user":
            pwd.getpwnam(name)
        else:
            grp.getgrnam(name)
    except (KeyError, OSError, ValueError):
        return False
    return True


def read_xinetd(conf_path: str, root: str | None = None) -> XinetdConfig | None:
    """Parse the xinetd configuration at `conf_path` (inside `root`); None if it does not exist.

    Raises OSError when the main file exists but cannot be read.
    """
    files = RootedXinetdFiles(root)
    real = files.host_path(conf_path)
    if not os.path.lexists(real):
        return None
    text = files.read_text(conf_path)
    return parse_xinetd(text, conf_path, files=files, host=host_lookups(files))

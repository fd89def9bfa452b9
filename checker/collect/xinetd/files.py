"""The xinetd collector's file access: the configuration and the host tables, read from
this machine or from a host image through `--root`.

What it is for: `read_xinetd(conf_path, root)` reads the main file, gives the parser
(checker/collect/xinetd/parser.py) a `RootedXinetdFiles` for its includes, and the lookups
xinetd would make on that host (`host_lookups`). Paths and symlinks are resolved inside the
root by checker/collect/rooted.py. The only place of the package that opens files; it does no
parsing of its own.
"""

from __future__ import annotations

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


class RootedXinetdFiles(RootedFiles):
    """`XinetdFiles` on the real filesystem, paths taken inside an optional root.

    `redirect` maps a directory as written in the config to another one on this machine
    (tests use it to replace `/etc/xinetd.d` the way run-real-xinetd.sh does); a redirected
    path is used as it is, not looked up inside the root.
    """

    def __init__(self, root: str | None = None, redirect: Mapping[str, str] | None = None) -> None:
        super().__init__(root)
        self.redirect = dict(redirect or {})

    def host_path(self, path: str) -> str:
        for source, target in self.redirect.items():
            if path == source or path.startswith(source.rstrip("/") + "/"):
                return target + path[len(source):]
        return super().host_path(path)

    def read_text(self, path: str) -> str:
        """The file's text with its line ends as written (undecodable bytes replaced).

        Python's universal newlines would turn a CRLF file into a clean one; xinetd ends lines
        at `\n` only, so `stream\r` is a bad socket type and a CRLF file runs nothing (the
        parser's `Lines` keeps the CR for exactly that)."""
        with open(self.host_path(path), encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()

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
            return files.read_text(path)
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

"""The xinetd collector's public types: the file access and host lookups it is given, and
the parsed configuration it returns.

What it is for: the contract between the pure parser (checker/collect/xinetd/parser.py) and
its callers. Frozen dataclasses and a Protocol only; no parsing and no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from checker.collect.xinetd.attributes import DEFAULT_PROTOCOLS
from checker.model import Location, XinetdService, XinetdValue

BUILTIN_FILE = "<xinetd built-in>"
BUILTIN = Location(BUILTIN_FILE, 0)
"""Where a value xinetd supplies itself comes from."""


class XinetdFiles(Protocol):
    """File access for include/includedir (the parser itself does no I/O)."""

    def read_text(self, path: str) -> str:
        """The file's text; raises OSError."""

    def list_dir(self, path: str) -> list[str]:
        """Entry names of a directory; raises OSError."""

    def is_regular_file(self, path: str) -> bool:
        """True for a regular file after following symlinks (xinetd uses stat, not lstat)."""


@dataclass(frozen=True)
class XinetdHost:
    """What xinetd looks up on the machine it runs on while parsing.

    The default is a static parse: accounts and servers are not checked, and ports come only
    from `services`. Pass the live host's (or the --root image's) tables to reproduce xinetd.
    """

    services: Mapping[tuple[str, str], int] | None = None
    """/etc/services: (name or alias, protocol) -> port; None = not checked (a listed service
    without `port` then has no known port)."""
    protocols: frozenset[str] = DEFAULT_PROTOCOLS
    """/etc/protocols names and aliases, as written (the lookup is case-sensitive)."""
    hosts: Mapping[str, tuple[str, ...]] | None = None
    """/etc/hosts: name -> addresses, to tell the family of a `bind` host name (never DNS)."""
    rpc_programs: Mapping[str, int] | None = None
    """/etc/rpc: name -> program number; None = not checked."""
    users: frozenset[str] | None = None
    """Account names that exist; None = not checked (static parse)."""
    groups: frozenset[str] | None = None
    account_lookup: Callable[[str, str], bool] | None = None
    """`(kind, name) -> exists`, kind `user` or `group`: the live host's getpwnam/getgrnam,
    which xinetd itself calls and which also knows NSS accounts (LDAP, SSSD) that
    /etc/passwd lacks. When set it is asked for names `users`/`groups` do not list."""
    server_is_executable: Callable[[str], bool] | None = None
    """None = not checked (static parse)."""

    def has_account(self, kind: str, name: str) -> bool:
        known = self.users if kind == "user" else self.groups
        if known is None or name in known:
            return True
        return self.account_lookup is not None and self.account_lookup(kind, name)


@dataclass(frozen=True)
class XinetdProblem:
    """A message xinetd would log (warning or error), located."""

    location: Location
    message: str
    io_error: bool = False
    """The file or directory exists but could not be read *by us* (e.g. permission denied):
    the evidence is incomplete. A missing include is not an I/O error: xinetd skips it too."""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class XinetdConfig:
    """The result of parsing one xinetd.conf with everything it includes."""

    services: tuple[XinetdService, ...]
    """Every service entry in file order, enabled or not (with the reason)."""
    defaults: Mapping[str, XinetdValue]
    problems: tuple[XinetdProblem, ...]
    files: tuple[str, ...]
    """Every file read, in reading order."""
    fatal: str | None = None
    """Why the real xinetd would refuse to start (a bad `defaults` attribute), or None."""

    @property
    def enabled_services(self) -> tuple[XinetdService, ...]:
        return tuple(service for service in self.services if service.enabled)


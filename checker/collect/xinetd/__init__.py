"""xinetd configuration: a complete parser of xinetd.conf and the effective service set.

What it is for: the `xinetd` collector. `parse_xinetd(text, path, ...)` reproduces what
xinetd 2.3.15.3 (the Debian package) does with a configuration, following
../shared/testdata/xinetd/GRAMMAR.md and the binary's own parse dumps:

* line grammar: `service NAME` / `defaults` followed by a line holding only `{`, attribute
  lines `name OP values` (a space is required before the operator), `}` alone on a line;
  `include FILE` and `includedir DIR` (names with `.` or ending in `~` skipped, byte order,
  symlinks followed, not recursive); `#` starts a comment only as the first character of a
  line; keywords, attribute names and enumerated values are case-insensitive;
* `=`, `+=`, `-=` with xinetd's rules (first value of a single-valued attribute wins, `+=`/`-=`
  only on list attributes, `=` in `defaults` accumulates, wrong arity ignored with a warning,
  a rejected value disables the service, `disable = yes` drops it at once);
* the effective configuration after `defaults` (list attributes copied when the service entry
  starts; instances/cps/per_source/max_load/bind/... filled after every file is read) and
  xinetd's built-in defaults, then `enabled`/`disabled`, the required-attribute checks,
  `/etc/services` port checks, internal-service lookup and the bind/port conflict check.

Every value carries the file and line it came from (`<xinetd built-in>:0` for built-ins).

Host dependence: xinetd checks, while parsing, that `user`/`group` exist and `server` is
executable *on the machine it runs on*, and it takes ports from /etc/services. Those lookups
are the `XinetdHost` parameter. `XinetdHost()` (the default) is a *static* parse: accounts
and servers are not checked, so a service is judged on its syntax alone; the live collector
passes the host's (or the --root image's) passwd, group, services and executables, which
reproduces the real xinetd on that host (on the live host accounts are also asked of NSS,
as xinetd's getpwnam does, so LDAP/SSSD accounts count). Host names in `bind`, `only_from`
and `no_access` are never resolved here (xinetd resolves them at start-up); they are kept
as written.

A fatal error in the `defaults` section makes the real xinetd exit (`-d` debug mode carries
on instead). `parse_xinetd(..., debug_mode=False)` models the production daemon: every
service is then reported disabled with that reason. The differential tests compare with dumps
made by `xinetd -d` and pass `debug_mode=True`.

What it must not do: touch the network, resolve names, or read files other than through the
`XinetdFiles` object it is given (the I/O wrapper at the bottom is the only file access).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from checker.model import Location, XinetdService, XinetdValue

BUILTIN_FILE = "<xinetd built-in>"
BUILTIN = Location(BUILTIN_FILE, 0)
MAX_INCLUDE_DEPTH = 32
MAX_FILES_READ = 4096
"""Files parsed in all, includes counted: beyond it reading stops and the evidence is incomplete."""
_TOKEN_SPLIT = re.compile(r"[ \t]+")

# --------------------------------------------------------------------------- attribute tables

# Arity as in parse.c: n > 0 exactly n values, -1 any number, -2 any number with += / -=.
SERVICE_ARITY: dict[str, int] = {
    "socket_type": 1, "protocol": 1, "wait": 1, "user": 1, "group": 1, "server": 1,
    "server_args": -1, "instances": 1, "log_on_success": -2, "log_on_failure": -2,
    "log_type": -1, "only_from": -2, "no_access": -2, "access_times": -1, "type": -1,
    "rpc_version": 1, "rpc_number": 1, "id": 1, "env": -2, "port": 1, "passenv": -2,
    "flags": -1, "nice": 1, "redirect": 2, "banner": 1, "bind": 1, "interface": 1,
    "per_source": 1, "groups": 1, "banner_success": 1, "banner_fail": 1, "cps": 2,
    "leaky_bucket": 4, "disable": 1, "max_load": 1, "rlimit_as": 1, "rlimit_cpu": 1,
    "rlimit_data": 1, "rlimit_files": 1, "rlimit_rss": 1, "rlimit_stack": 1, "v6only": 1,
    "deny_time": 1, "umask": 1, "libwrap": 1,
}
DEFAULTS_ARITY: dict[str, int] = {
    "log_type": -2, "log_on_success": -2, "log_on_failure": -2, "disabled": -2, "no_access": -2,
    "only_from": -2, "instances": 1, "passenv": -2, "banner": 1, "bind": 1, "interface": 1,
    "per_source": 1, "groups": 1, "banner_success": 1, "banner_fail": 1, "cps": 2,
    "leaky_bucket": 4, "enabled": -2, "max_load": 1, "v6only": 1, "umask": 1,
}
# Copied from `defaults` when a service entry starts (get_service_entry), in this order.
COPIED_AT_ENTRY_START = ("log_on_success", "log_on_failure", "only_from", "no_access", "passenv",
                         "access_times", "banner", "banner_success", "banner_fail")

SERVICE_TYPES = ("RPC", "INTERNAL", "UNLISTED", "TCPMUX", "TCPMUXPLUS", "SPECIAL")
SERVICE_FLAGS = ("REUSE", "INTERCEPT", "NORETRY", "IDONLY", "NAMEINARGS", "NODELAY", "KEEPALIVE",
                 "NOLIBWRAP", "SENSOR", "IPV4", "IPV6", "LABELED")
# Canonical spelling in the snapshot (the dump writes IPv4/IPv6).
_FLAG_SPELLING = {"IPV4": "IPv4", "IPV6": "IPv6"}
SUCCESS_LOG_FLAGS = ("PID", "HOST", "USERID", "EXIT", "DURATION", "TRAFFIC")
FAILURE_LOG_FLAGS = ("HOST", "USERID", "ATTEMPT")
SOCKET_TYPES = ("stream", "dgram", "raw", "seqpacket")
SYSLOG_FACILITIES = ("daemon", "auth", "authpriv", "user", "mail", "lpr", "news", "uucp", "ftp",
                     *(f"local{i}" for i in range(8)))
SYSLOG_LEVELS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
# builtins.c: internal services and the socket types each implements ("sensor" for SENSOR).
INTERNAL_SERVICES = {
    "echo": ("stream", "dgram"), "chargen": ("stream", "dgram"), "daytime": ("stream", "dgram"),
    "time": ("stream", "dgram"), "discard": ("stream", "dgram"), "servers": ("stream",),
    "services": ("stream",), "tcpmux": ("stream",), "sensor": ("stream", "dgram"),
}
IDENTITY_PORT = 113
DEFAULT_PROTOCOLS = frozenset({"ip", "IP", "icmp", "ICMP", "tcp", "TCP", "udp", "UDP", "ipv6", "IPv6",
                               "ipv6-icmp", "IPv6-ICMP", "sctp", "SCTP", "udplite", "UDPLite"})


# --------------------------------------------------------------------------- public types


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


# --------------------------------------------------------------------------- parsing state


class _AttributeError(Exception):
    """An attribute parser rejected its values (xinetd: "Error parsing attribute")."""


@dataclass
class _Entry:
    """A service (or the defaults) while it is being parsed. Mutable on purpose; never escapes."""

    name: str
    location: Location
    values: dict[str, XinetdValue] = field(default_factory=dict)
    specified: set[str] = field(default_factory=set)
    """Attributes the entry itself set successfully (xinetd's SC_SPECIFIED)."""
    disabled_reason: str | None = None
    """Set while the entry is marked disabled (SC_DISABLE); `disable = no` clears it."""
    dropped: str | None = None
    """The entry never reaches the service list (disable = yes, syntax error)."""


class _Parser:
    def __init__(self, files: XinetdFiles | None, host: XinetdHost, debug_mode: bool) -> None:
        self.files = files
        self.host = host
        self.debug_mode = debug_mode
        self.defaults = _Entry("defaults", BUILTIN)
        self.entries: list[_Entry] = []
        self.problems: list[XinetdProblem] = []
        self.read_files: list[str] = []
        self.reading: list[str] = []
        """Files and directories being read (the include chain), to cut include loops."""
        self.fatal: str | None = None

    # ----------------------------------------------------------------- messages

    def problem(self, location: Location, message: str, *, io_error: bool = False) -> None:
        self.problems.append(XinetdProblem(location, message, io_error))

    # ----------------------------------------------------------------- files

    def parse_file(self, text: str, path: str, depth: int = 0) -> None:
        self.read_files.append(path)
        self.reading.append(os.path.normpath(path))
        try:
            self.parse_lines(_Lines(text, path), depth)
        finally:
            self.reading.pop()

    def include_loop(self, path: str, location: Location) -> bool:
        """True (and a problem recorded) when `path` may not be read now.

        An include of a file or directory already in the include chain would repeat forever
        (two files in an includedir that include it again grow as 2^depth): it is skipped,
        which gives the services xinetd keeps (its repeated copies are duplicates). Past
        MAX_FILES_READ files in all, reading stops and the evidence is incomplete."""
        if os.path.normpath(path) in self.reading:
            self.problem(location, f"include loop: {path} is already being read; not read again")
            return True
        if len(self.read_files) >= MAX_FILES_READ:
            self.problem(location, f"more than {MAX_FILES_READ} configuration files included: "
                         f"{path} and the rest not read", io_error=True)
            return True
        return False

    def parse_lines(self, lines: _Lines, depth: int) -> None:
        path = lines.path
        found_defaults = False
        while True:
            line = lines.next()
            if line is None:
                return
            number, content = line
            location = Location(path, number)
            tokens = _tokens(content)
            keyword = tokens[0].lower()
            if keyword in ("service", "include", "includedir"):
                if len(tokens) < 2:
                    self.problem(location, "service name missing")
                    lines.skip_entry()
                    continue
                if keyword == "include":
                    self.include_file(tokens[1], location, depth)
                    continue
                if keyword == "includedir":
                    self.include_dir(tokens[1], location, depth)
                    continue
            elif keyword != "defaults":
                self.problem(location, "missing service keyword")
                lines.skip_entry()
                continue
            brace = lines.next()
            if brace is None or brace[1].strip() != "{":
                label = tokens[1] if keyword == "service" else "defaults"
                self.problem(location, f"Service {label}: missing '{{'")
                lines.skip_entry()
                continue
            if keyword == "service":
                self.service_entry(tokens[1], location, lines)
            elif found_defaults:
                self.problem(location, "only 1 defaults entry is allowed. This entry will be ignored")
                lines.skip_entry()
            elif self.parse_entry(self.defaults, lines, is_defaults=True):
                found_defaults = True

    def include_file(self, target: str, location: Location, depth: int) -> None:
        if self.files is None:
            self.problem(location, f"include {target} not followed (no file access)", io_error=True)
            return
        if depth >= MAX_INCLUDE_DEPTH:
            self.problem(location, f"include {target}: nested too deeply (loop?)")
            return
        if self.include_loop(target, location):
            return
        try:
            text = self.files.read_text(target)
        except OSError as exc:
            self.problem(location, f"Unable to open included configuration file: {target}: "
                         f"{exc.strerror or exc}", io_error=_unreadable_by_us(exc))
            return
        self.parse_file(text, target, depth + 1)

    def include_dir(self, directory: str, location: Location, depth: int) -> None:
        if self.files is None:
            self.problem(location, f"includedir {directory} not followed (no file access)", io_error=True)
            return
        if depth >= MAX_INCLUDE_DEPTH:
            self.problem(location, f"includedir {directory}: nested too deeply (loop?)")
            return
        if self.include_loop(directory, location):
            return
        self.reading.append(os.path.normpath(directory))
        try:
            self.include_dir_files(self.files, directory, location, depth)
        finally:
            self.reading.pop()

    def include_dir_files(self, files: XinetdFiles, directory: str, location: Location, depth: int) -> None:
        try:
            names = files.list_dir(directory)
        except OSError as exc:
            self.problem(location, f"Unable to read included directory: {directory}: "
                         f"{exc.strerror or exc}", io_error=_unreadable_by_us(exc))
            return
        # includedir.c: strcmp order; names with a '.' anywhere or a trailing '~' are skipped.
        for name in sorted(names, key=os.fsencode):
            if "." in name or name.endswith("~"):
                continue
            path = f"{directory.rstrip('/')}/{name}"
            try:
                regular = files.is_regular_file(path)
            except OSError as exc:
                self.problem(location, f"Unable to stat includedir file {path}: {exc.strerror or exc}",
                             io_error=_unreadable_by_us(exc))
                continue
            if not regular:
                self.problem(location, f"{path} is not a regular file. It is being skipped.")
                continue
            if self.include_loop(path, location):
                continue
            try:
                text = files.read_text(path)
            except OSError as exc:
                self.problem(location, f"Unable to open included configuration file: {path}: "
                             f"{exc.strerror or exc}", io_error=_unreadable_by_us(exc))
                continue
            self.parse_file(text, path, depth + 1)

    # ----------------------------------------------------------------- entries

    def service_entry(self, name: str, location: Location, lines: _Lines) -> None:
        entry = _Entry(name, location)
        for attribute in COPIED_AT_ENTRY_START:
            if attribute in self.defaults.specified:
                entry.values[attribute] = self.defaults.values[attribute]
        if not self.parse_entry(entry, lines, is_defaults=False):
            lines.skip_entry()
            entry.dropped = entry.dropped or "dropped while parsing"
        if "id" not in entry.specified:
            entry.values["id"] = XinetdValue((name,), location)
        self.entries.append(entry)

    def parse_entry(self, entry: _Entry, lines: _Lines, *, is_defaults: bool) -> bool:
        """Attribute lines up to `}`. False when the entry fails as a whole (xinetd: FAILED)."""
        while True:
            line = lines.next()
            if line is None:
                self.problem(Location(lines.path, lines.number), "incomplete entry")
                entry.dropped = "incomplete entry (end of file inside the entry)"
                return False
            number, content = line
            if content.strip() == "}":
                return True
            location = Location(lines.path, number)
            parsed = _parse_line(content)
            if isinstance(parsed, str):
                self.problem(location, parsed)
                entry.dropped = f"{location}: {parsed}"
                return False
            name, op, values = parsed
            self.identify_attribute(entry, name, op, values, location, is_defaults)
            if name.lower() == "disable" and entry.disabled_reason is not None and not is_defaults:
                # parse.c: "As soon as we realize that the service is disabled we don't continue".
                entry.dropped = entry.disabled_reason
                return False

    def identify_attribute(self, entry: _Entry, name: str, op: str, values: list[str],
                           location: Location, is_defaults: bool) -> None:
        table = DEFAULTS_ARITY if is_defaults else SERVICE_ARITY
        key = name.lower()
        if key not in table:
            self.problem(location, f"attribute: {name} should not be in default section" if is_defaults
                         else f"bad service attribute: {name}")
            return
        arity = table[key]
        canonical = "bind" if key == "interface" else key
        if arity != -2:
            if canonical in entry.specified:
                self.problem(location, f"Service {entry.name}: attribute already set: {name}")
                return
            if op != "=":
                self.problem(location, f"Service {entry.name}: operator '{op}' cannot be used for "
                             f"attribute '{name}'")
                return
        elif is_defaults and op == "=":
            op = "+="  # parse.c: for the defaults entry '=' and '+=' have the same meaning
        if arity > 0 and arity != len(values):
            self.problem(location, f"attribute {name} expects {arity} values and {len(values)} values "
                         "were specified")
            return
        try:
            result = self.parse_value(entry, canonical, op, values, location)
        except _AttributeError as exc:
            self.problem(location, str(exc))
            if is_defaults:
                if not self.debug_mode and self.fatal is None:
                    self.fatal = (f"{location}: error parsing defaults attribute {name} ({exc}): "
                                  "xinetd exits")
                return
            self.problem(location, f"Error parsing attribute {name} - DISABLING SERVICE")
            if entry.disabled_reason is None:  # the first error is the one that disabled it
                entry.disabled_reason = f"{location}: error parsing attribute {name}: {exc}"
            return
        if canonical == "disable":
            entry.disabled_reason = f"{location}: disable = {values[0]}" if result == ("yes",) else None
        if result is not None:
            entry.values[canonical] = XinetdValue(result, location)
        entry.specified.add(canonical)

    # ----------------------------------------------------------------- attribute parsers

    def parse_value(self, entry: _Entry, key: str, op: str, values: list[str],
                    location: Location) -> tuple[str, ...] | None:
        """Validate `values` like xinetd's parser for `key`; the new value (None = keep)."""
        current = entry.values.get(key)
        current_values = current.values if current else ()
        if key in ("wait", "groups", "v6only", "disable"):
            return (_yes_no(key, values[0]),)
        if key == "socket_type":
            if values[0].lower() not in SOCKET_TYPES:
                raise _AttributeError(f"Bad socket type: {values[0]}")
            return (values[0].lower(),)
        if key == "protocol":
            # getprotobyname() is case-sensitive (`TCP` works only as an alias in /etc/protocols),
            # and the name is kept as written: getservbyname() later uses it as is.
            if values[0] not in self.host.protocols:
                raise _AttributeError(f"Protocol {values[0]} not in /etc/protocols")
            return (values[0],)
        if key in ("user", "group"):
            if not values[0].isdigit() and not self.host.has_account(key, values[0]):
                raise _AttributeError(f"Unknown {key}: {values[0]}")
            return (values[0],)
        if key == "server":
            check = self.host.server_is_executable
            if check is not None and not check(values[0]):
                raise _AttributeError(f"Server {values[0]} is not executable")
            return (values[0],)
        if key in ("server_args", "access_times", "type", "flags", "log_type") and not values:
            raise _AttributeError(f"attribute {key} expects at least 1 value and none was given.")
        if key == "server_args":
            return tuple(values)
        if key == "access_times":
            for interval in values:
                if not _is_time_interval(interval):
                    raise _AttributeError(f"Bad time interval: {interval}")
            return (*current_values, *values) if op != "=" else tuple(values)
        if key in ("instances", "per_source"):
            if values[0].upper() == "UNLIMITED":
                return ("UNLIMITED",)
            number = _base10(values[0])
            if number is None or number < 0:
                raise _AttributeError(f"Number of {key} is invalid: {values[0]}")
            return (str(number),)
        if key == "cps":
            numbers = [_base10(value) for value in values]
            if any(number is None or number < 0 for number in numbers):
                raise _AttributeError("cps argument not a number")
            return tuple(str(number) for number in numbers)
        if key == "max_load":
            match = re.match(r"^[ \t]*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", values[0])
            if not match:
                raise _AttributeError("error reading max_load argument")
            if float(match.group(0)) == 0:
                raise _AttributeError("error parsing max_load argument")
            return (repr(float(match.group(0))),)
        if key == "port":
            number = _base10(values[0])
            if number is None or not 0 <= number < 65536:
                raise _AttributeError("port number is invalid")
            return (str(number),)
        if key in ("id", "banner", "banner_success", "banner_fail", "libwrap"):
            return (values[0],)
        if key == "type":
            return _merge_names(current_values, values, SERVICE_TYPES, "service type")
        if key == "flags":
            return _merge_names(current_values, values, SERVICE_FLAGS, "service flag")
        if key in ("log_on_success", "log_on_failure"):
            names = SUCCESS_LOG_FLAGS if key == "log_on_success" else FAILURE_LOG_FLAGS
            start = () if op == "=" else current_values
            return _apply_flags(start, values, names, op, f"{key} flag")
        if key == "log_type":
            return _log_type(values)
        if key in ("only_from", "no_access"):
            return self.address_list(current_values if op != "=" else (), values, op, location)
        if key == "passenv":
            variables = list(current_values) if op != "=" else []
            for value in values:
                if op == "-=":
                    if value in variables:
                        variables.remove(value)
                elif value not in variables:
                    variables.append(value)
            return tuple(variables)
        if key == "env":
            if op == "-=":
                raise _AttributeError("operator '-=' not supported for env attribute")
            definitions = list(current_values) if op != "=" else []
            for value in values:
                if "=" not in value:
                    raise _AttributeError(f"{value} has no '='")
                definitions.append(value)
            return tuple(definitions)
        if key in ("disabled", "enabled"):
            return (*current_values, *values)
        if key == "rpc_version":
            low, _, high = values[0].partition("-")
            low_number, high_number = _base10(low), _base10(high) if high else _base10(low)
            if low_number is None or high_number is None or low_number > high_number:
                raise _AttributeError(f"bad version range: {values[0]}")
            return (values[0],)
        if key in ("rpc_number", "nice"):
            if _base10(values[0]) is None:
                raise _AttributeError(f"Error parsing: {values[0]}")
            return (values[0],)
        if key == "redirect":
            port = _base10(values[1])
            if (port is None or port <= 0) and (values[1], "tcp") not in (self.host.services or {}):
                raise _AttributeError("port number invalid")
            if port is not None and port >= 65536:
                raise _AttributeError("port number too large")
            return tuple(values)
        if key == "bind":
            return (values[0],)
        if key == "deny_time":
            if values[0].upper() in ("FOREVER", "NEVER"):
                return (values[0].upper(),)
            if _base10(values[0]) is None:
                raise _AttributeError(f"Error parsing: {values[0]}")
            return (values[0],)
        if key == "umask":
            try:
                mask = int(values[0], 8)
            except ValueError:
                raise _AttributeError("umask argument is invalid.") from None
            if not 0 <= mask <= 0o777:
                raise _AttributeError("umask argument is invalid.")
            return (values[0],)
        if key.startswith("rlimit_"):
            if values[0].upper() == "UNLIMITED":
                return ("UNLIMITED",)
            pattern = r"^\d+$" if key == "rlimit_cpu" else r"^\d+[kKmM]?$"
            if not re.match(pattern, values[0].strip()):
                raise _AttributeError(f"{key} limit is invalid: {values[0]}")
            return (values[0],)
        if key == "leaky_bucket":
            return tuple(values)
        raise _AttributeError(f"no parser for {key}")  # unreachable: every table key is handled

    def address_list(self, start: Sequence[str], values: list[str], op: str,
                     location: Location) -> tuple[str, ...]:
        addresses = list(start)
        for value in values:
            if "," in value and "{" not in value:
                raise _AttributeError(f"Address: {value} has a comma in it - remove the comma")
            value = _inet_aton_form(value)
            if not _is_address_token(value):
                # addr.c: a token that does not parse is reported and skipped; the service stays.
                self.problem(location, f"failed to parse {value}")
                continue
            if op == "-=":
                addresses = [address for address in addresses if not _same_address(address, value)]
            elif not any(_same_address(address, value) for address in addresses):
                addresses.append(value)
        return tuple(addresses)

    # ----------------------------------------------------------------- after all files

    def finish(self) -> XinetdConfig:
        enabled_ids = self.defaults.values.get("enabled") if "enabled" in self.defaults.specified else None
        disabled_ids = self.defaults.values.get("disabled") if "disabled" in self.defaults.specified else None
        kept: list[_Entry] = []
        reasons: dict[int, str] = {}
        for index, entry in enumerate(self.entries):
            if entry.dropped:
                reasons[index] = entry.dropped
                continue
            if enabled_ids is not None:
                # confparse.c: `enabled` disables every service whose id is not listed, and
                # re-enables the listed ones even if a parse error had disabled them.
                if _id(entry) in enabled_ids.values:
                    entry.disabled_reason = None
                else:
                    entry.disabled_reason = f"{enabled_ids.location}: id {_id(entry)} not listed in " \
                                            "defaults enabled"
            if entry.disabled_reason:
                reasons[index] = entry.disabled_reason
                continue
            if disabled_ids is not None and _id(entry) in disabled_ids.values:
                reasons[index] = f"{disabled_ids.location}: id {_id(entry)} listed in defaults disabled"
                continue
            failure = self.service_fill(entry) or self.check_entry(entry, kept)
            if failure:
                self.problem(entry.location, failure)
                reasons[index] = f"{entry.location}: {failure}"
                continue
            kept.append(entry)
        services = []
        for index, entry in enumerate(self.entries):
            reason = reasons.get(index)
            if reason is None and self.fatal:
                reason = self.fatal
            services.append(XinetdService(
                name=entry.name,
                id=_id(entry),
                enabled=reason is None,
                location=entry.location,
                disabled_reason=reason,
                attributes=dict(sorted(entry.values.items())),
            ))
        return XinetdConfig(
            services=tuple(services),
            defaults={key: self.defaults.values[key] for key in sorted(self.defaults.specified)
                      if key in self.defaults.values},
            problems=tuple(self.problems),
            files=tuple(self.read_files),
            fatal=self.fatal,
        )

    def inherit(self, entry: _Entry, key: str, builtin: tuple[str, ...] | None) -> None:
        """service_fill: take `key` from defaults, else the built-in value, unless the entry set it."""
        if key in entry.specified:
            return
        if key in self.defaults.specified and key in self.defaults.values:
            entry.values[key] = self.defaults.values[key]
        elif builtin is not None:
            entry.values[key] = XinetdValue(builtin, BUILTIN)

    def service_fill(self, entry: _Entry) -> str | None:
        """confparse.c service_fill(); an error message when the service must be dropped."""
        values = entry.values
        types = set(values["type"].values) if "type" in values else set()
        flags = set(values["flags"].values) if "flags" in values else set()
        if "redirect" in entry.specified:
            values["server"] = XinetdValue(("/bin/true",), values["redirect"].location)
            entry.specified.add("server")
        if "cps" in entry.specified and "leaky_bucket" in entry.specified:
            return f"cps and leaky_bucket options are mutually exclusive: {entry.name}"
        if "INTERNAL" not in types:
            if "server" not in values:
                return f"Must specify a server in {entry.name}"
            if "NAMEINARGS" in flags and "server_args" not in entry.specified:
                return "Must specify server args if using NAMEINARGS flag"
        self.inherit(entry, "instances", ("UNLIMITED",))
        self.inherit(entry, "umask", None)
        self.inherit(entry, "per_source", ("UNLIMITED",))
        self.inherit(entry, "groups", ("no",))
        if "leaky_bucket" not in entry.specified:
            self.inherit(entry, "cps", ("50", "10"))
        self.inherit(entry, "max_load", ("0",))
        self.inherit(entry, "bind", None)
        self.inherit(entry, "v6only", ("no",))
        self.inherit(entry, "deny_time", ("0",))
        if "IPv4" not in flags and "IPv6" not in flags:
            bind = values.get("bind")
            family = "IPv6"
            if bind is not None and self.bind_family(bind.values[0]) == 4:
                family = "IPv4"
            location = values["flags"].location if "flags" in values else BUILTIN
            values["flags"] = XinetdValue((*values.get("flags", XinetdValue((), BUILTIN)).values, family),
                                          location)
        # confparse.c: socket_type and protocol fill each other in (stream<->tcp, dgram<->udp).
        if "protocol" not in entry.specified and "socket_type" in entry.specified:
            socket_type = values["socket_type"].values[0]
            if socket_type in ("stream", "dgram"):
                values["protocol"] = XinetdValue(("tcp" if socket_type == "stream" else "udp",),
                                                 values["socket_type"].location)
                entry.specified.add("protocol")
        if "protocol" in entry.specified and "socket_type" not in entry.specified:
            protocol = values["protocol"].values[0].lower()
            if protocol in ("tcp", "udp"):
                values["socket_type"] = XinetdValue(("stream" if protocol == "tcp" else "dgram",),
                                                    values["protocol"].location)
                entry.specified.add("socket_type")
        mux_client = bool(types & {"TCPMUX", "TCPMUXPLUS"})
        if "port" not in entry.specified and not mux_client and "RPC" not in types:
            if "UNLISTED" in types:
                return f"Unlisted service: {entry.name} must have a port entry"
            if "protocol" not in entry.specified:
                return f"Port not specified for service: {entry.name} and no protocol given"
            if self.host.services is None:
                self.fill_logging(entry)
                return None
            port = self.host.services.get((entry.name, values["protocol"].values[0]))
            if port is None:
                return f"Port not specified and can't find service: {entry.name} with getservbyname"
            values["port"] = XinetdValue((str(port),), Location("/etc/services", 0))
            entry.specified.add("port")
        self.fill_logging(entry)
        return None

    def fill_logging(self, entry: _Entry) -> None:
        """service_fill's USE_DEFAULT: logging the service did not set comes from the final defaults."""
        for key in ("log_on_success", "log_on_failure", "log_type"):
            if key not in entry.specified and key in self.defaults.specified:
                entry.values[key] = self.defaults.values[key]

    def bind_family(self, address: str) -> int | None:
        """4 or 6 for a literal, or for a name /etc/hosts maps to one family only (xinetd takes
        that single answer); None when it would need DNS or has both (xinetd then tries IPv6)."""
        family = _address_family(address)
        if family is not None or self.host.hosts is None:
            return family
        families = {_address_family(item) for item in self.host.hosts.get(address, ())}
        return families.pop() if len(families) == 1 else None

    def check_entry(self, entry: _Entry, kept: Sequence[_Entry]) -> str | None:
        """confparse.c check_entry() and service_attr_check(); an error message or None."""
        values = entry.values
        types = set(values["type"].values) if "type" in values else set()
        flags = list(values["flags"].values) if "flags" in values else []
        for earlier in kept:
            conflict = _conflicts(entry, earlier)
            if conflict:
                return conflict
        wait = values["wait"].values[0] if "wait" in values else None
        if "INTERCEPT" in flags and ("INTERNAL" in types or wait == "no"):
            flags.remove("INTERCEPT")
        if "SENSOR" in flags:
            types.add("INTERNAL")
        socket_type = values["socket_type"].values[0] if "socket_type" in values else None
        if "INTERNAL" in types:
            builtin = "sensor" if "SENSOR" in flags else entry.name
            if socket_type not in INTERNAL_SERVICES.get(builtin, ()):
                return f"No such internal service: {builtin}/{socket_type} - DISABLING"
        protocol = values["protocol"].values[0] if "protocol" in values else None
        if types & {"TCPMUX", "TCPMUXPLUS"}:
            if "UNLISTED" not in types:
                return f"Service: {entry.name} (tcpmux) should have UNLISTED in type."
            if (protocol or "").lower() != "tcp":
                return f"Service: {entry.name} (tcpmux) should have tcp in protocol."
        if "RPC" in types and "UNLISTED" not in types:
            programs = self.host.rpc_programs
            if programs is not None and entry.name not in programs:
                return f"unknown RPC service: {entry.name}"
        elif "UNLISTED" not in types:
            if protocol is None:
                return f"A protocol or a socket_type must be specified for service: {entry.name}."
            service_port = None if self.host.services is None else self.host.services.get(
                (entry.name, protocol))
            if service_port is None and self.host.services is not None:
                return f"service/protocol combination not in /etc/services: {entry.name}/{protocol}"
            port = values.get("port")
            if port is not None and service_port is not None and int(port.values[0]) != service_port:
                return f"Service {entry.name} expects port {service_port}, not {port.values[0]}"
        if "redirect" in entry.specified:
            if socket_type != "stream":
                return f"Only tcp sockets are supported for redirected service {entry.name}"
            if wait == "yes":
                return f"Redirected service {entry.name} must not wait"
            if "NAMEINARGS" in flags:
                return f"Redirected service {entry.name} should not have NAMEINARGS flag set"
        elif "TRAFFIC" in values.get("log_on_success", XinetdValue((), BUILTIN)).values:
            return f"Service {entry.name} should not have TRAFFIC flag set since its not redirected"
        if "NAMEINARGS" in flags:
            if "INTERNAL" in types:
                return f"Service {entry.name} is INTERNAL and has NAMEINARGS flag set"
            if "server_args" not in entry.specified:
                return f"Service {entry.name} has NAMEINARGS flag set and no server_args"
        if "IPv4" in flags and "IPv6" in flags:
            flags.remove("IPv4")  # "will use IPv6 or fallback to IPv4": only IPv6 is kept
        required = ["socket_type", "wait"]
        if "INTERNAL" not in types:
            required += ["user", "server"]
            if "UNLISTED" in types:
                required += ["protocol"] if types & {"TCPMUX", "TCPMUXPLUS"} else ["protocol", "port"]
        if "RPC" in types:
            required = [key for key in required if key != "port"] + ["protocol", "rpc_version"]
            if "UNLISTED" in types:
                required.append("rpc_number")
        elif "redirect" in entry.specified and "server" in required:
            required.remove("server")
        missing = [key for key in dict.fromkeys(required) if key not in entry.specified]
        if missing:
            return f"Service {_id(entry)} missing attribute {missing[0]} - DISABLING"
        if "flags" in values:
            values["flags"] = XinetdValue(tuple(flags), values["flags"].location)
        if "INTERCEPT" in flags:
            types.add("INTERNAL")  # the INTERCEPT builtin makes it an internal service
        if types and "type" in values:
            ordered = tuple(name for name in SERVICE_TYPES if name in types)
            values["type"] = XinetdValue(ordered, values["type"].location)
        port = values.get("port")
        if port is not None and int(port.values[0]) == IDENTITY_PORT and (protocol or "").lower() == "tcp":
            for key in ("log_on_success", "log_on_failure"):
                if key in values and "USERID" in values[key].values:
                    values[key] = XinetdValue(tuple(v for v in values[key].values if v != "USERID"),
                                              values[key].location)
        return None


# --------------------------------------------------------------------------- helpers


class _Lines:
    """xinetd's next_line(): skips blank lines and lines whose first non-blank char is `#`."""

    def __init__(self, text: str, path: str) -> None:
        # Only \n ends a line: a CR of a CRLF file stays in the last token, as in xinetd
        # (`stream\r` is then a bad socket type), while `{\r` and `}\r` still count as braces.
        self.lines = text.split("\n")
        self.path = path
        self.number = 0

    def next(self) -> tuple[int, str] | None:
        while self.number < len(self.lines):
            line = self.lines[self.number]
            self.number += 1
            stripped = line.strip(" \t\r\n\v\f")
            if not stripped or stripped.startswith("#"):
                continue
            return self.number, line
        return None

    def skip_entry(self) -> None:
        """parse.c skip_entry(): up to and including the next line holding only `}`."""
        while (line := self.next()) is not None:
            if line[1].strip() == "}":
                return


def _unreadable_by_us(exc: OSError) -> bool:
    """A missing file (or a symlink loop, ELOOP) is the configuration's real state: xinetd
    skips it too. Any other error (permission denied, I/O error) means *we* could not read
    what xinetd may well read."""
    return not isinstance(exc, FileNotFoundError | NotADirectoryError) and exc.errno != errno.ELOOP


def _tokens(line: str) -> list[str]:
    return [token for token in _TOKEN_SPLIT.split(line.strip(" \t")) if token]


def _parse_line(line: str) -> tuple[str, str, list[str]] | str:
    """`name OP values` -> (name, op, values), or the error message xinetd gives."""
    text = line.lstrip(" \t")
    match = re.match(r"[^ \t=]*", text)
    name = match.group(0) if match else ""
    rest = text[len(name):]
    if not name:
        return "Empty attribute name"
    if not rest or rest[0] not in " \t":
        if rest.startswith("="):
            return f"Attribute {name.rstrip('+-')} needs a space before operator"
        return f"Missing assignment operator for attribute {name}"
    rest = rest.lstrip(" \t")
    if rest.startswith("="):
        op, rest = "=", rest[1:]
    elif rest[:2] in ("+=", "-="):
        op, rest = rest[:2], rest[2:]
    elif rest[:1] in ("+", "-"):
        return "Bad operator"
    else:
        return f"Missing assignment operator for attribute {name}"
    return name, op, _tokens(rest)


def _is_time_interval(text: str) -> bool:
    """timex.c ti_add(): `hh:mm-hh:mm` with hours 0-23 and minutes 0-59."""
    match = re.fullmatch(r"(\d{1,2}):(\d{1,2})-(\d{1,2}):(\d{1,2})", text)
    if not match:
        return False
    hour1, minute1, hour2, minute2 = (int(group) for group in match.groups())
    return hour1 < 24 and hour2 < 24 and minute1 < 60 and minute2 < 60


def _yes_no(key: str, value: str) -> str:
    if value.lower() in ("yes", "no"):
        return value.lower()
    raise _AttributeError(f"Bad value for {key}: {value}")


def _base10(text: str) -> int | None:
    """xinetd's parse_base10: an optional sign and decimal digits (trailing CR/FF/VT tolerated)."""
    return int(text) if re.fullmatch(r"[-+]?\d+[\r\v\f]*", text) else None


def _merge_names(current: Sequence[str], values: Sequence[str], allowed: Sequence[str],
                 description: str) -> tuple[str, ...]:
    """type/flags: values are always added (as if +=), case-insensitive, canonical spelling."""
    merged = list(current)
    upper = {name.upper(): name for name in allowed}
    for value in values:
        if value.upper() not in upper:
            raise _AttributeError(f"Bad {description}: {value}")
        name = _FLAG_SPELLING.get(value.upper(), upper[value.upper()])
        if name not in merged:
            merged.append(name)
    return tuple(merged)


def _apply_flags(current: Sequence[str], values: Sequence[str], allowed: Sequence[str], op: str,
                 description: str) -> tuple[str, ...]:
    """log_on_success/log_on_failure masks, kept in the canonical order of `allowed`."""
    selected = set(current)
    for value in values:
        if value.upper() not in allowed:
            raise _AttributeError(f"Bad {description}: {value}")
        if op == "-=":
            selected.discard(value.upper())
        else:
            selected.add(value.upper())
    return tuple(name for name in allowed if name in selected)


def _log_type(values: Sequence[str]) -> tuple[str, ...]:
    kind = values[0].upper()
    if kind == "FILE":
        if not 2 <= len(values) <= 4:
            raise _AttributeError("wrong number of arguments")
        if any(not re.fullmatch(r"\d+[kKmM]?", limit) for limit in values[2:]):
            raise _AttributeError("soft limit is invalid")
        return ("FILE", *values[1:])
    if kind == "SYSLOG":
        if not 2 <= len(values) <= 3:
            raise _AttributeError("wrong number of arguments")
        if values[1].lower() not in SYSLOG_FACILITIES:
            raise _AttributeError(f"Unknown syslog facility: {values[1]}")
        level = values[2].lower() if len(values) == 3 else "info"
        if level not in SYSLOG_LEVELS:
            raise _AttributeError(f"Unknown syslog level: {values[2]}")
        return ("SYSLOG", values[1].lower(), level)
    raise _AttributeError(f"Unknown log type: {values[0]}")


_HOSTNAME = re.compile(r"^\.?[A-Za-z0-9_]([A-Za-z0-9_-]*)(\.[A-Za-z0-9_-]+)*\.?$")
_FACTORIZED = re.compile(r"^(\d{1,3}\.){1,3}\{[\d, ]+\}$")


def _is_address_token(value: str) -> bool:
    """IPv4/IPv6 (with optional /prefix), factorized `a.b.c.{x,y}`, or a host/domain/network name."""
    if _FACTORIZED.match(value):
        return True
    try:
        ipaddress.ip_network(value, strict=False)
        return True
    except ValueError:
        pass
    return bool(_HOSTNAME.match(value))


def _inet_aton_form(value: str) -> str:
    """A numeric address of fewer than four parts means what inet_aton() makes of it, as in
    xinetd: `10` is 0.0.0.10 and `10.1` is 10.0.0.1 (the dump shows them so)."""
    if re.fullmatch(r"\d+(\.\d+){0,2}", value):
        try:
            return socket.inet_ntoa(socket.inet_aton(value))
        except OSError:
            return value
    return value


def _same_address(left: str, right: str) -> bool:
    if left.lower() == right.lower():
        return True
    try:
        return ipaddress.ip_network(left, strict=False) == ipaddress.ip_network(right, strict=False)
    except ValueError:
        return False


def _address_family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None


def _id(entry: _Entry) -> str:
    value = entry.values.get("id")
    return value.values[0] if value and value.values else entry.name


def _conflicts(entry: _Entry, earlier: _Entry) -> str | None:
    """check_entry(): same port+protocol+bind address as an earlier enabled service.

    Only an earlier service *with* a bind address can conflict (confparse.c skips the others),
    and RPC services conflict only on overlapping program and versions.
    """
    earlier_bind = earlier.values.get("bind")
    if earlier_bind is None:
        return None
    if _value(entry, "port") != _value(earlier, "port") or \
            (_value(entry, "protocol") or "").lower() != (_value(earlier, "protocol") or "").lower():
        return None
    bind = entry.values.get("bind")
    if bind is not None:
        try:
            if ipaddress.ip_address(bind.values[0]) != ipaddress.ip_address(earlier_bind.values[0]):
                return None
        except ValueError:
            if bind.values[0] != earlier_bind.values[0]:
                return None
    if _value(entry, "rpc_number") != _value(earlier, "rpc_number") and "RPC" in entry.values.get(
            "type", XinetdValue((), BUILTIN)).values:
        return None
    if _id(entry) == _id(earlier):
        return f"service: {entry.name} id: {_id(entry)} not unique or is a duplicate - DISABLING"
    return (f"service: {entry.name} id: {_id(entry)} is unique but its identical to service: "
            f"{earlier.name} id: {_id(earlier)} - DISABLING")


def _value(entry: _Entry, key: str) -> str | None:
    value = entry.values.get(key)
    return value.values[0] if value and value.values else None


# --------------------------------------------------------------------------- entry points


def parse_xinetd(
    text: str,
    path: str,
    *,
    files: XinetdFiles | None = None,
    host: XinetdHost | None = None,
    debug_mode: bool = False,
) -> XinetdConfig:
    """Parse xinetd.conf `text` (read from `path`) and everything it includes.

    `files` gives access to included files and directories (None: includes are reported as not
    followed). `host` carries the lookups xinetd makes on its machine (default: static parse).
    `debug_mode=True` reproduces `xinetd -d`, which survives errors in `defaults`.
    """
    parser = _Parser(files, host or XinetdHost(), debug_mode)
    parser.parse_file(text, path)
    return parser.finish()


def parse_etc_services(text: str) -> dict[tuple[str, str], int]:
    """/etc/services -> {(name or alias, protocol): port}; the first entry of a name wins."""
    table: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        port_text, _, protocol = fields[1].partition("/")
        if not port_text.isdigit():
            continue
        for name in (fields[0], *fields[2:]):
            table.setdefault((name, protocol), int(port_text))
    return table


def parse_name_table(text: str) -> dict[str, int]:
    """/etc/protocols or /etc/rpc -> {name or alias: number}."""
    table: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or not fields[1].isdigit():
            continue
        for name in (fields[0], *fields[2:]):
            table.setdefault(name, int(fields[1]))
    return table


def parse_etc_hosts(text: str) -> dict[str, tuple[str, ...]]:
    """/etc/hosts -> {name or alias: addresses in file order}."""
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        for name in fields[1:]:
            table.setdefault(name, []).append(fields[0])
    return {name: tuple(addresses) for name, addresses in table.items()}


def parse_account_names(text: str) -> frozenset[str]:
    """/etc/passwd or /etc/group -> the set of names."""
    return frozenset(line.split(":", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))


# --------------------------------------------------------------------------- I/O


class RootedXinetdFiles:
    """`XinetdFiles` on the real filesystem, paths taken inside an optional root.

    `redirect` maps a directory as written in the config to another one (tests use it to
    replace `/etc/xinetd.d` the way run-real-xinetd.sh does).
    """

    def __init__(self, root: str | None = None, redirect: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.redirect = dict(redirect or {})

    def real_path(self, path: str) -> str:
        for source, target in self.redirect.items():
            if path == source or path.startswith(source.rstrip("/") + "/"):
                path = target + path[len(source):]
                return path
        if self.root and path.startswith("/"):
            return self._inside_root(path)
        return path

    def _inside_root(self, path: str) -> str:
        """Resolve symlinks component by component, absolute targets staying inside the root."""
        assert self.root is not None
        current = "/"
        parts = [part for part in path.split("/") if part]
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                current = os.path.dirname(current.rstrip("/")) or "/"
                continue
            candidate = os.path.join(current, part)
            real = os.path.join(self.root, candidate.lstrip("/"))
            if os.path.islink(real) and hops < 40:
                hops += 1
                target = os.readlink(real)
                parts = [p for p in target.split("/") if p] + parts
                if target.startswith("/"):
                    current = "/"
                continue
            current = candidate
        return os.path.join(self.root, current.lstrip("/"))

    def read_text(self, path: str) -> str:
        with open(self.real_path(path), encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def list_dir(self, path: str) -> list[str]:
        return os.listdir(self.real_path(path))

    def is_regular_file(self, path: str) -> bool:
        import stat

        return stat.S_ISREG(os.stat(self.real_path(path)).st_mode)


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
        return os.access(files.real_path(server), os.X_OK) and os.path.isfile(files.real_path(server))

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
    real = files.real_path(conf_path)
    if not os.path.lexists(real):
        return None
    text = files.read_text(conf_path)
    return parse_xinetd(text, conf_path, files=files, host=host_lookups(files))

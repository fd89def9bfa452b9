"""systemd `.socket` units with their drop-ins, read from the unit search path (honouring --root).

What it is for: the `socket-units` collector (`SocketUnitsCollector`, at the end).
`systemctl --root` cannot show a unit's Listen* values (../shared/testdata/systemd/OFFLINE.md: `cat`/`show` are refused
with --root, and `list-unit-files` ignores drop-ins), so the unit files are merged here the
way systemd does:

* The unit search path of systemd.unit(5), highest precedence first; the first directory
  holding `NAME.socket` provides the main file (a symlink to /dev/null masks it).
* Drop-ins `NAME.socket.d/*.conf` (plus the type-wide `socket.d/` and, for dashed names, the
  prefix directories `a-.socket.d/`) from every directory of the path. A drop-in name found in
  several directories is taken from the one systemd looks at first (`find_dropins`: the
  unit's own directories by path precedence, the type-wide ones last); all are applied in
  lexical order of their file names, after the main file. An empty main file masks the unit
  like a link to /dev/null.
* `ListenStream=`, `ListenDatagram=`, `ListenSequentialPacket=`, `ListenFIFO=`,
  `ListenSpecial=`, `ListenNetlink=`, `ListenMessageQueue=`, `ListenUSBFunction=` accumulate;
  an empty assignment of any of them clears every Listen* entry so far (systemd's
  `config_parse_socket_listen` frees all ports), which is how drop-ins replace addresses.

Symlinks are resolved inside the root (checker/collect/rooted.py): an absolute target
`/usr/lib/...` of a link found under `--root DIR` means `DIR/usr/lib/...`. Paths recorded in
the snapshot are host paths as seen from inside the root (`/usr/lib/systemd/system/kresd.socket`).

`parse_unit_file(text, path)` is the pure parser; `socket_unit_from_files` merges parsed
files into a `SocketUnit`. This module only reads files; it never asks systemd anything.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.collect.rooted import RootedFiles
from checker.model import Collector, Location, SocketListen, SocketUnit
from checker.model.units import unit_stem

# systemd.unit(5), "System Unit Search Path", highest precedence first. /lib/systemd/system is
# where Debian without merged /usr keeps vendor units (same precedence as /usr/lib).
UNIT_SEARCH_PATH = (
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/run/systemd/generator.early",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/run/systemd/generator",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/run/systemd/generator.late",
)

# Keys are case-sensitive: systemd ignores `listenstream=` ("Unknown key", systemd-analyze verify).
LISTEN_KINDS = {
    "ListenStream": "stream",
    "ListenDatagram": "datagram",
    "ListenSequentialPacket": "seqpacket",
    "ListenFIFO": "fifo",
    "ListenSpecial": "special",
    "ListenNetlink": "netlink",
    "ListenMessageQueue": "mqueue",
    "ListenUSBFunction": "usb-function",
}
_TRUE = {"1", "yes", "y", "true", "t", "on"}
_IPV4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?:%[^:]+)?:(\d+)$")
_IPV6_PORT = re.compile(r"^\[([0-9A-Fa-f:.]+)(?:%[^\]]+)?\]:(\d+)$")


@dataclass(frozen=True)
class UnitAssignment:
    """One `Key=value` line of a unit file, with its section and position."""

    section: str
    key: str
    value: str
    location: Location


def parse_unit_file(text: str, path: str) -> list[UnitAssignment]:
    """Every assignment of a unit file in order (systemd.syntax(7)).

    Comments start with `#` or `;`; a line ending in `\\` continues on the next one (a
    comment line inside a continuation is skipped); keys are kept as written (systemd keys
    are case-sensitive). Lines outside a section or without `=` are ignored, as systemd
    does after a warning.
    """
    assignments: list[UnitAssignment] = []
    section = ""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index
        line = lines[index].strip()
        index += 1
        if not line or line[0] in "#;":
            continue
        while line.endswith("\\"):
            line = line[:-1]
            while index < len(lines) and lines[index].strip()[:1] in ("#", ";"):
                index += 1
            if index >= len(lines):
                break
            line = line + " " + lines[index].strip()
            index += 1
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if "=" not in line or not section:
            continue
        key, _, value = line.partition("=")
        assignments.append(UnitAssignment(section, key.strip(), value.strip(), Location(path, start + 1)))
    return assignments


def parse_listen_value(kind: str, value: str, location: Location | None = None) -> SocketListen:
    """`[::1]:53`, `127.0.0.1:53`, `53`, `/run/x.sock`, `@abstract` -> SocketListen (systemd.socket(5))."""
    if kind in ("stream", "datagram", "seqpacket"):
        if value.isdigit():
            return SocketListen(kind, value, address=None, port=int(value), location=location)
        if match := _IPV4_PORT.match(value):
            return SocketListen(kind, value, address=match.group(1), port=int(match.group(2)), location=location)
        if match := _IPV6_PORT.match(value):
            return SocketListen(kind, value, address=match.group(1), port=int(match.group(2)), location=location)
        if value.startswith(("/", "@")):
            return SocketListen(kind, value, path=value, location=location)
        return SocketListen(kind, value, location=location)
    if kind in ("fifo", "special", "mqueue", "usb-function"):
        return SocketListen(kind, value, path=value, location=location)
    return SocketListen(kind, value, location=location)


def socket_unit_from_files(
    name: str,
    main: tuple[str, str] | None,
    dropins: Sequence[tuple[str, str]] = (),
    *,
    enablement: str | None = None,
    masked: bool = False,
) -> SocketUnit:
    """Merge a main unit file and its drop-ins (already in application order) into a SocketUnit.

    `main` and each drop-in are `(path, text)`. A masked unit has no effective settings.
    """
    if masked:
        return SocketUnit(name=name, path=main[0] if main else None, enablement=enablement or "masked")
    files = ([main] if main else []) + list(dropins)
    listens: list[SocketListen] = []
    accept = False
    bind_ipv6_only: str | None = None
    service: str | None = None
    for path, text in files:
        for item in parse_unit_file(text, path):
            if item.section != "Socket":
                continue
            if item.key in LISTEN_KINDS:
                if not item.value:
                    listens.clear()
                else:
                    listens.append(parse_listen_value(LISTEN_KINDS[item.key], item.value, item.location))
            elif item.key == "Accept":
                accept = item.value.lower() in _TRUE if item.value else False
            elif item.key == "BindIPv6Only":
                bind_ipv6_only = item.value or None
            elif item.key == "Service":
                service = item.value or None
    if service is None:
        base = unit_stem(name)
        # systemd.socket(5): with Accept=yes the service is a template NAME@.service.
        service = f"{base.split('@', 1)[0]}@.service" if accept else f"{base}.service"
    return SocketUnit(
        name=name,
        path=main[0] if main else None,
        enablement=enablement,
        listens=tuple(listens),
        bind_ipv6_only=bind_ipv6_only,
        accept=accept,
        service=service,
        dropins=tuple(path for path, _ in dropins),
    )


def dropin_dir_names(name: str) -> list[str]:
    """Drop-in directory names for unit `name`, lowest priority first (systemd.unit(5)).

    `socket.d` (type-wide), then the dash prefixes (`a-.socket.d` for `a-b-c.socket`), then
    for an instance the template (`foo@.socket.d`), then the unit's own directory.
    """
    base, suffix = name.rsplit(".", 1)
    names = [f"{suffix}.d"]
    parts = base.split("-")
    names.extend(f"{'-'.join(parts[:i])}-.{suffix}.d" for i in range(1, len(parts)))
    if "@" in base and not base.endswith("@"):
        names.append(f"{base.split('@', 1)[0]}@.{suffix}.d")
    names.append(f"{name}.d")
    return names


# --------------------------------------------------------------------------- I/O


class UnitFiles(RootedFiles):
    """Unit directories inside an optional root, listed the way systemd lists them."""

    def listdir(self, path: str) -> list[str]:
        """Entry names; [] when the directory is absent (or is not a directory, or a symlink
        loop: systemd skips those too). Any other error (permission denied as an unprivileged
        user, I/O error) raises: a drop-in we cannot see may change every Listen* line."""
        try:
            return sorted(os.listdir(self.host_path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return []
            raise

    def is_empty_file(self, path: str) -> bool:
        real = self.host_path(path)
        return os.path.isfile(real) and os.path.getsize(real) == 0


def find_socket_units(files: UnitFiles, search_path: Sequence[str] = UNIT_SEARCH_PATH) -> dict[str, str]:
    """{unit name: path of the file that defines it}, the first in precedence order."""
    found: dict[str, str] = {}
    for directory in search_path:
        for entry in files.listdir(directory):
            if entry.endswith(".socket") and entry not in found:
                found[entry] = f"{directory}/{entry}"
    return found


def find_dropins(files: UnitFiles, name: str, search_path: Sequence[str] = UNIT_SEARCH_PATH) -> list[str]:
    """Drop-in paths for `name` in application order (lexical by file name).

    A file name found in several directories is taken from the first directory in systemd's
    own order (src/shared/dropin.c, unit_file_find_dropin_paths): for each search-path
    directory the unit's own `NAME.socket.d`, its template's, then the dash prefixes (longest
    first); the type-wide `socket.d` of every directory comes last, "the most generic", so a
    unit's own drop-in overrides a type-wide one of the same name wherever each lives.
    """
    type_wide, *specific = dropin_dir_names(name)
    directories = [f"{directory}/{dir_name}" for directory in search_path for dir_name in reversed(specific)]
    directories += [f"{directory}/{type_wide}" for directory in search_path]
    chosen: dict[str, str] = {}
    for dropin_dir in directories:
        for entry in files.listdir(dropin_dir):
            if entry.endswith(".conf") and entry not in chosen:
                chosen[entry] = f"{dropin_dir}/{entry}"
    return [chosen[key] for key in sorted(chosen)]


def collect_socket_units(root: str | None, enablement: Mapping[str, str] | None = None,
                         search_path: Iterable[str] = UNIT_SEARCH_PATH) -> list[SocketUnit]:
    """Every socket unit on the search path under `root`, sorted by name. Raises OSError."""
    files = UnitFiles(root)
    path = tuple(search_path)
    units = []
    for name, unit_path in sorted(find_socket_units(files, path).items()):
        state = (enablement or {}).get(name)
        target = files.resolve(unit_path)
        # systemd.unit(5): a unit file that is empty (zero bytes) or linked to /dev/null is
        # masked; its drop-ins are not applied.
        if target == "/dev/null" or (target is not None and files.is_empty_file(target)):
            units.append(socket_unit_from_files(name, (unit_path, ""), enablement=state or "masked",
                                                masked=True))
            continue
        if target is None:  # a dangling link defines nothing; keep the name so it stays visible
            units.append(SocketUnit(name=name, path=unit_path, enablement=state))
            continue
        dropins = []
        for dropin in find_dropins(files, name, path):
            dropin_target = files.resolve(dropin)
            if dropin_target is None or dropin_target == "/dev/null":
                continue
            dropins.append((dropin, files.read_text(dropin_target)))
        units.append(socket_unit_from_files(name, (unit_path, files.read_text(target)), dropins,
                                            enablement=state))
    return units


class SocketUnitsCollector(EvidenceCollector):
    """`socket-units`: every .socket unit with its drop-ins, with the enablement and ActiveState
    the unit collectors before it found (none with --root, or without systemd)."""

    name = Collector.SOCKET_UNITS

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        known = context.earlier.units
        # Enablement as `systemctl list-unit-files` gave it: SysV scripts never name a socket unit.
        enablement = {u.name: u.enablement for u in known if u.source == "systemd" and u.enablement is not None}
        active = {unit.name: unit.active for unit in known if unit.active is not None}
        units = collect_socket_units(context.root, enablement)
        if active:
            units = [replace(unit, active=active.get(unit.name)) for unit in units]
        return self.ok(InsideEvidence(socket_units=tuple(units)))

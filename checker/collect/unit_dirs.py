"""Whether the systemd unit search path could be read whole: the completeness proof of unit files.

What it is for: `systemctl list-unit-files` does not say when it could not see everything. Run
unprivileged over an image (`--root`), it skips an unreadable `sockets.target.wants/` with a
warning on stderr and calls the unit it enables `disabled`; over an unreadable
`/etc/systemd/system` it says nothing at all; an unreadable unit file becomes `bad` (measured
with systemd 252 as `nobody`, tests/integration/test_unit_files_differential.py). So the
unit-files collector surveys the same directories itself (`survey_unit_dirs`): every directory
of the unit search path, the per-unit directories in it (`NAME.wants/`, `NAME.requires/`,
`NAME.d/`: the only depth systemd reads), and every unit file in them. Anything it cannot
list or read makes the collection PARTIAL, with the paths in the reason; so does a `NAME.wants/`
(`.requires/`, `.upholds/`) that is a symlink, which `systemctl list-unit-files` skips even as
root although the service manager follows it (`SYMLINKED_DEPENDENCY_DIR`).

The survey also counts the unit files it saw: `systemctl` exits 1 with `[]` both when there is
no unit file at all (an image without systemd) and when it could read none; only a complete
survey that found no unit file tells the two apart.

Paths are resolved inside `--root` (checker/collect/rooted.py), like the socket-unit reader,
and reported as seen inside the root. Must not do: decide what a unit's state is (systemctl
does), or raise for an unreadable path (it is the finding).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass

from checker.collect.rooted import error_text
from checker.collect.socket_units import UNIT_SEARCH_PATH, UnitFiles
from checker.model.units import unit_suffix

MAX_LISTED = 3
"""Unreadable paths named in a collector reason; the rest are counted."""

DEPENDENCY_DIR_SUFFIXES = (".wants", ".requires", ".upholds")
"""The per-unit directories whose links enable units (`WantedBy=` and friends)."""
SYMLINKED_DEPENDENCY_DIR = ("a symlink, which systemctl list-unit-files does not follow (the service manager "
                            "does)")
"""systemd 252 `list-unit-files`/`is-enabled` read a `NAME.wants` only when it is a real
directory: linked to a directory of links, `sockets.target.wants/telnet.socket` left the unit
`disabled` even as root, while the manager follows the link at boot and starts it."""


@dataclass(frozen=True, slots=True)
class UnitDirSurvey:
    """What reading the unit search path found."""

    unreadable: tuple[str, ...] = ()
    """`PATH: why` for every directory or unit file that could not be read (paths inside the root)."""
    unit_files: int = 0
    """Unit files (or links named like one) seen in the readable directories."""

    @property
    def complete(self) -> bool:
        return not self.unreadable

    def reason(self) -> str:
        """One line naming the unreadable paths (the first MAX_LISTED, then a count)."""
        shown = "; ".join(self.unreadable[:MAX_LISTED])
        more = len(self.unreadable) - MAX_LISTED
        return f"unit paths systemctl cannot read whole, so it cannot see what they enable: {shown}" + (
            f" (and {more} more)" if more > 0 else "")


def survey_unit_dirs(root: str | None, search_path: Sequence[str] = UNIT_SEARCH_PATH) -> UnitDirSurvey:
    """Try to list every unit directory and read every unit file of `search_path` under `root`."""
    files = UnitFiles(root)
    unreadable: list[str] = []
    seen: set[str] = set()
    unit_files = 0
    for directory in search_path:
        try:
            host = files.host_path(directory)
        except OSError:  # a link loop: systemd skips the directory too
            continue
        real = os.path.realpath(host) if root is None else host  # /lib -> /usr/lib on merged-/usr hosts
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(host))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                unreadable.append(f"{directory}: {error_text(exc)}")
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            inside = f"{directory}/{entry.name}"
            if entry.name.endswith(DEPENDENCY_DIR_SUFFIXES) and entry.is_symlink():
                unreadable.append(f"{inside}: {SYMLINKED_DEPENDENCY_DIR}")
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    os.listdir(entry.path)
                    continue
                if unit_suffix(entry.name) is None:
                    continue
                unit_files += 1
                if entry.is_file(follow_symlinks=False) and not os.access(entry.path, os.R_OK):
                    unreadable.append(f"{inside}: permission denied")
            except OSError as exc:
                unreadable.append(f"{inside}: {error_text(exc)}")
    return UnitDirSurvey(tuple(unreadable), unit_files)

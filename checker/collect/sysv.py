"""SysV init scripts as units: on sysvinit hosts, and as systemd's SysV generator sees them.

What it is for: the unit-files collector (checker/collect/systemd.py). Two models of the same
files, `/etc/init.d/NAME` and the `/etc/rcN.d/S..NAME` links:

* `sysv_units`: a host without systemd. sysvinit runs the `S` links of the boot runlevels (2-5
  and `S`), so a script is `enabled` when one exists there, else `disabled`.
* `generated_sysv_units`: a host or image *with* systemd. At boot `systemd-sysv-generator`
  turns every executable init.d script that has no native unit of its name into `NAME.service`
  (a trailing `.sh` dropped), pulled in by multi-user/graphical.target when an `S` link exists in
  rc2.d-rc5.d (systemd 252 src/sysv-generator: `rcnd_table` lists rc2.d to rc5.d only; the link
  name counts, not its target). `systemctl is-enabled` answers for such a unit through
  `systemd-sysv-install is-enabled`: enabled with a link, disabled without. Offline and in
  images the generator never ran, so `list-unit-files` does not show the unit at all (Debian 12's
  xinetd ships only `/etc/init.d/xinetd` and `/etc/rc2.d/S01xinetd`): without this model an
  enabled xinetd looks absent. On a live host the generated unit is listed as `generated`; the
  links decide its enablement there too.

Unit names get `.service` appended, so baseline rules work on both kinds of host. The parsers
are pure; `read_sysv_tree` only lists directories, and reports what it could not read instead of
raising (the collection is then PARTIAL).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checker.collect.rooted import RootedFiles, error_text
from checker.model import Unit

SYSV_BOOT_RUNLEVELS = ("2", "3", "4", "5", "S")
"""sysvinit: runlevels in which an `S..` link means the service starts at boot (Debian: 2-5 multi-user)."""
GENERATOR_RUNLEVELS = ("2", "3", "4", "5")
"""systemd-sysv-generator reads rc2.d-rc5.d only (rcS.d support was dropped from systemd)."""
ALL_RUNLEVELS = ("0", "1", "2", "3", "4", "5", "6", "S")
NOT_SERVICES = frozenset({"README", "skeleton", "rc", "rcS"})
INIT_DIR = "/etc/init.d"


@dataclass(frozen=True, slots=True)
class SysvTree:
    """The init.d scripts and rc?.d links of one host or image, as listed."""

    scripts: Mapping[str, bool]
    """Script name -> whether it is executable (the generator skips the others)."""
    rc_links: Mapping[str, tuple[str, ...]]
    """Runlevel (`2`, `S`, ...) -> link names in its rc?.d directory."""
    unreadable: tuple[str, ...] = ()
    """`PATH: why` for each of these directories that exists but could not be listed."""


def started_in(rc_links: Mapping[str, Iterable[str]], runlevels: Iterable[str]) -> set[str]:
    """Names with an `S<two digits><name>` link in one of `runlevels` (the digits are the order)."""
    wanted = set(runlevels)
    return {link[3:] for level, links in rc_links.items() if level in wanted
            for link in links if link.startswith("S") and len(link) > 3 and link[1:3].isdigit()}


def sysv_units(scripts: Iterable[str], rc_links: Mapping[str, Iterable[str]], init_dir: str = INIT_DIR) -> list[Unit]:
    """sysvinit: `enabled` when an `S..NAME` link exists in a boot runlevel, else `disabled`.

    `scripts` are the names in /etc/init.d; `rc_links` maps a runlevel (`2`, `S`, ...) to the
    link names in its rc?.d directory.
    """
    started = started_in(rc_links, SYSV_BOOT_RUNLEVELS)
    units: dict[str, Unit] = {}
    for script in sorted(set(scripts)):
        if script.startswith(".") or script in NOT_SERVICES:
            continue
        # `NAME.sh` runs at boot too (Debian's rc sources it): named as the generator names it,
        # so a rule on `NAME.service` sees it; `NAME` and `NAME.sh` both enabled-if-either.
        name = generator_unit_name(script)
        enabled = script in started or units.get(name, Unit(name=name)).enablement == "enabled"
        units[name] = Unit(
            name=name,
            enablement="enabled" if enabled else "disabled",
            source="sysv",
            path=f"{init_dir.rstrip('/')}/{script}",
        )
    return [units[name] for name in sorted(units)]


def generator_unit_name(script: str) -> str:
    """`sysv_translate_name`: `xinetd` -> `xinetd.service`, `hwclock.sh` -> `hwclock.service`."""
    return f"{script.removesuffix('.sh')}.service"


def generated_sysv_units(scripts: Mapping[str, bool], rc_links: Mapping[str, Iterable[str]],
                         listed: Mapping[str, str], init_dir: str = INIT_DIR) -> list[Unit]:
    """The units systemd-sysv-generator makes of `scripts` (name -> executable).

    `listed` is what `systemctl list-unit-files` reported (name -> state): a script whose unit
    name is listed has a native unit and is skipped, unless the listing is the generator's own
    output (`generated`, on a live host), whose enablement the links decide.
    """
    started = {generator_unit_name(name) for name in started_in(rc_links, GENERATOR_RUNLEVELS)}
    units: dict[str, Unit] = {}
    for script, executable in sorted(scripts.items()):
        if not executable or script.startswith(".") or script in NOT_SERVICES:
            continue
        name = generator_unit_name(script)
        if name in units or listed.get(name, "generated") != "generated":
            continue
        units[name] = Unit(name=name, enablement="enabled" if name in started else "disabled",
                           source="sysv-generator", path=f"{init_dir.rstrip('/')}/{script}")
    return list(units.values())


def _listdir(path: str, shown: str, unreadable: list[str]) -> list[str] | None:
    try:
        return os.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        unreadable.append(f"{shown}: {error_text(exc)}")
        return None


def _host_path(files: RootedFiles, path: str) -> str | None:
    """`path` inside the root on this machine (links resolved inside it); None for a link loop."""
    try:
        return files.host_path(path)
    except OSError:
        return None


def read_sysv_tree(root: str | None) -> SysvTree | None:
    """The scripts and links under `root` (or /); None when there is no init.d directory.

    Paths are resolved inside `root` (checker/collect/rooted.py): an image's `/etc/init.d ->
    /etc/rc.d/init.d` is the image's directory, not this machine's. What cannot be listed or
    stat'ed (an init.d that may be listed but not searched, as `nobody`) is reported in
    `unreadable`, never dropped: a script missing from the tree would read as "not installed".
    """
    files = RootedFiles(root)
    init_dir = _host_path(files, INIT_DIR)
    unreadable: list[str] = []
    try:
        if init_dir is None or not stat.S_ISDIR(os.stat(init_dir).st_mode):
            return None
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return SysvTree({}, {}, (f"{INIT_DIR}: {error_text(exc)}",))
    scripts: dict[str, bool] = {}
    for name in _listdir(init_dir, INIT_DIR, unreadable) or []:
        path = _host_path(files, f"{INIT_DIR}/{name}")
        try:
            mode = os.stat(path).st_mode if path is not None else 0
        except (FileNotFoundError, NotADirectoryError):
            continue  # a dangling link: the generator skips it too
        except OSError as exc:
            unreadable.append(f"{INIT_DIR}/{name}: {error_text(exc)}")
            continue
        if stat.S_ISREG(mode):
            scripts[name] = mode & 0o100 != 0
    rc_links: dict[str, tuple[str, ...]] = {}
    for level in ALL_RUNLEVELS:
        shown = f"/etc/rc{level}.d"
        rc_dir = _host_path(files, shown)
        links = _listdir(rc_dir, shown, unreadable) if rc_dir is not None else None
        if links is not None:
            rc_links[level] = tuple(sorted(links))
    return SysvTree(scripts, rc_links, tuple(unreadable))

"""systemd unit enablement and runtime state, with a SysV-init fallback.

What it is for: the `unit-files` and `unit-runtime` collectors (`UnitFilesCollector`,
`UnitRuntimeCollector`, at the end of this module).

* Enablement comes from `systemctl [--root=DIR] list-unit-files --output=json`, which reads
  unit files and needs no running manager (../shared/testdata/systemd/OFFLINE.md).
* Runtime state (ActiveState/SubState) comes from `systemctl list-units --all --output=json`,
  which needs systemd as PID 1. In a container without it, or with `--root`, the runtime is
  recorded as UNAVAILABLE with the reason, so rules needing it become `error`, never `pass`.
* Without systemctl, /etc/init.d scripts and their /etc/rc?.d links stand in (SysV).

The parsers (`parse_unit_files_json`, `parse_list_units_json`, `sysv_units`) are pure; the
thin I/O functions below them only fetch text. Nothing here ever changes the host: only the
read-only verbs `list-unit-files` and `list-units` are run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from checker._subprocess import CommandFailed, run_command
from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.model import Collector, Unit

SYSTEMCTL_TIMEOUT = 30.0
ROOT_RUNTIME_REASON = "--root: runtime state not available"
# systemctl(1), EXIT STATUS: "On success, 0 is returned, a non-zero failure code otherwise."
# list-unit-files/list-units have no other success code.
SYSTEMCTL_OK = (0,)
# Runlevels in which an `S..` link means the service starts at boot (Debian: 2-5 multi-user).
SYSV_BOOT_RUNLEVELS = ("2", "3", "4", "5", "S")


class UnitOutputError(ValueError):
    """systemctl printed something that is not the JSON we asked for."""


@dataclass(frozen=True)
class RuntimeState:
    active: str | None
    sub: str | None


def parse_unit_files_json(text: str) -> dict[str, str]:
    """`list-unit-files --output=json` -> {unit name: state}. Raises UnitOutputError."""
    data = _json_list(text, "list-unit-files")
    states: dict[str, str] = {}
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("unit_file"), str):
            raise UnitOutputError("list-unit-files: entry without unit_file")
        state = entry.get("state")
        states[entry["unit_file"]] = state if isinstance(state, str) else "unknown"
    return states


def parse_list_units_json(text: str) -> dict[str, RuntimeState]:
    """`list-units --all --output=json` -> {unit name: (active, sub)}. Raises UnitOutputError."""
    data = _json_list(text, "list-units")
    states: dict[str, RuntimeState] = {}
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("unit"), str):
            raise UnitOutputError("list-units: entry without unit")
        active, sub = entry.get("active"), entry.get("sub")
        states[entry["unit"]] = RuntimeState(
            active if isinstance(active, str) else None, sub if isinstance(sub, str) else None
        )
    return states


def _json_list(text: str, verb: str) -> list[object]:
    # Warnings about broken units go to stderr (../shared/testdata/systemd/OFFLINE.md); stdout is the JSON alone.
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnitOutputError(f"{verb}: output is not JSON: {exc.msg} at char {exc.pos}") from None
    if not isinstance(data, list):
        raise UnitOutputError(f"{verb}: expected a JSON list")
    return data


def merge_units(enablement: Mapping[str, str], runtime: Mapping[str, RuntimeState] | None) -> list[Unit]:
    """One `Unit` per name seen in either source, sorted by name."""
    names = set(enablement) | set(runtime or {})
    units = []
    for name in sorted(names):
        state = (runtime or {}).get(name)
        units.append(Unit(
            name=name,
            enablement=enablement.get(name),
            active=state.active if state else None,
            sub=state.sub if state else None,
        ))
    return units


def sysv_units(scripts: Iterable[str], rc_links: Mapping[str, Iterable[str]], init_dir: str) -> list[Unit]:
    """SysV services: `enabled` when an `S..NAME` link exists in a boot runlevel, else `disabled`.

    `scripts` are the names in /etc/init.d; `rc_links` maps a runlevel (`2`, `S`, ...) to the
    link names in its rc?.d directory. Unit names get `.service` appended, as systemd's SysV
    generator names them, so baseline rules work on both kinds of host.
    """
    started: set[str] = set()
    for level, links in rc_links.items():
        if level not in SYSV_BOOT_RUNLEVELS:
            continue
        for link in links:
            # S<two digits><name>: the digits are the start order (insserv uses 01..99).
            if link.startswith("S") and len(link) > 3 and link[1:3].isdigit():
                started.add(link[3:])
    units = []
    for script in sorted(set(scripts)):
        if script.startswith(".") or script in ("README", "skeleton", "rc", "rcS") or script.endswith(".sh"):
            continue
        units.append(Unit(
            name=f"{script}.service",
            enablement="enabled" if script in started else "disabled",
            source="sysv",
            path=f"{init_dir.rstrip('/')}/{script}",
        ))
    return units


# --------------------------------------------------------------------------- I/O


def systemctl_argv(root: str | None, *verb: str) -> list[str]:
    argv = ["systemctl"]
    if root is not None:
        argv.append(f"--root={root}")
    return [*argv, *verb, "--output=json", "--no-pager"]


def read_unit_files(root: str | None) -> dict[str, str]:
    """Enablement of every unit file ({} when there is none). Raises CommandFailed or UnitOutputError."""
    # Exit 1 is accepted only to tell "no unit file at all" apart from a failure: systemd 252
    # prints `[]` and exits 1 when list-unit-files matches nothing (an image without systemd).
    result = run_command(systemctl_argv(root, "list-unit-files"), timeout=SYSTEMCTL_TIMEOUT,
                         accept=(*SYSTEMCTL_OK, 1))
    if result.returncode != 0:
        if result.stdout.strip() == "[]" and not result.stderr.strip():
            return {}
        message = next((line.strip() for line in (result.stderr + "\n" + result.stdout).splitlines()
                        if line.strip()), "")
        raise CommandFailed(f"systemctl: exit {result.returncode}" + (f": {message[:300]}" if message else ""),
                            result)
    return parse_unit_files_json(result.stdout)


def read_runtime() -> dict[str, RuntimeState]:
    """ActiveState/SubState of every loaded unit. Raises CommandFailed (no PID 1 systemd, ...)."""
    result = run_command(systemctl_argv(None, "list-units", "--all"), timeout=SYSTEMCTL_TIMEOUT,
                         accept=SYSTEMCTL_OK)
    return parse_list_units_json(result.stdout)


def runtime_is_unavailable(reason: str) -> bool:
    """A failure meaning "no running manager here", as opposed to a broken systemctl."""
    markers = ("not been booted with systemd", "Failed to connect to bus", "not found on PATH",
               "System has not been booted")
    return any(marker in reason for marker in markers)


# Present only where systemd is the init (or is installed): the manager binary, or the
# directory systemd creates at boot (sd_booted(3)). Unit files alone prove nothing: Debian
# packages ship them, and deb-systemd-helper links them, on sysvinit hosts too.
SYSTEMD_MARKERS = ("run/systemd/system", "usr/lib/systemd/systemd", "lib/systemd/systemd")


def systemd_present(root: str | None) -> str | None:
    """The path proving systemd is on this host (or image), None when there is no sign of it.

    The SysV fallback is right only without systemd: where systemd runs, rc?.d links do not
    say what starts, and native units (sockets included) would vanish from the evidence.
    """
    base = root or "/"
    for marker in SYSTEMD_MARKERS:
        if os.path.lexists(os.path.join(base, marker)):
            return "/" + marker
    return None


def read_sysv(root: str | None) -> list[Unit] | None:
    """SysV services under `root` (or /), None when there is no init.d directory."""
    base = root or "/"
    init_dir = os.path.join(base, "etc/init.d")
    if not os.path.isdir(init_dir):
        return None
    scripts = [name for name in os.listdir(init_dir) if os.path.isfile(os.path.join(init_dir, name))]
    rc_links: dict[str, list[str]] = {}
    for level in ("0", "1", "2", "3", "4", "5", "6", "S"):
        rc_dir = os.path.join(base, f"etc/rc{level}.d")
        if os.path.isdir(rc_dir):
            rc_links[level] = os.listdir(rc_dir)
    return sysv_units(scripts, rc_links, "/etc/init.d")


# --------------------------------------------------------------------------- the collectors


class UnitFilesCollector(EvidenceCollector):
    """`unit-files`: every unit's enablement; the SysV scripts where systemd is absent."""

    name = Collector.UNIT_FILES
    provides = ("units",)

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        root = context.root
        try:
            enablement = read_unit_files(root)
        except CommandFailed as exc:
            # Without systemctl, /etc/init.d stands in only where systemd is absent: on a systemd
            # host (or image, read with --root by a host lacking systemctl) it would report the
            # SysV scripts as the whole truth and drop every native unit (fail open).
            fallback = "not found on PATH" in str(exc) and systemd_present(root) is None
            sysv = read_sysv(root) if fallback else None
            if sysv is None:
                return self.failed(str(exc))
            return self.ok(InsideEvidence(units=tuple(sysv)), f"{exc}; SysV fallback from /etc/init.d")
        except UnitOutputError as exc:
            return self.failed(f"systemctl: {exc}")
        if not enablement:
            # No systemd unit file at all (an image without systemd): SysV scripts, if any.
            sysv = read_sysv(root)
            where = root or "/"
            if sysv:
                return self.ok(InsideEvidence(units=tuple(sysv)),
                               f"no systemd unit files under {where}; SysV fallback from /etc/init.d")
            return self.ok(InsideEvidence(), f"no systemd unit files under {where}")
        return self.ok(InsideEvidence(units=tuple(merge_units(enablement, None))))


class UnitRuntimeCollector(EvidenceCollector):
    """`unit-runtime`: ActiveState/SubState, merged into the units the unit files gave."""

    name = Collector.UNIT_RUNTIME
    provides = ("units",)

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        if context.root is not None:
            return self.unavailable(ROOT_RUNTIME_REASON)
        try:
            runtime = read_runtime()
        except CommandFailed as exc:
            if runtime_is_unavailable(str(exc)):
                return self.unavailable(str(exc))
            return self.failed(str(exc))
        except UnitOutputError as exc:
            return self.failed(f"systemctl: {exc}")
        known = {unit.name: unit for unit in context.earlier.units}
        merged = []
        for name in sorted(set(known) | set(runtime)):
            unit = known.get(name, Unit(name=name))
            state = runtime.get(name)
            merged.append(replace(unit, active=state.active, sub=state.sub) if state else unit)
        return self.ok(InsideEvidence(units=tuple(merged)))


__all__ = [
    "CommandFailed",
    "UnitFilesCollector",
    "UnitRuntimeCollector",
    "ROOT_RUNTIME_REASON",
    "RuntimeState",
    "UnitOutputError",
    "merge_units",
    "parse_list_units_json",
    "parse_unit_files_json",
    "read_runtime",
    "read_sysv",
    "read_unit_files",
    "runtime_is_unavailable",
    "systemd_present",
    "sysv_units",
]

"""systemd unit enablement and runtime state, with a SysV-init fallback.

What it is for: the `unit-files` and `unit-runtime` collectors (`UnitFilesCollector`,
`UnitRuntimeCollector`, at the end of this module).

* Enablement comes from `systemctl [--root=DIR] list-unit-files --output=json`, which reads
  unit files and needs no running manager (../shared/testdata/systemd/OFFLINE.md).
* Runtime state (ActiveState/SubState) comes from `systemctl list-units --all --output=json`,
  which needs systemd as PID 1. In a container without it, or with `--root`, the runtime is
  recorded as UNAVAILABLE with the reason, so rules needing it become `error`, never `pass`.
* SysV scripts (checker/collect/sysv.py): where systemd is present (or systemctl lists units),
  as systemd's SysV generator turns them into `NAME.service`, merged with the native units;
  where systemd is absent (no unit files, or no systemctl), as sysvinit runs them.
* Completeness: `list-unit-files` does not report what it could not read, so the collector
  surveys the unit directories itself (checker/collect/unit_dirs.py). An unreadable one, a
  permission warning, or a non-zero exit with units present makes the run PARTIAL.

The parsers (`parse_unit_files_json`, `parse_list_units_json`, and the SysV models) are pure; the
thin I/O functions below them only fetch text. Nothing here ever changes the host: only the
read-only verbs `list-unit-files` and `list-units` are run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from checker._subprocess import CommandFailed, check_exit, run_command
from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.collect.sysv import generated_sysv_units, read_sysv_tree, sysv_units
from checker.collect.unit_dirs import survey_unit_dirs
from checker.model import Collector, Unit

SYSTEMCTL_TIMEOUT = 30.0
ROOT_RUNTIME_REASON = "--root: runtime state not available"
# systemctl(1), EXIT STATUS: "On success, 0 is returned, a non-zero failure code otherwise."
# list-unit-files/list-units have no other success code.
SYSTEMCTL_OK = (0,)


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


# --------------------------------------------------------------------------- I/O


def systemctl_argv(root: str | None, *verb: str) -> list[str]:
    argv = ["systemctl"]
    if root is not None:
        argv.append(f"--root={root}")
    return [*argv, *verb, "--output=json", "--no-pager"]


@dataclass(frozen=True)
class UnitFileListing:
    """What `list-unit-files` printed, and how it ended."""

    states: dict[str, str]
    """{unit name: unit-file state}."""
    exit_code: int
    warnings: tuple[str, ...] = ()
    """stderr lines saying a path could not be read (`Failed to open directory ...: Permission denied`)."""


_UNREADABLE_WORDS = ("permission denied", "access denied")


def read_unit_files(root: str | None) -> UnitFileListing:
    """Enablement of every unit file systemctl could read. Raises CommandFailed or UnitOutputError.

    Exit 1 is accepted when stdout is still a JSON list: systemd 252 prints `[]` and exits 1
    both when there is no unit file at all (an image without systemd) and when it could read
    none; the collector tells them apart with its own survey of the unit directories. Without
    JSON, exit 1 is a failure (`Failed to list unit files: Access denied`).
    """
    result = run_command(systemctl_argv(root, "list-unit-files"), timeout=SYSTEMCTL_TIMEOUT,
                         accept=(*SYSTEMCTL_OK, 1))
    if not result.stdout.lstrip().startswith("["):
        check_exit(result, SYSTEMCTL_OK)
    warnings = tuple(line.strip() for line in result.stderr.splitlines()
                     if any(word in line.lower() for word in _UNREADABLE_WORDS))
    return UnitFileListing(parse_unit_files_json(result.stdout), result.returncode, warnings)


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


# --------------------------------------------------------------------------- the collectors


class UnitFilesCollector(EvidenceCollector):
    """`unit-files`: every unit's enablement, with the SysV scripts (see checker/collect/sysv.py).

    PARTIAL when the list may miss something: `list-unit-files` exited non-zero with units
    present, it warned about unreadable paths, or the unit search path or /etc/init.d and
    rc?.d could not be read whole (checker/collect/unit_dirs.py).
    """

    name = Collector.UNIT_FILES

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        root = context.root
        try:
            listing = read_unit_files(root)
        except CommandFailed as exc:
            return self._without_systemctl(root, exc)
        except UnitOutputError as exc:
            return self.failed(f"systemctl: {exc}")
        survey = survey_unit_dirs(root)
        gaps = [] if survey.complete else [survey.reason()]
        explained = listing.exit_code == 0 or (not listing.states and survey.complete and not survey.unit_files)
        if not explained:
            gaps.append(f"systemctl list-unit-files exited {listing.exit_code} after listing "
                        f"{len(listing.states)} unit(s), its list may be incomplete")
        gaps += [f"systemctl: {warning}" for warning in listing.warnings[:1]]
        units = merge_units(listing.states, None)
        tree = read_sysv_tree(root)
        where = root or "/"
        notes = [] if listing.states else [f"no systemd unit files under {where}"]
        if tree is not None:
            gaps += [f"SysV: {path}" for path in tree.unreadable]
            if listing.states or systemd_present(root):
                generated = generated_sysv_units(tree.scripts, tree.rc_links, listing.states)
                by_name = {unit.name: unit for unit in units} | {unit.name: unit for unit in generated}
                units = [by_name[name] for name in sorted(by_name)]
                if generated:
                    notes.append(f"{len(generated)} SysV script(s) as systemd-sysv-generator units")
            else:
                units = sysv_units(tree.scripts, tree.rc_links)
                if units:
                    notes.append("SysV fallback from /etc/init.d")
        evidence = InsideEvidence(units=tuple(units))
        if gaps:
            return self.partial(evidence, "; ".join(gaps))
        return self.ok(evidence, "; ".join(notes) or None)

    def _without_systemctl(self, root: str | None, exc: CommandFailed) -> CollectedEvidence:
        # Without systemctl, /etc/init.d stands in only where systemd is absent: on a systemd
        # host (or image, read with --root by a host lacking systemctl) it would report the
        # SysV scripts as the whole truth and drop every native unit (fail open).
        fallback = "not found on PATH" in str(exc) and systemd_present(root) is None
        tree = read_sysv_tree(root) if fallback else None
        if tree is None:
            return self.failed(str(exc))
        evidence = InsideEvidence(units=tuple(sysv_units(tree.scripts, tree.rc_links)))
        reason = f"{exc}; SysV fallback from /etc/init.d"
        if tree.unreadable:
            return self.partial(evidence, f"{reason}; not readable: {'; '.join(tree.unreadable)}")
        return self.ok(evidence, reason)


class UnitRuntimeCollector(EvidenceCollector):
    """`unit-runtime`: ActiveState/SubState, merged into the units the unit files gave."""

    name = Collector.UNIT_RUNTIME

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
    "UnitFileListing",
    "UnitFilesCollector",
    "UnitRuntimeCollector",
    "ROOT_RUNTIME_REASON",
    "RuntimeState",
    "UnitOutputError",
    "merge_units",
    "parse_list_units_json",
    "parse_unit_files_json",
    "read_runtime",
    "read_unit_files",
    "runtime_is_unavailable",
    "systemd_present",
    "sysv_units",
]

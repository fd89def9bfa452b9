"""The inside view of this host (or of a mounted image with --root): one `Snapshot`.

What it is for: `collect_local()` runs every inside-view collector in turn and records what
each one did (`CollectorRun`). A collector that fails, times out or is not available here
becomes a FAILED/UNAVAILABLE run with a one-line reason, and the others still run (fail
closed: the evaluator turns missing evidence into `error` results).

`--root DIR` audits an image, not the live host: only unit files, socket units and xinetd
files are read (under DIR). The live sockets and the systemd runtime are UNAVAILABLE there,
with `--root` as the reason, and `HostInfo.root` records DIR.

What it must not do: evaluate policy, or raise for a collector failure. Only a programming
error escapes, and even that is caught per collector and recorded.
"""

from __future__ import annotations

import os
import platform
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from checker import __version__
from checker._subprocess import CommandFailed
from checker.collect import utc_now
from checker.collect.systemd import ROOT_RUNTIME_REASON
from checker.model import (
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    Listener,
    Snapshot,
    SocketUnit,
    Unit,
    XinetdService,
)

DEFAULT_XINETD_CONF = "/etc/xinetd.conf"
ROOT_SOCKETS_REASON = "--root: live sockets of the image are not observable"


def one_line(text: str, limit: int = 300) -> str:
    """Collector reasons are one line: the first non-empty line, bounded."""
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return "unknown error"


@dataclass
class _Collected:
    """What the collectors produced so far (mutable while collecting, never stored)."""

    runs: list[CollectorRun] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    socket_units: list[SocketUnit] = field(default_factory=list)
    xinetd: list[XinetdService] = field(default_factory=list)
    enablement: dict[str, str] | None = None

    def record(self, name: Collector, status: CollectorStatus, reason: str | None = None) -> None:
        self.runs.append(CollectorRun(name, status, one_line(reason) if reason else None))

    def guarded(self, name: Collector, action: Callable[[], None]) -> None:
        """Run one collector; any exception it lets out is recorded as FAILED, never raised."""
        try:
            action()
        except CommandFailed as exc:
            self.record(name, CollectorStatus.FAILED, str(exc))
        except Exception as exc:  # a collector bug must not stop the others (fail closed)
            self.record(name, CollectorStatus.FAILED, f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- collectors


def _collect_sockets(out: _Collected, root: str | None) -> None:
    if root is not None:
        out.record(Collector.SOCKETS, CollectorStatus.UNAVAILABLE, ROOT_SOCKETS_REASON)
        return
    from checker.collect.sockets import collect_sockets

    listeners, states = collect_sockets()
    out.listeners, out.states = listeners, states
    out.record(Collector.SOCKETS, CollectorStatus.OK)


def _collect_unit_files(out: _Collected, root: str | None) -> None:
    from checker.collect import systemd

    try:
        enablement = systemd.read_unit_files(root)
    except CommandFailed as exc:
        # Without systemctl, /etc/init.d stands in only where systemd is absent: on a systemd
        # host (or image, read with --root by a host lacking systemctl) it would report the
        # SysV scripts as the whole truth and drop every native unit (fail open).
        fallback = "not found on PATH" in str(exc) and systemd.systemd_present(root) is None
        sysv = systemd.read_sysv(root) if fallback else None
        if sysv is None:
            out.record(Collector.UNIT_FILES, CollectorStatus.FAILED, str(exc))
            return
        out.units = sysv
        out.record(Collector.UNIT_FILES, CollectorStatus.OK, f"{exc}; SysV fallback from /etc/init.d")
        return
    except systemd.UnitOutputError as exc:
        out.record(Collector.UNIT_FILES, CollectorStatus.FAILED, f"systemctl: {exc}")
        return
    if not enablement:
        # No systemd unit file at all (an image without systemd): SysV scripts, if any.
        sysv = systemd.read_sysv(root)
        where = root or "/"
        if sysv:
            out.units = sysv
            out.record(Collector.UNIT_FILES, CollectorStatus.OK,
                       f"no systemd unit files under {where}; SysV fallback from /etc/init.d")
        else:
            out.record(Collector.UNIT_FILES, CollectorStatus.OK, f"no systemd unit files under {where}")
        return
    out.enablement = enablement
    out.units = systemd.merge_units(enablement, None)
    out.record(Collector.UNIT_FILES, CollectorStatus.OK)


def _collect_unit_runtime(out: _Collected, root: str | None) -> None:
    from checker.collect import systemd

    if root is not None:
        out.record(Collector.UNIT_RUNTIME, CollectorStatus.UNAVAILABLE, ROOT_RUNTIME_REASON)
        return
    try:
        runtime = systemd.read_runtime()
    except CommandFailed as exc:
        status = CollectorStatus.UNAVAILABLE if systemd.runtime_is_unavailable(str(exc)) else CollectorStatus.FAILED
        out.record(Collector.UNIT_RUNTIME, status, str(exc))
        return
    except systemd.UnitOutputError as exc:
        out.record(Collector.UNIT_RUNTIME, CollectorStatus.FAILED, f"systemctl: {exc}")
        return
    known = {unit.name: unit for unit in out.units}
    merged = []
    for name in sorted(set(known) | set(runtime)):
        unit = known.get(name, Unit(name=name))
        state = runtime.get(name)
        merged.append(replace(unit, active=state.active, sub=state.sub) if state else unit)
    out.units = merged
    out.record(Collector.UNIT_RUNTIME, CollectorStatus.OK)


def _collect_socket_units(out: _Collected, root: str | None) -> None:
    from checker.collect.socket_units import collect_socket_units

    active = {unit.name: unit.active for unit in out.units if unit.active is not None}
    units = collect_socket_units(root, out.enablement)
    if active:
        units = [replace(unit, active=active.get(unit.name)) for unit in units]
    out.socket_units = units
    out.record(Collector.SOCKET_UNITS, CollectorStatus.OK)


def _collect_xinetd(out: _Collected, root: str | None, conf: str | None) -> None:
    from checker.collect.xinetd import read_xinetd

    path = conf or DEFAULT_XINETD_CONF
    try:
        config = read_xinetd(path, root)
    except OSError as exc:
        out.record(Collector.XINETD, CollectorStatus.FAILED, f"{path}: {exc.strerror or exc}")
        return
    if config is None:
        if conf is not None:  # asked for explicitly: its absence is a failure, not "no xinetd"
            out.record(Collector.XINETD, CollectorStatus.FAILED, f"{path}: No such file or directory")
        else:
            out.record(Collector.XINETD, CollectorStatus.OK, f"{path} not present: xinetd not configured")
        return
    out.xinetd = list(config.services)
    unreadable = [problem for problem in config.problems if problem.io_error]
    if unreadable:
        # Services in the unreadable part are unknown: the evidence is incomplete.
        out.record(Collector.XINETD, CollectorStatus.FAILED, str(unreadable[0]))
    elif config.fatal:
        out.record(Collector.XINETD, CollectorStatus.OK, config.fatal)
    elif config.problems:
        # What xinetd itself would log; the services it affects carry their own reasons.
        count = len(config.problems)
        out.record(Collector.XINETD, CollectorStatus.OK,
                   f"{count} xinetd warning{'s' if count > 1 else ''}; first: {config.problems[0]}")
    else:
        out.record(Collector.XINETD, CollectorStatus.OK)


# --------------------------------------------------------------------------- host metadata


def host_addresses() -> tuple[str, ...]:
    """This host's own IP addresses (every interface), sorted; empty if psutil cannot tell."""
    try:
        import psutil

        addresses = {
            address.address.split("%", 1)[0]
            for entries in psutil.net_if_addrs().values()
            for address in entries
            if address.family in (socket.AF_INET, socket.AF_INET6)
        }
    except Exception:  # metadata only: never fail the snapshot for it
        return ()
    return tuple(sorted(addresses))


def os_release(root: str | None) -> str | None:
    """PRETTY_NAME from os-release (of the image with --root)."""
    base = root or "/"
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        try:
            with open(os.path.join(base, candidate), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        return parse_os_release(text)
    return None


def parse_os_release(text: str) -> str | None:
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "PRETTY_NAME":
            return value.strip().strip('"').strip("'") or None
    return None


def _is_privileged() -> bool:
    return os.geteuid() == 0


def collect_local(root: str | None = None, xinetd_conf: str | None = None) -> Snapshot:
    """Collect the inside view: sockets, unit files, unit runtime, socket units, xinetd.

    `root` reads unit files and xinetd config under that directory (a mounted image) and marks
    the live-only collectors UNAVAILABLE; `xinetd_conf` replaces /etc/xinetd.conf (and is read
    inside `root` when both are given). Never raises for a collector failure.
    """
    started = utc_now()
    out = _Collected()
    out.guarded(Collector.SOCKETS, lambda: _collect_sockets(out, root))
    out.guarded(Collector.UNIT_FILES, lambda: _collect_unit_files(out, root))
    out.guarded(Collector.UNIT_RUNTIME, lambda: _collect_unit_runtime(out, root))
    out.guarded(Collector.SOCKET_UNITS, lambda: _collect_socket_units(out, root))
    out.guarded(Collector.XINETD, lambda: _collect_xinetd(out, root, xinetd_conf))
    host = HostInfo(
        hostname=socket.gethostname(),
        collected_at=started,
        tool_version=__version__,
        addresses=host_addresses() if root is None else (),
        os_release=os_release(root),
        kernel=platform.release() if root is None else None,
        euid=os.geteuid(),
        privileged=_is_privileged(),
        root=root,
        finished_at=utc_now(),
    )
    return Snapshot(
        host=host,
        collectors=tuple(sorted(out.runs, key=lambda run: list(Collector).index(run.name))),
        listeners=tuple(out.listeners),
        connection_states=dict(sorted(out.states.items())),
        units=tuple(sorted(out.units, key=lambda unit: unit.name)),
        socket_units=tuple(sorted(out.socket_units, key=lambda unit: unit.name)),
        xinetd_services=tuple(out.xinetd),
    )

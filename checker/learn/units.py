"""The `services:` and `socket_units:` sections of the draft.

`services`: the `.service` units enabled (and running, when the runtime state is known) on
every host, minus the machine's own plumbing. `socket_units`: every socket unit the evaluator
counts, by the evaluator's own predicate (`checker.evaluate.socket_units.counts`), so that
the audit of the drafted host passes. Must not do I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from checker.evaluate.socket_units import counts
from checker.learn.hosts import collector_ok, collector_reason
from checker.learn.render import DraftWriter, flow_mapping, flow_sequence, yaml_scalar
from checker.learn.risks import LEGACY_SOCKET_PORTS
from checker.model import Collector, CollectorStatus, Snapshot, SocketUnit, Unit
from checker.model.units import unit_suffix

_NOISE_UNITS = re.compile(
    r"""^(
        systemd-.* | getty@.* | serial-getty@.* | console-getty | container-getty@.* | user@.* |
        user-runtime-dir@.* | dbus(-broker)? | dbus-.* | cron | crond | anacron | atd |
        rsyslog | syslog-ng | syslog | e2scrub.* | fstrim | logrotate | man-db | apt-daily.* |
        dpkg-db-backup | unattended-upgrades | apparmor | keyboard-setup | console-setup |
        setvtrgb | kmod.* | lvm2-.* | plymouth.* | blk-availability | polkit | accounts-daemon |
        udisks2 | upower | packagekit | thermald | irqbalance | rtkit-daemon | multipathd |
        ModemManager | NetworkManager.* | wpa_supplicant.* | networking | ifup@.* | ifupdown.* |
        snapd.* | cloud-init.* | cloud-config | cloud-final | finalrd | grub-.* | haveged |
        rngd | smartd | smartmontools | lxcfs | qemu-guest-agent | open-vm-tools | vgauth |
        auditd | chrony | chronyd | ntp | ntpsec | sysstat | mdmonitor | alsa-.* | bluetooth |
        colord | switcheroo-control | power-profiles-daemon | low-memory-monitor | gdm3? | lightdm
    )\.service$""",
    re.VERBOSE,
)
"""Units that belong to the machine itself, not to the services it offers. A daemon here
that does listen (chrony, ntp) still shows up as a port entry."""


def is_unit_of_interest(unit: Unit, *, runtime: bool) -> bool:
    """An enabled `.service` that runs a daemon (when runtime state is known) and is not plumbing."""
    if unit_suffix(unit.name) != ".service" or _NOISE_UNITS.match(unit.name):
        return False
    if unit.enablement != "enabled":
        return False
    return not runtime or (unit.active == "active" and unit.sub == "running")


def draft_services(out: DraftWriter, snapshots: Sequence[Snapshot]) -> None:
    usable = [s for s in snapshots if collector_ok(s, Collector.UNIT_FILES)]
    if not usable:
        out.comment(0, "services: not drafted, unit enablement is unknown ("
                       + "; ".join(collector_reason(s, Collector.UNIT_FILES) for s in snapshots) + ").")
        out.line()
        return
    runtime = all(collector_ok(s, Collector.UNIT_RUNTIME) for s in usable)
    per_host: list[set[str]] = []
    units_by_name: dict[str, Unit] = {}
    for snapshot in usable:
        names = set()
        for unit in snapshot.units:
            if is_unit_of_interest(unit, runtime=runtime):
                names.add(unit.name)
                units_by_name.setdefault(unit.name, unit)
        per_host.append(names)
    everywhere = set.intersection(*per_host) if per_host else set()
    somewhere = set.union(*per_host) if per_host else set()
    if not runtime:
        # What it means comes first: comment lines are cut at 160 characters, and the
        # collector's reason (systemctl's own message) can be long.
        out.comment(0, "`running:` is left out (it could only be an error): the systemd runtime state was "
                       "not collected.")
        out.comment(0, "Why: " + "; ".join(collector_reason(s, Collector.UNIT_RUNTIME) for s in usable
                                          if not collector_ok(s, Collector.UNIT_RUNTIME)))
    if not everywhere:
        out.comment(0, "services: no enabled, running service of interest was found (system plumbing "
                       "such as getty or journald is left out on purpose).")
        out.line("services: []")
    else:
        out.comment(0, "Enabled" + (" and running" if runtime else "") + " services; system plumbing "
                       "(getty, journald, cron...) is left out on purpose.")
        out.line("services:")
        for name in sorted(everywhere):
            unit = units_by_name[name]
            state = f"enabled, {unit.active}/{unit.sub}" if runtime else "enabled"
            out.comment(2, f"{name}: {state}" + (f", {unit.path}" if unit.path else ""))
            fields = [("unit", yaml_scalar(name))]
            if runtime:
                fields.append(("running", "true"))
            fields.append(("enabled", "true"))
            out.line("  - " + flow_mapping(fields))
    for name in sorted(somewhere - everywhere):
        out.comment(0, f"not learned: {name} is enabled on some hosts only")
    out.line()


def is_socket_unit_in_use(unit: SocketUnit, runtime: CollectorStatus = CollectorStatus.OK) -> bool:
    """Enabled-like or active: the units `socket_units.default: deny` looks at.

    The evaluator's own predicate, so that the draft allows what the audit will check
    (`static` units count: `systemctl is-enabled` exits 0 for them). A unit whose state
    the evaluator cannot tell (None) is allowed too: leaving it out could only add a failure.
    `runtime` is the host's unit-runtime collector status.
    """
    return counts(unit, runtime) is not False


def _is_plumbing_socket(unit: SocketUnit) -> bool:
    """An OS socket (journald, dbus, udev...): not explicitly enabled and no IP listener."""
    return unit.enablement not in ("enabled", "enabled-runtime") and all(
        listen.port is None for listen in unit.listens)


def draft_socket_units(out: DraftWriter, snapshots: Sequence[Snapshot]) -> None:
    # The evaluator needs both: the parsed units, and their enablement from the unit files.
    needed = (Collector.SOCKET_UNITS, Collector.UNIT_FILES)
    usable = [s for s in snapshots if all(collector_ok(s, c) for c in needed)]
    if not usable:
        out.comment(0, "socket_units: not drafted, a collector it needs did not succeed ("
                       + "; ".join(collector_reason(s, c) for s in snapshots for c in needed
                                   if not collector_ok(s, c)) + ").")
        out.line()
        return
    found: dict[str, list[SocketUnit]] = {}
    for snapshot in usable:
        runtime = snapshot.collector(Collector.UNIT_RUNTIME).status
        for unit in snapshot.socket_units:
            if is_socket_unit_in_use(unit, runtime):
                found.setdefault(unit.name, []).append(unit)
    out.line("socket_units:")
    out.line("  default: deny")
    if not found:
        out.line("  allow: []")
        out.line()
        return
    out.line("  allow:")
    plumbing = sorted(name for name, units in found.items() if all(_is_plumbing_socket(u) for u in units))
    for name in sorted(set(found) - set(plumbing)):
        units = found[name]
        unit = units[0]
        listens = sorted({listen.value for u in units for listen in u.listens})
        state = ", ".join(x for x in (unit.enablement, unit.active) if x)
        triggers = f", starts {unit.service}" if unit.service else ""
        out.comment(4, f"{name}: {state}{triggers}" + (f", {unit.path}" if unit.path else ""))
        legacy = sorted({listen.port for u in units for listen in u.listens if listen.port in LEGACY_SOCKET_PORTS})
        if legacy:
            out.comment(4, "RISK: listens on " + ", ".join(f"{p} ({LEGACY_SOCKET_PORTS[p]})" for p in legacy)
                           + ", a cleartext or legacy service")
        fields = [("unit", yaml_scalar(name))]
        if len({tuple(sorted(listen.value for listen in u.listens)) for u in units}) == 1:
            fields.append(("listen", flow_sequence(yaml_scalar(v) for v in listens)))
        else:
            out.comment(4, "NOTE: its Listen* values differ between hosts: listen not pinned")
        out.line("    - " + flow_mapping(fields))
    if plumbing:
        out.comment(4, "The operating system's own sockets (static, unix/netlink only): allowed by name.")
        for name in plumbing:
            out.line(f"    - {yaml_scalar(name)}")
    out.line()

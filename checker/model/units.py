"""systemd unit names: the one place that knows the unit-type suffixes. Pure; no I/O.

A baseline may name a unit without its type, as `systemctl` does (`ssh` means `ssh.service`;
under `socket_units:`, `telnet` means `telnet.socket`). Every stage compares names in full
form, so every name a person wrote goes through `unit_name` before it is compared: the policy
loader (duplicates, conflicts, `extends`), the services and socket-units rule families.

Only the *last* dot-suffix counts, and only when it is a unit type: `snap.lxd.daemon.unix`
has dots but no type, so it is `snap.lxd.daemon.unix.socket` (a name that merely contains a dot
must not be taken as complete, or a `forbid` of it would never match and the rule would pass).

Must not do: look at the host (whether a unit exists is the collectors' business), or know
anything about templates and instances (`foo@1.socket` is just a name here).
"""

from __future__ import annotations

UNIT_SUFFIXES = frozenset({
    ".service", ".socket", ".target", ".mount", ".timer", ".path", ".slice", ".scope", ".device", ".swap",
    ".automount",
})
"""Every systemd unit type (systemd.unit(5)): the suffixes `systemctl` recognises."""


def unit_suffix(name: str) -> str | None:
    """The unit-type suffix of `name` (`.socket` for `snap.lxd.daemon.unix.socket`); None when
    its last dot-suffix is not a unit type (`snap.lxd.daemon.unix`, `ssh`)."""
    _, dot, last = name.rpartition(".")
    suffix = dot + last
    return suffix if suffix in UNIT_SUFFIXES else None


def unit_name(name: str, default_suffix: str) -> str:
    """`name` in full form: kept when it already ends in a unit type, else `default_suffix` appended.

    `unit_name("ssh", ".service")` is `ssh.service`; `unit_name("cups.socket", ".service")` stays
    `cups.socket`; `unit_name("snap.lxd.daemon.unix", ".socket")` is `snap.lxd.daemon.unix.socket`.
    """
    if default_suffix not in UNIT_SUFFIXES:
        raise ValueError(f"{default_suffix!r} is not a systemd unit type")
    return name if unit_suffix(name) is not None else name + default_suffix


def unit_stem(name: str) -> str:
    """`name` without its unit-type suffix (`kresd.socket` -> `kresd`, `foo@1.socket` -> `foo@1`);
    a name without one is returned as it is."""
    suffix = unit_suffix(name)
    return name[: -len(suffix)] if suffix is not None else name

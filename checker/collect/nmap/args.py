"""The one place nmap's command line is built, from structured settings only.

`build_nmap_argv` knows every option it can emit (`EMITTED_OPTIONS`) and nothing else
ever reaches nmap's argv: no user string becomes an option. Port specs are parsed into
numbers and re-printed; timing and host timeout are integers; targets arrive already
validated by `checker.collect.nmap.targets` and follow a `--` end-of-options marker.

Never emitted, whatever the baseline or the command line say: `--script`/`-sC`/`-A`
(NSE runs code), any `-o*` except `-oX -` (writes files), `-iL`/`-iR` (reads files, picks
random hosts), a `--datadir` of anyone's choosing, `--servicedb`, `--versiondb`, `--resume`, `--stylesheet`,
`--privileged`, `-e`/`-S`/`--proxies`/`--spoof-mac`.

Choices, and why:
- `-sS` (SYN) when running as root, `-sT` (connect) otherwise: the unprivileged connect
  scan needs no raw sockets; which one ran is recorded as `NetworkView.scan_type`.
- `-n`: no reverse DNS. Names are what the user typed; PTR lookups add time and leak.
- `-Pn` for single hosts (address or hostname): the user named the host, so it is scanned
  even if it drops pings (a firewalled host must not vanish as "down"; loopback needs no
  discovery anyway). CIDRs and ranges keep host discovery: an address nobody answers on is
  not a host, as in every nmap sweep.
- TCP and UDP are separate nmap runs: nmap cannot give TCP a port list and UDP a top-N in
  one run (`--top-ports` spans both protocols), and UDP is slow, so it runs beside TCP.
- `--host-timeout Ns` always, so one slow host ends as `timedout` for that host only.
- `--datadir DIR` with the system's nmap data directory (found by checker/collect/nmap/scan.py
  next to the nmap binary, never taken from a user): nmap then reads its scripts and probes
  from there first, not from `$NMAPDIR` or `~/.nmap` (the environment is cleared as well, by
  checker/_subprocess.py).

This module does not run nmap and does no I/O.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace

from checker.collect.nmap.targets import Target
from checker.errors import UsageError
from checker.model import Protocol, ScanSettings, port_spec
from checker.model.port_spec import MAX_TOP_PORTS, PortSpec, PortSpecError, PortSpecFault

EMITTED_OPTIONS = frozenset({
    "-oX", "-n", "-Pn", "-6", "-sS", "-sT", "-sU", "-sV", "-p", "--top-ports",
    "-T0", "-T1", "-T2", "-T3", "-T4", "-T5", "--host-timeout", "--datadir", "--",
})
"""Every option `build_nmap_argv` can produce. Tests assert nothing else ever appears."""

MAX_HOST_TIMEOUT = 86_400


def parse_port_spec(text: object, *, field: str, allow_none: bool) -> PortSpec:
    """`all` | `top:N` | `1-1024,8080` (| `none` when allowed), any case -> PortSpec; `UsageError` otherwise.

    The grammar is `checker.model.port_spec`'s, shared with the baseline loader; this only
    words its faults for the command line.
    """
    if not isinstance(text, str):
        raise UsageError(f"{field}: expected a string such as 'all', 'top:100' or '1-1024,8080', got {text!r}")
    try:
        return port_spec.parse_port_spec(text.lower(), allow_none=allow_none)  # no strip(): refused, not repaired
    except PortSpecError as exc:
        if exc.fault is PortSpecFault.TOP_OUT_OF_RANGE:
            raise UsageError(f"{field}: {text!r}: top:N needs 1 <= N <= {MAX_TOP_PORTS}") from None
        if exc.fault is PortSpecFault.ITEM_OUT_OF_RANGE:
            raise UsageError(f"{field}: {text!r}: port {exc.item!r} is not within 1-65535 or not ascending") from None
        allowed = "'none', " if allow_none else ""
        raise UsageError(f"{field}: {text!r} is not a port spec ({allowed}'all', 'top:N' or a list such as "
                         "'1-1024,8080')") from None


def _check_timing(value: object, field: str) -> None:
    if type(value) is not int or not 0 <= value <= 5:
        raise UsageError(f"{field}: expected an integer 0-5, got {value!r}")


def _check_host_timeout(value: object, field: str) -> None:
    if type(value) is not int or not 1 <= value <= MAX_HOST_TIMEOUT:
        raise UsageError(f"{field}: expected whole seconds 1-{MAX_HOST_TIMEOUT}, got {value!r}")


def validate_scan_settings(settings: ScanSettings, *, origin: str = "scan") -> ScanSettings:
    """Check every field of `settings` (types included: a Baseline may be built by hand)."""
    parse_port_spec(settings.tcp_ports, field=f"{origin}.tcp_ports", allow_none=True)
    parse_port_spec(settings.udp_ports, field=f"{origin}.udp_ports", allow_none=True)
    if not isinstance(settings.service_detection, bool):
        raise UsageError(f"{origin}.service_detection: expected true or false, got {settings.service_detection!r}")
    _check_timing(settings.timing, f"{origin}.timing")
    _check_host_timeout(settings.host_timeout, f"{origin}.host_timeout")
    if (parse_port_spec(settings.tcp_ports, field="", allow_none=True).none
            and parse_port_spec(settings.udp_ports, field="", allow_none=True).none):
        raise UsageError(f"{origin}: tcp_ports and udp_ports are both 'none': nothing to scan")
    return settings


def effective_scan_settings(base: ScanSettings | None, args: argparse.Namespace) -> ScanSettings:
    """The baseline's `scan:` (or the defaults) overridden by the CLI's scan flags, validated."""
    settings = validate_scan_settings(base if base is not None else ScanSettings(), origin="scan")
    overrides: dict[str, object] = {}
    for name in ("tcp_ports", "udp_ports", "timing", "host_timeout"):
        value = getattr(args, name, None)
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if name.endswith("_ports"):
            parse_port_spec(value, field=flag, allow_none=True)
        elif name == "timing":
            _check_timing(value, flag)
        else:
            _check_host_timeout(value, flag)
        overrides[name] = value
    if getattr(args, "service_detection", None):
        overrides["service_detection"] = True
    return validate_scan_settings(replace(settings, **overrides), origin="command line")  # type: ignore[arg-type]


@dataclass(frozen=True)
class NmapInvocation:
    """One nmap run: its exact argv and what it covers."""

    argv: tuple[str, ...]
    protocol: Protocol
    scan_type: str
    """`syn`, `connect` or `udp`."""
    targets: tuple[Target, ...]


def build_nmap_argv(
    settings: ScanSettings,
    targets: Sequence[Target],
    *,
    protocol: Protocol,
    privileged: bool,
    nmap: str = "nmap",
    datadir: str | None = None,
) -> NmapInvocation:
    """The argv of one nmap run over `targets` (one family; all explicit or none) for `protocol`;
    `datadir` is the system's nmap data directory (an absolute path), None for none."""
    settings = validate_scan_settings(settings)
    if not targets:
        raise ValueError("no targets")
    families = {t.family for t in targets}
    if len(families) != 1 or len({t.explicit for t in targets}) != 1:
        raise ValueError("one nmap run takes targets of one family, all single hosts or all networks")
    for target in targets:
        if not isinstance(target, Target) or target.spec.startswith("-"):
            raise ValueError(f"not a validated target: {target!r}")
    field = "tcp_ports" if protocol is Protocol.TCP else "udp_ports"
    ports = parse_port_spec(getattr(settings, field), field=f"scan.{field}", allow_none=True)
    if ports.none:
        raise ValueError(f"{field} is none: no {protocol} run to build")

    argv: list[str] = [nmap, "-oX", "-", "-n"]
    if datadir is not None:
        if not datadir.startswith("/") or "\0" in datadir:
            raise ValueError(f"not an absolute data directory: {datadir!r}")
        argv += ["--datadir", datadir]
    if families == {"ipv6"}:
        argv.append("-6")
    if targets[0].explicit:
        argv.append("-Pn")
    if protocol is Protocol.UDP:
        scan_type, technique = "udp", "-sU"
    elif privileged:
        scan_type, technique = "syn", "-sS"
    else:
        scan_type, technique = "connect", "-sT"
    argv.append(technique)
    if settings.service_detection:
        argv.append("-sV")
    if ports.top is not None:
        argv += ["--top-ports", str(ports.top)]
    else:
        argv += ["-p", ports.nmap_list()]
    argv += [f"-T{settings.timing}", "--host-timeout", f"{settings.host_timeout}s", "--"]
    argv += [t.spec for t in targets]
    return NmapInvocation(tuple(argv), protocol, scan_type, tuple(targets))

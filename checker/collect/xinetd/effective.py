"""The effective xinetd configuration: what the daemon runs once every file is read.

What it is for: confparse.c's work after parsing, for the entries the parser
(checker/collect/xinetd/parser.py) produced: `enabled`/`disabled` from `defaults`, then per
service the values taken from `defaults` or xinetd's built-ins (service_fill), the port from
/etc/services, the required-attribute and internal-service checks, and the bind/port
conflict check (check_entry, service_attr_check). It reads no files and resolves no names:
host tables come from the `XinetdHost` it is given.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from checker.collect.xinetd.attributes import IDENTITY_PORT, INTERNAL_SERVICES, SERVICE_TYPES
from checker.collect.xinetd.entry import Entry, entry_id, first_value
from checker.collect.xinetd.model import BUILTIN, XinetdConfig, XinetdHost, XinetdProblem
from checker.model import Location, XinetdService, XinetdValue


def effective_config(entries: Sequence[Entry], defaults: Entry, host: XinetdHost, *,
                     problems: Sequence[XinetdProblem], files: Sequence[str], fatal: str | None) -> XinetdConfig:
    """The configuration xinetd runs once every file is read (confparse.c cnf_get()).

    `entries` in file order, `defaults` as the files left it, `problems` found while reading;
    `fatal` (a rejected `defaults` attribute) disables every service.
    """
    fill = _ServiceFill(defaults, host)
    found = list(problems)
    enabled_ids = defaults.values.get("enabled") if "enabled" in defaults.specified else None
    disabled_ids = defaults.values.get("disabled") if "disabled" in defaults.specified else None
    kept: list[Entry] = []
    reasons: dict[int, str] = {}
    for index, entry in enumerate(entries):
        if entry.dropped:
            reasons[index] = entry.dropped
            continue
        if enabled_ids is not None:
            # confparse.c: `enabled` disables every service whose id is not listed, and
            # re-enables the listed ones even if a parse error had disabled them.
            if entry_id(entry) in enabled_ids.values:
                entry.disabled_reason = None
            else:
                entry.disabled_reason = f"{enabled_ids.location}: id {entry_id(entry)} not listed in " \
                                        "defaults enabled"
        if entry.disabled_reason:
            reasons[index] = entry.disabled_reason
            continue
        if disabled_ids is not None and entry_id(entry) in disabled_ids.values:
            reasons[index] = f"{disabled_ids.location}: id {entry_id(entry)} listed in defaults disabled"
            continue
        failure = fill.service_fill(entry) or fill.check_entry(entry, kept)
        if failure:
            found.append(XinetdProblem(entry.location, failure))
            reasons[index] = f"{entry.location}: {failure}"
            continue
        kept.append(entry)
    services = []
    for index, entry in enumerate(entries):
        reason = reasons.get(index)
        if reason is None and fatal:
            reason = fatal
        services.append(XinetdService(
            name=entry.name,
            id=entry_id(entry),
            enabled=reason is None,
            location=entry.location,
            disabled_reason=reason,
            attributes=dict(sorted(entry.values.items())),
        ))
    return XinetdConfig(
        services=tuple(services),
        defaults={key: defaults.values[key] for key in sorted(defaults.specified)
                  if key in defaults.values},
        problems=tuple(found),
        files=tuple(files),
        fatal=fatal,
    )


class _ServiceFill:
    """confparse.c's per-service completion against the final `defaults` and the host."""

    def __init__(self, defaults: Entry, host: XinetdHost) -> None:
        self.defaults = defaults
        self.host = host

    def inherit(self, entry: Entry, key: str, builtin: tuple[str, ...] | None) -> None:
        """service_fill: take `key` from defaults, else the built-in value, unless the entry set it."""
        if key in entry.specified:
            return
        if key in self.defaults.specified and key in self.defaults.values:
            entry.values[key] = self.defaults.values[key]
        elif builtin is not None:
            entry.values[key] = XinetdValue(builtin, BUILTIN)

    def service_fill(self, entry: Entry) -> str | None:
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

    def fill_logging(self, entry: Entry) -> None:
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

    def check_entry(self, entry: Entry, kept: Sequence[Entry]) -> str | None:
        """confparse.c check_entry() and service_attr_check(); an error message or None."""
        values = entry.values
        types = set(values["type"].values) if "type" in values else set()
        flags = list(values["flags"].values) if "flags" in values else []
        for earlier in kept:
            conflict = _conflict_message(entry, earlier)
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
            return f"Service {entry_id(entry)} missing attribute {missing[0]} - DISABLING"
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


def _address_family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None


def _conflict_message(entry: Entry, earlier: Entry) -> str | None:
    """check_entry(): same port+protocol+bind address as an earlier enabled service.

    Only an earlier service *with* a bind address can conflict (confparse.c skips the others),
    and RPC services conflict only on overlapping program and versions.
    """
    earlier_bind = earlier.values.get("bind")
    if earlier_bind is None:
        return None
    if first_value(entry, "port") != first_value(earlier, "port") or \
            (first_value(entry, "protocol") or "").lower() != (first_value(earlier, "protocol") or "").lower():
        return None
    bind = entry.values.get("bind")
    if bind is not None:
        try:
            if ipaddress.ip_address(bind.values[0]) != ipaddress.ip_address(earlier_bind.values[0]):
                return None
        except ValueError:
            if bind.values[0] != earlier_bind.values[0]:
                return None
    if first_value(entry, "rpc_number") != first_value(earlier, "rpc_number") and "RPC" in entry.values.get(
            "type", XinetdValue((), BUILTIN)).values:
        return None
    if entry_id(entry) == entry_id(earlier):
        return f"service: {entry.name} id: {entry_id(entry)} not unique or is a duplicate - DISABLING"
    return (f"service: {entry.name} id: {entry_id(entry)} is unique but its identical to service: "
            f"{earlier.name} id: {entry_id(earlier)} - DISABLING")

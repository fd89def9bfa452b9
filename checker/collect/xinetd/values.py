"""xinetd's attribute value parsers: what each attribute accepts and what it becomes.

What it is for: one function, `parse_value`, that validates the values of one attribute line
the way the per-attribute parsers of xinetd 2.3.15.3 (parsers.c) do, and returns the value
the entry then holds. The arity and operator rules are the parser's
(checker/collect/xinetd/parser.py). Host lookups (accounts, protocols, /etc/services, executable
servers) come from the `XinetdHost` it is given; it resolves no names and reads no files.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence

from checker.collect.xinetd.attributes import (
    FAILURE_LOG_FLAGS,
    FLAG_SPELLING,
    SERVICE_FLAGS,
    SERVICE_TYPES,
    SOCKET_TYPES,
    SUCCESS_LOG_FLAGS,
    SYSLOG_FACILITIES,
    SYSLOG_LEVELS,
)
from checker.collect.xinetd.model import XinetdHost


class AttributeValueError(Exception):
    """An attribute parser rejected its values (xinetd: "Error parsing attribute")."""


def parse_value(key: str, op: str, values: Sequence[str], current_values: Sequence[str], host: XinetdHost,
                warn: Callable[[str], None]) -> tuple[str, ...] | None:
    """Validate `values` like xinetd's parser for `key`; the new value (None = keep).

    `current_values` is what the entry holds so far (for `+=`/`-=` and the lists that always
    add); `warn` records a message xinetd logs without rejecting the attribute. Raises
    AttributeValueError when xinetd rejects the values.
    """
    if key in ("wait", "groups", "v6only", "disable"):
        return (_yes_no(key, values[0]),)
    if key == "socket_type":
        if values[0].lower() not in SOCKET_TYPES:
            raise AttributeValueError(f"Bad socket type: {values[0]}")
        return (values[0].lower(),)
    if key == "protocol":
        # getprotobyname() is case-sensitive (`TCP` works only as an alias in /etc/protocols),
        # and the name is kept as written: getservbyname() later uses it as is.
        if values[0] not in host.protocols:
            raise AttributeValueError(f"Protocol {values[0]} not in /etc/protocols")
        return (values[0],)
    if key in ("user", "group"):
        if not values[0].isdigit() and not host.has_account(key, values[0]):
            raise AttributeValueError(f"Unknown {key}: {values[0]}")
        return (values[0],)
    if key == "server":
        check = host.server_is_executable
        if check is not None and not check(values[0]):
            raise AttributeValueError(f"Server {values[0]} is not executable")
        return (values[0],)
    if key in ("server_args", "access_times", "type", "flags", "log_type") and not values:
        raise AttributeValueError(f"attribute {key} expects at least 1 value and none was given.")
    if key == "server_args":
        return tuple(values)
    if key == "access_times":
        for interval in values:
            if not _is_time_interval(interval):
                raise AttributeValueError(f"Bad time interval: {interval}")
        return (*current_values, *values) if op != "=" else tuple(values)
    if key in ("instances", "per_source"):
        if values[0].upper() == "UNLIMITED":
            return ("UNLIMITED",)
        number = _base10(values[0])
        if number is None or number < 0:
            raise AttributeValueError(f"Number of {key} is invalid: {values[0]}")
        return (str(number),)
    if key == "cps":
        numbers = [_base10(value) for value in values]
        if any(number is None or number < 0 for number in numbers):
            raise AttributeValueError("cps argument not a number")
        return tuple(str(number) for number in numbers)
    if key == "max_load":
        match = re.match(r"^[ \t]*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", values[0])
        if not match:
            raise AttributeValueError("error reading max_load argument")
        if float(match.group(0)) == 0:
            raise AttributeValueError("error parsing max_load argument")
        return (repr(float(match.group(0))),)
    if key == "port":
        number = _base10(values[0])
        if number is None or not 0 <= number < 65536:
            raise AttributeValueError("port number is invalid")
        return (str(number),)
    if key in ("id", "banner", "banner_success", "banner_fail", "libwrap"):
        return (values[0],)
    if key == "type":
        return _merge_names(current_values, values, SERVICE_TYPES, "service type")
    if key == "flags":
        return _merge_names(current_values, values, SERVICE_FLAGS, "service flag")
    if key in ("log_on_success", "log_on_failure"):
        names = SUCCESS_LOG_FLAGS if key == "log_on_success" else FAILURE_LOG_FLAGS
        start = () if op == "=" else current_values
        return _apply_flags(start, values, names, op, f"{key} flag")
    if key == "log_type":
        return _log_type(values)
    if key in ("only_from", "no_access"):
        return _address_list(current_values if op != "=" else (), values, op, warn)
    if key == "passenv":
        variables = list(current_values) if op != "=" else []
        for value in values:
            if op == "-=":
                if value in variables:
                    variables.remove(value)
            elif value not in variables:
                variables.append(value)
        return tuple(variables)
    if key == "env":
        if op == "-=":
            raise AttributeValueError("operator '-=' not supported for env attribute")
        definitions = list(current_values) if op != "=" else []
        for value in values:
            if "=" not in value:
                raise AttributeValueError(f"{value} has no '='")
            definitions.append(value)
        return tuple(definitions)
    if key in ("disabled", "enabled"):
        return (*current_values, *values)
    if key == "rpc_version":
        low, _, high = values[0].partition("-")
        low_number, high_number = _base10(low), _base10(high) if high else _base10(low)
        if low_number is None or high_number is None or low_number > high_number:
            raise AttributeValueError(f"bad version range: {values[0]}")
        return (values[0],)
    if key in ("rpc_number", "nice"):
        if _base10(values[0]) is None:
            raise AttributeValueError(f"Error parsing: {values[0]}")
        return (values[0],)
    if key == "redirect":
        port = _base10(values[1])
        if (port is None or port <= 0) and (values[1], "tcp") not in (host.services or {}):
            raise AttributeValueError("port number invalid")
        if port is not None and port >= 65536:
            raise AttributeValueError("port number too large")
        return tuple(values)
    if key == "bind":
        return (values[0],)
    if key == "deny_time":
        if values[0].upper() in ("FOREVER", "NEVER"):
            return (values[0].upper(),)
        if _base10(values[0]) is None:
            raise AttributeValueError(f"Error parsing: {values[0]}")
        return (values[0],)
    if key == "umask":
        try:
            mask = int(values[0], 8)
        except ValueError:
            raise AttributeValueError("umask argument is invalid.") from None
        if not 0 <= mask <= 0o777:
            raise AttributeValueError("umask argument is invalid.")
        return (values[0],)
    if key.startswith("rlimit_"):
        if values[0].upper() == "UNLIMITED":
            return ("UNLIMITED",)
        pattern = r"^\d+$" if key == "rlimit_cpu" else r"^\d+[kKmM]?$"
        if not re.match(pattern, values[0].strip()):
            raise AttributeValueError(f"{key} limit is invalid: {values[0]}")
        return (values[0],)
    if key == "leaky_bucket":
        return tuple(values)
    raise AttributeValueError(f"no parser for {key}")  # unreachable: every table key is handled


def _address_list(start: Sequence[str], values: Sequence[str], op: str,
                  warn: Callable[[str], None]) -> tuple[str, ...]:
    """only_from / no_access: addresses added or removed, equal networks counted once."""
    addresses = list(start)
    for value in values:
        if "," in value and "{" not in value:
            raise AttributeValueError(f"Address: {value} has a comma in it - remove the comma")
        value = _inet_aton_form(value)
        if not _is_address_token(value):
            # addr.c: a token that does not parse is reported and skipped; the service stays.
            warn(f"failed to parse {value}")
            continue
        if op == "-=":
            addresses = [address for address in addresses if not _same_address(address, value)]
        elif not any(_same_address(address, value) for address in addresses):
            addresses.append(value)
    return tuple(addresses)


def _is_time_interval(text: str) -> bool:
    """timex.c ti_add(): `hh:mm-hh:mm` with hours 0-23 and minutes 0-59."""
    match = re.fullmatch(r"(\d{1,2}):(\d{1,2})-(\d{1,2}):(\d{1,2})", text)
    if not match:
        return False
    hour1, minute1, hour2, minute2 = (int(group) for group in match.groups())
    return hour1 < 24 and hour2 < 24 and minute1 < 60 and minute2 < 60


def _yes_no(key: str, value: str) -> str:
    if value.lower() in ("yes", "no"):
        return value.lower()
    raise AttributeValueError(f"Bad value for {key}: {value}")


def _base10(text: str) -> int | None:
    """xinetd's parse_base10: an optional sign and decimal digits (trailing CR/FF/VT tolerated)."""
    return int(text) if re.fullmatch(r"[-+]?\d+[\r\v\f]*", text) else None


def _merge_names(current: Sequence[str], values: Sequence[str], allowed: Sequence[str],
                 description: str) -> tuple[str, ...]:
    """type/flags: values are always added (as if +=), case-insensitive, canonical spelling."""
    merged = list(current)
    upper = {name.upper(): name for name in allowed}
    for value in values:
        if value.upper() not in upper:
            raise AttributeValueError(f"Bad {description}: {value}")
        name = FLAG_SPELLING.get(value.upper(), upper[value.upper()])
        if name not in merged:
            merged.append(name)
    return tuple(merged)


def _apply_flags(current: Sequence[str], values: Sequence[str], allowed: Sequence[str], op: str,
                 description: str) -> tuple[str, ...]:
    """log_on_success/log_on_failure masks, kept in the canonical order of `allowed`."""
    selected = set(current)
    for value in values:
        if value.upper() not in allowed:
            raise AttributeValueError(f"Bad {description}: {value}")
        if op == "-=":
            selected.discard(value.upper())
        else:
            selected.add(value.upper())
    return tuple(name for name in allowed if name in selected)


def _log_type(values: Sequence[str]) -> tuple[str, ...]:
    kind = values[0].upper()
    if kind == "FILE":
        if not 2 <= len(values) <= 4:
            raise AttributeValueError("wrong number of arguments")
        if any(not re.fullmatch(r"\d+[kKmM]?", limit) for limit in values[2:]):
            raise AttributeValueError("soft limit is invalid")
        return ("FILE", *values[1:])
    if kind == "SYSLOG":
        if not 2 <= len(values) <= 3:
            raise AttributeValueError("wrong number of arguments")
        if values[1].lower() not in SYSLOG_FACILITIES:
            raise AttributeValueError(f"Unknown syslog facility: {values[1]}")
        level = values[2].lower() if len(values) == 3 else "info"
        if level not in SYSLOG_LEVELS:
            raise AttributeValueError(f"Unknown syslog level: {values[2]}")
        return ("SYSLOG", values[1].lower(), level)
    raise AttributeValueError(f"Unknown log type: {values[0]}")


_HOSTNAME = re.compile(r"^\.?[A-Za-z0-9_]([A-Za-z0-9_-]*)(\.[A-Za-z0-9_-]+)*\.?$")
_FACTORIZED = re.compile(r"^(\d{1,3}\.){1,3}\{[\d, ]+\}$")


def _is_address_token(value: str) -> bool:
    """IPv4/IPv6 (with optional /prefix), factorized `a.b.c.{x,y}`, or a host/domain/network name."""
    if _FACTORIZED.match(value):
        return True
    try:
        ipaddress.ip_network(value, strict=False)
        return True
    except ValueError:
        pass
    return bool(_HOSTNAME.match(value))


def _inet_aton_form(value: str) -> str:
    """An address entry as xinetd 2.3.15.3 reads it (measured on the real binary, the dump shows
    the same): a numeric IPv4 address in any inet_aton() form (`10` is 0.0.0.10, `10.1` is
    10.0.0.1, `0x0` and `00.00.00.00` are 0.0.0.0, `010.0.0.1` is 8.0.0.1), also before a `/`;
    the part after `/` is read as atoi() does (leading digits: `0x08`, `0junk` and `0.0.0.0`
    are 0, `255.0.0.0` is 255), a prefix beyond the address length (or negative) meaning the
    whole address. So `0/0` and `0.0.0.0/0x8` admit everyone, as in xinetd. Anything else is
    returned unchanged (names, factorized entries, parse failures)."""
    address, slash, prefix = value.partition("/")
    numeric = _numeric_address(address)
    if numeric is None:
        return value
    if not slash:
        return str(numeric)
    digits = re.match(r"[+-]?\d+", prefix)
    if digits is None:
        return value  # xinetd: "failed to parse"
    bits = int(digits.group())
    if not 0 <= bits <= numeric.max_prefixlen:
        bits = numeric.max_prefixlen
    return f"{numeric}/{bits}"


def _numeric_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if re.fullmatch(r"[0-9]+|0[xX][0-9a-fA-F]+|[0-9a-fA-FxX]+(\.[0-9a-fA-FxX]+){1,3}", text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return None


def _same_address(left: str, right: str) -> bool:
    if left.lower() == right.lower():
        return True
    try:
        return ipaddress.ip_network(left, strict=False) == ipaddress.ip_network(right, strict=False)
    except ValueError:
        return False


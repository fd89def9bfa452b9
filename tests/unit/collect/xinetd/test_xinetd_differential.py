"""Differential test: our xinetd parser against the real xinetd 2.3.15.3's parse dumps.

Every config set listed in ../shared/testdata/xinetd/regen-dumps.sh has dumps made by
`run-real-xinetd.sh` (`xinetd -d`). The includedir `/etc/xinetd.d` is replaced by the set's
own directory, as the script does. The `.neutralized` dumps rewrite server/user/group to
/bin/cat, nobody, nogroup so the syntax semantics show; we apply the same rewrite to the
text. The plain dumps depend on this host's accounts and executables, so they are compared
with the host checks on (both dumps were made on this machine's image).

Compared: the enabled services in order (name, id), and for each socket type, protocol,
port, wait, flags, type, instances, per_source, cps, only_from, no_access, logging, user and
server. Where they differ, the real xinetd is right.
"""

from __future__ import annotations

import ipaddress
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from checker.collect.xinetd import (
    RootedXinetdFiles,
    XinetdConfig,
    host_lookups,
    parse_xinetd,
)
from checker.model import XinetdService

XINETD_DATA = Path(__file__).resolve().parents[4] / ".." / "shared" / "testdata" / "xinetd"
DUMP = "_real-xinetd-2.3.15.3-dump"


@dataclass(frozen=True)
class ConfigSet:
    out: str
    conf: Path
    includedir: Path | None

    def dump_path(self, neutralized: bool) -> Path:
        suffix = ".neutralized.txt" if neutralized else ".txt"
        out = XINETD_DATA / self.out
        if out.is_dir():
            return out / f"{DUMP}{suffix}"
        return out.parent / f"{DUMP}.{out.name}{suffix}"


def config_sets() -> list[ConfigSet]:
    """The sets regen-dumps.sh regenerates: `"out|conf|includedir"` lines."""
    script = (XINETD_DATA / "regen-dumps.sh").read_text()
    sets = []
    for out, conf, inc in re.findall(r'^\s*"([^"|]*)\|([^"|]*)\|([^"|]*)"', script, re.M):
        sets.append(ConfigSet(out, XINETD_DATA / conf, XINETD_DATA / inc if inc else None))
    return sets


_NEUTRALIZE = [
    (re.compile(r"^([ \t]*server[ \t]*=[ \t]*)[^ \t\n]+", re.I | re.M), r"\g<1>/bin/cat"),
    (re.compile(r"^([ \t]*user[ \t]*=[ \t]*)[^ \t\n]+", re.I | re.M), r"\g<1>nobody"),
    (re.compile(r"^([ \t]*group[ \t]*=[ \t]*)[^ \t\n]+", re.I | re.M), r"\g<1>nogroup"),
]


def neutralize(text: str) -> str:
    for pattern, replacement in _NEUTRALIZE:
        text = pattern.sub(replacement, text)
    return text


class SetFiles(RootedXinetdFiles):
    """Files of one set: `/etc/xinetd.d` -> the set's includedir (or an empty one)."""

    def __init__(self, includedir: Path | None, empty_dir: Path, neutralized: bool) -> None:
        super().__init__(None, {"/etc/xinetd.d": str(includedir or empty_dir)})
        self.neutralized = neutralized

    def read_text(self, path: str) -> str:
        text = super().read_text(path)
        return neutralize(text) if self.neutralized else text


def parse_set(config_set: ConfigSet, neutralized: bool, tmp_path: Path) -> XinetdConfig:
    empty = tmp_path / "empty.d"
    empty.mkdir(exist_ok=True)
    files = SetFiles(config_set.includedir, empty, neutralized)
    host = host_lookups(RootedXinetdFiles(None))
    text = config_set.conf.read_text()
    if neutralized:
        text = neutralize(text)
    return parse_xinetd(text, str(config_set.conf), files=files, host=host, debug_mode=True)


# --------------------------------------------------------------------------- dump reader


@dataclass
class DumpBlock:
    name: str
    fields: dict[str, str] = field(default_factory=dict)
    logging: str | None = None


def read_dump(text: str) -> tuple[DumpBlock, list[DumpBlock]]:
    defaults = DumpBlock("defaults")
    services: list[DumpBlock] = []
    current: DumpBlock | None = None
    for line in text.splitlines():
        if line == "Service defaults":
            current = defaults
        elif line.startswith("Service configuration: "):
            current = DumpBlock(line.split(": ", 1)[1])
            services.append(current)
        elif line.startswith("\t\t") and current is not None:
            key, _, value = line.strip().partition(" = ")
            current.fields[f"rpc {key}"] = value
        elif line.startswith("\t") and current is not None:
            body = line.strip()
            if body.startswith(("Logging to", "No logging")):
                current.logging = body
            elif body.startswith(("Only from:", "No access:")):
                key, _, value = body.partition(":")
                current.fields[key] = value.strip()
            elif " = " in body or body.endswith(" ="):
                key, _, value = body.partition(" =")
                current.fields[key.strip()] = value.strip()
        elif not line.startswith("\t"):
            current = None if not line.startswith("Service") else current
    return defaults, services


def dump_addresses(text: str) -> set[str]:
    if text in ("All sites", "No blocked sites", ""):
        return set()
    result = set()
    for token in text.split():
        value, _, _kind = token.partition("(")
        result |= normalize_address(value)
    return result


def normalize_address(value: str) -> set[str]:
    """Comparable forms: CIDR and netmask networks alike; `a.b.{x,y}` expanded as xinetd does."""
    factorized = re.fullmatch(r"([\d.]+)\.\{([\d,]+)\}", value)
    if factorized:
        prefix, items = factorized.groups()
        results = set()
        for item in items.split(","):
            octets = f"{prefix}.{item}".split(".")
            results |= normalize_address(".".join(octets + ["0"] * (4 - len(octets))))
        return results
    return {_normalize_one(value)}


def _normalize_one(value: str) -> str:
    address, _, mask = value.partition("/")
    if ":" in mask:  # the dump writes IPv6 networks as address/netmask
        value = f"{address}/{bin(int(ipaddress.IPv6Address(mask))).count('1')}"
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        return value.lower()


def our_addresses(service: XinetdService, key: str) -> set[str]:
    value = service.attributes.get(key)
    return {form for v in value.values for form in normalize_address(v)} if value else set()


def expected_limit(block: DumpBlock, defaults: DumpBlock, key: str, builtin: str) -> str:
    return block.fields.get(key, defaults.fields.get(key, builtin))


def limit(service: XinetdService, key: str) -> str:
    value = service.attributes[key].values
    return " ".join(value)


def logging_of(service: XinetdService) -> str:
    value = service.attributes.get("log_type")
    if value is None:
        return "No logging"
    kind, *rest = value.values
    if kind == "SYSLOG":
        return f"Logging to syslog. Facility = {rest[0]}, level = {rest[1]}"
    return f"Logging to file: {rest[0]}"


SETS = config_sets()


def test_every_visible_set_is_listed() -> None:
    assert len(SETS) >= 5
    for config_set in SETS:
        assert config_set.conf.is_file(), config_set
        assert config_set.dump_path(True).is_file(), config_set


@pytest.mark.parametrize("neutralized", [True, False], ids=["neutralized", "plain"])
@pytest.mark.parametrize("config_set", SETS, ids=[s.out for s in SETS])
def test_parser_matches_real_xinetd(config_set: ConfigSet, neutralized: bool, tmp_path: Path) -> None:
    dump_file = config_set.dump_path(neutralized)
    if not dump_file.is_file():
        pytest.skip(f"no dump {dump_file.name}")
    config = parse_set(config_set, neutralized, tmp_path)
    assert_matches_dump(config, dump_file.read_text())


def assert_matches_dump(config: XinetdConfig, dump_text: str) -> None:
    """Our enabled services, in order, against the `Service configuration:` blocks of a dump."""
    dump_defaults, dump_services = read_dump(dump_text)
    ours = config.enabled_services
    assert [(s.name, s.id) for s in ours] == [(b.name, b.fields["id"]) for b in dump_services], \
        [(s.name, s.disabled_reason) for s in config.services if not s.enabled]
    for service, block in zip(ours, dump_services, strict=True):
        where = f"{service.name}/{service.id} at {service.location}"
        fields = block.fields
        assert limit(service, "socket_type") == fields["socket_type"], where
        protocol = re.match(r"\((\w+),", fields["Protocol (name,number)"])
        assert protocol and service.protocol == protocol.group(1).lower(), where
        assert service.port == (int(fields["port"]) if "port" in fields else None), where
        assert limit(service, "wait") == fields["wait"], where
        assert set(service.attributes["flags"].values) == set(fields["flags"].split()), where
        assert set(service.attributes["type"].values if "type" in service.attributes else ()) == \
            set(fields.get("type", "").split()), where
        assert limit(service, "instances") == expected_limit(block, dump_defaults, "Instances", "UNLIMITED"), where
        per_source = fields["PER_SOURCE"]
        assert limit(service, "per_source") == ("UNLIMITED" if per_source == "-1" else per_source), where
        cps = expected_limit(block, dump_defaults, "CPS", "max conn:50 wait:10")
        assert f"max conn:{service.attributes['cps'].values[0]} wait:{service.attributes['cps'].values[1]}" == cps
        assert our_addresses(service, "only_from") == dump_addresses(fields["Only from"]), where
        assert our_addresses(service, "no_access") == dump_addresses(fields["No access"]), where
        if block.logging == "Logging to common log file":  # the defaults' FILE, shared
            assert logging_of(service).startswith("Logging to file:"), where
        elif block.logging and block.logging.startswith("Logging to file:"):
            assert block.logging.startswith(logging_of(service) + " "), where
        else:
            assert logging_of(service) == block.logging, where
        for key, dump_key in (("log_on_success", "Log_on_success flags"), ("log_on_failure", "Log_on_failure flags")):
            if dump_key in fields:
                value = service.attributes.get(key)
                assert set(value.values if value else ()) == set(fields[dump_key].split()), (where, key)
        if "user" in fields:
            user = service.attributes["user"].values[0]
            assert (int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid) == int(fields["user"]), where
        if "Server" in fields:
            assert service.attributes["server"].values[0] == fields["Server"], where
        if fields.get("Bind") == "All addresses.":
            assert "bind" not in service.attributes, where
    # The defaults block too: the limits it shows are the ones services inherit.
    for key, dump_key in (("instances", "Instances"), ("per_source", "PER_SOURCE")):
        if dump_key in dump_defaults.fields:
            assert " ".join(config.defaults[key].values) == dump_defaults.fields[dump_key]

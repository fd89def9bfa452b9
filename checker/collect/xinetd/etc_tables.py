"""The host tables xinetd consults while it parses: /etc/services, /etc/protocols, /etc/rpc,
/etc/hosts, /etc/passwd and /etc/group.

What it is for: pure readers of those files' text, in the forms `XinetdHost` holds
(checker/collect/xinetd/model.py). The files are read by checker/collect/xinetd/files.py;
this module does no I/O and asks no name service.
"""

from __future__ import annotations


def parse_etc_services(text: str) -> dict[tuple[str, str], int]:
    """/etc/services -> {(name or alias, protocol): port}; the first entry of a name wins."""
    table: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        port_text, _, protocol = fields[1].partition("/")
        if not port_text.isdigit():
            continue
        for name in (fields[0], *fields[2:]):
            table.setdefault((name, protocol), int(port_text))
    return table


def parse_name_table(text: str) -> dict[str, int]:
    """/etc/protocols or /etc/rpc -> {name or alias: number}."""
    table: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or not fields[1].isdigit():
            continue
        for name in (fields[0], *fields[2:]):
            table.setdefault(name, int(fields[1]))
    return table


def parse_etc_hosts(text: str) -> dict[str, tuple[str, ...]]:
    """/etc/hosts -> {name or alias: addresses in file order}."""
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        for name in fields[1:]:
            table.setdefault(name, []).append(fields[0])
    return {name: tuple(addresses) for name, addresses in table.items()}


def parse_account_names(text: str) -> frozenset[str]:
    """/etc/passwd or /etc/group -> the set of names."""
    return frozenset(line.split(":", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))

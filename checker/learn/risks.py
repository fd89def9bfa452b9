"""What earns an entry of the draft a `RISK:` comment: cleartext, legacy and exposed services.

Pure data tables and one function; the reviewer decides, the draft only points. Must not
change what is drafted: a risky port is still allowed, with its comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from checker.model import Protocol
from checker.model.ports import WELL_KNOWN

CLEARTEXT: Mapping[tuple[Protocol, int], str] = {
    (Protocol.TCP, 21): "FTP", (Protocol.TCP, 23): "telnet", (Protocol.UDP, 69): "TFTP",
    (Protocol.TCP, 79): "finger", (Protocol.TCP, 110): "POP3 without TLS",
    (Protocol.TCP, 119): "NNTP", (Protocol.TCP, 143): "IMAP without TLS",
    (Protocol.TCP, 512): "rexec", (Protocol.TCP, 513): "rlogin", (Protocol.TCP, 514): "rsh",
    (Protocol.UDP, 177): "XDMCP", (Protocol.UDP, 517): "talk", (Protocol.UDP, 518): "ntalk",
    (Protocol.TCP, 873): "the rsync daemon protocol",
}
"""Protocols that carry credentials or data in clear text."""

X11_PORTS = range(6000, 6064)
"""X11 over TCP (displays :0 to :63): keystrokes and screens in clear text (CIS 2.1.20)."""

LEGACY_SMALL_SERVICES = frozenset({7, 9, 13, 19, 37})
"""echo, discard, daytime, chargen, time: no use today, and UDP ones amplify floods."""

DATABASE_PORTS: Mapping[int, str] = {
    3306: "MySQL/MariaDB", 5432: "PostgreSQL", 6379: "Redis", 11211: "memcached",
    27017: "MongoDB", 9200: "Elasticsearch", 9300: "Elasticsearch transport", 5984: "CouchDB",
    9042: "Cassandra", 2379: "etcd", 1433: "MS SQL", 1521: "Oracle", 8086: "InfluxDB",
    33060: "MySQL X protocol",
}
"""Databases and caches: they belong on loopback or an internal address, never on all interfaces."""


def port_risks(proto: Protocol, port: int, binds: Sequence[str]) -> list[str]:
    risks = []
    if (proto, port) in CLEARTEXT:
        risks.append(f"{CLEARTEXT[(proto, port)]} is a cleartext protocol; replace it with an encrypted one")
    if proto == Protocol.TCP and port in X11_PORTS:
        risks.append(f"X11 display :{port - 6000} over TCP is a cleartext protocol; start the X server with "
                     "-nolisten tcp and use SSH X forwarding")
    if port in LEGACY_SMALL_SERVICES:
        risks.append(f"{WELL_KNOWN.get((proto, port), 'this')} is a legacy diagnostic service; disable it")
    beyond_loopback = [word for word in binds if word != "loopback"]
    if port in DATABASE_PORTS and beyond_loopback:
        where = "all interfaces" if "any" in beyond_loopback else ", ".join(beyond_loopback)
        risks.append(f"{DATABASE_PORTS[port]} listens on {where}; bind it to loopback or an internal "
                     "address (bind: [loopback])")
    return risks


LEGACY_SOCKET_PORTS = {
    **{port: name for (_proto, port), name in CLEARTEXT.items()},
    **{port: WELL_KNOWN[(Protocol.TCP, port)] for port in LEGACY_SMALL_SERVICES},
}

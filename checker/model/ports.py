"""Facts about port numbers that more than one stage uses: well-known services, the ephemeral range.

`is_ephemeral_client_port` tells a client's UDP socket (a resolver's, an NTP client's: its port
changes at every restart) from a server's; `checker.learn` drafts one range entry for such
sockets and `checker.drift` compares them per process, so both must agree, and neither stage
may import the other. `WELL_KNOWN` is a pure data table (why this module is longer than its code).
Must not do I/O or hold policy (what is risky is `checker.learn.risks`' business).
"""

from __future__ import annotations

from collections.abc import Mapping

from checker.model.snapshot import Listener
from checker.model.vocabulary import Protocol

DEFAULT_EPHEMERAL_RANGE = (32768, 60999)
"""Linux's default net.ipv4.ip_local_port_range; the command passes the live one when known."""

WELL_KNOWN: Mapping[tuple[Protocol, int], str] = {
    **{(Protocol.TCP, port): name for port, name in {
        7: "echo", 9: "discard", 13: "daytime", 19: "chargen", 21: "FTP", 22: "SSH", 23: "telnet",
        25: "SMTP", 37: "time", 53: "DNS", 79: "finger", 80: "HTTP", 88: "Kerberos", 110: "POP3",
        111: "rpcbind", 119: "NNTP", 135: "MS RPC", 139: "NetBIOS session", 143: "IMAP",
        179: "BGP", 199: "SNMP smux", 389: "LDAP", 443: "HTTPS", 445: "SMB", 465: "SMTPS",
        512: "rexec", 513: "rlogin", 514: "rsh", 515: "LPD", 587: "SMTP submission", 631: "IPP (CUPS)",
        636: "LDAPS", 873: "rsync", 993: "IMAPS", 995: "POP3S", 1433: "MS SQL", 1521: "Oracle",
        2049: "NFS", 2379: "etcd", 3128: "Squid proxy", 3306: "MySQL/MariaDB", 3389: "RDP",
        4369: "Erlang epmd", 5432: "PostgreSQL", 5672: "AMQP", 5900: "VNC", 5984: "CouchDB",
        6379: "Redis", 6443: "Kubernetes API", 8080: "HTTP alternate", 8086: "InfluxDB",
        8443: "HTTPS alternate", 9042: "Cassandra", 9090: "Prometheus", 9100: "node exporter",
        9200: "Elasticsearch", 9300: "Elasticsearch transport", 10250: "kubelet",
        11211: "memcached", 27017: "MongoDB", 33060: "MySQL X protocol",
    }.items()},
    **{(Protocol.UDP, port): name for port, name in {
        7: "echo", 9: "discard", 13: "daytime", 19: "chargen", 37: "time", 53: "DNS",
        67: "DHCP server", 68: "DHCP client", 69: "TFTP", 111: "rpcbind", 123: "NTP",
        137: "NetBIOS name", 138: "NetBIOS datagram", 161: "SNMP", 162: "SNMP trap",
        177: "XDMCP", 323: "chrony command", 443: "QUIC", 500: "IKE", 512: "biff", 513: "rwho",
        514: "syslog", 517: "talk", 518: "ntalk", 546: "DHCPv6 client", 547: "DHCPv6 server",
        1194: "OpenVPN", 1812: "RADIUS", 2049: "NFS", 4500: "IPsec NAT-T", 5353: "mDNS",
        5355: "LLMNR", 11211: "memcached", 41641: "Tailscale", 51820: "WireGuard",
    }.items()},
}
"""Service names of ports worth naming in comments; also what makes a UDP port in the
ephemeral range a server rather than a client."""


def is_ephemeral_client_port(listener: Listener, ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE) -> bool:
    """A UDP socket in the ephemeral range with no well-known service: a client's socket."""
    return (
        listener.protocol == Protocol.UDP
        and ephemeral[0] <= listener.port <= ephemeral[1]
        and (Protocol.UDP, listener.port) not in WELL_KNOWN
    )

"""Build the prepared snapshots audited by tests/functional/test_policies.py.

Hand-built with the data model and serialised with `checker.model.serialize.to_data`, so that the
JSON files next to this script are exactly what the model says. Regenerate after a model
change with `python tests/assets/policies/build_snapshots.py`; the functional test fails
when the files on disk differ from what this script builds.

* `clean-host.json`: a well-kept server: SSH, PostgreSQL and an MTA on loopback, a local
  DNS stub, chrony, one hardened xinetd service. Every built-in policy passes on it
  (cis-network-services included: nothing of 2.1.x is in use).
* `legacy-host.json`: everything the policies exist to catch: telnet, FTP, r-services,
  TFTP, finger, POP3/IMAP, chargen, databases on all interfaces, an open MTA, CUPS, avahi,
  rpcbind, NFS, Samba, SNMP, a web server and proxy, X11, and xinetd services without limits.

Firewalls (parsed from save text with the collector's own parser): the clean host filters with
legacy iptables/ip6tables, default deny and a rule for each non-loopback listener; the legacy
host has an nftables input chain that accepts everything.
"""

from __future__ import annotations

import json
from pathlib import Path

from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import parse_nft_json
from checker.model import (
    Collector,
    CollectorRun,
    CollectorStatus,
    HostInfo,
    Listener,
    Location,
    Protocol,
    Snapshot,
    SocketListen,
    SocketUnit,
    Unit,
    XinetdService,
    XinetdValue,
)
from checker.model.firewall import FirewallEvidence
from checker.model.serialize import to_data

HERE = Path(__file__).resolve().parent
INSIDE_OK = tuple(CollectorRun(c, CollectorStatus.OK) for c in Collector if c != Collector.NMAP) + (
    CollectorRun(Collector.NMAP, CollectorStatus.NOT_RUN, "no --target"),)
TCP, UDP = Protocol.TCP, Protocol.UDP


def listen(protocol: Protocol, address: str, port: int, process: str, pid: int, user: str,
           dual_stack: bool = False) -> Listener:
    family = "ipv6" if ":" in address else "ipv4"
    return Listener(protocol, family, address, port, pid, process, f"/usr/sbin/{process}", user, dual_stack)


def unit(name: str, enabled: bool = True, running: bool = True) -> Unit:
    return Unit(name, "enabled" if enabled else "disabled", "active" if running else "inactive",
                "running" if running else "dead", "systemd", f"/lib/systemd/system/{name}")


def socket_unit(name: str, *listens: str, enabled: bool = True) -> SocketUnit:
    parsed = tuple(SocketListen("stream", value, None, int(value) if value.isdigit() else None,
                                None if value.isdigit() else value) for value in listens)
    return SocketUnit(name, f"/lib/systemd/system/{name}", "enabled" if enabled else "disabled",
                      "active" if enabled else "inactive", parsed)


def xinetd(name: str, service_id: str, port: int, protocol: str, enabled: bool = True, **attributes: str) -> XinetdService:
    path = f"/etc/xinetd.d/{name}"
    values = {"port": XinetdValue((str(port),), Location(path, 4)),
              "protocol": XinetdValue((protocol,), Location(path, 5)),
              "socket_type": XinetdValue(("stream" if protocol == "tcp" else "dgram",), Location(path, 6)),
              "cps": XinetdValue(("50", "10"), Location("<xinetd built-in>", 0))}
    for line, (key, value) in enumerate(sorted(attributes.items()), start=7):
        values[key] = XinetdValue(tuple(value.split()), Location(path, line))
    return XinetdService(name, service_id, enabled, Location(path, 1), None if enabled else "disable = yes", values)


def host(name: str) -> HostInfo:
    return HostInfo(name, "2026-11-21T09:00:00Z", "0.1.0", ("10.0.0.7", "127.0.0.1", "::1"),
                    "Debian GNU/Linux 12 (bookworm)", "6.1.0-26-amd64", 0, True, None, "2026-11-21T09:00:02Z")


HARDENED = {"instances": "20", "per_source": "5", "cps": "10 30", "max_load": "3.5", "only_from": "10.0.0.0/8",
            "log_on_failure": "HOST ATTEMPT"}

_CLEAN_IPTABLES = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 7001 -j ACCEPT
-A INPUT -p udp -m udp --dport 32768:60999 -j DROP
COMMIT
"""
_CLEAN_IP6TABLES = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
"""
_LEGACY_NFT = ('{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, '
               '{"table": {"family": "inet", "name": "filter", "handle": 1}}, '
               '{"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", '
               '"hook": "input", "prio": 0, "policy": "accept"}}]}')
CLEAN_FIREWALL = FirewallEvidence(
    (parse_iptables_save(_CLEAN_IPTABLES, "iptables-legacy-save"),
     parse_iptables_save(_CLEAN_IP6TABLES, "ip6tables-legacy-save", ipv6=True)),
    ("legacy iptables rules present, not visible to nft",))
LEGACY_FIREWALL = FirewallEvidence((parse_nft_json(_LEGACY_NFT, "nft -j list ruleset"),))

CLEAN = Snapshot(
    host=host("clean-1"),
    collectors=INSIDE_OK,
    listeners=(
        listen(TCP, "0.0.0.0", 22, "sshd", 610, "root"),
        listen(TCP, "::", 22, "sshd", 610, "root"),
        listen(TCP, "127.0.0.1", 5432, "postgres", 700, "postgres"),
        listen(TCP, "::1", 5432, "postgres", 700, "postgres"),
        listen(TCP, "127.0.0.1", 25, "exim4", 800, "Debian-exim"),
        listen(TCP, "::1", 25, "exim4", 800, "Debian-exim"),
        listen(UDP, "127.0.0.53", 53, "systemd-resolve", 300, "systemd-resolve"),
        listen(TCP, "127.0.0.53", 53, "systemd-resolve", 300, "systemd-resolve"),
        listen(UDP, "127.0.0.1", 323, "chronyd", 400, "_chrony"),
        listen(UDP, "0.0.0.0", 45123, "chronyd", 400, "_chrony"),
        listen(TCP, "10.0.0.7", 7001, "xinetd", 500, "root"),
    ),
    connection_states={"ESTABLISHED": 4, "TIME-WAIT": 2},
    units=(unit("ssh.service"), unit("postgresql@15-main.service"), unit("exim4.service"),
           unit("chrony.service"), unit("systemd-resolved.service"), unit("xinetd.service", enabled=False,
                                                                                running=False)),
    socket_units=(socket_unit("ssh.socket", "22", enabled=False),),
    xinetd_services=(xinetd("backup-agent", "backup-agent", 7001, "tcp", server="/usr/sbin/backup-agent",
                            user="backup", bind="10.0.0.7", **HARDENED),),
    firewall=CLEAN_FIREWALL,
)

LEGACY = Snapshot(
    host=host("legacy-1"),
    collectors=INSIDE_OK,
    listeners=(
        listen(TCP, "0.0.0.0", 22, "sshd", 610, "root"),
        listen(TCP, "0.0.0.0", 23, "xinetd", 500, "root"),            # telnet via xinetd
        listen(TCP, "0.0.0.0", 21, "vsftpd", 620, "root"),
        listen(TCP, "0.0.0.0", 513, "xinetd", 500, "root"),           # rlogin via xinetd
        listen(TCP, "0.0.0.0", 514, "xinetd", 500, "root"),           # rsh via xinetd
        listen(UDP, "0.0.0.0", 69, "in.tftpd", 630, "tftp"),
        listen(TCP, "0.0.0.0", 79, "xinetd", 500, "root"),            # finger via xinetd
        listen(UDP, "0.0.0.0", 19, "xinetd", 500, "root"),            # chargen-dgram
        listen(TCP, "0.0.0.0", 110, "dovecot", 640, "root"),
        listen(TCP, "0.0.0.0", 143, "dovecot", 640, "root"),
        listen(TCP, "0.0.0.0", 6379, "redis-server", 650, "redis"),
        listen(TCP, "::", 3306, "mariadbd", 660, "mysql", dual_stack=True),
        listen(UDP, "0.0.0.0", 11211, "memcached", 670, "memcache"),
        listen(TCP, "127.0.0.1", 5432, "postgres", 700, "postgres"),  # fine everywhere
        listen(TCP, "0.0.0.0", 25, "exim4", 800, "Debian-exim"),
        listen(TCP, "127.0.0.1", 631, "cupsd", 680, "root"),
        listen(UDP, "0.0.0.0", 5353, "avahi-daemon", 690, "avahi"),
        listen(TCP, "0.0.0.0", 111, "rpcbind", 710, "_rpc"),
        listen(UDP, "0.0.0.0", 111, "rpcbind", 710, "_rpc"),
        listen(TCP, "0.0.0.0", 2049, "nfsd", 720, "root"),
        listen(TCP, "0.0.0.0", 445, "smbd", 730, "root"),
        listen(UDP, "0.0.0.0", 161, "snmpd", 740, "Debian-snmp"),
        listen(TCP, "0.0.0.0", 80, "nginx", 750, "root"),
        listen(TCP, "0.0.0.0", 3128, "squid", 760, "proxy"),
        listen(TCP, "0.0.0.0", 6000, "Xorg", 770, "root"),
        listen(UDP, "0.0.0.0", 53, "named", 780, "bind"),
    ),
    connection_states={"ESTABLISHED": 40, "SYN-RECV": 3},
    units=(unit("ssh.service"), unit("vsftpd.service"), unit("dovecot.service"), unit("cups.service"),
           unit("avahi-daemon.service"), unit("rpcbind.service"), unit("nfs-server.service"),
           unit("smbd.service"), unit("snmpd.service"), unit("nginx.service"), unit("squid.service"),
           unit("xinetd.service"), unit("named.service"), unit("autofs.service", running=False),
           unit("slapd.service", enabled=False, running=False), unit("tftpd-hpa.service")),
    socket_units=(socket_unit("telnet.socket", "23"), socket_unit("cups.socket", "/run/cups/cups.sock"),
                  socket_unit("rpcbind.socket", "111"), socket_unit("avahi-daemon.socket", "/run/avahi-daemon/socket",
                                                                    enabled=False)),
    xinetd_services=(
        xinetd("telnet", "telnet", 23, "tcp", server="/usr/sbin/in.telnetd", user="root"),
        xinetd("login", "login", 513, "tcp", server="/usr/sbin/in.rlogind", user="root"),
        xinetd("shell", "shell", 514, "tcp", server="/usr/sbin/in.rshd", user="root"),
        xinetd("finger", "finger", 79, "tcp", server="/usr/sbin/in.fingerd", user="nobody", instances="10"),
        xinetd("chargen", "chargen-dgram", 19, "udp", type="INTERNAL", **HARDENED),
        xinetd("daytime", "daytime-stream", 13, "tcp", enabled=False, type="INTERNAL"),
    ),
    firewall=LEGACY_FIREWALL,
)

SNAPSHOTS = {"clean-host.json": CLEAN, "legacy-host.json": LEGACY}


def render(snapshot: Snapshot) -> str:
    return json.dumps(to_data(snapshot), sort_keys=True, indent=2) + "\n"


def main() -> None:
    for name, snapshot in SNAPSHOTS.items():
        (HERE / name).write_text(render(snapshot), encoding="utf-8")


if __name__ == "__main__":
    main()

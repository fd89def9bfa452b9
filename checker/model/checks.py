"""The registry of check ids: description, default severity and remediation of each.

This is the single place a check id is documented. `surfacecheck checks` prints it, SARIF
`tool.driver.rules` is built from it, and a test asserts every `CheckId` has an entry.
Remediation templates use `str.format` fields filled from a result's evidence by the
evaluator (`{unit}`, `{port}`, `{protocol}`, `{service}`, `{attribute}`, `{value}`, `{file}`);
the plain text here is what `checks` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import CheckId, Severity


@dataclass(frozen=True)
class CheckInfo:
    id: CheckId
    title: str
    """Short description (SARIF shortDescription)."""
    description: str
    """Full description (SARIF fullDescription)."""
    severity: Severity
    """Default severity when neither the rule nor `defaults` sets one."""
    remediation: str
    """What to do about a failure, for humans (SARIF help)."""


_CHECKS = (
    CheckInfo(
        CheckId.PORT_UNEXPECTED,
        "Listener not allowed by the baseline",
        "With `ports.default: deny`, every listening socket (and every port the outside view finds "
        "open) must match an `allow` entry by port and protocol.",
        Severity.HIGH,
        "Stop or reconfigure the service (`ss -tulnp` shows its process), or add a reviewed "
        "`ports.allow` entry for it.",
    ),
    CheckInfo(
        CheckId.PORT_FORBIDDEN,
        "Forbidden port is listening",
        "A port listed in `ports.forbid` is listening on the host or open from the outside view.",
        Severity.HIGH,
        "Stop and disable the service listening on the port (e.g. `systemctl disable --now "
        "telnet.socket`), or remove the package.",
    ),
    CheckInfo(
        CheckId.PORT_REQUIRED_MISSING,
        "Required port is not listening",
        "An `allow` entry with `required: true` has no matching listener.",
        Severity.MEDIUM,
        "Start the service that should listen on the port (`systemctl enable --now UNIT`) and "
        "check its logs.",
    ),
    CheckInfo(
        CheckId.PORT_BIND,
        "Listener bound to a non-approved address",
        "A listener matched an `allow` entry whose `bind` list does not include the socket's "
        "address (`loopback`, `any`, IPs and CIDRs; `::` dual-stack counts as 0.0.0.0 too).",
        Severity.HIGH,
        "Bind the service to the approved address only (e.g. `listen_addresses = 'localhost'`, "
        "`bind 127.0.0.1`).",
    ),
    CheckInfo(
        CheckId.PORT_PROCESS,
        "Listener owned by an unexpected process or user",
        "A listener matched an `allow` entry whose `process` or `user` (name or glob) differs "
        "from the socket's owner. An unknown owner (unprivileged collection) is an error.",
        Severity.HIGH,
        "Find the process with `ss -tulnp`; stop it if it is not the approved one, or correct "
        "the baseline's `process`/`user`.",
    ),
    CheckInfo(
        CheckId.PORT_EXPOSED,
        "Internal port reachable from outside",
        "An `allow` entry with `exposure: internal` is open in the outside (nmap) view.",
        Severity.HIGH,
        "Bind the service to loopback or an internal interface, or block the port in the host "
        "or network firewall.",
    ),
    CheckInfo(
        CheckId.PORT_UNREACHABLE,
        "Public required port not reachable from outside",
        "An `allow` entry with `exposure: public` and `required: true` is closed or filtered in "
        "the outside view.",
        Severity.MEDIUM,
        "Check that the service listens on a public address and that the firewall allows the "
        "port.",
    ),
    CheckInfo(
        CheckId.SERVICE_STATE,
        "Unit running state differs from the baseline",
        "A `services` entry with `running:` does not match the unit's ActiveState. Needs a "
        "running systemd; otherwise the result is an error.",
        Severity.MEDIUM,
        "`systemctl start UNIT` or `systemctl stop UNIT` as the baseline requires.",
    ),
    CheckInfo(
        CheckId.SERVICE_ENABLED,
        "Unit enablement differs from the baseline",
        "A `services` entry with `enabled:` does not match the unit-file state.",
        Severity.MEDIUM,
        "`systemctl enable UNIT` or `systemctl disable UNIT` (or `mask`) as the baseline requires.",
    ),
    CheckInfo(
        CheckId.SOCKET_UNIT_UNEXPECTED,
        "Socket unit not allowed by the baseline",
        "With `socket_units.default: deny`, every enabled or listening .socket unit must be "
        "allowed.",
        Severity.MEDIUM,
        "`systemctl disable --now UNIT.socket`, or add a reviewed `socket_units.allow` entry.",
    ),
    CheckInfo(
        CheckId.SOCKET_UNIT_FORBIDDEN,
        "Forbidden socket unit is enabled or listening",
        "A unit listed in `socket_units.forbid` is enabled or active.",
        Severity.HIGH,
        "`systemctl disable --now UNIT.socket` (or `systemctl mask UNIT.socket`).",
    ),
    CheckInfo(
        CheckId.SOCKET_UNIT_LISTEN,
        "Socket unit listens on non-approved addresses",
        "The effective Listen* values of an allowed socket unit (after drop-ins) differ from the "
        "baseline's `listen` list.",
        Severity.MEDIUM,
        "Correct the unit's ListenStream=/ListenDatagram= (with a drop-in under "
        "/etc/systemd/system/UNIT.socket.d/) and `systemctl daemon-reload`.",
    ),
    CheckInfo(
        CheckId.XINETD_SERVICE_UNEXPECTED,
        "xinetd service not allowed by the baseline",
        "With `xinetd.default: deny`, every enabled xinetd service must be allowed by name or id.",
        Severity.MEDIUM,
        "Set `disable = yes` in the service's xinetd file and reload xinetd, or add a reviewed "
        "`xinetd.allow` entry.",
    ),
    CheckInfo(
        CheckId.XINETD_SERVICE_FORBIDDEN,
        "Forbidden xinetd service is enabled",
        "A service listed in `xinetd.forbid` is enabled.",
        Severity.HIGH,
        "Set `disable = yes` in the service's xinetd file and reload xinetd.",
    ),
    CheckInfo(
        CheckId.XINETD_LIMIT,
        "xinetd service exceeds a resource limit",
        "An enabled service's effective instances, cps, per_source or max_load (after "
        "`defaults` and xinetd's built-in defaults) is unset, UNLIMITED or above the baseline.",
        Severity.MEDIUM,
        "Set the attribute in the service entry (or in `defaults`) of the xinetd file, e.g. "
        "`instances = 50`, then reload xinetd.",
    ),
    CheckInfo(
        CheckId.XINETD_ACCESS,
        "xinetd service has no access restriction",
        "`only_from: required` (or `no_access: required`) and the enabled service's effective "
        "list is absent.",
        Severity.MEDIUM,
        "Add `only_from = <approved networks>` to the service entry or to `defaults`.",
    ),
    CheckInfo(
        CheckId.XINETD_LOGGING,
        "xinetd service does not log what the baseline requires",
        "The effective `log_on_failure` lacks a flag listed in `log_on_failure.includes`.",
        Severity.LOW,
        "Add the flags, e.g. `log_on_failure += HOST`, to the service entry or `defaults`.",
    ),
    CheckInfo(
        CheckId.CONNECTIONS_STATE,
        "Too many connections in a state",
        "The count of TCP connections in a state (e.g. SYN-RECV) exceeds "
        "`connections.max_per_state`: an early sign of a SYN flood or a leak.",
        Severity.MEDIUM,
        "Inspect with `ss -tan state STATE`; consider SYN cookies, rate limits or fixing the "
        "leaking client.",
    ),
    CheckInfo(
        CheckId.COLLECTOR_ERROR,
        "Evidence could not be collected",
        "A collector failed, timed out or lacked privileges. The rules that needed its evidence "
        "are errors, never passes.",
        Severity.HIGH,
        "Run with the privileges and tools the collector needs (root, systemctl, nmap), or fix "
        "the input it could not read.",
    ),
    CheckInfo(
        CheckId.WAIVER_EXPIRED,
        "Waiver has expired",
        "A waiver's `expires` date is past (by the snapshot's collection time); the failures it "
        "covered count again.",
        Severity.MEDIUM,
        "Fix the finding, or renew the waiver with a new reviewed `expires` date.",
    ),
    CheckInfo(
        CheckId.WAIVER_UNUSED,
        "Waiver matched nothing",
        "A waiver matched no failing result on any host: it is stale and should be removed.",
        Severity.LOW,
        "Remove the waiver from the baseline, or correct its `match`.",
    ),
    CheckInfo(
        CheckId.FIREWALL_MISSING,
        "Inbound traffic is not filtered",
        "`firewall.required: true` and the host's nftables/iptables rulesets have no input-hook chain, or "
        "only accept policies with no rule that drops or rejects anything.",
        Severity.HIGH,
        "Load a default-deny input ruleset (e.g. `nft -f /etc/nftables.conf` with `policy drop` on the "
        "input chain) and enable it at boot (`systemctl enable --now nftables`).",
    ),
    CheckInfo(
        CheckId.FIREWALL_PORT_UNCOVERED,
        "Listening port has no firewall rule",
        "`firewall.listeners: covered` and a listener on a non-loopback address is decided only by a chain "
        "policy: no rule of the input path names its port (CIS: firewall rules exist for all open ports).",
        Severity.MEDIUM,
        "Add an explicit rule for the port, e.g. `nft add rule inet filter input tcp dport PORT accept` "
        "(or `drop`), or stop the listener.",
    ),
    CheckInfo(
        CheckId.FIREWALL_PORT_OPEN,
        "Firewall accepts an internal port from anywhere",
        "The host's input path accepts new connections from any source to a listener whose `allow` entry "
        "says `exposure: internal` (or, under `ports.default: deny`, that no allow entry covers).",
        Severity.HIGH,
        "Drop the port in the input chain, or accept it only from the internal sources, e.g. "
        "`nft add rule inet filter input ip saddr 10.0.0.0/8 tcp dport PORT accept` before a final drop.",
    ),
    CheckInfo(
        CheckId.FIREWALL_BYPASS,
        "Published port bypasses the input chain",
        "A DNAT rule in a prerouting nat chain publishes a port (e.g. a container's `-p 8080:80`) that the "
        "input path would drop, but the forward path accepts the translated packet: the port is reachable "
        "although the input policy denies it.",
        Severity.HIGH,
        "Filter the published port in the forward path (the DOCKER-USER chain, or an nft forward chain), "
        "or publish it on 127.0.0.1 only (`-p 127.0.0.1:8080:80`).",
    ),
    CheckInfo(
        CheckId.EXPOSURE_MISMATCH,
        "Ruleset prediction and outside scan disagree",
        "For the same host, protocol and port, the firewall ruleset predicts one thing (accepted from "
        "anywhere, or dropped for every source) and nmap observed the other: the loaded ruleset is not what "
        "filters, or another path (NAT, another firewall) exists.",
        Severity.MEDIUM,
        "Compare `nft list ruleset` and `iptables-legacy-save` with the scan; look for a second ruleset, "
        "NAT rules or a network firewall between the scanner and the host.",
    ),
)

CHECKS: dict[CheckId, CheckInfo] = {info.id: info for info in _CHECKS}
"""Every check id's documentation, in ../shared/DESIGN.md order."""


def check_info(check: CheckId) -> CheckInfo:
    return CHECKS[check]

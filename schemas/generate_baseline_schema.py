"""Generate schemas/baseline.schema.json: `python schemas/generate_baseline_schema.py`.

The JSON file is kept in git (editors and the package read it); a test checks it is up to date.

The schema is written as Python so shared pieces (rule metadata, unit lists) are defined
once; the JSON file is what editors and jsonschema read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The state vocabulary is the checker's own table, so the schema cannot drift from it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from checker.model.connection_states import SPELLINGS, TcpState  # noqa: E402

SEVERITY = {"type": "string", "enum": ["low", "medium", "high", "critical"],
            "description": "How bad a failure of this rule is. Default: `defaults.severity`, then the check's own."}
META: dict[str, Any] = {
    "reason": {"type": "string", "description": "Why this rule exists; shown in every report."},
    "severity": SEVERITY,
    "controls": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                 "description": "Control references this rule implements, e.g. `CIS 2.1.16`."},
}
PORT = {
    "description": "A port number (1-65535) or an inclusive range `LOW-HIGH`, e.g. `32768-60999`.",
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": 65535},
        {"type": "string", "pattern": "^[0-9]{1,5}(-[0-9]{1,5})?$"},
    ],
    "x-errorMessage": "must be a port number 1-65535 or a range LOW-HIGH",
}
PROTOCOL = {"type": "string", "enum": ["tcp", "udp"], "description": "Transport protocol (default tcp)."}
DEFAULT = {"type": "string", "enum": ["deny", "allow"],
           "description": "`deny`: everything observed must match an `allow` entry. `allow` (the default): only "
                          "`forbid` entries and per-entry constraints are enforced."}
TCP_STATE = {
    "type": "string", "enum": list(SPELLINGS),
    "description": "A kernel TCP state as `ss` prints it (or an alias such as `SYN_RECV`): "
                   "checker/model/connection_states.py.",
    "x-errorMessage": "is not a TCP connection state (" + ", ".join(TcpState) + ")",
}
UNIT_NAME = {"type": "string", "minLength": 1, "pattern": "^[^\\s/]+$",
             "description": "A unit name such as `ssh.socket`; `.service` is assumed without a suffix."}


def _object(properties: dict[str, Any], required: list[str] | None = None, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


def _unit_list(key: str, what: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    entry = _object({key: {**UNIT_NAME, "description": f"The {what} name."}, **(extra or {}), **META}, [key])
    return {
        "type": "array",
        "items": {"anyOf": [{**UNIT_NAME, "description": f"A {what} name."}, entry],
                  "x-errorMessage": f"must be a {what} name or an object with `{key}`"},
    }


def build() -> dict[str, Any]:
    port_allow = _object({
        "port": PORT,
        "protocol": PROTOCOL,
        "process": {"type": "string", "minLength": 1,
                    "description": "Process name (or shell glob) that must own the listener."},
        "user": {"type": "string", "minLength": 1, "description": "User (or glob) that must own the listener."},
        "bind": {"type": "array", "minItems": 1, "uniqueItems": True,
                 "items": {"type": "string", "minLength": 1},
                 "description": "Addresses the listener may bind: IPv4/IPv6 addresses, CIDRs, `loopback` or "
                                "`any`. `0.0.0.0`/`::` mean all interfaces; a dual-stack `::` counts for IPv4."},
        "exposure": {"type": "string", "enum": ["internal", "public"],
                     "description": "`internal`: fails if the outside view finds the port open. `public` with "
                                    "`required`: fails if the outside view finds it closed or filtered."},
        "required": {"type": "boolean", "description": "The port must be listening."},
        **META,
    }, ["port"], "A listener that may exist, and how.")
    port_forbid = _object({"port": PORT, "protocol": {**PROTOCOL, "description": "tcp or udp; both when absent."},
                           **META}, ["port"], "A port that must not listen or be open.")
    service = _object({
        "unit": {**UNIT_NAME, "description": "systemd unit (or SysV service where systemd is absent)."},
        "running": {"type": "boolean", "description": "Must be running (true) or stopped (false)."},
        "enabled": {"type": "boolean", "description": "Must be enabled at boot (true) or not (false)."},
        "absent_ok": {"type": "boolean",
                      "description": "A unit that does not exist satisfies `running: false`/`enabled: false`."},
        **META,
    }, ["unit"])
    limit_max = {"type": "object", "additionalProperties": False, "required": ["max"],
                 "properties": {"max": {"type": "integer", "minimum": 0, "description": "Highest allowed value."}}}
    limits = _object({
        "instances": {**limit_max, "description": "`instances` must be set and <= max; UNLIMITED fails."},
        "cps": _object({"max_rate": {"type": "integer", "minimum": 1,
                                     "description": "Highest allowed connections per second."}},
                       ["max_rate"], "The first value of `cps` must be <= max_rate."),
        "per_source": {**limit_max, "description": "`per_source` must be set and <= max; UNLIMITED fails."},
        "max_load": _object({"max": {"type": "number", "exclusiveMinimum": 0,
                                     "description": "Highest allowed load."}}, ["max"],
                            "`max_load` must be set (non-zero) and <= max."),
        "only_from": {"type": "string", "enum": ["required"],
                      "description": "`required`: every enabled service must restrict clients with only_from."},
        "no_access": {"type": "string", "enum": ["required"],
                      "description": "`required`: every enabled service must have a no_access list."},
        "log_on_failure": _object({"includes": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {
            "type": "string", "enum": ["HOST", "USERID", "ATTEMPT"]},
            "description": "xinetd log_on_failure flags that must be present."}}, ["includes"],
            "Flags `log_on_failure` must include."),
        **META,
    }, description="Limits every enabled xinetd service must respect after `defaults` merging.")
    waiver = _object({
        "check": {"type": "string", "description": "The check id the waiver covers, e.g. `port-unexpected`."},
        "match": _object({
            "port": PORT, "protocol": PROTOCOL,
            **{key: {"type": "string", "description": text} for key, text in (
                ("address", "The listener's bind address."),
                ("process", "The listener's process name."),
                ("user", "The listener's owner."),
                ("unit", "A systemd unit or socket unit name."),
                ("service", "An xinetd service name or id."),
                ("state", "A connection state (connections-state)."),
                ("attribute", "An xinetd attribute (xinetd-limit, xinetd-access, xinetd-logging)."),
                ("resource", "The exact result resource, e.g. `tcp/0.0.0.0:8080`."),
            )},
        }, description="Which results it covers: every key given must match the result's (equal text or a "
                       "case-sensitive glob; `port` a number or a `LOW-HIGH` range containing the result's port "
                       "or the rule's whole range)."),
        "hosts": {"type": "array", "items": {"type": "string", "minLength": 1},
                  "description": "Hosts it applies to; all hosts when absent."},
        "reason": {"type": "string", "minLength": 1, "description": "Why the finding is accepted (ticket...)."},
        "expires": {"type": "string", "format": "date",
                    "description": "YYYY-MM-DD. After it the result is a fail again, flagged expired."},
    }, ["check", "reason", "expires"], "Accepts a known failure until a date.")
    port_spec = {"type": ["string", "integer"], "description": "`all`, `top:N`, `none` (udp) or a list such as "
                                                              "`1-1024,8080`."}
    properties: dict[str, Any] = {
        "version": {"const": 1, "description": "Baseline format version; always 1."},
        "name": {"type": "string", "minLength": 1, "description": "Short name; default: the file name."},
        "description": {"type": "string", "description": "What this baseline approves, for reviewers."},
        "extends": {"type": "array", "items": {"type": "string", "minLength": 1},
                    "description": "Policies merged first, in order (`builtin:NAME` or a path relative to this "
                                   "file); this file wins. Lists concatenate; an entry for the same "
                                   "(port, protocol) or unit overrides the earlier one."},
        "defaults": _object({"severity": SEVERITY}, description="Defaults for every rule."),
        "targets": {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": "^[^-\\s][^\\s]*$"},
                    "description": "Default outside-view (nmap) targets; `--target` overrides them."},
        "controls": {"type": "object", "additionalProperties": {"type": "string"},
                     "description": "Control framework information carried into reports, e.g. "
                                    "`{framework: CIS Debian 12 v1.1.0}`."},
        "ports": _object({
            "default": DEFAULT,
            "allow": {"type": "array", "items": port_allow, "description": "Listeners that may exist."},
            "forbid": {"type": "array", "items": port_forbid, "description": "Ports that must not listen."},
        }, description="Listening ports (inside view) and open ports (outside view)."),
        "services": {"type": "array", "items": service,
                     "description": "Desired running/enabled state of systemd units."},
        "socket_units": _object({
            "default": DEFAULT,
            "allow": {**_unit_list("unit", "socket unit", {"listen": {
                "type": "array", "items": {"type": ["string", "integer"]},
                "description": "Expected ListenStream=/ListenDatagram= values after drop-ins, e.g. `22`, "
                               "`0.0.0.0:80`, `[::1]:53`, `/run/x.sock`."}}),
                "description": "Socket units that may be enabled or listening."},
            "forbid": {**_unit_list("unit", "socket unit"),
                       "description": "Socket units that must not be enabled or listening."},
        }, description="systemd .socket units."),
        "xinetd": _object({
            "default": DEFAULT,
            "allow": {**_unit_list("service", "xinetd service"),
                      "description": "xinetd services (name or id) that may be enabled."},
            "forbid": {**_unit_list("service", "xinetd service"),
                       "description": "xinetd services (name or id) that must not be enabled."},
            "limits": limits,
        }, description="xinetd-managed services."),
        "connections": _object({
            "max_per_state": {"type": "object", "propertyNames": TCP_STATE,
                              "additionalProperties": {"type": "integer", "minimum": 0},
                              "description": "Highest allowed count of TCP connections per state, ss "
                                             "spelling: `{SYN-RECV: 256}`."},
            **META,
        }, description="Connection-state thresholds: an early DoS warning."),
        "firewall": _object({
            "required": {"type": "boolean", "description": "Inbound traffic must be filtered: an input-hook chain "
                                                           "that drops or rejects something (firewall-missing)."},
            "listeners": {"type": "string", "enum": ["covered", "any"],
                          "description": "`covered`: every listener on a non-loopback address has a rule naming its "
                                         "port on the input path (firewall-port-uncovered, CIS). `any`: not checked."},
            **META,
        }, description="The host's own nftables/iptables input path (the firewall collector, or --nft-json)."),
        "scan": _object({
            "tcp_ports": port_spec,
            "udp_ports": port_spec,
            "service_detection": {"type": "boolean", "description": "Probe versions (nmap -sV)."},
            "timing": {"type": "integer", "minimum": 0, "maximum": 5, "description": "nmap timing template."},
            "host_timeout": {"type": "integer", "minimum": 1, "maximum": 86400,
                             "description": "Seconds before nmap gives up on one host."},
        }, description="Outside-view defaults; the CLI may narrow them. No free-form nmap options exist."),
        "waivers": {"type": "array", "items": waiver, "description": "Accepted failures, each with an expiry."},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://surfacecheck.invalid/schemas/baseline.schema.json",
        "title": "surfacecheck baseline",
        "description": "The approved network attack surface of a host: ports, services, socket units, xinetd "
                       "limits, connection thresholds, host firewall, scan settings and waivers.",
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": properties,
    }


def main() -> int:
    target = Path(__file__).resolve().parents[1] / "schemas" / "baseline.schema.json"
    text = json.dumps(build(), indent=2, sort_keys=False) + "\n"
    if "--check" in sys.argv:
        return 0 if target.read_text() == text else 1
    target.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Draft a baseline from what snapshots show: the engine of `surfacecheck learn`.

`draft_baseline(snapshots)` is pure: snapshots in, the text of a commented YAML baseline out.
It reads no file and no clock (times come from the snapshots), so it is unit-tested on
hand-built snapshots. The YAML is written by hand rather than by `yaml.safe_dump`, because
the point of the draft is its comments: every entry says what was observed (process, pid,
user, first seen) and entries that look risky are flagged with `RISK:` so that a human
reviews the draft before committing it.

What the draft contains (../shared/DESIGN.md section 4 language):

* `ports.default: deny`, and one `allow` entry per (port, protocol) with the process, the
  user and the bind addresses seen. IPv4 and IPv6 listeners of one port merge into one
  entry; a wildcard (`0.0.0.0`, `::`, dual-stack or not) becomes `bind: [any]`, loopback
  addresses become `loopback`.
* UDP sockets in the ephemeral port range with no well-known service are *client* sockets
  (resolvers, NTP clients) whose port changes at every restart. They never become one rule
  each: a single range entry (`{port: 32768-60999, protocol: udp, process: chronyd}`, the
  ../shared/DESIGN.md example) covers them, so that auditing the same host with the draft passes.
* With an outside (nmap) view, an entry gets `exposure: public` when the port is open
  from outside and `exposure: internal` when the scan covered it and found it not open; a
  port open from outside with no local listener (NAT, or no inside view) gets its own entry.
* `services`: the `.service` units that are enabled *and* running a process, minus the
  machine's own plumbing (getty, journald, cron...). `running: true` is written only when
  the snapshot has the systemd runtime state; otherwise it would make the audit `error`.
* `socket_units.default: deny` with every socket unit the evaluator counts (enabled-like,
  `static` included, or active), with its Listen* values; the OS's own static unix-socket
  units (journald, dbus...) are allowed by name only.
* `xinetd.default: deny` with every enabled xinetd service, and `limits` holding the
  current limits when every enabled service shares them (otherwise comments say why not).

* `firewall:` `{required, listeners}` from the live ruleset, relaxed where the evaluator would
  fail it (with `RISK:` comments), commented out when a bypass or a mismatch would fail anyway.
  An `exposure: internal` the ruleset contradicts (accepted from anywhere) is not drafted.

A section whose collector did not succeed is left out with a comment: a rule there would
only produce `error` results.

Modules, one per section of the draft: `ports`, `units` (services and socket units), `xinetd`,
`firewall`;
with `render` (hand-written YAML and comment lines), `risks` (what earns a `RISK:` comment) and
`hosts` (which hosts a section can rest on). This module assembles them in order.

Two pure predicates are borrowed from the evaluator (`checker.evaluate.socket_units.counts`
and `checker.evaluate.ports.coverage.outside_findings`) rather than re-implemented, so that the draft
allows exactly what the audit will look at; that is what makes the round trip hold.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker import __version__
from checker.learn.firewall import draft_firewall
from checker.learn.hosts import host_name
from checker.learn.ports import draft_ports
from checker.learn.render import DraftWriter, yaml_scalar
from checker.learn.units import draft_services, draft_socket_units
from checker.learn.xinetd import draft_xinetd
from checker.model import Snapshot
from checker.model.ports import DEFAULT_EPHEMERAL_RANGE

SCHEMA_MODELINE_PREFIX = "# yaml-language-server: $schema="
SCHEMA_HINT = ("# Editor help: `surfacecheck schema > baseline.schema.json` beside this file, then "
               "`# yaml-language-server: $schema=baseline.schema.json` as the first line.")


def draft_baseline(
    snapshots: Sequence[Snapshot],
    *,
    ephemeral_range: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE,
    schema_ref: str | None = None,
    name: str | None = None,
) -> str:
    """The commented YAML baseline describing `snapshots` as they are (union over hosts).

    `ephemeral_range` is the hosts' ip_local_port_range; `schema_ref` goes into the
    yaml-language-server modeline (None: a one-line hint instead); `name` defaults to `learned-HOST`.
    """
    if not snapshots:
        raise ValueError("draft_baseline needs at least one snapshot")
    hosts = sorted({host_name(s) for s in snapshots})
    times = sorted(s.host.collected_at for s in snapshots)
    out = DraftWriter()
    if schema_ref is not None:
        out.line(SCHEMA_MODELINE_PREFIX + schema_ref)
    else:
        out.line(SCHEMA_HINT)
    out.line("#")
    out.comment(0, f"Drafted by `surfacecheck learn` (surfacecheck {__version__}) from {', '.join(hosts)}, "
                   f"collected {times[0]}" + (f" to {times[-1]}" if times[-1] != times[0] else "") + ".")
    out.comment(0, "REVIEW BEFORE COMMITTING: this describes the host as it is, not as it should be.")
    out.comment(0, "Entries flagged RISK deserve a second look; remove what is not approved, and add a")
    out.comment(0, "`reason:` to what is.")
    unprivileged = [host_name(s) for s in snapshots if not s.host.privileged]
    if unprivileged:
        out.comment(0, f"NOTE: collected without root on {', '.join(unprivileged)}: the owners of other "
                       "users' sockets are unknown and are not pinned.")
    out.line("version: 1")
    out.line(f"name: {yaml_scalar(name or 'learned-' + (hosts[0] if len(hosts) == 1 else 'fleet'))}")
    out.line("description: " + yaml_scalar(
        f"Learned from {', '.join(hosts)} at {times[0]} by surfacecheck learn; reviewed by: (your name)"))
    out.line()
    draft_ports(out, snapshots, ephemeral_range)
    draft_services(out, snapshots)
    draft_socket_units(out, snapshots)
    draft_xinetd(out, snapshots)
    draft_firewall(out, snapshots)
    return out.text()


__all__ = ["DEFAULT_EPHEMERAL_RANGE", "draft_baseline"]

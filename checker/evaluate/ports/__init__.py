"""The `ports:` rule family: listeners (inside view) and open ports (outside view).

Produces port-unexpected, port-forbidden, port-required-missing, port-bind, port-process,
port-exposed and port-unreachable. Must not do I/O; bind-address semantics live in
`checker.evaluate.addresses`.

One family, five modules, split by the evidence each rule rests on:

* `views`: the two views of one host's ports (inside: the sockets collector; outside: nmap),
  how usable each is, and the resources and evidence every port rule shares;
* `coverage`: which ports a scan looked at, and which it left undecided (`open|filtered`);
* `listening`: default deny, forbid and required, decided on either view;
* `inside`: bind and process/user of the listeners an entry governs (the inside view only);
* `exposure`: `exposure: internal` and `public` (the outside view only).

This module holds the family: which rules of the baseline run, in which order.

Matching. A listener or an open scanned port *matches* an `allow` entry by protocol and port
(in the range). When several entries match, the listener is *governed* by the most specific
one (the narrowest range; ties: the first in the baseline), whose `bind`, `process`, `user`
and `exposure` apply to it. Only listeners governed by an entry are checked for bind/process.

Results and resources:

* `default: deny`: one port-unexpected result per listener (`tcp/0.0.0.0:8080`): pass when
  an allow entry matches, else fail. With an outside view, one more per *open* scanned port
  (`tcp/192.0.2.7:8080`, evidence `source: nmap`).
* `forbid`: a fail per matching listener / open scanned port; when none, one pass per
  protocol the entry covers (`tcp/*:23`; no protocol in the entry = tcp and udp).
* `required`: one result `tcp/*:443`: pass if a listener (or an open scanned port) matches.
* `bind`, `process`/`user`: one result per governed listener. An unknown owner (pid,
  process or user None: an unprivileged snapshot) is `error`, never pass; a known mismatch is
  a fail even if the other half is unknown.
* `exposure: internal`: a fail per open scanned port in the range, an `error` per port nmap
  could only call `open|filtered` (no answer: it may be open), else one pass
  `tcp/<scanned address>:<range>`. `exposure: public` + `required`: pass when a port in the
  range is open from outside, fail when closed, filtered or absent from the scan.

Missing evidence (fail closed). The sockets collector FAILED/UNAVAILABLE makes every rule
that needs the inside view `error` with the collector's reason (one result per rule,
`tcp/*:<range>`, or `ports:default-deny`). The nmap collector FAILED/UNAVAILABLE (or the
host down in the scan) makes the exposure rules `error`. Without an outside view at all the
exposure rules are `skip` with the reason.

A snapshot with only an outside view (sockets NOT_RUN, network present): deny and forbid
are evaluated on the open scanned ports (a forbid rule whose port the scan covers and found
not open passes, "from outside"; one nmap calls `open|filtered` is an `error`); bind and
process rules are `skip` (they need the inside view, which was not asked for); a `required`
port not seen open from outside is `error`, never pass and never a fail on partial evidence.
With neither view, deny/forbid are `skip` and `required` is `error`.

A scanned port outside the scan's covered ranges (`NetworkView.scanned`, e.g. `tcp:1-1024`)
is unknown: exposure checks on it are `skip`, and so is a rule whose range the scan covered
only in part (a pass "not open from outside" must rest on every port of the range). `top:N`
specs cannot be enumerated here and are trusted to cover the port.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.evaluate.interface import EvaluationContext, RuleFamily
from checker.evaluate.ports.exposure import evaluate_exposed, evaluate_unreachable
from checker.evaluate.ports.inside import evaluate_bind, evaluate_process, listeners_by_governing_entry
from checker.evaluate.ports.listening import evaluate_default_deny, evaluate_forbid, evaluate_required
from checker.evaluate.ports.views import port_views
from checker.model import Baseline, CheckId, Collector, DefaultPolicy, Exposure, Result, Snapshot


class PortsFamily(RuleFamily):
    checks = frozenset({
        CheckId.PORT_UNEXPECTED, CheckId.PORT_FORBIDDEN, CheckId.PORT_REQUIRED_MISSING, CheckId.PORT_BIND,
        CheckId.PORT_PROCESS, CheckId.PORT_EXPOSED, CheckId.PORT_UNREACHABLE,
    })

    def needed_collectors(self, baseline: Baseline) -> frozenset[Collector]:
        policy = baseline.ports
        if policy.default is DefaultPolicy.DENY or policy.allow or policy.forbid:
            # The outside view is optional, but when one was asked for and failed, the port
            # rules' evidence is incomplete.
            return frozenset({Collector.SOCKETS, Collector.NMAP})
        return frozenset()

    def evaluate(self, baseline: Baseline, snapshot: Snapshot, ctx: EvaluationContext) -> Iterable[Result]:
        views = port_views(snapshot)
        policy = baseline.ports
        if policy.default is DefaultPolicy.DENY:
            yield from evaluate_default_deny(baseline, views, ctx)
        for forbid in policy.forbid:
            yield from evaluate_forbid(forbid, views, ctx)
        governed = listeners_by_governing_entry(policy.allow, views.listeners)
        for entry in policy.allow:
            if entry.required:
                yield evaluate_required(entry, views, ctx)
            if entry.bind:
                yield from evaluate_bind(entry, governed.get(id(entry), []), views, ctx)
            if entry.process is not None or entry.user is not None:
                yield from evaluate_process(entry, governed.get(id(entry), []), views, ctx)
            if entry.exposure is Exposure.INTERNAL:
                yield from evaluate_exposed(entry, views, ctx)
            elif entry.exposure is Exposure.PUBLIC and entry.required:
                yield evaluate_unreachable(entry, views, ctx)


__all__ = ["PortsFamily"]

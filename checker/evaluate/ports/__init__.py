"""The `ports:` rule family: listeners (inside view) and open ports (outside view).

Produces port-unexpected, port-forbidden, port-required-missing, port-bind, port-process,
port-exposed and port-unreachable. Must not do I/O; bind-address semantics live in
`checker.evaluate.addresses`.

One family, six modules, split by the evidence each rule rests on:

* `views`: the two views of one host's ports (inside: the sockets collector; outside: nmap),
  how usable each is, and the resources and evidence every port rule shares;
* `proof`: what each nmap scan technique's port states prove (the "what proves what" table);
* `coverage`: per address, protocol and port, what the outside view proves about a range
  (open, proven not open, unproven, not looked at), folded `<extraports>` included;
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
  an allow entry matches, else fail. With an outside view, one more per scanned port *proven
  open* (`tcp/192.0.2.7:8080`, evidence `source: nmap` with address, scan type and state).
* `forbid`: a fail per matching listener / port proven open on any scanned address; else an
  `error` per port a scan looked at and could not decide; else one pass per protocol the entry
  covers (`tcp/*:23`; no protocol in the entry = tcp and udp), whose message says what it
  rests on ("not listening inside", "proven not open from outside: closed to a SYN scan of
  127.0.0.2").
* `required`: one result `tcp/*:443`: pass if a listener matches (or a port is proven open).
* `bind`, `process`/`user`: one result per governed listener. An unknown owner (pid,
  process or user None: an unprivileged snapshot) is `error`, never pass; a known mismatch is
  a fail even if the other half is unknown.
* `exposure: internal`: a fail per port proven open on any address of the host, else an
  `error` per undecided port (`open|filtered`, an ACK scan's `unfiltered`...), else one pass
  `tcp/<first address>:<range>` when every address proved every port not open.
  `exposure: public` + `required`: pass when a port of the range is proven open, `error` when
  undecided, fail when proven closed or unreachable everywhere.

Missing evidence (fail closed). The sockets collector FAILED/UNAVAILABLE makes every rule
that needs the inside view `error` with the collector's reason (one result per rule,
`tcp/*:<range>`, or `ports:default-deny`). The nmap collector FAILED/UNAVAILABLE (or the
host down in the scan) makes the exposure rules `error`. Without an outside view at all the
exposure rules are `skip` with the reason.

A snapshot with only an outside view (sockets NOT_RUN, network present): deny and forbid
are evaluated on the ports proven open (a forbid rule passes only when every scanned address
proved its ports not open; an undecided port is an `error`); bind and process rules are
`skip` (they need the inside view, which was not asked for); a `required` port not proven
open from outside is `error`, never pass and never a fail on partial evidence. With neither
view, deny/forbid are `skip` and `required` is `error`.

A port some scanned address did not look at (outside its `PortTable.scanned`) is unknown:
exposure checks on it are `skip`, and so is a rule whose range was covered only in part (a
pass must rest on every port of the range, on every address).
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

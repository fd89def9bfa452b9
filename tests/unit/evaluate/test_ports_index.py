"""The ports family looks listeners and allow entries up by (protocol, port): the same results as
a scan, and work linear in rules + listeners (counted, never timed: issue 14 measured 5,000 rules
on 11,000 listeners at 17x the time of 50 rules when every rule scanned every listener)."""

from __future__ import annotations

import random

import pytest
from evaluate_support import baseline, listener, loc, meta, network, run, snapshot

from checker.evaluate.ports.views import port_views
from checker.model import DefaultPolicy, PortAllow, PortForbid, PortRange, PortsPolicy, Protocol
from support.counting import count_calls

TCP, UDP = Protocol.TCP, Protocol.UDP


def governing_entry(allow: tuple[PortAllow, ...], protocol: Protocol, port: int) -> PortAllow | None:
    """The rule `AllowIndex` implements, as a scan: the matching entry with the narrowest range, then the first."""
    best: PortAllow | None = None
    for entry in allow:
        if entry.protocol != protocol or port not in entry.ports:
            continue
        if best is None or entry.ports.high - entry.ports.low < best.ports.high - best.ports.low:
            best = entry
    return best


def _random_rules(rng: random.Random, count: int) -> tuple[PortAllow, ...]:
    entries = []
    for index in range(count):
        low = rng.randrange(1, 200)
        high = low if rng.random() < 0.5 else min(65535, low + rng.randrange(0, 60))
        entries.append(PortAllow(PortRange(low, high), rng.choice((TCP, UDP)), meta(index + 1)))
    return tuple(entries)


@pytest.mark.parametrize("seed", range(20))
def test_index_answers_exactly_what_a_scan_answers(seed: int) -> None:
    from checker.evaluate.ports.index import AllowIndex, PortIndex

    rng = random.Random(seed)
    listeners = [listener(rng.randrange(1, 220), f"127.0.0.{rng.randrange(1, 9)}", protocol=rng.choice((TCP, UDP)))
                 for _ in range(rng.randrange(0, 120))]
    scanned = network(*[(port, rng.choice(("open", "closed"))) for port in rng.sample(range(1, 220), 30)])
    views = port_views(snapshot(listeners=listeners, network_view=scanned))
    index = PortIndex(views)
    allow = _random_rules(rng, rng.randrange(0, 40))
    governing = AllowIndex(allow)
    for protocol in (TCP, UDP):
        for port in range(0, 230):
            assert governing.governing(protocol, port) is governing_entry(allow, protocol, port)
        for _ in range(60):
            low = rng.randrange(1, 220)
            ports = PortRange(low, min(65535, low + rng.choice((0, 0, 3, 50, 300))))
            assert index.listeners_in(protocol, ports) == [
                x for x in views.listeners if x.protocol == protocol and x.port in ports]
            assert index.open_ports_in(protocol, ports) == [
                p for p in views.open_ports if p.protocol == protocol and p.port in ports]


def test_forbid_required_and_deny_do_not_scan_every_listener_per_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 forbids, 300 required and 300 allow entries on 3,000 listeners: a scan per rule made
    over a million range checks; the index needs a few per rule and listener."""
    listeners = [listener(20_000 + i, f"127.0.0.{1 + i % 200}") for i in range(3_000)]
    allow = tuple(PortAllow(PortRange(20_000 + 10 * i, 20_000 + 10 * i), TCP, meta(i + 1), required=True)
                  for i in range(300))
    forbids = tuple(PortForbid(PortRange(1_000 + i, 1_000 + i), None, meta(400 + i)) for i in range(300))
    base = baseline(ports=PortsPolicy(default=DefaultPolicy.DENY, allow=allow, forbid=forbids, location=loc(5)))
    checks = count_calls(monkeypatch, PortRange, "__contains__")
    report = run(base, snapshot(listeners=listeners))
    assert len(report.results) == 3_000 + 300 + 600  # deny per listener, required per entry, forbid per protocol
    assert len(checks) < 10 * (len(listeners) + len(allow) + len(forbids)), len(checks)

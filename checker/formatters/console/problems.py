"""The console's problems and skips, grouped by cause.

A cause is either a *collector* whose evidence is missing (one nmap failure makes every
port rule of that host `error`: one group, not one line per rule; the same failure on
several hosts is still one group), ports *the scan did not look at* (every rule whose port
lies outside the scanned ranges: one group naming those ports, whichever rules they come
from), or a *rule* of the baseline (one group per check id and baseline line: the ten
listeners a forbid entry catches are one group with ten items). Groups are ordered by
status (fail, error, waived, skip); problems then by severity (worst first: a skip's or a
waiver's severity is not worth reading); then cause groups before rule groups, rule groups
by check id and baseline line. Items in the one result order, except the ports of a
not-scanned group: in baseline order. Each group says its count and, once, its remediation
when every item shares it.

nmap joins the reasons of its processes with `; ` and its errors blend causes (a name that
did not resolve, a scan type that needs root): `split_causes` names each one separately.

Pure functions on the report; hostile text goes through `printable_line(escape=True)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.formatters.console.style import Style
from checker.model import CheckId, Collector, CollectorStatus, HostReport, Result, Status
from checker.model.text import printable_line

ITEMS_SHOWN = 5
"""Items listed per group without `-v`."""
RESOURCES_SHOWN = 24
"""Resources named on the one line of a not-scanned group without `-v`."""

_STATUS_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2, Status.SKIP: 3, Status.PASS: 4}

_KNOWN_CAUSES = (
    (("requires root privileges",),
     "needs root: this nmap scan type (SYN, UDP) requires root privileges; run as root, or scan TCP only "
     "(--udp-ports none)"),
    (("could not resolve", "Failed to resolve", "failed to resolve"),
     "name resolution: nmap could not resolve the name; check it, or give an address"),
    (("not found on PATH",), "nmap is not installed: install it (apt-get install nmap)"),
    (("--host-timeout",), "host timeout: nmap gave up on the host; raise --host-timeout or scan fewer ports"),
)


def split_causes(reason: str) -> list[str]:
    """The separate causes in a collector's reason, each with what to do when it is a known one."""
    causes: list[str] = []
    for part in dict.fromkeys(p.strip() for p in reason.split("; ") if p.strip()):
        known = [text for needles, text in _KNOWN_CAUSES if any(n in part for n in needles)]
        causes.append(f"{known[0]} [{part}]" if known else part)
    return causes or [reason]


@dataclass
class Group:
    """Results that share one cause."""

    status: Status
    title: str
    causes: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    order: tuple[str | int, ...] = ()
    """After status (and severity): cause groups (empty) first, then by check id and baseline line."""
    names_resources: bool = False
    """A cause group whose items differ only by resource (the ports the scan did not look at)."""

    @property
    def worst_rank(self) -> int:
        return max(r.severity.rank for r in self.results)


def _collector_of(result: Result) -> Collector | None:
    name = result.evidence.get("collector") if isinstance(result.evidence, dict) or result.evidence else None
    try:
        return Collector(name) if isinstance(name, str) else None
    except ValueError:
        return None


def _collector_cause(result: Result, host: HostReport) -> tuple[Collector, str, str] | None:
    """(collector, what happened to it, reason) when `result` is an error or skip for want of
    a collector's evidence."""
    collector = _collector_of(result)
    if collector is None or result.status not in (Status.ERROR, Status.SKIP):
        return None
    run = host.snapshot.collector(collector)
    reason = run.reason or str(result.evidence.get("reason") or "no reason given")
    if run.status is CollectorStatus.NOT_RUN or result.evidence.get("collector_status") == "not-collected":
        if not host.snapshot.has_record(collector) and result.evidence.get("reason"):
            # No record: `run.reason` is a placeholder; the rule says why (no --target, ...).
            reason = str(result.evidence["reason"])
        return collector, "not collected", reason
    if run.status is CollectorStatus.OK:
        return collector, "incomplete", str(result.evidence.get("reason") or reason)
    return collector, run.status.value, reason


def _not_scanned(result: Result) -> bool:
    """A result decided by nothing but ports the outside view's scan did not look at."""
    return (isinstance(result.evidence, dict) and bool(result.evidence.get("not_scanned"))
            and not result.evidence.get("findings") and result.status is Status.SKIP)


def _location_order(result: Result) -> tuple[str, int, int]:
    where = result.location
    return (where.file, where.line, where.column) if where is not None else ("", 0, 0)


def _group_key(group: Group) -> tuple[object, ...]:
    problem = group.status in (Status.FAIL, Status.ERROR)
    return (_STATUS_RANK[group.status], -group.worst_rank if problem else 0, group.order, group.title)


def group_results(hosts: Sequence[HostReport], statuses: frozenset[Status]) -> list[Group]:
    """The results of `statuses`, grouped by cause, in the order of the module docstring."""
    groups: dict[tuple[str, ...], Group] = {}
    collectors: dict[tuple[str, ...], list[str]] = {}
    for host in hosts:
        for result in sorted(host.results, key=Result.sort_key):
            if result.status not in statuses:
                continue
            cause = _collector_cause(result, host)
            if cause is not None:
                collector, what, reason = cause
                key: tuple[str, ...] = ("collector", result.status.value, what, reason)
                group = groups.setdefault(key, Group(result.status, "", split_causes(reason)))
                names = collectors.setdefault(key, [])
                if collector.value not in names:
                    names.append(collector.value)
                evidence = " evidence" if what in ("not collected", "incomplete") else ""
                group.title = f"{', '.join(sorted(names))}{evidence} {what}"
            elif _not_scanned(result):
                key = ("not-scanned", result.status.value)
                group = groups.setdefault(key, Group(
                    result.status, "ports the scan did not look at",
                    ["outside the ports the outside view scanned: widen --tcp-ports/--udp-ports (or the "
                     "baseline's `scan:`) to check them from outside"],
                    names_resources=True))
            else:
                where = f" (rule {result.location})" if result.location is not None else ""
                key = ("rule", result.status.value, result.check.value, str(result.location))
                group = groups.setdefault(key, Group(result.status, f"{result.check.value}{where}",
                                                     order=(result.check.value, *_location_order(result))))
            group.results.append(result)
            if result.host not in group.hosts:
                group.hosts.append(result.host)
    for group in groups.values():
        if group.names_resources:
            group.results.sort(key=lambda r: (r.host, _location_order(r), r.check.value, r.resource))
    return sorted(groups.values(), key=_group_key)


def _item_line(result: Result, *, show_host: bool) -> str:
    expired = ""
    if result.waiver is not None:
        expired = " (waiver expired)" if result.waiver.expired else f" (waived until {result.waiver.expires})"
    host = f"{result.host}  " if show_host else ""
    return printable_line(f"{host}{result.resource}: {result.message}{expired}", 400, escape=True)


def group_lines(group: Group, style: Style, *, verbose: bool, many_hosts: bool) -> list[str]:
    """One heading line, the causes, the items (at most ITEMS_SHOWN without -v), the remediation."""
    count = len(group.results)
    problem = group.status in (Status.FAIL, Status.ERROR)
    # A skip or a waiver has no severity worth reading; a problem shows its worst.
    severity = max(group.results, key=lambda r: r.severity.rank).severity.value if problem else ""
    label = style.paint(group.status.value, f"{group.status.value.upper():<6}")
    hosts = f" on {', '.join(group.hosts)}" if group.causes else ""
    noun = "result" if count == 1 else "results"
    heading = f"{severity + ' ' if severity else ''}{group.title}{hosts}: {count} {noun}"
    lines = [label + printable_line(heading, 600, escape=True)]
    lines.extend(f"    cause: {printable_line(cause, 400, escape=True)}" for cause in group.causes)
    if group.names_resources and not verbose:
        # Its items say the same but for the port: the ports and their rules are enough.
        names = list(dict.fromkeys(f"{r.host} {r.resource}" if many_hosts else r.resource for r in group.results))
        more = f", and {len(names) - RESOURCES_SHOWN} more (-v lists them)" if len(names) > RESOURCES_SHOWN else ""
        lines.append(f"    ports: {printable_line(', '.join(names[:RESOURCES_SHOWN]), 1200, escape=True)}{more}")
    if group.causes and not verbose:
        # A collector group's items all say the same thing; the rules they concern are enough.
        checks = sorted({r.check.value for r in group.results} - {CheckId.COLLECTOR_ERROR.value})
        lines.append(f"    not evaluated: {', '.join(checks)}" if checks else "    no rule of the baseline needs it")
    else:
        shown = group.results if verbose else group.results[:ITEMS_SHOWN]
        lines.extend(f"    {_item_line(r, show_host=many_hosts)}" for r in shown)
        if len(group.results) > len(shown):
            lines.append(f"    ... and {len(group.results) - len(shown)} more (-v lists them)")
    known_cause = any(cause.endswith("]") for cause in group.causes)  # says what to do itself
    fixes = list(dict.fromkeys(r.remediation for r in group.results
                               if r.remediation and problem and not known_cause))
    if len(fixes) == 1:
        lines.append(style.paint("hint", f"    fix: {printable_line(fixes[0], 400, escape=True)}"))
    elif fixes and not verbose:
        lines.append(style.paint("hint", f"    fix: {printable_line(fixes[0], 400, escape=True)} "
                                         f"(and {len(fixes) - 1} similar)"))
    elif fixes:
        lines.extend(style.paint("hint", f"    fix: {printable_line(f, 400, escape=True)}") for f in fixes)
    return lines

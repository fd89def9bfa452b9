"""`bind` and `process`/`user`: the listeners an `allow` entry governs (the inside view only).

A listener is governed by the most specific matching entry (`index.AllowIndex`); only
governed listeners are checked. An unknown owner (an unprivileged snapshot) is `error`, never
pass. Without the inside view every such rule is `error` or `skip` with the collector's
reason. Must not do I/O; bind-address semantics live in `checker.evaluate.addresses`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence

from checker.evaluate.addresses import bind_allows, describe_faces
from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.index import allow_index
from checker.evaluate.ports.views import PortViews, listener_evidence, owner_text, rule_resource
from checker.model import CheckId, Listener, PortAllow, Result, Status


def _inside_gap(check: CheckId, entry: PortAllow, views: PortViews, ctx: EvaluationContext, what: str) -> Result:
    return ctx.result(check, rule_resource(entry.protocol, entry.ports), views.inside.gap_status,
                      f"Cannot check the {what} of {entry.protocol.value} port {entry.ports}: {views.inside.reason}.",
                      meta=entry.meta, evidence=views.inside.evidence())


def listeners_by_governing_entry(allow: Sequence[PortAllow],
                                 listeners: Sequence[Listener]) -> dict[int, list[Listener]]:
    """`id(entry)` -> the listeners that entry governs (one pass: linear in the listeners and,
    through `index.AllowIndex`, not a scan of the allow list per port)."""
    governed: dict[int, list[Listener]] = {}
    governing = allow_index(allow).governing
    for listener in listeners:
        entry = governing(listener.protocol, listener.port)
        if entry is not None:
            governed.setdefault(id(entry), []).append(listener)
    return governed


def evaluate_bind(entry: PortAllow, governed: list[Listener], views: PortViews,
                  ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_BIND
    if not views.inside.present:
        yield _inside_gap(check, entry, views, ctx, "bind address")
        return
    allowed = ", ".join(entry.bind)
    for listener in governed:
        ok = bind_allows(entry.bind, listener.address, dual_stack=listener.dual_stack)
        faces = describe_faces(listener.address, dual_stack=listener.dual_stack)
        evidence = {**listener_evidence(listener), "bound_to": faces, "allowed_bind": list(entry.bind)}
        if ok:
            yield ctx.result(check, listener.resource, Status.PASS,
                             f"{listener.resource} is bound to an approved address ({allowed}).",
                             meta=entry.meta, evidence=evidence)
        elif ok is None:
            yield ctx.result(check, listener.resource, Status.ERROR,
                             f"{listener.resource}: cannot read the bind address {listener.address!r}.",
                             meta=entry.meta, evidence=evidence)
        else:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} ({owner_text(listener)}) is bound to {' and '.join(faces)}; "
                f"the baseline allows only {allowed}.",
                meta=entry.meta, evidence=evidence,
                remediation=f"Bind {owner_text(listener)} to {allowed} only (its listen/bind setting), "
                "then restart it.",
            )


def owner_facts(listener: Listener) -> str:
    """`process `nginx` (pid 812), user `www-data``: the real owner, never the rule's pattern."""
    pid = f" (pid {listener.pid})" if listener.pid is not None else ""
    process = f"process `{listener.process}`{pid}" if listener.process else "an unknown process"
    user = f"user `{listener.user}`" if listener.user else "an unknown user"
    return f"{process}, {user}"


_UNKNOWN_OWNER = {
    True: (" although collected as root: no process in this view holds it, another PID namespace?",
           "Audit the container that holds the socket as its own host (`--netns-pid PID` of a process inside it), "
           "where its owner is visible."),
    False: (": collected without root?", "Collect as root so every socket's owner is visible."),
}
"""Collected as root -> why an owner is still unknown, and what to do about it."""


def evaluate_process(entry: PortAllow, governed: list[Listener], views: PortViews,
                     ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.PORT_PROCESS
    if not views.inside.present:
        yield _inside_gap(check, entry, views, ctx, "owning process")
        return
    expected = " and ".join(
        part for part in (f"process `{entry.process}`" if entry.process else "",
                          f"user `{entry.user}`" if entry.user else "") if part)
    for listener in governed:
        evidence = {**listener_evidence(listener), "expected_process": entry.process, "expected_user": entry.user}
        mismatches: list[str] = []
        unknown: list[str] = []
        for field_name, pattern, actual in (("process", entry.process, listener.process),
                                            ("user", entry.user, listener.user)):
            if pattern is None:
                continue
            if actual is None:
                unknown.append(field_name)
            elif not fnmatch.fnmatchcase(actual, pattern):
                mismatches.append(field_name)
        if mismatches:
            yield ctx.result(
                check, listener.resource, Status.FAIL,
                f"{listener.resource} is owned by {owner_facts(listener)}; the baseline expects {expected} "
                f"(wrong {' and '.join(mismatches)}).",
                meta=entry.meta, evidence=evidence,
                remediation=f"Find the owner of {listener.resource} with `ss -tulnp`; stop it if it is not "
                f"the approved one ({expected}), or correct the rule.",
            )
        elif unknown:
            why, remediation = _UNKNOWN_OWNER[views.privileged]
            yield ctx.result(
                check, listener.resource, Status.ERROR,
                f"The owner of {listener.resource} is unknown ({', '.join(unknown)} not visible{why}); "
                f"expected {expected}.",
                meta=entry.meta, evidence=evidence, remediation=remediation,
            )
        else:
            yield ctx.result(check, listener.resource, Status.PASS,
                             f"{listener.resource} is owned by {owner_facts(listener)}, as the baseline expects "
                             f"({expected}).", meta=entry.meta, evidence=evidence)

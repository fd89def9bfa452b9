"""Helpers the formatters share: the one result order, XML clean-up, evidence as text.

Pure functions on strings and models; no I/O, no clock. Kept here so every format lists
hosts and results in the same order. Markdown escaping is in markdown_text.py, the one-line
cleaner of terminal text in checker/model/text.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from checker.model import HostReport, Report, Result, Severity, Status
from checker.model.addresses import host_sort_key

SEVERITIES_HIGH_FIRST = tuple(sorted(Severity, key=lambda s: -s.rank))
"""critical, high, medium, low."""

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Everything outside the XML 1.0 `Char` production (C0 controls, lone surrogates, U+FFFE/F)."""


def sorted_hosts(report: Report) -> list[HostReport]:
    """Hosts in natural order (addresses numerically, then names): the order every format lists them in."""
    return sorted(report.hosts, key=lambda host: host_sort_key(host.name))


def sorted_results(host: HostReport) -> list[Result]:
    """A host's results in the one documented order (`Result.sort_key`)."""
    return sorted(host.results, key=Result.sort_key)


def all_results(report: Report) -> list[Result]:
    return [result for host in sorted_hosts(report) for result in sorted_results(host)]


def path_uri(path: str) -> str:
    """`path` percent-encoded for a URI (`/` kept). A file name that is not UTF-8 reaches us with
    lone surrogates (Python's surrogateescape): its original bytes are what get encoded, so
    the URI names that very file; `quote()` alone raised UnicodeEncodeError on it."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name decodes to: keep it visible
        raw = path.encode("utf-8", "surrogatepass")
    return quote(raw, safe="/-._~")


def strip_xml_illegal(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry at all (not even as `&#..;`)."""
    return _XML_ILLEGAL.sub("", text)


_SCALAR_TEXT: dict[type, Any] = {
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}
"""What `json.dumps` writes for these exact types, without its per-call set-up (an evidence
line of 10,000 listeners is ~40,000 scalars). Floats, lists and dicts still go through json."""


def evidence_value_text(value: Any) -> str:
    """One evidence value as shown: a string as it is, anything else as compact JSON."""
    kind = type(value)
    if kind is str:
        return str(value)
    fast = _SCALAR_TEXT.get(kind)
    if fast is not None:
        return str(fast(value))
    if isinstance(value, str):
        return f"{value}"  # a str subclass (an enum) shown as an f-string shows it
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def evidence_text(evidence: Mapping[str, Any]) -> str:
    """Evidence as one readable line: `key: value; key: value`, keys sorted."""
    return "; ".join([f"{key}: {evidence_value_text(evidence[key])}" for key in sorted(evidence)])


def counts_by_severity(report: Report) -> dict[str, dict[str, int]]:
    """`{severity: {status: n}}`, every severity and status present (0 when none)."""
    table = {sev.value: {status.value: 0 for status in Status} for sev in SEVERITIES_HIGH_FIRST}
    for result in report.results:
        table[result.severity.value][result.status.value] += 1
    return table


def waiver_note(result: Result) -> str:
    """`waived until 2026-12-31: reason` / `waiver EXPIRED on ...: reason`; empty without a waiver."""
    waiver = result.waiver
    if waiver is None:
        return ""
    if waiver.expired:
        return f"waiver expired on {waiver.expires.isoformat()} ({waiver.location}): {waiver.reason}"
    return f"waived until {waiver.expires.isoformat()} ({waiver.location}): {waiver.reason}"

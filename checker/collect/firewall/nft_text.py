"""Render nft JSON rule statements back as nft syntax, for evidence and for unmodelled conditions.

`nft -j` gives no rule text, and evidence must quote the rule a human would recognise, so the
common expressions are written the way `nft list ruleset` writes them (`tcp dport { 80, 443 }
accept`). Anything else is written as `NAME <compact JSON>`: exact, if less pretty. Pure, no I/O.
"""

from __future__ import annotations

import json
from typing import Any

_VERDICTS = ("accept", "drop", "continue", "return")
_BARE_META = frozenset({"iif", "iifname", "oif", "oifname"})


def render_value(value: Any) -> str:
    """A right-hand side: `22`, `{ 80, 443 }`, `8000-8080`, `10.0.0.0/8`, `@allowed`, `"lo"`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(render_value(item) for item in value)
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "set":
            items = inner if isinstance(inner, list) else [inner]
            return "{ " + ", ".join(render_value(item) for item in items) + " }"
        if key == "range" and isinstance(inner, list) and len(inner) == 2:
            return f"{render_value(inner[0])}-{render_value(inner[1])}"
        if key == "prefix" and isinstance(inner, dict):
            return f"{render_value(inner.get('addr'))}/{inner.get('len')}"
        if key == "elem" and isinstance(inner, dict):
            return render_value(inner.get("val"))
    return render_expression(value)


def render_expression(expr: Any) -> str:
    """A left-hand side: `tcp dport`, `ip saddr`, `meta l4proto`, `ct state`, `fib daddr type`."""
    if isinstance(expr, dict) and len(expr) == 1:
        (key, inner), = expr.items()
        if isinstance(inner, dict):
            if key == "payload" and "protocol" in inner:
                return f"{inner['protocol']} {inner.get('field')}"
            if key == "meta" and "key" in inner:
                # nft prints interface keys bare (`iifname "lo"`), the others with `meta`
                return inner["key"] if inner["key"] in _BARE_META else f"meta {inner['key']}"
            if key == "ct" and "key" in inner:
                return f"ct {inner['key']}"
            if key == "fib":
                flags = inner.get("flags", [])
                flags = flags if isinstance(flags, list) else [flags]
                return f"fib {' . '.join(str(f) for f in flags)} {inner.get('result')}"
    if isinstance(expr, (str, int, float)):
        return render_value(expr)
    return _compact(expr)


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def render_statement(statement: Any) -> str:
    """One statement of a rule, in nft syntax where known."""
    if not isinstance(statement, dict) or len(statement) != 1:
        return _compact(statement)
    (key, inner), = statement.items()
    key = str(key)
    if key in _VERDICTS:
        return key
    if key == "match" and isinstance(inner, dict):
        op = inner.get("op", "==")
        operator = "" if op in ("==", "in") else f"{op} "
        return f"{render_expression(inner.get('left'))} {operator}{render_value(inner.get('right'))}"
    if key in ("jump", "goto") and isinstance(inner, dict):
        return f"{key} {inner.get('target')}"
    if key == "counter":
        return "counter"
    if key == "reject":
        if isinstance(inner, dict) and inner.get("type"):
            detail = f" {inner['expr']}" if inner.get("expr") else ""
            return f"reject with {inner['type']}{detail}"
        return "reject"
    if key in ("dnat", "snat", "redirect", "masquerade") and isinstance(inner, dict):
        address = render_value(inner["addr"]) if "addr" in inner else ""
        port = f":{render_value(inner['port'])}" if "port" in inner else ""
        return f"{key} to {address}{port}".rstrip() if address or port else key
    if key in ("masquerade", "redirect", "dnat", "snat"):
        return key
    if key == "log":
        return "log"
    return f"{key} {_compact(inner)}"


def render_rule(expressions: list[Any]) -> str:
    """The whole rule: its statements joined by spaces, as `nft list ruleset` prints them."""
    return " ".join(render_statement(statement) for statement in expressions)

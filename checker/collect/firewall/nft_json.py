"""Parse `nft -j list ruleset` output (libnftables-json(5), schema version 1) into the firewall model.

Pure: text in, `FirewallRuleset` out, `FirewallFormatError` for a document that is not an nft
ruleset (never an empty ruleset: fail closed). Each rule's statements are turned into the
conditions the evaluator models (`checker.model.firewall.MatchKind`): `meta l4proto|nfproto|
iifname|iif|oifname|oif`, `tcp|udp|th dport` (value, anonymous or named set, range, `<`/`>`),
`ip|ip6 saddr|daddr` (address, prefix, range, set), `ip protocol`, `ip6 nexthdr`, `ct state`,
`fib daddr type`. Every other condition (limit, quota, marks, concatenations, dynamic sets,
`xt` compat matches...) becomes an UNMODELLED match quoting its text, and every other
statement that can change the packet's fate an UNMODELLED verdict: the evaluator answers
`unknown` where they could decide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from checker.collect.firewall.nft_text import render_rule, render_statement
from checker.model.firewall import (
    FirewallChain,
    FirewallMatch,
    FirewallRule,
    FirewallRuleset,
    MatchKind,
    Verdict,
)

_META_KINDS = {"l4proto": MatchKind.PROTOCOL, "nfproto": MatchKind.FAMILY, "iifname": MatchKind.IIFNAME,
               "iif": MatchKind.IIFNAME, "oifname": MatchKind.OIFNAME, "oif": MatchKind.OIFNAME}
_ADDRESS_FAMILIES = {"ip": "ipv4", "ip6": "ipv6"}
_PORT_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "th": None, "udplite": "udplite", "sctp": "sctp", "dccp": "dccp"}
_STATEMENTS_WITHOUT_EFFECT = frozenset({"counter", "log"})
"""Statements that neither decide nor change the packet: the next statement is evaluated."""
_MARK_KEYS = frozenset({"mark", "priority"})
"""`meta|ct mark set ...` changes only what unmodelled mark matches would read."""


class FirewallFormatError(ValueError):
    """The text is not a ruleset this parser can read; `str()` is one line."""


# A named set: its elements, or None when its content cannot be modelled (dynamic, timeouts, concatenations).
_Sets = Mapping[tuple[str, str, str], tuple[str, ...] | None]


def parse_nft_json(data: str | bytes, source: str) -> FirewallRuleset:
    """The ruleset of one `nft -j list ruleset` output."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise FirewallFormatError(f"{source}: not JSON: {exc}") from None
    return parse_nft_document(document, source)


def parse_nft_document(document: Any, source: str) -> FirewallRuleset:
    """The ruleset of one decoded nft JSON document (`{"nftables": [...]}`)."""
    objects = document.get("nftables") if isinstance(document, dict) else None
    if not isinstance(objects, list):
        raise FirewallFormatError(f"{source}: not an nft JSON ruleset (no top-level \"nftables\" list)")
    version = None
    chains: dict[tuple[str, str, str], dict[str, Any]] = {}
    rules: dict[tuple[str, str, str], list[FirewallRule]] = {}
    sets: dict[tuple[str, str, str], tuple[str, ...] | None] = {}
    tables: dict[tuple[str, str], Any] = {}
    raw_rules: list[dict[str, Any]] = []
    for item in objects:
        if not isinstance(item, dict) or len(item) != 1:
            raise FirewallFormatError(f"{source}: unexpected entry {json.dumps(item)[:80]}")
        (kind, body), = item.items()
        if not isinstance(body, dict):
            raise FirewallFormatError(f"{source}: {kind} entry is not an object")
        if kind == "metainfo":
            if body.get("json_schema_version", 1) != 1:
                raise FirewallFormatError(f"{source}: unsupported json_schema_version {body['json_schema_version']}")
            version = body.get("version")
        elif kind == "table":
            tables[(str(body.get("family")), str(body.get("name")))] = body.get("flags")
        elif kind == "chain":
            chains[_key(body, "name", source)] = body
            rules.setdefault(_key(body, "name", source), [])
        elif kind in ("set", "map"):
            sets[_key(body, "name", source)] = _set_elements(body) if kind == "set" else None
        elif kind == "rule":
            raw_rules.append(body)
    for body in raw_rules:
        key = _key(body, "chain", source)
        if key not in chains:
            raise FirewallFormatError(f"{source}: rule of unknown chain {' '.join(key)}")
        expressions = body.get("expr")
        if not isinstance(expressions, list):
            raise FirewallFormatError(f"{source}: rule without an expression list in chain {' '.join(key)}")
        rules[key].append(parse_rule(expressions, key[0], key[1], sets, body.get("handle")))
    return FirewallRuleset(
        backend="nftables", source=source, version=str(version) if version is not None else None,
        chains=tuple(_chain(body, tuple(rules[key]), tables.get(key[:2])) for key, body in chains.items()),
    )


def _key(body: Mapping[str, Any], name_field: str, source: str) -> tuple[str, str, str]:
    family, table, name = body.get("family"), body.get("table"), body.get(name_field)
    if not all(isinstance(part, str) for part in (family, table, name)):
        raise FirewallFormatError(f"{source}: entry without family/table/{name_field}: {json.dumps(body)[:80]}")
    return str(family), str(table), str(name)


_HARMLESS_TABLE_FLAGS = frozenset({"owner", "persist"})
"""Table flags that change nothing the packet meets (who may delete the table)."""


def _chain(body: Mapping[str, Any], rules: tuple[FirewallRule, ...], table_flags: Any) -> FirewallChain:
    flags = [table_flags] if isinstance(table_flags, str) else table_flags or []
    if body.get("hook") and isinstance(flags, list) and "dormant" in flags:
        # a dormant table's base chains are not registered with the kernel: they see no packet
        return FirewallChain(family=body["family"], table=body["table"], name=body["name"], rules=rules)
    if body.get("hook") and not (isinstance(flags, list) and set(flags) <= _HARMLESS_TABLE_FLAGS):
        # nft 1.0.6 prints a single table flag as garbage ("f" for dormant): whether this chain
        # filters anything is unknown, so its first rule says so and nothing after it counts
        text = f"table {body['family']} {body['table']} flags {json.dumps(table_flags)} (not understood: dormant?)"
        rules = (FirewallRule((), Verdict.UNMODELLED, text), *rules)
    priority = body.get("prio")
    return FirewallChain(
        family=body["family"], table=body["table"], name=body["name"], rules=rules,
        hook=body.get("hook"), chain_type=body.get("type"),
        priority=priority if isinstance(priority, int) and not isinstance(priority, bool) else None,
        policy=body.get("policy") or ("accept" if body.get("hook") else None),
    )


def _set_elements(body: Mapping[str, Any]) -> tuple[str, ...] | None:
    flags = body.get("flags") or []
    if "dynamic" in flags or "timeout" in flags or isinstance(body.get("type"), list):
        return None  # its content changes at run time, or is a concatenation: not modelled
    values = flatten_values(body.get("elem", []), {}, "", "")
    return values


def flatten_values(value: Any, sets: _Sets, family: str, table: str) -> tuple[str, ...] | None:
    """The right-hand side as plain values (`22`, `8000-8080`, `10.0.0.0/8`); None if not modellable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        text = str(value)
        if text.startswith("@"):
            return sets.get((family, table, text[1:]))
        return (text,)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            flat = flatten_values(item, sets, family, table)
            if flat is None:
                return None
            out.extend(flat)
        return tuple(out)
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "set":
            return flatten_values(inner if isinstance(inner, list) else [inner], sets, family, table)
        if key == "elem" and isinstance(inner, dict) and set(inner) <= {"val", "counter", "comment"}:
            return flatten_values(inner.get("val"), sets, family, table)
        if key == "range" and isinstance(inner, list) and len(inner) == 2:
            low, high = flatten_values(inner[0], sets, family, table), flatten_values(inner[1], sets, family, table)
            return (f"{low[0]}-{high[0]}",) if low and high and len(low) == len(high) == 1 else None
        if key == "prefix" and isinstance(inner, dict) and isinstance(inner.get("addr"), str):
            return (f"{inner['addr']}/{inner.get('len')}",)
    return None


def _comparison_range(op: str, values: tuple[str, ...]) -> tuple[str, ...] | None:
    """`tcp dport < 1024` as the range `0-1023`; None when not a single port."""
    if len(values) != 1 or not values[0].isdigit():
        return None
    port = int(values[0])
    bounds = {"<": (0, port - 1), "<=": (0, port), ">": (port + 1, 65535), ">=": (port, 65535)}.get(op)
    if bounds is None or bounds[0] > bounds[1]:
        return None
    return (f"{bounds[0]}-{bounds[1]}",)


def parse_match(match: Mapping[str, Any], family: str, table: str, sets: _Sets) -> list[FirewallMatch]:
    """The modelled condition(s) of one `match` statement, or one UNMODELLED match with its text."""
    text = render_statement({"match": match})
    unmodelled = [FirewallMatch(MatchKind.UNMODELLED, (text,))]
    left, op = match.get("left"), str(match.get("op", "=="))
    values = flatten_values(match.get("right"), sets, family, table)
    if values is None or not isinstance(left, dict) or len(left) != 1:
        return unmodelled
    (kind, inner), = left.items()
    if not isinstance(inner, dict):
        return unmodelled
    negated = op == "!="
    if op not in ("==", "!=", "in"):
        ranged = _comparison_range(op, values) if kind == "payload" and inner.get("field") == "dport" else None
        if ranged is None:
            return unmodelled
        values, negated = ranged, False
    if kind == "meta" and inner.get("key") in _META_KINDS:
        return [FirewallMatch(_META_KINDS[inner["key"]], values, negated)]
    if kind == "ct" and inner.get("key") == "state" and "dir" not in inner:
        return [FirewallMatch(MatchKind.CT_STATE, values, negated)]
    if kind == "fib" and inner.get("result") == "type" and inner.get("flags") in ("daddr", ["daddr"]):
        return [FirewallMatch(MatchKind.DST_LOCAL, values, negated)]
    if kind != "payload":
        return unmodelled
    protocol, field = inner.get("protocol"), inner.get("field")
    if field == "dport" and protocol in _PORT_PROTOCOLS and all(_is_port(v) for v in values):
        return [FirewallMatch(MatchKind.DPORT, values, negated, _PORT_PROTOCOLS[protocol])]
    if protocol in _ADDRESS_FAMILIES and field in ("saddr", "daddr"):
        kind_of = MatchKind.SADDR if field == "saddr" else MatchKind.DADDR
        return [FirewallMatch(kind_of, values, negated, _ADDRESS_FAMILIES[protocol])]
    if (protocol, field) in (("ip", "protocol"), ("ip6", "nexthdr")):
        # the header field implies the family: false (not "unknown") for the other family
        return [FirewallMatch(MatchKind.FAMILY, (_ADDRESS_FAMILIES[str(protocol)],)),
                FirewallMatch(MatchKind.PROTOCOL, values, negated)]
    return unmodelled


def _is_port(value: str) -> bool:
    low, _, high = value.partition("-")
    return low.isdigit() and (not high or high.isdigit())


def parse_rule(expressions: list[Any], family: str, table: str, sets: _Sets, handle: Any = None) -> FirewallRule:
    """One rule: conditions up to the first verdict statement; what follows it is never reached."""
    matches: list[FirewallMatch] = []
    verdict, target = Verdict.CONTINUE, None
    for statement in expressions:
        if not isinstance(statement, dict) or len(statement) != 1:
            verdict = Verdict.UNMODELLED
            break
        (key, inner), = statement.items()
        if key == "match" and isinstance(inner, dict):
            matches.extend(parse_match(inner, family, table, sets))
            continue
        if key in _STATEMENTS_WITHOUT_EFFECT:
            continue
        if key == "mangle" and _mangles_only_marks(inner):
            continue
        if key in ("limit", "quota", "ct count"):
            # a rate or quota decides whether the rest of the rule applies: a condition we cannot know
            matches.append(FirewallMatch(MatchKind.UNMODELLED, (render_statement(statement),)))
            continue
        verdict, target = _verdict(key, inner)
        break
    return FirewallRule(tuple(matches), verdict, render_rule(expressions), target,
                        handle if isinstance(handle, int) and not isinstance(handle, bool) else None)


def _mangles_only_marks(inner: Any) -> bool:
    key = inner.get("key") if isinstance(inner, dict) else None
    if not isinstance(key, dict) or len(key) != 1:
        return False
    (kind, body), = key.items()
    return kind in ("meta", "ct") and isinstance(body, dict) and body.get("key") in _MARK_KEYS


def _verdict(key: str, inner: Any) -> tuple[Verdict, str | None]:
    simple = {"accept": Verdict.ACCEPT, "drop": Verdict.DROP, "return": Verdict.RETURN,
              "continue": Verdict.CONTINUE, "reject": Verdict.REJECT,
              "masquerade": Verdict.CONTINUE, "snat": Verdict.CONTINUE}
    if key in simple:
        return simple[key], None
    if key in ("jump", "goto") and isinstance(inner, dict) and isinstance(inner.get("target"), str):
        return (Verdict.JUMP if key == "jump" else Verdict.GOTO), inner["target"]
    if key == "dnat" and isinstance(inner, dict) and isinstance(inner.get("addr"), str):
        port = inner.get("port")
        if port is None:
            return Verdict.DNAT, inner["addr"]
        # a port range or map cannot name one destination: the translated path is not modelled
        return (Verdict.DNAT, f"{inner['addr']}:{port}") if isinstance(port, int) else (Verdict.UNMODELLED, None)
    if key == "redirect":
        port = inner.get("port") if isinstance(inner, dict) else None
        return Verdict.REDIRECT, str(port) if isinstance(port, int) else None
    return Verdict.UNMODELLED, None

"""JSON Schema validation of one baseline document, and errors explained the way a user reads YAML.

jsonschema's own messages name JSON paths and Python reprs; `_explain_schema_error` turns each
error into a located `Problem` ("unknown key 'alow' in ports (did you mean 'allow'?)").
The schema itself is schemas/baseline.schema.json (bundled as checker/data/schemas). What the
schema cannot express (port ranges, duplicates, conflicts) is checked by the section modules in
`sections/`; this module must not grow such checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from typing import Any

from checker import resources
from checker.errors import Problem
from checker.policy.yaml_positions import Document, Path


def _is_integer(checker: Any, instance: Any) -> bool:
    """YAML `22.0` is a float: JSON Schema's `integer` accepts it, but a port, a count or a timing
    must be written as an integer (and every later stage, e.g. `int("22.0")`, expects one)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def schema_problems(doc: Document) -> list[Problem]:
    """Every place `doc` breaks schemas/baseline.schema.json, each explained at its line."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    strict: Any = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer))
    validator = strict(resources.load_schema("baseline"), format_checker=base.FORMAT_CHECKER)
    problems: list[Problem] = []
    for error in validator.iter_errors(doc.data):
        problems.extend(_explain_schema_error(doc, error))
    return problems


def _path_text(path: Path) -> str:
    """`ports.allow[0].protocol`: how a user finds the value in the YAML."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """` (did you mean 'ports'?)` when a choice is close to `word`, else empty."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _explain_schema_error(doc: Document, error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    where = _path_text(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            context = f" in {where}" if path else ""
            yield doc.problem(path + (key,), f"unknown key {key!r}{context}{did_you_mean(key, allowed)}", key=True)
        return
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        # jsonschema reports a bad key at its mapping; point at the key itself, and suggest
        # case-insensitively (`syn-recv` -> 'SYN-RECV').
        key = error.instance
        choices = [str(c) for c in schema.get("enum", ())]
        hint = did_you_mean(key.upper(), choices) or did_you_mean(key, choices)
        reason = schema.get("x-errorMessage", "is not allowed here")
        yield doc.problem(path + (key,), f"{where}: {key!r} {reason}{hint}", key=True)
        return
    if error.validator == "required":
        yield doc.problem(path, f"{where}: {error.message}")
        return
    if error.validator == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = did_you_mean(str(error.instance), choices)
        yield doc.problem(path, f"{where}: {error.instance!r} is not one of {', '.join(choices)}{hint}")
        return
    if error.validator == "const":
        yield doc.problem(path, f"{where}: must be {error.validator_value!r}, not {error.instance!r}")
        return
    if error.validator == "anyOf" and "x-errorMessage" in schema:
        yield doc.problem(path, f"{where}: {error.instance!r} {schema['x-errorMessage']}")
        return
    if error.validator == "format" and error.validator_value == "date":
        yield doc.problem(path, f"{where}: {error.instance!r} is not a date (YYYY-MM-DD)")
        return
    if error.validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        yield doc.problem(path, f"{where}: expected {expected_text}, got {_yaml_type(error.instance)}")
        return
    yield doc.problem(path, f"{where}: {error.message}")


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"

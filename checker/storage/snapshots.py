"""Snapshot files: writing them as JSON and reading them back, validated.

What it is for: the one place that turns a `Snapshot` into the JSON document of
schemas/snapshot.schema.json and back. `surfacecheck collect -o` writes one object for one
host and a JSON list for several; `load_snapshot` reads a single object (or, for
convenience, a one-element list), `load_snapshot_list` reads either form as a list.

What it must not do: let a bad file become a traceback. Every problem with an input file
(missing, unreadable, not JSON, wrong schema_version, not matching the schema) is an
`InputError` whose message is one line, `PATH: what is wrong`; reading and decoding is the one
bounded reader's (checker/storage/json_reader.py), the checks of the content are here.
"""

from __future__ import annotations

from typing import Any

from checker.errors import InputError
from checker.model import COLLECTED_FIELDS, Snapshot
from checker.model.serialize import dumps_by_line, from_data, to_data
from checker.storage.json_reader import read_json_file

SCHEMA_VERSION = 1


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The snapshot as deterministic JSON text: sorted keys, one line per listener, unit,
    socket unit, xinetd service and scanned port (`serialize.dumps_by_line`), final newline."""
    return dumps_by_line(to_data(snapshot), depth=1)


def snapshots_to_json(snapshots: list[Snapshot]) -> str:
    """One snapshot -> an object; several -> a JSON list (what `collect -o` writes)."""
    if len(snapshots) == 1:
        return snapshot_to_json(snapshots[0])
    return dumps_by_line([to_data(snapshot) for snapshot in snapshots], depth=2)


def snapshot_from_data(data: Any, path: str, where: str = "") -> Snapshot:
    """Validate one decoded snapshot object (schema_version, schema, types) and build it."""
    label = f"{path}{where}"
    if not isinstance(data, dict):
        raise InputError(f"{label}: a snapshot must be a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(f"{label}: unsupported snapshot schema_version {version!r} "
                         f"(this surfacecheck reads {SCHEMA_VERSION})")
    _validate(data, label)
    _refuse_duplicate_records(data, label)
    _require_collected_fields(data, label)
    try:
        return from_data(Snapshot, data)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{label}: {exc}") from None


def _validate(data: Any, label: str) -> None:
    import jsonschema

    from checker.resources import load_schema

    validator = jsonschema.Draft202012Validator(load_schema("snapshot"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        pointer = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
        message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise InputError(f"{label}: ${pointer}: {message}".replace("\n", " "))


def _refuse_duplicate_records(data: dict[str, Any], label: str) -> None:
    """One record per collector: `collect` never writes two, and with `unit-files` both `ok` and
    `partial` the evaluator would have to pick one (it took the first, and passed on it)."""
    names = [run.get("name") for run in data.get("collectors", ())]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"{label}: collector {repeated[0]!r} is recorded more than once "
                         "(hand-edited or merged by hand?)")


def _require_collected_fields(data: dict[str, Any], label: str) -> None:
    """A collector the file says ran must have left its fields (`collect` always writes them, if
    only `[]`): a hand-edited file without `listeners` but with `sockets: ok` would otherwise
    read as "nothing listens" and pass every forbid rule on evidence that is not there."""
    no_evidence = ("failed", "unavailable", "not-run")
    ran = {run.get("name") for run in data.get("collectors", ()) if run.get("status") not in no_evidence}
    for collector, fields in COLLECTED_FIELDS.items():
        if collector.value in ran:
            missing = [name for name in fields if name not in data]
            if missing:
                raise InputError(f"{label}: collector {collector.value!r} ran but the snapshot has no "
                                 f"{', '.join(repr(name) for name in missing)} (hand-edited or truncated?)")


def load_snapshot_list(path: str) -> list[Snapshot]:
    """Every snapshot in `path`: a single object or a JSON list of them (as `collect` writes)."""
    return snapshots_from_document(path, read_json_file(path, kind="snapshot"))


def snapshots_from_document(path: str, data: Any) -> list[Snapshot]:
    """The snapshots of a decoded document read from `path`: one object or a list of them."""
    if isinstance(data, list):
        if not data:
            raise InputError(f"{path}: an empty list holds no snapshot")
        return [snapshot_from_data(item, path, f"[{index}]") for index, item in enumerate(data)]
    return [snapshot_from_data(data, path)]


def load_snapshot(path: str) -> Snapshot:
    """The snapshot in `path`. A list with exactly one snapshot is accepted too; a list of
    several is an InputError (use `load_snapshot_list`)."""
    snapshots = load_snapshot_list(path)
    if len(snapshots) != 1:
        raise InputError(f"{path}: holds {len(snapshots)} snapshots; expected one")
    return snapshots[0]


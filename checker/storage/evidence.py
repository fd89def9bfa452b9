"""The evidence bundle (`audit --evidence-dir DIR`): everything an auditor files, in one folder.

Contents:

* one file per format of checker/formatters/registry.py (its `bundle_file`);
* `snapshots/<host>.json`: each host's snapshot, the raw observations;
* `baseline.resolved.yaml`: the baseline after `extends` merging, as it was evaluated;
* `SHA256SUMS`: `sha256sum -c SHA256SUMS` (run inside DIR) verifies every file above.

The directory must be empty or absent (checked before collecting, and again when writing): a
bundle never mixes two audits. Its files are written with the run's other reports as one set
(checker/storage/atomic.py), `SHA256SUMS` renamed last, so a bundle with a `SHA256SUMS` is complete.
Formats the caller already rendered (with its `FormatOptions`) are reused as they are;
missing ones are rendered here with the default options.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping

from checker.errors import UsageError
from checker.formatters import FormatOptions, bundle_files, get_formatter
from checker.model import Baseline, Report, Snapshot
from checker.model.text import printable_line
from checker.storage.atomic import check_writable_directory, write_report_set

BASELINE_FILE = "baseline.resolved.yaml"
SNAPSHOT_DIR = "snapshots"
CHECKSUMS_FILE = "SHA256SUMS"

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def evidence_files(
    directory: str, report: Report, baseline: Baseline, rendered: Mapping[str, str]
) -> dict[str, str]:
    """`{path: text}` of every file of the bundle in `directory`, `SHA256SUMS` last: the caller
    writes them with the run's other reports as one set (`checker.storage.atomic.write_report_set`).
    `rendered` holds the formats the caller already rendered, by format name."""
    check_evidence_dir(directory)
    files: dict[str, str] = {}
    for fmt, name in bundle_files().items():
        text = rendered.get(fmt)
        files[name] = text if text is not None else get_formatter(fmt).format(report, FormatOptions())
    for name, snapshot in _snapshot_files(report).items():
        files[f"{SNAPSHOT_DIR}/{name}"] = _snapshot_json(snapshot)
    files[BASELINE_FILE] = _baseline_yaml(baseline)
    sums = "".join(f"{hashlib.sha256(files[name].encode('utf-8')).hexdigest()}  {name}\n" for name in sorted(files))
    paths = {os.path.join(directory, name): files[name] for name in sorted(files)}
    paths[os.path.join(directory, CHECKSUMS_FILE)] = sums
    return paths


def write_evidence_bundle(
    directory: str, report: Report, baseline: Baseline, rendered: Mapping[str, str]
) -> None:
    """Write the bundle alone (as one set) into `directory`, created if absent."""
    write_report_set(evidence_files(directory, report, baseline, rendered))


def check_evidence_dir(directory: str) -> None:
    """`UsageError` unless `directory` is an empty directory, or absent with a writable parent.
    Run before collecting (nothing is written when the bundle could not be) and again at writing."""
    if os.path.lexists(directory):
        if not os.path.isdir(directory) or os.path.islink(directory):
            raise UsageError(f"--evidence-dir {directory}: exists and is not a directory")
        try:
            entries = os.listdir(directory)
        except OSError as exc:
            raise UsageError(f"--evidence-dir {directory}: cannot list: {exc.strerror or exc}") from exc
        if entries:
            raise UsageError(f"--evidence-dir {directory}: not empty; an evidence bundle needs an empty "
                             "or new directory")
    check_writable_directory(os.path.abspath(directory), f"--evidence-dir {directory}")


def check_outside_evidence_dir(directory: str, outputs: Mapping[str, str]) -> None:
    """`UsageError` when a report path (`{flag: path}`) lies inside the evidence directory: it would
    replace a bundle file (`--markdown DIR/results.json`) or sit there unlisted in `SHA256SUMS`."""
    root = os.path.realpath(directory)
    for flag, path in outputs.items():
        if path != "-" and os.path.commonpath([root, os.path.realpath(path)]) == root:
            raise UsageError(f"{flag} {path}: inside --evidence-dir {directory}; the bundle holds every "
                             "format already, write other reports elsewhere")


def _snapshot_files(report: Report) -> dict[str, Snapshot]:
    """`<host>.json` per host, the name reduced to safe characters and made unique."""
    files: dict[str, Snapshot] = {}
    for host in sorted(report.hosts, key=lambda h: h.name):
        stem = _UNSAFE_NAME.sub("_", host.name).lstrip(".") or "host"
        stem = stem[:100]
        name, counter = f"{stem}.json", 2
        while name in files:
            name, counter = f"{stem}-{counter}.json", counter + 1
        files[name] = host.snapshot
    return files


def _snapshot_json(snapshot: Snapshot) -> str:
    """The snapshot exactly as `collect -o` writes it."""
    from checker.storage.snapshots import snapshot_to_json

    return snapshot_to_json(snapshot)


def _baseline_yaml(baseline: Baseline) -> str:
    import yaml

    from checker.policy import resolved_document

    def comment(text: str) -> str:
        return "# " + printable_line(text) + "\n"

    header = comment(f"The baseline {baseline.name!r} as evaluated: {baseline.path} with `extends` merged.")
    header += "".join(comment(f"source: {s.path} sha256 {s.sha256}") for s in baseline.sources)
    body = yaml.safe_dump(resolved_document(baseline), sort_keys=True, default_flow_style=False, allow_unicode=False)
    return header + body

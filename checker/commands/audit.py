"""`surfacecheck audit`: load the baseline, gather snapshots, evaluate, write reports, exit code.

Just the wiring of the three stages (../shared/STYLE.md practice 1): `checker.policy.load` loads,
`checker.collect.gather` collects or reads snapshots, `checker.evaluate` decides, the formatters
render, `checker.storage.atomic` writes atomically. Every requested format is rendered before any
file is written, so a formatter failure leaves no half-updated set of reports. The console
summary goes to stderr when a report goes to stdout (`-`), to stdout otherwise; under `--quiet`
it is the one summary line. The exit code comes from `checker.evaluate.exit_code` only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace

from checker.errors import InputError
from checker.model import Severity, Snapshot


def run(args: argparse.Namespace) -> int:
    from checker.collect.gather import gather_labelled_snapshots
    from checker.commands.report import format_options, requested_outputs, warn_about_sarif_size
    from checker.evaluate import evaluate, exit_code_for
    from checker.formatters import bundle_files, get_formatter
    from checker.formatters.console.style import wants_color
    from checker.policy import load_baseline
    from checker.storage.atomic import write_text_atomic

    outputs = requested_outputs(args)
    fail_on = Severity(getattr(args, "fail_on", None) or Severity.LOW.value)
    baseline = load_baseline(getattr(args, "baseline", None))
    labelled = gather_labelled_snapshots(args, baseline)
    reject_shared_host_names(labelled)
    snapshots = [snapshot for _, snapshot in labelled]
    report = evaluate(baseline, snapshots, fail_on=fail_on)

    options = format_options(args)
    evidence_dir = getattr(args, "evidence_dir", None)
    names = list(outputs)
    if evidence_dir:
        names += [name for name in bundle_files() if name not in outputs]
    rendered = {name: get_formatter(name).format(report, options) for name in names}
    for name, path in outputs.items():
        write_text_atomic(path, rendered[name])
    if evidence_dir:
        from checker.storage.evidence import write_evidence_bundle

        write_evidence_bundle(evidence_dir, report, baseline, rendered)
    warn_about_sarif_size(report, outputs)

    stream = sys.stderr if "-" in outputs.values() else sys.stdout
    console = replace(
        options,
        color=wants_color(stream, no_color_flag=bool(getattr(args, "no_color", False))),
        verbose=bool(getattr(args, "verbose", False)), quiet=bool(getattr(args, "quiet", False)),
        reports_requested=bool(outputs or evidence_dir), ports_default=baseline.ports.default.value,
    )
    stream.write(get_formatter("console").format(report, console))
    stream.flush()
    return int(exit_code_for(report, fail_on=fail_on, exit_zero=bool(getattr(args, "exit_zero", False))))


def reject_shared_host_names(labelled: Sequence[tuple[str, Snapshot]]) -> None:
    """Two hosts with one name (cloned images, containers) would merge into one testsuite and
    share SARIF fingerprints: an input error naming both sources (fix: `--host-name`)."""
    from checker.evaluate import host_name

    seen: dict[str, str] = {}
    for source, snapshot in labelled:
        name = host_name(snapshot)
        if name in seen:
            raise InputError(f"two hosts are named {name!r}: {seen[name]} and {source}; give each its own "
                             "name (`surfacecheck collect --host-name NAME`)")
        seen[name] = source

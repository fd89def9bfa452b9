"""`surfacecheck audit`: load the baseline, gather snapshots, evaluate, write reports, exit code.

Just the wiring of the three stages (STYLE.md practice 1): `checker.policy.load` loads,
`checker.collect.gather` collects or reads snapshots, `checker.evaluate` decides, the formatters
render, `checker.storage.atomic` writes atomically. Every requested format is rendered (into
temporary files, piece by piece: a fleet's JSON is never one string) before any report is put in
place, so a formatter failure leaves no half-updated set of reports. The console
summary goes to stderr when a report goes to stdout (`-`), to stdout otherwise, and nowhere
under `--quiet`. The exit code comes from `checker.evaluate.exit_code` only.
"""

from __future__ import annotations

import argparse
import sys

from checker.model import Severity


def run(args: argparse.Namespace) -> int:
    from checker.collect.gather import gather_snapshots
    from checker.commands.report import format_options, requested_outputs
    from checker.evaluate import evaluate, exit_code_for
    from checker.formatters import bundle_files, get_formatter
    from checker.policy import load_baseline
    from checker.storage.atomic import write_outputs_atomic

    outputs = requested_outputs(args)
    fail_on = Severity(getattr(args, "fail_on", None) or Severity.LOW.value)
    baseline = load_baseline(getattr(args, "baseline", None))
    snapshots = gather_snapshots(args, baseline)
    report = evaluate(baseline, snapshots, fail_on=fail_on)

    options = format_options(args)
    evidence_dir = getattr(args, "evidence_dir", None)
    if evidence_dir:
        # The bundle hashes and writes each format whole: render them as strings once.
        names = list(outputs) + [name for name in bundle_files() if name not in outputs]
        rendered = {name: get_formatter(name).format(report, options) for name in names}
        write_outputs_atomic({path: (rendered[name],) for name, path in outputs.items()})
        from checker.storage.evidence import write_evidence_bundle

        write_evidence_bundle(evidence_dir, report, baseline, rendered)
    else:
        write_outputs_atomic({path: get_formatter(name).chunks(report, options) for name, path in outputs.items()})

    if not getattr(args, "quiet", False):
        stream = sys.stderr if "-" in outputs.values() else sys.stdout
        stream.write(get_formatter("console").format(report, options))
        stream.flush()
    return int(exit_code_for(report, fail_on=fail_on, exit_zero=bool(getattr(args, "exit_zero", False))))

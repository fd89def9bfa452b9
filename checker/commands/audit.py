"""`surfacecheck audit`: load the baseline, gather snapshots, evaluate, write reports, exit code.

Just the wiring of the three stages (../shared/STYLE.md practice 1): `checker.policy.load` loads,
`checker.collect.gather` collects or reads snapshots, `checker.evaluate` decides, the formatters
render, `checker.storage.atomic` writes them as one set. The output paths and the evidence
directory are checked before anything is collected; every requested format is rendered before
any file is written, and the reports and the bundle are replaced together or not at all. The console
summary goes to stderr when a report goes to stdout (`-`), to stdout otherwise, and nowhere
under `--quiet`. The exit code comes from `checker.evaluate.exit_code` only: stdout is written
last and a closed stdout (EPIPE) is caught here, so it neither loses the file reports nor
turns a failing audit into 0.
"""

from __future__ import annotations

import argparse
import os
import sys

from checker.model import Severity


def run(args: argparse.Namespace) -> int:
    from checker.collect.gather import gather_snapshots
    from checker.commands.report import check_outputs, format_options, requested_outputs
    from checker.evaluate import evaluate, exit_code_for
    from checker.formatters import bundle_files, get_formatter
    from checker.policy import load_baseline, policy_path_roots
    from checker.storage.atomic import write_report_set

    outputs = requested_outputs(args)
    evidence_dir = getattr(args, "evidence_dir", None)
    check_outputs(outputs)  # before collecting: a FIFO or a full bundle dir must not waste a scan
    if evidence_dir:
        from checker.storage.evidence import check_evidence_dir

        check_evidence_dir(evidence_dir)
    fail_on = Severity(getattr(args, "fail_on", None) or Severity.LOW.value)
    baseline = load_baseline(getattr(args, "baseline", None), policy_path_roots(getattr(args, "policy_path", [])))
    snapshots = gather_snapshots(args, baseline)
    report = evaluate(baseline, snapshots, fail_on=fail_on)

    options = format_options(args)
    names = list(outputs)
    if evidence_dir:
        names += [name for name in bundle_files() if name not in outputs]
    rendered = {name: get_formatter(name).format(report, options) for name in names}
    exit_code = int(exit_code_for(report, fail_on=fail_on, exit_zero=bool(getattr(args, "exit_zero", False))))
    # Files first (as one set), stdout last: a reader that leaves early (`| head`, `| true`) must
    # not cost the other reports nor the exit code, which stays what the evaluation says.
    files = {path: rendered[name] for name, path in outputs.items() if path != "-"}
    if evidence_dir:
        from checker.storage.evidence import evidence_files

        files.update(evidence_files(evidence_dir, report, baseline, rendered))
    write_report_set(files)
    stdout_open = all(write_stdout(rendered[name]) for name, path in outputs.items() if path == "-")

    if not getattr(args, "quiet", False):
        summary = get_formatter("console").format(report, options)
        if "-" in outputs.values():
            sys.stderr.write(summary)
            sys.stderr.flush()
        elif stdout_open:
            write_stdout(summary)
    return exit_code


def write_stdout(text: str) -> bool:
    """Write `text` to stdout; False when the reader has gone (EPIPE).

    Then stdout is pointed at /dev/null, so nothing more reaches the closed pipe (nor the
    interpreter's final flush, which would print a BrokenPipeError), and the caller goes on:
    a closed stdout is not a verdict.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    return True


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null (after EPIPE: the reader of stdout has left)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
